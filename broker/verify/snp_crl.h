/*
 * SEV-SNP revocation: AMD KDS serves one CRL per product
 * (GET /vcek/v1/{Milan,Genoa,Turin}/crl), issued and signed by the ARK
 * (RSA-PSS SHA-384).  The broker reads it from the certificate directory
 * (snp_cert_dir, files named *.crl, DER or PEM) and refuses a chain whose
 * ASK/ASVK or VCEK/VLEK serial it lists.
 */
#ifndef COCOBOOT_BROKER_SNP_CRL_H
#define COCOBOOT_BROKER_SNP_CRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

#include "dir_index.h"
#include "verify.h"

struct snp_crl_want {
	const mbedtls_x509_crt *ark;   /* the issuer: name and key */
	time_t at;                     /* thisUpdate <= at <= nextUpdate */
	const uint8_t *serial[2];      /* VCEK/VLEK, ASK/ASVK (DER INTEGER contents) */
	size_t serial_len[2];
	struct dir_snapshot *memo;     /* NULL, or where a verified CRL signature is remembered */
};

/* One candidate CRL (untrusted bytes: fuzzed).  1 when it is a CRL signed by
 * the ARK and current at w->at: *this_update set, revoked[i] = serial i is
 * listed; 0 when it is not usable (does not parse, other issuer, bad
 * signature, not current). */
int snp_crl_eval(const uint8_t *data, size_t len, const struct snp_crl_want *w, time_t *this_update, int revoked[2]);

/* Every *.crl of the indexed directory; of the usable ones the one issued
 * last decides.  0 with *checked = whether a usable CRL was found; -1 (code
 * "revoked") when it lists a serial. */
int snp_crl_check(struct dir_snapshot *dir, const struct snp_crl_want *w, bool *checked, cb_refusal *why);

#endif
