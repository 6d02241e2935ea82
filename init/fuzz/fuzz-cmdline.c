/* libFuzzer target: the kernel command line parser must never crash or overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "init/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct cb_config cfg;
	struct cb_err err;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	cb_config_defaults(&cfg);
	if (cb_cmdline_parse(line, &cfg, &err) == 0) {
		/* Whatever was accepted must be internally consistent. */
		if (cfg.n_urls > CB_MAX_URLS || cfg.timeout_s == 0 || cfg.timeout_s > 86400 ||
		    cfg.init[0] != '/' || cfg.ca[0] != '/' ||
		    (cfg.has_keyhash && (cfg.keyhash.salt_len < COCO_KEYCOMMIT_SALT_MIN ||
					 cfg.keyhash.salt_len > COCO_KEYCOMMIT_SALT_MAX)))
			abort();
		/* an accepted commitment prints back as the canonical form of what was given */
		if (cfg.has_keyhash) {
			char text[COCO_KEYCOMMIT_TEXT_MAX];

			if (coco_keycommit_format(&cfg.keyhash, text, sizeof(text)) < 0 ||
			    strlen(text) != 2 * cfg.keyhash.salt_len + 1 + 2 * COCO_KEYCOMMIT_HASH_LEN)
				abort();
		}
	} else if (err.code != CB_ERR_CMDLINE || !err.detail[0]) {
		abort();
	}
	free(line);
	return 0;
}
