/*
 * Signature primitives: certificates and CRLs parsed by mbedTLS, ECDSA
 * checked by OpenSSL (crypto.c says why), written so that keys shared
 * between threads (trust-store roots, cached VCEK/PCK keys) are only ever read.
 */
#ifndef COCOBOOT_BROKER_VERIFY_CRYPTO_H
#define COCOBOOT_BROKER_VERIFY_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

/* ECDSA over a hash with an uncompressed public point (0x04||X||Y) and
 * big-endian r, s of clen bytes each.  0 valid, -1 invalid or bad input. */
int cb_ecdsa_verify_raw(mbedtls_ecp_group_id gid, const uint8_t *point, size_t point_len,
			const uint8_t *hash, size_t hash_len,
			const uint8_t *r, const uint8_t *s, size_t clen);

/* Same with a DER ECDSA-Sig-Value (X.509 and CRL signatures). */
int cb_ecdsa_verify_der(mbedtls_ecp_group_id gid, const uint8_t *point, size_t point_len,
			const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len);

/* Export an EC certificate key as an uncompressed point; returns the group or
 * MBEDTLS_ECP_DP_NONE if the key is not EC. */
mbedtls_ecp_group_id cb_ec_point(const mbedtls_pk_context *pk, uint8_t *out, size_t cap, size_t *len);

/* child's issuer name == parent's subject and child's signature verifies
 * under parent's key (RSA PKCS#1, RSA-PSS or ECDSA). 0 or -1. */
int cb_cert_signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent);

/* Same for a CRL: its issuer name is parent's subject and its signature
 * verifies under parent's key.  0 or -1. */
int cb_crl_signed_by(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *parent);

/* Basic constraints say CA. */
int cb_cert_is_ca(const mbedtls_x509_crt *c);

/* 0 when not_before <= at <= not_after. */
int cb_cert_valid_at(const mbedtls_x509_crt *c, time_t at);
/* Same for a pair of mbedtls times. */
int cb_time_within(const mbedtls_x509_time *from, const mbedtls_x509_time *to, time_t at);
/* mbedtls time -> time_t (UTC). */
time_t cb_x509_time_to_time(const mbedtls_x509_time *t);

/* Run one public-key operation so the lazily computed Montgomery constant of
 * an RSA key is filled before the key is shared between threads. */
void cb_rsa_warm(mbedtls_pk_context *pk);

/* SHA-256 of a buffer. */
void cb_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/*
 * Parse certificates from a buffer holding one DER certificate or any number
 * of PEM certificates (trailing NULs tolerated), appending to chain.
 * 0 or -1 (nothing usable / a PEM block that does not parse).
 */
int cb_certs_parse(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len);

/*
 * Find a non-critical or critical v3 extension by its DER-encoded OID
 * (without tag/length).  1 found (val, len = the extnValue contents), 0 absent,
 * -1 malformed extension list.
 */
int cb_x509_find_ext(const mbedtls_x509_crt *c, const uint8_t *oid, size_t oid_len,
		     const uint8_t **val, size_t *len);

#endif
