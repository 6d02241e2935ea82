/*
 * TEST ONLY (make bench): ECDSA P-384 signatures of simulated SEV-SNP reports
 * with the nonce work done before the timed run. An ECDSA signature is
 * (r, s) with r = x(k*G) mod n and s = k^-1 (z + r*d) mod n: the point
 * multiplication (almost all of the cost) depends only on the nonce k, so
 * presign_prepare() draws a fresh k per future signature and keeps (r, k^-1);
 * presign_sign() then needs two modular multiplications. Each prepared nonce
 * is used once and wiped. The signatures are ordinary ECDSA signatures that
 * any verifier accepts; the generator pays per request only the report's
 * SHA-384 and s (a real guest pays nothing: the PSP signs).
 */
#ifndef COCOBOOT_TESTS_BENCH_PRESIGN_H
#define COCOBOOT_TESTS_BENCH_PRESIGN_H

#include <stddef.h>
#include <stdint.h>

struct presign;

/* keyfile: the TEST VCEK's private key (PEM, P-384); `count` nonces prepared.
 * NULL with a message on stderr on failure. */
struct presign *presign_new(const char *keyfile, size_t count);
/* Sign a 48-byte SHA-384 digest with the next prepared nonce (or, when they
 * are used up, one made on the spot: counted by presign_late). R and S
 * big-endian in 48 bytes each. 0 or -1. */
int presign_sign(struct presign *p, const uint8_t digest[48], uint8_t r[48], uint8_t s[48]);
/* How many signatures needed a nonce made on the spot (a full signature's cost). */
size_t presign_late(const struct presign *p);
void presign_free(struct presign *p);

#endif
