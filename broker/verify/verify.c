/* cb_verify(): dispatch by provider, then the checks common to both. */
#include <stdlib.h>

#include <mbedtls/constant_time.h>

#include "internal.h"
#include "verify_internal.h"

cb_provider cb_provider_from_string(const char *s)
{
	if (s && strcmp(s, "sev_guest") == 0)
		return CB_PROVIDER_SNP;
	if (s && strcmp(s, "tdx_guest") == 0)
		return CB_PROVIDER_TDX;
	return CB_PROVIDER_NONE;
}

int cb_verify(cb_trust *t, const cb_evidence *ev, cb_claims *claims, cb_refusal *why)
{
	cb_claims c;
	memset(&c, 0, sizeof c);
	memset(claims, 0, sizeof *claims);
	if (why) {
		why->code = NULL;
		why->detail[0] = 0;
	}
	if (!t || !ev || !ev->outblob)
		return cb_refuse(why, CB_REASON_MALFORMED, "no evidence");
	time_t at = ev->at ? ev->at : time(NULL);
	c.provider = cb_provider_from_string(ev->provider);
	int ret;
	const uint8_t *report_data;
	switch (c.provider) {
	case CB_PROVIDER_SNP:
		if (ev->event_log)
			return cb_refuse(why, CB_REASON_MALFORMED, "an event log comes with TDX evidence only");
		ret = cb_verify_snp(t, ev, at, &c, why);
		report_data = c.snp.report_data;
		break;
	case CB_PROVIDER_TDX:
		ret = cb_verify_tdx(t, ev, at, &c, why);
		report_data = c.tdx.report_data;
		break;
	default:
		return cb_refuse(why, CB_REASON_MALFORMED, "unknown provider \"%s\" (sev_guest or tdx_guest)",
				 ev->provider ? ev->provider : "(null)");
	}
	if (ret)
		return -1;
	/* The broker's session binding is this comparison (its inblob is the expected
	 * value): the only place it is made, in constant time. */
	if (ev->expected_report_data && mbedtls_ct_memcmp(ev->expected_report_data, report_data, 64) != 0)
		return cb_refuse(why, CB_REASON_REPORT_DATA_MISMATCH,
				 "report_data does not equal the expected value");
	*claims = c;
	return 0;
}
