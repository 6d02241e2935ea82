/*
 * TDX collateral from a directory (Intel PCS shapes): TCB info and QE
 * identity JSON signed by the TCB signing key, the PCK CRL and the root CRL.
 * File names: tcbinfo-*.json, qeidentity-*.json, pckcrl-*.der, rootcrl-*.der,
 * tcb-signing-chain-*.pem.  Of several candidates, the one whose validity
 * window holds the verification time and was issued last is used.
 */
#ifndef COCOBOOT_BROKER_TDX_COLLATERAL_H
#define COCOBOOT_BROKER_TDX_COLLATERAL_H

#include <time.h>

#include "tdx_quote.h"
#include "trust_internal.h"

int tdx_collateral_check(cb_trust *t, const char *dir, time_t at, const struct chain_entry *pck,
			 const struct sgx_report_body *qe, cb_tdx_claims *c, cb_refusal *why);

/* Locate the raw bytes of the JSON value of a top-level key (for signatures
 * over the exact transmitted bytes).  0 or -1. */
int json_raw_value(const char *text, size_t len, const char *key, const char **start, size_t *vlen);

#endif
