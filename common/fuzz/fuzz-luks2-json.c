/* libFuzzer target: the strict JSON reader (common/json.c) and the LUKS2 metadata allowlist (common/luks2_json.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/luks2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct luks2_info info = { 0 };
	struct luks2_err err = { 0 };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *json = malloc(len + 1);

	if (!json)
		return 0;
	memcpy(json, data, len);
	json[len] = '\0';
	if (luks2_check_json(json, len, 16384, &info, &err) == 0) {
		/* Accepted metadata must describe the one allowed shape. */
		if (info.key_bytes != VOLUME_KEY_LEN || info.data_offset < 32768 || info.sector_size < 512)
			abort();
	} else if (err.fault != LUKS2_INVALID && err.fault != LUKS2_FORBIDDEN && err.fault != LUKS2_NO_MEMORY) {
		abort();
	}
	free(json);
	return 0;
}
