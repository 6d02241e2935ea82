/*
 * cocoboot broker: evidence verification.
 *
 * Verifies an SEV-SNP attestation report or a TDX quote (the configfs-tsm
 * outblob, plus the optional auxblob) back to pinned vendor roots and decodes
 * it into claims.  Policy is a separate step (policy.h).
 *
 * Thread safety: a cb_trust is built once (single-threaded), then any number
 * of threads may call cb_verify() on it concurrently.  There is no global
 * state; the only shared mutable state is the trust store's cache of verified
 * certificate chains and its index of snp_cert_dir / collateral_dir, each
 * protected by a mutex inside cb_trust.
 *
 * Typical use by the broker:
 *
 *     cb_trust *t; cb_refusal why;
 *     if (cb_trust_new(&t, NULL, &why)) die(why.detail);      // vendor roots
 *     if (config names test roots)                             // say so loudly
 *         cb_trust_add_test_snp(t, "build/keys/snp/ark.pem", "build/keys/snp/ask.pem", &why);
 *     ...
 *     cb_evidence ev = { .provider = "sev_guest", .outblob = ..., ...,
 *                        .expected_report_data = inblob_from_tls_session };
 *     cb_claims c;
 *     if (cb_verify(t, &ev, &c, &why) != 0) reply_403(why.code);
 *     else if (cb_policy_check(policy, &c, &why) != 0) reply_403(why.code);
 */
#ifndef COCOBOOT_BROKER_VERIFY_H
#define COCOBOOT_BROKER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- reason codes: stable strings, safe to send to clients ------------- */
#define CB_REASON_MALFORMED            "malformed"            /* cannot parse evidence / certs / policy */
#define CB_REASON_UNSUPPORTED          "unsupported"          /* well-formed but a format/algorithm we do not accept */
#define CB_REASON_SIGNATURE_INVALID    "signature-invalid"    /* report/quote/QE signature or QE binding */
#define CB_REASON_CHAIN_INVALID        "chain-invalid"        /* cert chain does not reach a pinned root, or expired at the verification time */
#define CB_REASON_REVOKED              "revoked"              /* a certificate of the chain is on a CRL */
#define CB_REASON_COLLATERAL_INVALID   "collateral-invalid"   /* TCB info / QE identity / CRL bad, missing or stale; policy: TDX without collateral, SNP without a CRL check (require_crl) */
#define CB_REASON_TCB_MISMATCH         "tcb-mismatch"         /* SNP: VCEK TCB != reported_tcb, or hwID != chip_id;
                                                                 TDX: the QE is not Intel's TD QE, or the module not TCB info's */
#define CB_REASON_PRODUCT_MISMATCH     "product-mismatch"     /* wrong product / provider for the roots or the policy */
#define CB_REASON_REPORT_DATA_MISMATCH "report-data-mismatch" /* report_data != expected_report_data */
#define CB_REASON_TCB_TOO_OLD          "tcb-too-old"          /* policy: minimum TCB / launch TCB / SVN / firmware version / TCB status */
#define CB_REASON_MEASUREMENT_MISMATCH "measurement-mismatch" /* policy: measurement / MRTD / RTMRs */
#define CB_REASON_DEBUG_POLICY         "debug-policy"         /* policy: debug guest not allowed */
#define CB_REASON_GUEST_POLICY         "guest-policy"         /* policy: guest-policy bits, VMPL, platform info, TD attributes, XFAM, signing key */
#define CB_REASON_IDENTITY_MISMATCH    "identity-mismatch"    /* policy: host_data, family/image id, id/author keys, MRCONFIGID, MROWNER, MROWNERCONFIG */
#define CB_REASON_NO_POLICY            "no-policy"            /* missing policy denies */
#define CB_REASON_EVENT_LOG_MISMATCH   "event-log-mismatch"   /* TDX: the event log's replay does not give the quote's RTMRs */
#define CB_REASON_EVENT_LOG_MISSING    "event-log-missing"    /* policy: pins kernel/initrd/cmdline events, evidence has no log */
#define CB_REASON_INTERNAL             "internal"             /* out of memory, crypto library failure */

/* A refusal: one stable code plus a human-readable detail line (no newline). */
typedef struct cb_refusal {
	const char *code;   /* one of CB_REASON_*; NULL when nothing was refused */
	char detail[256];
} cb_refusal;

/* ---- products ---------------------------------------------------------- */
typedef enum cb_product {
	CB_PRODUCT_UNKNOWN = 0,
	CB_PRODUCT_MILAN,
	CB_PRODUCT_GENOA,
	CB_PRODUCT_TURIN,
	CB_PRODUCT_SNP_TEST,   /* SNP chain added with cb_trust_add_test_snp() */
	CB_PRODUCT_INTEL,      /* TDX, Intel SGX Root CA */
	CB_PRODUCT_TDX_TEST,   /* TDX chain added with cb_trust_add_test_tdx() */
} cb_product;

/* "Milan", "Genoa", "Turin", "test", "Intel", "unknown" */
const char *cb_product_name(cb_product p);

/* ---- trust store ------------------------------------------------------- */
typedef struct cb_trust cb_trust;

/*
 * Load the vendor roots (ark-/ask-/asvk-{milan,genoa,turin}.pem and
 * intel-sgx-root-ca.pem) from vendor_dir (NULL: the compiled-in default,
 * COCOBOOT_VENDOR_DIR).  Every file's SHA-256 over its DER must equal the
 * fingerprint pinned in the source, every ASK/ASVK must verify under its ARK,
 * and every ARK/the Intel root must be self-signed; otherwise this fails and
 * creates nothing.  Returns 0 or -1 with *why filled.
 */
int cb_trust_new(cb_trust **out, const char *vendor_dir, cb_refusal *why);
void cb_trust_free(cb_trust *t);

/*
 * TEST ONLY: trust the simulated provider's SNP chain (ARK -> ASK, RSA-PSS
 * SHA-384; the VCEK is P-384 with AMD's extensions) as product "test".  The
 * ARK must be self-signed and the ASK signed by it.  ask_pem may be NULL, in
 * which case the ASK must arrive with the evidence (auxblob / extra certs).
 * Claims verified through these roots have test_root = true.
 */
int cb_trust_add_test_snp(cb_trust *t, const char *ark_pem, const char *ask_pem, cb_refusal *why);
/* TEST ONLY: trust a test Intel-style root for TDX PCK chains (product "test"). */
int cb_trust_add_test_tdx(cb_trust *t, const char *root_pem, cb_refusal *why);

/* True when any test root has been added (the broker should log it at start). */
bool cb_trust_has_test_roots(const cb_trust *t);

/*
 * Cache of verified chains (VCEK/VLEK -> ASK -> ARK, PCK -> PCK CA -> root),
 * keyed by the SHA-256 of the presented certificate bytes.  On by default;
 * a cache hit still checks the validity windows against the verification
 * time, it only skips re-parsing and the RSA/ECDSA chain signatures.
 * It holds the 4096 most recently used chains (one per chip of a fleet);
 * setting it (either way) empties it.
 */
void cb_trust_set_cache(cb_trust *t, bool enabled);

/* ---- evidence ---------------------------------------------------------- */
typedef struct cb_buf {
	const uint8_t *data;
	size_t len;
} cb_buf;

typedef struct cb_evidence {
	const char *provider;          /* "sev_guest" | "tdx_guest" */
	const uint8_t *outblob;        /* SNP report (1184 bytes) or TDX quote */
	size_t outblob_len;
	const uint8_t *auxblob;        /* optional: SNP GHCB certificate table */
	size_t auxblob_len;
	const cb_buf *certs;           /* optional extra certificates, PEM or DER, any order;
	                                  a PEM buffer may hold several certificates */
	size_t n_certs;
	const char *snp_cert_dir;      /* optional: directory of cached VCEK/VLEK/ASK certs (.pem/.der/.crt/.cer)
	                                  and AMD KDS CRLs (*.crl, DER or PEM, signed by the ARK);
	                                  read once per change of the directory (a file renamed in
	                                  is seen, an in-place edit is not: docs/verification.md);
	                                  at most 128 certificates are used */
	const char *collateral_dir;    /* optional, TDX: tcbinfo-*.json, qeidentity-*.json,
	                                  pckcrl-*.der, rootcrl-*.der, tcb-signing-chain-*.pem */
	time_t at;                     /* verification time; 0 = now */
	const uint8_t *expected_report_data; /* optional: 64 bytes the report_data must equal */
	const uint8_t *event_log;      /* optional, TDX: the CCEL event log (docs/measure.md), at most
	                                  CC_EVENTLOG_MAX bytes; replayed against RTMR0..3 */
	size_t event_log_len;
} cb_evidence;

/* ---- claims ------------------------------------------------------------ */
typedef enum cb_provider {
	CB_PROVIDER_NONE = 0,
	CB_PROVIDER_SNP,
	CB_PROVIDER_TDX,
} cb_provider;

typedef struct cb_snp_tcb {
	uint8_t bootloader, tee, snp, microcode;
	uint8_t fmc;        /* Turin only */
	bool has_fmc;
	uint64_t raw;       /* the u64 as it appears in the report */
} cb_snp_tcb;

typedef struct cb_snp_claims {
	uint32_t version;
	uint32_t guest_svn;
	uint64_t policy;
	bool debug;             /* policy bit 19 */
	bool smt;               /* policy bit 16: SMT allowed */
	bool migrate_ma;        /* policy bit 18: migration agent allowed */
	uint32_t vmpl;
	uint32_t signature_algo;
	uint64_t platform_info;
	uint32_t flags;         /* the u32 at 0x48 */
	bool signed_by_vlek;    /* SIGNING_KEY == 1 */
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t report_data[64];
	uint8_t chip_id[64];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint8_t id_key_digest[48];
	uint8_t author_key_digest[48];
	uint8_t report_id[32];
	bool has_cpuid;         /* version >= 3 */
	uint8_t cpuid_family, cpuid_model, cpuid_stepping;
	cb_snp_tcb reported_tcb, current_tcb, committed_tcb, launch_tcb;
	cb_product product;
	/* ---- decoded for the policy (issue 11, policy half) ---- */
	uint8_t current_major, current_minor, current_build;       /* firmware running now (0x1E8..0x1EA) */
	uint8_t committed_major, committed_minor, committed_build; /* committed firmware (0x1EC..0x1EE) */
} cb_snp_claims;

#define CB_TDX_MAX_APPS 8

typedef struct cb_tdx_claims {
	uint16_t version;           /* quote version: 4 or 5 */
	uint16_t body_type;         /* 2 = TD report 1.0, 3 = TD report 1.5 */
	uint8_t tee_tcb_svn[16];
	uint8_t mrseam[48];
	uint8_t mrsignerseam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];   /* little-endian u64 as in the quote */
	bool debug;                 /* td_attributes bit 0 */
	uint8_t xfam[8];
	uint8_t mrtd[48];
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	bool has_td15;              /* TD report 1.5 fields below valid */
	uint8_t tee_tcb_svn2[16];
	uint8_t mrservicetd[48];
	/* from the PCK certificate's SGX extension */
	uint8_t fmspc[6];
	uint8_t pceid[2];
	uint16_t pcesvn;
	uint8_t sgx_tcb_comp[16];
	/* from collateral (only when collateral_dir was given) */
	bool has_tcb_status;
	char tcb_status[40];        /* "UpToDate", "OutOfDate", ..., or "NotSupported" (no level matched) */
	char qe_tcb_status[40];
	cb_product product;
	/* from the CCEL event log, when the evidence had one: its replay gave
	 * RTMR0..3 exactly (else cb_verify refused: event-log-mismatch) */
	bool has_event_log;
	uint32_t n_events;          /* events extended into an RTMR */
	uint32_t n_apps;            /* EV_EFI_BOOT_SERVICES_APPLICATION events in RTMR1 (the kernel, with direct boot) */
	uint8_t apps[CB_TDX_MAX_APPS][48]; /* their digests (PE Authenticode SHA-384), in log order */
	bool has_initrd, has_cmdline;
	uint8_t initrd[48];         /* the Linux EFI stub's initrd event (EV_EVENT_TAG 0x8f3b22ec, RTMR2) */
	uint8_t cmdline[48];        /* its load-options event (EV_EVENT_TAG 0x8f3b22ed, RTMR2) */
	/* The first event of RTMR1/RTMR2 that a kernel/initrd/cmdline policy cannot
	 * account for ("" when none): another event type, a second initrd or
	 * load-options event, more than CB_TDX_MAX_APPS applications, or a
	 * self-describing event (EV_EFI_ACTION, EV_SEPARATOR, EV_EFI_GPT_EVENT)
	 * whose digest is not that of its data. */
	char unpinned_event[160];
} cb_tdx_claims;

typedef struct cb_claims {
	cb_provider provider;
	bool test_root;             /* verified against a TEST root, not a vendor root */

	/* ---- what verification covered beyond the signatures (policy decides) ----
	 * False means "not checked", never "failed": a failed check refuses the
	 * evidence in cb_verify().  Policies read these (allow_no_collateral,
	 * require_crl). */
	bool collateral_checked;    /* TDX: the collateral (TCB info + QE identity + root and
	                               PCK CRLs) was verified and applied: tdx.tcb_status is set */
	bool crl_checked;           /* SNP: the VCEK/VLEK and ASK/ASVK were checked against a
	                               current CRL signed by their ARK (from snp_cert_dir) */
	/* ------------------------------------------------------------------------- */

	union {
		cb_snp_claims snp;
		cb_tdx_claims tdx;
	};
} cb_claims;

/*
 * Verify evidence: parse, check every signature and the chain to a pinned
 * root (validity windows at ev->at), SNP VCEK TCB/hwID binding, TDX QE
 * binding, optional collateral, and ev->expected_report_data when given.
 * Returns 0 and fills *claims when genuine; otherwise -1 with *why filled
 * (and *claims zeroed).  Never modifies its inputs.
 */
int cb_verify(cb_trust *t, const cb_evidence *ev, cb_claims *claims, cb_refusal *why);

/*
 * The claims as one JSON object (lowercase hex), as printed by
 * `cocobroker verify`.  Returns a malloc'd NUL-terminated string (caller
 * frees) or NULL on allocation failure.
 */
char *cb_claims_to_json(const cb_claims *c);

/* "2025-06-01T00:00:00Z" / "...+02:00" (fraction ignored) -> time_t; 0 or -1. */
int cb_parse_rfc3339(const char *s, time_t *out);
/* t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out; for messages people read. */
#define CB_RFC3339_LEN 21
void cb_format_rfc3339(time_t t, char out[CB_RFC3339_LEN]);

/* Parse "sev_guest"/"tdx_guest"; CB_PROVIDER_NONE if neither. */
cb_provider cb_provider_from_string(const char *s);

#ifdef __cplusplus
}
#endif
#endif
