/*
 * What the guest can verify. cocoboot's trimmed mbedTLS knows one public-key
 * algorithm: ECDSA on P-256 with SHA-256 signatures (init/mbedtls_config_guest.h).
 * The broker's TLS chain and the CA bundle pinned in the initramfs must stay
 * inside that; this is the one rule, checked by `cocoboot check-ca` (build
 * paths), by the guest when it loads its bundle, and by `cocobroker serve`
 * when it loads its certificate.
 */
#ifndef COCO_GUEST_CHAIN_H
#define COCO_GUEST_CHAIN_H

#include <stddef.h>

#include <mbedtls/x509_crt.h>

#define COCO_GUEST_CHAIN_RULE "every certificate must have an ECDSA P-256 key and an ecdsa-with-SHA256 signature"

/* 0 when every certificate in the list follows the rule; otherwise -1 and
 * `why` names the first one that does not (1-based position, subject, what is wrong). */
int coco_guest_chain_check(const mbedtls_x509_crt *chain, char *why, size_t whylen);

#endif
