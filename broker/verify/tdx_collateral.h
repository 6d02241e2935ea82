/*
 * TDX collateral from a directory (Intel PCS shapes): TCB info and QE
 * identity JSON signed by the TCB signing key, the PCK CRL and the root CRL.
 * File names: tcbinfo-*.json, qeidentity-*.json, pckcrl-*.der, rootcrl-*.der,
 * tcb-signing-chain-*.pem.  Of several candidates, the one whose validity
 * window holds the verification time and was issued last is used.
 * The directory is read as indexed (dir_index.h): its files once per change,
 * every signature over them verified once per change; per request only the
 * windows, the revocations and the TCB matching are evaluated.
 */
#ifndef COCOBOOT_BROKER_TDX_COLLATERAL_H
#define COCOBOOT_BROKER_TDX_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "dir_index.h"
#include "tdx_quote.h"
#include "trust_internal.h"

int tdx_collateral_check(cb_trust *t, const char *dir, time_t at, const struct chain_entry *pck,
			 const struct sgx_report_body *qe, cb_tdx_claims *c, cb_refusal *why);

/* What a collateral JSON file must be to be used: TCB info (body_key
 * "tcbInfo", id "TDX", fmspc set and equal) or the TD QE identity
 * ("enclaveIdentity", id "TD_QE", fmspc NULL); current at AT; issued after
 * *newer_than when that is set; its body's exact bytes signed by SIGNER. */
struct collateral_json_want {
	const char *body_key;
	const uint8_t *signer_point;
	size_t signer_point_len;
	time_t at;
	const uint8_t *fmspc;
	const time_t *newer_than;
	struct dir_snapshot *memo;     /* NULL, or where a verified signature is remembered */
};

/* The signed body of one candidate file (untrusted bytes: fuzzed), with its
 * issue date; NULL when it is unusable, and *bad_signature set to 1 when only
 * the signature failed.  The caller frees the body with cJSON_Delete. */
cJSON *tdx_collateral_json_body(const uint8_t *data, size_t len, const struct collateral_json_want *w,
				time_t *issued, int *bad_signature);

/* Locate the raw bytes of the JSON value of a top-level key (for signatures
 * over the exact transmitted bytes).  0 or -1. */
int json_raw_value(const char *text, size_t len, const char *key, const char **start, size_t *vlen);

#endif
