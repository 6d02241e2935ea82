/*
 * Session binding of the attestation evidence (design.md, "Trust and binding").
 *
 *   ekm    = TLS-Exporter("EXPORTER-cocoboot-v1", empty context, 32)
 *   inblob = SHA-512("cocoboot-v1" || 0x00 || SHA-256(client SPKI DER) || ekm)
 *
 * The guest writes inblob into the report request; the broker recomputes it
 * from its own view of the session and compares it with the report data.
 * Shared by the guest (musl, trimmed mbedTLS) and the broker (host).
 */
#ifndef COCOBOOT_PROTO_BINDING_H
#define COCOBOOT_PROTO_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>

#define COCO_BINDING_DOMAIN   "cocoboot-v1"
#define COCO_EXPORTER_LABEL   "EXPORTER-cocoboot-v1"
#define COCO_EKM_LEN          32
#define COCO_INBLOB_LEN       64

/* inblob from its parts. Returns 0, or a negative mbedTLS error. */
int coco_binding_compute(const uint8_t *spki_der, size_t spki_len,
			 const uint8_t ekm[COCO_EKM_LEN],
			 uint8_t inblob[COCO_INBLOB_LEN]);

/* The exporter value of an established TLS 1.3 session. */
int coco_binding_ekm(mbedtls_ssl_context *ssl, uint8_t ekm[COCO_EKM_LEN]);

/*
 * inblob for an established session and the client's SPKI (the broker passes
 * the peer certificate's pk_raw; the guest the SPKI of its own certificate).
 */
int coco_binding_for_session(mbedtls_ssl_context *ssl,
			     const uint8_t *spki_der, size_t spki_len,
			     uint8_t inblob[COCO_INBLOB_LEN]);

/* How the broker names a client in its log and audit rows: the lowercase
 * hex of SHA-256(client SPKI DER). */
#define COCO_CLIENT_KEY_ID_LEN 64
int coco_client_key_id(const uint8_t *spki_der, size_t spki_len, char out[COCO_CLIENT_KEY_ID_LEN + 1]);

#endif
