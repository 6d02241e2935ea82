/* libFuzzer: the SEV-SNP report parser. */
#include <stddef.h>
#include <stdint.h>

#include "broker/verify/snp_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_snp_claims c = { 0 };
	cb_refusal why;
	if (snp_report_parse(data, size, &c, &why) == 0) {
		uint8_t r[48], s[48];
		(void)snp_report_signature(data, r, s);
		snp_tcb_decode(c.reported_tcb.raw, c.cpuid_family == 0x1A, &c.reported_tcb);
	}
	return 0;
}
