/*
 * libFuzzer target: the LUKS2 header check of `cocobroker volume confirm
 * --device` (broker/store/luks2.c). The header is whatever is on the device.
 * The harness rewrites the header checksum of a well-formed binary header
 * before the check, so mutations reach the JSON area instead of stopping at
 * the checksum. Built with a low LUKS2_MAX_ITERATIONS so a digest with many
 * iterations cannot time a run out. A fixed key never verifies against
 * random digests: the check must fail, stay in bounds and not leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "../store/luks2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[64] = { 1, 2, 3 };
	uint8_t *buf = malloc(size ? size : 1);
	size_t hdr;
	char err[256];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	hdr = luks2_header_size(buf, size);
	if (hdr && hdr <= size) {
		memset(buf + 448, 0, 64);
		mbedtls_sha256(buf, hdr, buf + 448, 0);
	}
	err[0] = '\0';
	if (luks2_check_key(buf, size, "11111111-2222-4333-8444-555555555555", key, sizeof(key), err, sizeof(err)) == 0 &&
	    getenv("FUZZ_LUKS2_KEY_NEVER_MATCHES"))
		abort();
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	free(buf);
	return 0;
}
