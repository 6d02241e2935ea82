/*
 * Intel's SGX extension in PCK certificates (OID 1.2.840.113741.1.13.1,
 * "Intel SGX PCK Certificate and CRL Profile"): PPID, TCB (16 component SVNs,
 * PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type.
 */
#ifndef COCOBOOT_BROKER_SGX_EXT_H
#define COCOBOOT_BROKER_SGX_EXT_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

struct sgx_pck_ext {
	uint8_t ppid[16];
	uint8_t comp_svn[16];
	uint16_t pcesvn;
	uint8_t cpusvn[16];
	uint8_t pceid[2];
	uint8_t fmspc[6];
	int sgx_type;
};

/* Parse the extension of a PCK certificate; 0 or -1 (detail in err). */
int sgx_ext_parse(const mbedtls_x509_crt *c, struct sgx_pck_ext *out, char *err, size_t errlen);
/* Same over the extension's value bytes (the fuzz target's entry point). */
int sgx_ext_parse_value(const uint8_t *v, size_t len, struct sgx_pck_ext *out, char *err, size_t errlen);

#endif
