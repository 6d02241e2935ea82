/*
 * TEST ONLY (make bench): the load generator's POST /v1/unlock requests.
 * What can be prepared before the timed run is: the simulated SEV-SNP
 * report (tests/broker/sim_snp.c, the TEST VCEK of build/keys) is built once
 * as a template, its certificate table once, and the report signature's
 * nonces ahead (presign.h). What cannot: the report data is the session
 * binding (proto/binding.h), known only once the handshake is done, so per
 * request the generator pays the binding (SHA-256 + SHA-512), the report's
 * SHA-384, the last step of the ECDSA signature (two modular
 * multiplications), and the base64/JSON encoding (proto/request.h).
 */
#ifndef COCOBOOT_TESTS_BENCH_EVIDENCE_H
#define COCOBOOT_TESTS_BENCH_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

struct evidence;

enum evidence_kind {
	EVIDENCE_GOOD,           /* the broker releases the key */
	EVIDENCE_BAD_SIGNATURE,  /* a bit of R flipped after signing: verified, refused */
	EVIDENCE_UNKNOWN_VOLUME, /* a volume the broker does not know: refused before the evidence */
};

/* keydir: build/keys; nonces: signatures to prepare. NULL on failure (message on stderr). */
struct evidence *evidence_new(const char *keydir, size_t nonces);

/* The whole HTTP request for one session: spki is the client certificate's
 * SubjectPublicKeyInfo DER, ekm the session's exporter value. 0 or -1. */
int evidence_request(struct evidence *e, enum evidence_kind kind, const char *volume,
		     const uint8_t *spki, size_t spki_len, const uint8_t ekm[32],
		     char *out, size_t cap, size_t *len);

/* Signatures whose nonce was made during the run (see presign_late). */
size_t evidence_late_nonces(const struct evidence *e);
void evidence_free(struct evidence *e);

#endif
