/*
 * The guest's ephemeral TLS client identity: a fresh ECDSA P-256 key (never
 * persisted) and a self-signed certificate carrying it. The broker trusts it
 * through the attestation (the evidence binds the SHA-256 of its SPKI), not
 * through a CA, so the certificate's names and validity carry no meaning;
 * the validity window is maximal because the guest clock is host-controlled.
 * The certificate is a fixed DER template with the serial, the key and the
 * signature filled in (client_cert.c), so the guest links no X.509 writer.
 */
#ifndef COCOBOOT_PROTO_CLIENT_CERT_H
#define COCOBOOT_PROTO_CLIENT_CERT_H

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

struct coco_client_identity {
	mbedtls_pk_context key;
	mbedtls_x509_crt cert;     /* parsed; cert.pk_raw is the SPKI DER */
};

/* rng as for mbedTLS (e.g. mbedtls_ctr_drbg_random). Returns 0 or an mbedTLS error. */
int coco_client_identity_generate(struct coco_client_identity *id,
				  int (*rng)(void *, unsigned char *, size_t), void *rng_ctx);

void coco_client_identity_free(struct coco_client_identity *id);

#endif
