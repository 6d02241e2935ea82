/*
 * The certificates that come with one piece of evidence (auxblob entries,
 * extra --cert buffers, a cache directory), as candidate DER blobs.
 */
#ifndef COCOBOOT_BROKER_EVIDENCE_CERTS_H
#define COCOBOOT_BROKER_EVIDENCE_CERTS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "dir_index.h"
#include "verify.h"

#define EVIDENCE_MAX_CERTS 128

struct evidence_certs {
	struct {
		const uint8_t *der;
		size_t len;
	} c[EVIDENCE_MAX_CERTS];
	size_t n;
	mbedtls_x509_crt parsed;   /* owns the DER of certs that came as PEM or from files */
	mbedtls_x509_crt pool;     /* every candidate parsed, built on demand */
	int pool_built;
	struct dir_snapshot *dir;  /* the certificate directory's, referenced while in use */
};

void evidence_certs_init(struct evidence_certs *ec);
void evidence_certs_free(struct evidence_certs *ec);
/* Add one candidate DER that lives in caller memory (auxblob entry). */
int evidence_certs_add_der(struct evidence_certs *ec, const uint8_t *der, size_t len, cb_refusal *why);
/* Add every certificate in a PEM/DER buffer; malformed input is an error. */
int evidence_certs_add_buf(struct evidence_certs *ec, const uint8_t *buf, size_t len, cb_refusal *why);
/* Add the certificates of the directory's .pem/.der/.crt/.cer files, parsed
 * when it was indexed (files that do not parse are skipped: it is a cache,
 * not evidence).  Takes a reference to dir, dropped by evidence_certs_free. */
void evidence_certs_add_dir(struct evidence_certs *ec, struct dir_snapshot *dir);
/* All candidates parsed (for finding an intermediate); NULL if none parse. */
const mbedtls_x509_crt *evidence_certs_pool(struct evidence_certs *ec);

#endif
