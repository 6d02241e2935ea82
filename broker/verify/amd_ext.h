/*
 * AMD's X.509 extensions in VCEK/VLEK certificates (AMD "Versioned Chip
 * Endorsement Key (VCEK) Certificate and KDS Interface Specification"):
 * OIDs 1.3.6.1.4.1.3704.1.{1 structVersion, 2 productName, 3.x SPLs, 4 hwID,
 * 5 CSP id}.
 */
#ifndef COCOBOOT_BROKER_AMD_EXT_H
#define COCOBOOT_BROKER_AMD_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

struct amd_cert_ext {
	char product_name[32];
	bool has_struct_version;
	int struct_version;
	uint8_t bootloader, tee, snp, microcode, fmc;
	bool has_fmc;
	uint8_t hwid[64];
	size_t hwid_len;   /* 0 (VLEK), 8 (Turin) or 64 */
	bool has_csp_id;   /* VLEK */
};

/* Parse the extensions; 0, or -1 when a required one is missing/malformed
 * (detail written to err). */
int amd_ext_parse(const mbedtls_x509_crt *c, struct amd_cert_ext *out, char *err, size_t errlen);

#endif
