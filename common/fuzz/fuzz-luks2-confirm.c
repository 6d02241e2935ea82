/*
 * libFuzzer target: the key digest check of `cocobroker volume confirm
 * --device` (common/luks2_digest.c) on what the header states. The input is a
 * LUKS2 JSON area (seeds: seeds-luks2-json); what the allowlist accepts goes
 * to luks2_key_matches, as confirm does after luks2_validate_fd (the binary
 * header and both copies are fuzz-luks2-header's). Built with a low
 * LUKS2_MAX_ITERATIONS so a digest with many iterations cannot time a run
 * out. A fixed key never verifies against mutated digests: the check must
 * fail (with FUZZ_LUKS2_KEY_NEVER_MATCHES set), stay in bounds and say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/luks2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[VOLUME_KEY_LEN] = { 1, 2, 3 };
	struct luks2_info info = { 0 };
	struct luks2_err err = { 0 };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *json = malloc(len + 1);
	int rc;

	if (!json)
		return 0;
	memcpy(json, data, len);
	json[len] = '\0';
	if (luks2_check_json(json, len, 16384, &info, &err) == 0) {
		memset(&err, 0, sizeof(err));
		rc = luks2_key_matches(&info, key, sizeof(key), &err);
		if (rc < -1 || rc > 1 || (rc == 1 && getenv("FUZZ_LUKS2_KEY_NEVER_MATCHES")))
			abort();
		if (rc != 1 && (!err.detail[0] || !memchr(err.detail, '\0', sizeof(err.detail))))
			abort();
	}
	free(json);
	return 0;
}
