/*
 * mbedTLS configuration for the guest binary (static musl, size matters).
 * Only what cocoboot uses: a TLS 1.3 client with ECDHE and ECDSA on P-256,
 * AES-GCM, SHA-2, X.509 parsing (the pinned broker CA and the server chain),
 * and the TLS exporter that binds the attestation report to the session.
 */
#ifndef COCOBOOT_MBEDTLS_CONFIG_GUEST_H
#define COCOBOOT_MBEDTLS_CONFIG_GUEST_H

/* Platform */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_NET_C
#define MBEDTLS_DEPRECATED_REMOVED

/* Randomness: getrandom() via the default entropy poll, then CTR-DRBG */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Symmetric: AES-GCM only, AES-NI only. Every SEV-SNP and TDX capable CPU has
 * AES-NI (and QEMU's `-cpu max` emulates it), so the software tables (~8 KB)
 * would never run; on a CPU without it the handshake fails instead. */
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C
#define MBEDTLS_AES_USE_HARDWARE_ONLY
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C

/* Hashes */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
/* SHA-512 hashes once per boot (the session binding) and in the digest of a
 * LUKS2 header made with --hash sha512: the unrolled rounds (-800 B) buy nothing */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_HKDF_C
/* PBKDF2 for the LUKS2 volume-key digest (init/luks2_digest.c) */
#define MBEDTLS_PKCS5_C

/* Public key: ECDHE and ECDSA on P-256 only. The guest verifies nothing but the
 * broker's TLS chain, which must therefore be P-256 ECDSA: `cocoboot check-ca`
 * refuses anything else at build time and `cocobroker serve` at start. The
 * client's signatures use the CTR-DRBG (no deterministic ECDSA, no HMAC-DRBG). */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/* The precomputed table for the P-256 generator (+2 KB): the guest does four
 * or five multiplications by G per boot (key generation, ECDHE, its signature),
 * and without the table each builds it first: 5.7 instead of 2.6 ms of
 * host CPU for key generation + sign + verify, several times that under TCG */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* ASN.1 (the writer for ECDSA signatures only), PEM (the pinned CA bundle is
 * PEM) and X.509 parsing. No X.509 or key writer: the client certificate is a
 * fixed DER template (proto/client_cert.c). */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
/* No human-readable certificate dumps or OID names (~2 KB). */
#define MBEDTLS_X509_REMOVE_INFO
#define MBEDTLS_X509_CRT_PARSE_C

/* TLS 1.3 client, certificate-based (ephemeral ECDHE) only */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_KEYING_MATERIAL_EXPORT

#endif
