/*
 * libFuzzer: one response header line as libcurl hands it to the collateral
 * fetcher (broker/collateral/issuer_chain.c): the issuer-chain header's name
 * matched, its value taken, then URL-decoded.  The seed is the Debian
 * evidence's TCB signing chain, URL-encoded as Intel's PCS sends it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/collateral/issuer_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = NULL;
	int r = header_line_value((const char *)data, size, "TCB-Info-Issuer-Chain", 16384, &value);

	if (r == 1) {
		uint8_t *pem;
		size_t len;
		if (!value || strlen(value) > 16384)
			abort();
		if (url_decode(value, strlen(value), &pem, &len) == 0) {
			/* decoding never grows, never yields a NUL */
			if (len > strlen(value) || memchr(pem, 0, len))
				abort();
			free(pem);
		}
	} else if (value) {
		abort(); /* nothing kept for another header or a bad line */
	}
	free(value);
	return 0;
}
