/*
 * The trust store's insides, shared by trust.c and the SNP/TDX verifiers.
 */
#ifndef COCOBOOT_BROKER_TRUST_INTERNAL_H
#define COCOBOOT_BROKER_TRUST_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <mbedtls/x509_crt.h>

#include "amd_ext.h"
#include "chain_cache.h"
#include "dir_index.h"
#include "sgx_ext.h"
#include "verify.h"

#define TRUST_MAX_CERTS 32
#define TRUST_MAX_SNP 16
#define TRUST_MAX_TDX 4

struct snp_signer {
	cb_product product;
	bool vlek;                 /* an ASVK: signs VLEKs */
	bool test;
	mbedtls_x509_crt *ark;
	mbedtls_x509_crt *ask;     /* NULL: test chain whose ASK comes with the evidence */
};

/* The identity a TDX quoting enclave must have (Intel PCS QE identity
 * shape): MRSIGNER and ISVPRODID exact, MISCSELECT and ATTRIBUTES under their
 * masks.  attributes[0] bit 1 is SGX's DEBUG. */
struct td_qe_identity {
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	uint32_t miscselect, miscselect_mask;
	uint8_t attributes[16], attributes_mask[16];
};

struct tdx_root {
	cb_product product;
	bool test;
	mbedtls_x509_crt *root;
};

/* A verified leaf (VCEK/VLEK or PCK) with what the verifiers need of it. */
struct chain_entry {
	bool used;
	uint8_t key[32];           /* SHA-256 over the presented chain bytes */
	cb_provider provider;      /* entries of one provider never serve the other */
	time_t not_before, not_after; /* intersection over the whole chain */
	cb_product product;
	bool test;
	bool vlek;
	mbedtls_ecp_group_id gid;
	uint8_t point[97];
	size_t point_len;
	struct amd_cert_ext amd;   /* SNP */
	struct sgx_pck_ext sgx;    /* TDX */
	uint8_t pck_ca_serial[32]; /* TDX: to check the PCK CA against the root CRL */
	size_t pck_ca_serial_len;
	uint8_t pck_serial[32];
	size_t pck_serial_len;
	uint8_t ca_point[65];      /* TDX: PCK CA key, verifies the PCK CRL */
	size_t ca_point_len;
	uint8_t ca_subject_hash[32]; /* TDX: SHA-256 of the PCK CA subject, matches the CRL issuer */
	int root_index;            /* TDX: which trust->tdx root */
	int snp_index;             /* SNP: which trust->snp signer (its ARK signs the CRL) */
	uint8_t leaf_serial[32];   /* SNP: VCEK/VLEK serial, for the CRL */
	size_t leaf_serial_len;
	uint8_t ask_serial[32];    /* SNP: ASK/ASVK serial, for the CRL */
	size_t ask_serial_len;
};

struct cb_trust {
	mbedtls_x509_crt *owned[TRUST_MAX_CERTS];
	size_t n_owned;
	struct snp_signer snp[TRUST_MAX_SNP];
	size_t n_snp;
	struct tdx_root tdx[TRUST_MAX_TDX];
	size_t n_tdx;
	struct td_qe_identity td_qe;   /* Intel's TD QE, checked on every quote (trust.c) */
	bool has_test;
	bool cache_enabled;
	pthread_mutex_t lock;          /* guards cache */
	struct chain_cache *cache;     /* CHAIN_CACHE_ENTRIES, LRU (chain_cache.c) */
	struct dir_index dirs;         /* snp_cert_dir, collateral_dir: own lock (dir_index.c) */
};

/* Copy a cached entry out (1 hit, 0 miss), under the trust's lock. */
int chain_cache_get(cb_trust *t, cb_provider provider, const uint8_t key[32], struct chain_entry *out);
void chain_cache_put(cb_trust *t, const struct chain_entry *e);

#endif
