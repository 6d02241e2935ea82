/* libFuzzer: the TDX quote parser (header, body descriptor, TD report,
 * signature data, certification data nesting). */
#include <stddef.h>
#include <stdint.h>

#include "broker/verify/tdx_quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdx_quote q;
	cb_tdx_claims c = { 0 };
	cb_refusal why;
	if (tdx_quote_parse(data, size, &q, &c, &why) == 0) {
		struct sgx_report_body qe;
		sgx_report_body_parse(q.qe_report, &qe);
		volatile uint8_t sink = q.signature[63] ^ q.attest_key[63] ^ q.qe_report_sig[63];
		if (q.qe_auth_len)
			sink ^= q.qe_auth[q.qe_auth_len - 1];
		if (q.pck_chain_len)
			sink ^= q.pck_chain[q.pck_chain_len - 1];
		(void)sink;
	}
	return 0;
}
