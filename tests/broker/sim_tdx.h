/*
 * TEST ONLY: a simulated Intel TDX v4 quote (ECDSA P-256 attestation key,
 * TD report 1.0 body) as the simulated provider makes them: the quote signed
 * by the TEST attestation key (build/keys/tdx/ak.key), certification data
 * type 6 holding the QE report signed by the TEST PCK key, whose report data
 * is SHA-256(attestation key || QE auth data) || 32 zero bytes, and the PCK
 * chain (type 5, PEM). Lets the broker release to TDX evidence without a guest.
 */
#ifndef COCOBOOT_TESTS_SIM_TDX_H
#define COCOBOOT_TESTS_SIM_TDX_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

struct sim_tdx {
	mbedtls_pk_context ak, pck;
	char chain[16384];      /* PEM: PCK, PCK CA, root */
	size_t chain_len;
	uint8_t rtmr[4][48];    /* what the quotes report as RTMR0..3 (zero after load; tests set
	                           them to an event log's replay, broker/verify/tests/test-ccel.c) */
};

#define SIM_TDX_MRTD_BYTE 0xd7

int sim_tdx_load(struct sim_tdx *t, const char *keydir,
		 int (*rng)(void *, unsigned char *, size_t), void *rng_ctx);
void sim_tdx_free(struct sim_tdx *t);

/* Writes the quote into out (cap bytes); returns its length or 0. debug sets TD attribute bit 0. */
size_t sim_tdx_quote(struct sim_tdx *t, int debug, const uint8_t report_data[64], uint8_t *out, size_t cap,
		     int (*rng)(void *, unsigned char *, size_t), void *rng_ctx);

#endif
