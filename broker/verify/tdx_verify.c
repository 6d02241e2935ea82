#include "internal.h"
#include "verify_internal.h"
int cb_verify_tdx(cb_trust *t, const cb_evidence *ev, time_t at, cb_claims *out, cb_refusal *why)
{
	(void)t; (void)ev; (void)at; (void)out;
	return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX not implemented yet");
}
