/*
 * cocoboot broker: per-volume policy over verified claims.
 *
 * One JSON object per volume.  Unknown and repeated keys are errors; a missing
 * policy (NULL) denies.  A policy holds an "snp" section, a "tdx" section or
 * both; evidence of a provider whose section is absent is refused
 * (product-mismatch).  Every field is optional; an absent field does not
 * constrain.  Hex values are case-insensitive and must have the exact length.
 *
 * {
 *   "snp": {
 *     "allow_debug": false,                 default false
 *     "allow_migration_agent": false,       default false
 *     "allow_smt": true,                    default true
 *     "allow_vlek": true,                   default true
 *     "products": ["Milan","Genoa","Turin"],  default: every vendor product; "test" must be named
 *     "measurements": ["<96 hex>", ...],    allowlist
 *     "host_data": "<64 hex>",
 *     "family_id": "<32 hex>", "image_id": "<32 hex>",
 *     "id_key_digests": ["<96 hex>", ...], "author_key_digests": ["<96 hex>", ...],
 *     "min_guest_svn": 0,
 *     "vmpls": [0],                         allowed VMPLs
 *     "min_reported_tcb": {"bootloader":0,"tee":0,"snp":0,"microcode":0,"fmc":0}
 *   },
 *   "tdx": {
 *     "allow_debug": false,                 default false
 *     "allow_test_root": false,             default false (see below)
 *     "mrtd": ["<96 hex>", ...],            allowlist
 *     "rtmr0": "<96 hex>", ... "rtmr3": "<96 hex>",
 *     "mrconfigid": "<96 hex>", "mrowner": "<96 hex>", "mrownerconfig": "<96 hex>",
 *     "xfam": "<16 hex>",                   exact
 *     "min_tee_tcb_svn": "<32 hex>",        component-wise minimum
 *     "tcb_statuses": ["UpToDate", ...]     Intel statuses (not Revoked); needs collateral, without it refused
 *   }
 * }
 * For TDX evidence verified against a test root, "allow_test_root": true is
 * required; for SNP the "products" list must name "test".
 */
#ifndef COCOBOOT_BROKER_POLICY_H
#define COCOBOOT_BROKER_POLICY_H

#include <stddef.h>

#include "verify.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cb_policy cb_policy;

/* Parse a policy from JSON text. 0 or -1 with *why (code "malformed"). */
int cb_policy_parse(cb_policy **out, const char *json, size_t len, cb_refusal *why);
/* Read and parse a policy file. */
int cb_policy_load(cb_policy **out, const char *path, cb_refusal *why);
void cb_policy_free(cb_policy *p);

/*
 * Check verified claims against a policy (p may be NULL: denies with
 * "no-policy").  Returns 0 when accepted, -1 with *why filled.  Const and
 * thread-safe.
 */
int cb_policy_check(const cb_policy *p, const cb_claims *c, cb_refusal *why);

#ifdef __cplusplus
}
#endif
#endif
