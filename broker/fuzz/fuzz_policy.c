/* libFuzzer: the policy JSON parser, and a check against fixed claims. */
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_policy *p;
	cb_refusal why;
	if (cb_policy_parse(&p, (const char *)data, size, &why) == 0) {
		cb_claims c = { .provider = CB_PROVIDER_SNP };
		(void)cb_policy_check(p, &c, &why);
		c.provider = CB_PROVIDER_TDX;
		(void)cb_policy_check(p, &c, &why);
		cb_policy_free(p);
	}
	return 0;
}
