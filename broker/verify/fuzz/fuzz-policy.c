/* libFuzzer: the policy JSON parser, a check against fixed claims, and the
 * list of what the policy leaves open. */
#include <stddef.h>
#include <stdint.h>

#include "broker/verify/policy.h"

static void ignore(void *arg, const char *line)
{
	(void)arg;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_policy *p;
	cb_refusal why;
	if (cb_policy_parse(&p, (const char *)data, size, &why) == 0) {
		cb_claims c = { .provider = CB_PROVIDER_SNP };
		(void)cb_policy_check(p, &c, &why);
		/* every optional claim set: the paths past the early refusals */
		c.crl_checked = true;
		c.collateral_checked = true;
		c.snp.vmpl = 3;
		c.snp.policy = ~0ull;
		c.snp.platform_info = ~0ull;
		(void)cb_policy_check(p, &c, &why);
		c = (cb_claims){ .provider = CB_PROVIDER_TDX };
		(void)cb_policy_check(p, &c, &why);
		c.collateral_checked = true;
		for (int i = 0; i < 8; i++)
			c.tdx.td_attributes[i] = c.tdx.xfam[i] = 0xff;
		(void)cb_policy_check(p, &c, &why);
		(void)cb_policy_open_fields(p, ignore, NULL);
		cb_policy_free(p);
	}
	return 0;
}
