/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm_sim: a TEST-ONLY configfs-tsm provider that makes byte-exact SEV-SNP
 * reports and TDX quotes with real ECDSA signatures. Shared declarations.
 */
#ifndef TSM_SIM_H
#define TSM_SIM_H

#include <linux/types.h>
#include <linux/tsm.h>
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>

struct crypto_shash;

/* Nonces made ready when the module loads (sim_ecdsa.c says why). */
#define SIM_PRESIGN 2

/*
 * An ECDSA private key on a NIST curve, with its public point (X||Y,
 * big-endian) and PRE_LEFT unused nonces k with r = (k*G).x mod n.
 */
struct sim_key {
	unsigned int curve_id;
	unsigned int ndigits;
	u64 d[ECC_MAX_DIGITS];
	u8 pub[2 * ECC_MAX_BYTES];
	u64 pre_k[SIM_PRESIGN][ECC_MAX_DIGITS];
	u64 pre_r[SIM_PRESIGN][ECC_MAX_DIGITS];
	unsigned int pre_left;
};

struct sim_snp {
	struct sim_key vcek;
	u8 *certs;		/* the GHCB certificate table with VCEK, ASK, ARK (DER) */
	size_t certs_len;
	u8 measurement[48];
	u8 host_data[32];
	u8 chip_id[64];
	u64 policy;
	u64 tcb;		/* TCB_VERSION, Milan/Genoa layout */
	u32 guest_svn;
};

struct sim_tdx {
	struct sim_key ak;	/* attestation key: signs the quote */
	struct sim_key pck;	/* PCK: signs the QE report */
	u8 *pck_chain;		/* PEM, leaf first, NUL-terminated like real quotes */
	size_t pck_chain_len;
	u8 mrtd[48];
	u8 mrconfigid[48];	/* the host's launch-time identity of the TD */
	u8 rtmr[4][48];		/* RTMR0..3: zero, or the rtmr parameter */
	u8 cpusvn[16];
	u64 td_attributes;
	u64 xfam;
};

struct sim_state {
	bool tdx;
	bool bad_signature;
	int fail_errno;			/* errno of the injected transient failures */
	atomic_t fail_left;		/* requests still to fail with it */
	atomic_t requests;		/* report_new calls so far, for the log */
	struct crypto_shash *sha256;
	struct crypto_shash *sha384;
	struct sim_snp snp;
	struct sim_tdx tdx_q;
};

/* sim_material.c: fields of the key material file (pointers into buf). */
enum { SIM_MAT_SNP_VCEK_KEY, SIM_MAT_SNP_VCEK, SIM_MAT_SNP_ASK, SIM_MAT_SNP_ARK,
       SIM_MAT_CHIP_ID, SIM_MAT_TDX_AK_KEY, SIM_MAT_TDX_PCK_KEY, SIM_MAT_TDX_PCK_CHAIN,
       SIM_MAT_TDX_CPUSVN, SIM_MAT_TEXT_COUNT };
enum { SIM_MAT_TCB_BL, SIM_MAT_TCB_TEE, SIM_MAT_TCB_SNP, SIM_MAT_TCB_UCODE,
       SIM_MAT_INT_COUNT };
struct sim_material {
	char *buf;
	const char *text[SIM_MAT_TEXT_COUNT];	/* NULL when absent */
	int num[SIM_MAT_INT_COUNT];		/* -1 when absent */
};
int sim_material_load(const char *path, struct sim_material *m);
void sim_material_free(struct sim_material *m);

/* sim_hex.c */
int sim_hex_exact(const char *name, const char *hex, u8 *out, size_t len);
int sim_hex_alloc(const char *name, const char *hex, u8 **out, size_t *len);

/* sim_ecdsa.c */
int sim_key_load(const char *name, const char *hex, unsigned int curve_id,
		 unsigned int ndigits, struct sim_key *key);
int sim_ecdsa_sign(struct sim_key *key, const u8 *digest, u8 *r_be, u8 *s_be);

/* sim_snp.c */
int sim_snp_certs(struct sim_snp *snp, const u8 *vcek, size_t vcek_len,
		  const u8 *ask, size_t ask_len, const u8 *ark, size_t ark_len);
int sim_snp_report(struct sim_state *st, struct tsm_report *report);

/* sim_tdx.c */
int sim_tdx_quote(struct sim_state *st, struct tsm_report *report);

int sim_digest(struct crypto_shash *tfm, const void *data, size_t len, u8 *out);

#endif
