/*
 * cocoboot broker: per-volume policy over verified claims.
 *
 * One JSON object per volume; only JSON whitespace may follow it (trailing
 * data is a load error).  Unknown and repeated keys are errors; a missing
 * policy (NULL) denies.  A policy holds an "snp" section, a "tdx" section or
 * both; evidence of a provider whose section is absent is refused
 * (product-mismatch).  Hex values are case-insensitive and must have the
 * exact length.
 *
 * Deny by default: each section must pin what runs or opt out by name, else
 * the policy does not load:
 *   snp: "measurements" (or "id_key_digests"),
 *   tdx: "mrtd" + "rtmr1" + "rtmr2" (firmware; kernel and boot loader;
 *        initramfs and command line), or "mrtd" + "kernel" + "initrd" +
 *        "cmdline" (the same, as events of the replayed CCEL event log),
 *   or "allow_any_measurement": true in that section (pinned fields are
 *   still checked).
 * Other fields are optional; an absent one does not constrain, except where a
 * default is given below.  Refusal codes in brackets.
 *
 * {
 *   "snp": {
 *     "allow_any_measurement": false,       default false (see above)
 *     "measurements": ["<96 hex>", ...],    allowlist of MEASUREMENT          [measurement-mismatch]
 *     "id_key_digests": ["<96 hex>", ...], "author_key_digests": ["<96 hex>", ...]   [identity-mismatch]
 *     "host_data": "<64 hex>", "family_id": "<32 hex>", "image_id": "<32 hex>"       [identity-mismatch]
 *     "products": ["Milan","Genoa","Turin"],  default: every vendor product; "test" must be named [product-mismatch]
 *     "allow_debug": false,                 default false: guest policy DEBUG (bit 19) refused [debug-policy]
 *     "allow_migration_agent": false,       default false: MIGRATE_MA (bit 18) refused [guest-policy]
 *     "allow_smt": true,                    default true: SMT (bit 16) allowed [guest-policy]
 *     "allow_vlek": true,                   default true: VLEK-signed reports accepted [guest-policy]
 *     "vmpls": [0],                         allowed VMPLs, default [0]        [guest-policy]
 *     "guest_policy": {                     guest policy bits: true = must be set, false = must be clear,
 *       "single_socket": b, "cxl_allow": b,   absent = either (bits 20, 21, 22, 23, 24, 25) [guest-policy]
 *       "mem_aes_256_xts": b, "rapl_dis": b, "ciphertext_hiding": b, "page_swap_disable": b,
 *       "min_abi": "major.minor"            minimum of the policy's ABI_MAJOR.ABI_MINOR [guest-policy]
 *     },                                    reserved bits 26..63 must always be zero [guest-policy]
 *     "platform_info": {                    PLATFORM_INFO bits: true = set, false = clear, absent = either
 *       "smt_en": b, "tsme_en": b, "ecc_en": b, "rapl_dis": b,                 (bits 0..7) [guest-policy]
 *       "ciphertext_hiding_en": b, "alias_check_complete": b, "iommu_write_safe": b, "tio_en": b
 *     },
 *     "min_guest_svn": 0,                                                     [tcb-too-old]
 *     "min_reported_tcb": {"bootloader":0,"tee":0,"snp":0,"microcode":0,"fmc":0},  component-wise [tcb-too-old]
 *     "min_launch_tcb":   {same keys},     minimum of LAUNCH_TCB (the TCB the guest was launched under) [tcb-too-old]
 *     "min_current_version": "1.55",       firmware running now, major.minor  [tcb-too-old]
 *     "min_committed_version": "1.55",     committed firmware (no rollback below it) [tcb-too-old]
 *     "min_current_build": 21, "min_committed_build": 21,  builds, compared on their own (as go-sev-guest) [tcb-too-old]
 *     "require_crl": false                 true: refused unless the VCEK/VLEK chain was checked against
 *                                          AMD's ARK-signed CRL (claims.crl_checked) [collateral-invalid]
 *   },
 *   "tdx": {
 *     "allow_any_measurement": false,       default false (see above)
 *     "mrtd": ["<96 hex>", ...],            allowlist (A/B rollouts: list both) [measurement-mismatch]
 *     "rtmr0": ["<96 hex>", ...], ... "rtmr3": [...],  allowlists, lists only [measurement-mismatch]
 *     "kernel": ["<96 hex>", ...],          the event log (`cocobroker measure tdx` prints them; all three
 *     "initrd": ["<96 hex>", ...],          or none): every EFI application in RTMR1 in "kernel", the
 *     "cmdline": ["<96 hex>", ...],         EFI stub's initrd and load-options events in theirs, and no
 *                                           event in RTMR1/RTMR2 the broker cannot account for
 *                                           [measurement-mismatch]; no log [event-log-missing]
 *     "mrconfigid": "<96 hex>", "mrowner": "<96 hex>", "mrownerconfig": "<96 hex>"   [identity-mismatch]
 *     "allow_debug": false,                 default false: TD attribute DEBUG (bit 0) refused [debug-policy]
 *     "allow_test_root": false,             default false (see below) [product-mismatch]
 *     "allow_no_collateral": false,         default false: a quote whose collateral (TCB info, QE identity,
 *                                           CRLs) was not verified is refused [collateral-invalid]
 *     "td_attributes": {                    named bits: true = must be set, false = must be clear [guest-policy]
 *       "hgs_plus_prof": b, "perf_prof": b, "pmt_prof": b,   (4, 5, 6)  default: must be clear
 *       "migratable": b,                                      (29)       default: must be clear
 *       "icssd": b, "servtd_ext": b, "lass": b, "sept_ve_disable": b,  (16, 17, 27, 28)  default: either
 *       "pks": b, "kl": b, "tpa": b, "perfmon": b,            (30, 31, 62, 63)  default: either
 *       "mask": "<16 hex>", "value": "<16 hex>"   (attributes & mask) == value; not bit 0 (allow_debug)
 *     },                                    every other (reserved) bit must be zero unless the mask covers it
 *     "xfam": "<16 hex>"                    exact, or {"mask": "<16 hex>", "value": "<16 hex>"} [guest-policy]
 *     "min_tee_tcb_svn": "<32 hex>",        component-wise minimum [tcb-too-old]
 *     "tcb_statuses": ["UpToDate", ...]     Intel statuses (not Revoked); needs collateral [tcb-too-old]
 *   }
 * }
 * "td_attributes" mask/value and "xfam" are 64-bit fields written as 16 hex
 * digits in the quote's (little-endian) byte order, as `cocobroker verify`
 * prints them: SEPT_VE_DISABLE (bit 28) is "0000001000000000".
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
 * Call emit once for each constraint the policy leaves open (a field absent,
 * a named bit unconstrained, an opt-in that widens), one short line without a
 * newline, e.g. "snp.host_data: any value accepted".  Returns the count.
 */
size_t cb_policy_open_fields(const cb_policy *p, void (*emit)(void *arg, const char *line), void *arg);

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
