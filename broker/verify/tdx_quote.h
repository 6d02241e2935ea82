/*
 * Intel TDX DCAP quote, versions 4 and 5 (Intel "TDX DCAP Quoting Library
 * API", quote format appendix): pure parsing, no cryptography.
 */
#ifndef COCOBOOT_BROKER_TDX_QUOTE_H
#define COCOBOOT_BROKER_TDX_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

#define TDX_HEADER_SIZE 48
#define TDX_TD10_SIZE 584
#define TDX_TD15_SIZE 648
#define SGX_REPORT_BODY_SIZE 384

struct tdx_quote {
	const uint8_t *signed_part;  /* header + (descriptor) + body */
	size_t signed_len;
	const uint8_t *signature;    /* r||s, big-endian, 64 bytes */
	const uint8_t *attest_key;   /* X||Y, 64 bytes */
	const uint8_t *qe_report;    /* SGX report body, 384 bytes */
	const uint8_t *qe_report_sig;/* r||s, 64 bytes */
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_chain;    /* PEM, trailing NULs stripped */
	size_t pck_chain_len;
	size_t quote_len;            /* by the length fields; bytes after it are ignored */
};

/* A PCK chain is leaf, PCK CA, root: more than this many certificates is
 * malformed, refused before any signature is checked. */
#define TDX_PCK_CHAIN_MAX 4

/* How many PEM certificates a buffer holds (counted, not parsed). */
size_t tdx_pem_cert_count(const uint8_t *pem, size_t len);

/* Parse the quote and fill the TD report claims.  0 or -1 with *why. */
int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *q, cb_tdx_claims *c, cb_refusal *why);

/* QE report fields used by the verifier and the QE identity check. */
struct sgx_report_body {
	uint8_t cpu_svn[16];
	uint32_t misc_select;
	uint8_t attributes[16];
	uint8_t mr_enclave[32];
	uint8_t mr_signer[32];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint8_t report_data[64];
};
void sgx_report_body_parse(const uint8_t *p, struct sgx_report_body *out);

#endif
