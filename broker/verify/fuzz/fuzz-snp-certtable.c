/* libFuzzer: the GHCB certificate table (auxblob) parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "broker/verify/snp_certtable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snp_cert_entry e[SNP_CERTTABLE_MAX];
	size_t n = 0;
	cb_refusal why;
	if (snp_certtable_parse(data, size, e, &n, &why) == 0) {
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < n; i++) /* every entry must lie inside the input */
			sink ^= e[i].der[0] ^ e[i].der[e[i].len - 1];
		(void)sink;
	}
	return 0;
}
