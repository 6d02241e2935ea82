/*
 * SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP ABI spec, table "ATTESTATION_REPORT
 * Structure"): pure parsing, no cryptography.
 */
#ifndef COCOBOOT_BROKER_SNP_REPORT_H
#define COCOBOOT_BROKER_SNP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

#define SNP_REPORT_SIZE 0x4A0
#define SNP_SIGNED_SIZE 0x2A0
#define SNP_SIG_OFFSET 0x2A0

/* Fill the parts of claims that come straight from the report (TCBs are
 * decoded later, once the product is known).  0, or -1 with *why. */
int snp_report_parse(const uint8_t *buf, size_t len, cb_snp_claims *c, cb_refusal *why);

/* Decode a TCB_VERSION u64 with the Milan/Genoa or the Turin layout. */
void snp_tcb_decode(uint64_t raw, int turin_layout, cb_snp_tcb *out);

/* Signature R and S as big-endian 48-byte values; -1 when the
 * little-endian 72-byte fields have anything set above 48 bytes. */
int snp_report_signature(const uint8_t *report, uint8_t r[48], uint8_t s[48]);

#endif
