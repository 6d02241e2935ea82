/*
 * GHCB certificate table (GHCB spec, "SNP Extended Guest Request"): the
 * auxblob of an SEV-SNP report is a list of {GUID, offset, length} entries,
 * ended by an all-zero entry, followed by the certificates they point at.
 */
#ifndef COCOBOOT_BROKER_SNP_CERTTABLE_H
#define COCOBOOT_BROKER_SNP_CERTTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

enum snp_cert_kind { SNP_CERT_OTHER = 0, SNP_CERT_VCEK, SNP_CERT_VLEK, SNP_CERT_ASK, SNP_CERT_ARK };

/* VCEK or VLEK, ASK or ASVK, ARK, and one spare: a longer table is malformed
 * (the same bound as TDX PCK chains; every entry can cost a signature). */
#define SNP_CERTTABLE_MAX 4

struct snp_cert_entry {
	enum snp_cert_kind kind;
	const uint8_t *der;   /* points into the auxblob */
	size_t len;
};

/* Parse; entries point into buf.  0 with *n set, or -1 with *why (malformed). */
int snp_certtable_parse(const uint8_t *buf, size_t len, struct snp_cert_entry *out, size_t *n,
			cb_refusal *why);

#endif
