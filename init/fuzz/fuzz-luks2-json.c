/* libFuzzer target: the strict JSON parser, the LUKS2 metadata allowlist and the digest parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "luks2.h"
#include "luks2_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct luks2_info info = { 0 };
	struct cb_err err = { 0 };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *json = malloc(len + 1);

	if (!json)
		return 0;
	memcpy(json, data, len);
	json[len] = '\0';
	if (luks2_check_json(json, len, 16384, &info, &err) == 0) {
		/* Accepted metadata must describe the one allowed shape. */
		if (info.key_bytes != LUKS2_KEY_BYTES || info.data_offset < 32768 || info.sector_size < 512)
			abort();
		/* The digest's salt and value (base64) and bounds, as the boot checks them before the key request. */
		if (luks2_digest_check_params(&info, &err) < 0 && err.code != CB_ERR_LUKS2_FORBIDDEN)
			abort();
	} else if (err.code != CB_ERR_LUKS2_INVALID && err.code != CB_ERR_LUKS2_FORBIDDEN && err.code != CB_ERR_SETUP) {
		abort();
	}
	free(json);
	return 0;
}
