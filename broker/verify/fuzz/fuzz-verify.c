/*
 * libFuzzer: the whole verifier with the pinned vendor roots.  Input: one
 * selector byte (even: SEV-SNP, odd: TDX), then for SNP a 1184-byte report
 * followed by an auxblob, for TDX the quote.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "broker/verify/verify.h"

static cb_trust *trust;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_refusal why;
	if (!trust && cb_trust_new(&trust, NULL, &why) != 0)
		abort();
	if (size < 1)
		return 0;
	cb_evidence ev = { .at = 1750000000 };
	if (data[0] & 1) {
		ev.provider = "tdx_guest";
		ev.outblob = data + 1;
		ev.outblob_len = size - 1;
	} else {
		size_t rl = size - 1 < 1184 ? size - 1 : 1184;
		ev.provider = "sev_guest";
		ev.outblob = data + 1;
		ev.outblob_len = rl;
		ev.auxblob = data + 1 + rl;
		ev.auxblob_len = size - 1 - rl;
	}
	cb_claims c;
	if (cb_verify(trust, &ev, &c, &why) == 0)
		free(cb_claims_to_json(&c));
	return 0;
}
