/*
 * TEST ONLY: a simulated SEV-SNP v3 attestation report (AMD SEV-SNP ABI
 * spec, "ATTESTATION_REPORT"), signed with the TEST VCEK of build/keys/snp
 * (ECDSA P-384 over SHA-384 of bytes 0..0x29F; R and S little-endian in
 * 72-byte fields at 0x2A0), and the GHCB certificate table carrying that
 * VCEK for the auxblob. Lets the broker be tested without booting a guest.
 */
#ifndef COCOBOOT_TESTS_SIM_SNP_H
#define COCOBOOT_TESTS_SIM_SNP_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#define SNP_REPORT_LEN 0x4A0

struct sim_snp {
	mbedtls_pk_context vcek;
	uint8_t vcek_der[4096];
	size_t vcek_der_len;
	uint8_t chip_id[64];
	uint8_t tcb_bl, tcb_tee, tcb_snp, tcb_ucode;
};

/* What the negative tests vary. Zero-initialised = a good report. */
struct sim_snp_opts {
	int debug;                  /* set policy bit 19 */
	uint32_t vmpl;
	int other_measurement;      /* measurement of all 0x5b instead of SIM_SNP_MEASUREMENT_BYTE */
	int bad_signature;          /* flip a bit of R after signing */
	int ucode_delta;            /* added to the reported microcode SPL (tcb-mismatch) */
	int host_data_byte;         /* host_data filled with this byte (default 0) */
	uint32_t signature_algo;    /* 0: 1 (ECDSA P-384 with SHA-384) */
};

#define SIM_SNP_MEASUREMENT_BYTE 0xa5

/* Load keydir/snp/{vcek.key,vcek.der,sim-params}. 0 or -1 (message on stderr). */
int sim_snp_load(struct sim_snp *s, const char *keydir,
		 int (*rng)(void *, unsigned char *, size_t), void *rng_ctx);
void sim_snp_free(struct sim_snp *s);

int sim_snp_report(struct sim_snp *s, const struct sim_snp_opts *o, const uint8_t report_data[64],
		   uint8_t out[SNP_REPORT_LEN],
		   int (*rng)(void *, unsigned char *, size_t), void *rng_ctx);

/* The certificate table with the VCEK entry; returns its length or 0. */
size_t sim_snp_certtable(const struct sim_snp *s, uint8_t *out, size_t cap);

#endif
