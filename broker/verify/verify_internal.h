/* Per-provider entry points behind cb_verify(). */
#ifndef COCOBOOT_BROKER_VERIFY_PROVIDERS_H
#define COCOBOOT_BROKER_VERIFY_PROVIDERS_H

#include <time.h>

#include "verify.h"

int cb_verify_snp(cb_trust *t, const cb_evidence *ev, time_t at, cb_claims *out, cb_refusal *why);
int cb_verify_tdx(cb_trust *t, const cb_evidence *ev, time_t at, cb_claims *out, cb_refusal *why);

#endif
