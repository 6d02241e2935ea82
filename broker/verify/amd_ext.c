/* AMD VCEK/VLEK certificate extensions. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "amd_ext.h"
#include "crypto.h"

/* DER of 1.3.6.1.4.1.3704.1 */
#define AMD_ARC 0x2B, 0x06, 0x01, 0x04, 0x01, 0x9C, 0x78, 0x01

static const uint8_t oid_struct_version[] = { AMD_ARC, 0x01 };
static const uint8_t oid_product_name[] = { AMD_ARC, 0x02 };
static const uint8_t oid_hwid[] = { AMD_ARC, 0x04 };
static const uint8_t oid_csp_id[] = { AMD_ARC, 0x05 };

static int spl_oid_value(const mbedtls_x509_crt *c, uint8_t leaf, int *value)
{
	const uint8_t oid[] = { AMD_ARC, 0x03, leaf };
	const uint8_t *v;
	size_t len;
	int found = cb_x509_find_ext(c, oid, sizeof oid, &v, &len);
	if (found <= 0)
		return found;
	unsigned char *p = (unsigned char *)v;
	if (mbedtls_asn1_get_int(&p, v + len, value) != 0 || p != v + len || *value < 0 || *value > 255)
		return -1;
	return 1;
}

int amd_ext_parse(const mbedtls_x509_crt *c, struct amd_cert_ext *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	const uint8_t *v;
	size_t len;

	int found = cb_x509_find_ext(c, oid_product_name, sizeof oid_product_name, &v, &len);
	if (found <= 0 || len < 2 || v[0] != MBEDTLS_ASN1_IA5_STRING || v[1] != len - 2 ||
	    len - 2 >= sizeof e->product_name) {
		snprintf(err, errlen, "certificate has no valid AMD productName extension");
		return -1;
	}
	memcpy(e->product_name, v + 2, len - 2);

	found = cb_x509_find_ext(c, oid_struct_version, sizeof oid_struct_version, &v, &len);
	if (found < 0)
		goto bad_ext;
	if (found) {
		unsigned char *p = (unsigned char *)v;
		if (mbedtls_asn1_get_int(&p, v + len, &e->struct_version) != 0 || p != v + len)
			goto bad_ext;
		e->has_struct_version = true;
	}

	static const struct {
		uint8_t leaf;
		size_t off;
	} spls[] = {
		{ 1, offsetof(struct amd_cert_ext, bootloader) },
		{ 2, offsetof(struct amd_cert_ext, tee) },
		{ 3, offsetof(struct amd_cert_ext, snp) },
		{ 8, offsetof(struct amd_cert_ext, microcode) },
	};
	for (size_t i = 0; i < sizeof spls / sizeof spls[0]; i++) {
		int value;
		if (spl_oid_value(c, spls[i].leaf, &value) != 1) {
			snprintf(err, errlen, "certificate lacks a valid TCB extension 1.3.6.1.4.1.3704.1.3.%u",
				 spls[i].leaf);
			return -1;
		}
		*((uint8_t *)e + spls[i].off) = (uint8_t)value;
	}
	int value;
	found = spl_oid_value(c, 9, &value);
	if (found < 0)
		goto bad_ext;
	if (found) {
		e->fmc = (uint8_t)value;
		e->has_fmc = true;
	}
	/* Reserved SPLs 4..7, when present, must be zero or the TCB comparison
	 * with the report would ignore bytes AMD might start using. */
	for (uint8_t leaf = 4; leaf <= 7; leaf++) {
		found = spl_oid_value(c, leaf, &value);
		if (found < 0 || (found && value != 0))
			goto bad_ext;
	}

	found = cb_x509_find_ext(c, oid_hwid, sizeof oid_hwid, &v, &len);
	if (found < 0)
		goto bad_ext;
	if (found) {
		/* KDS certificates carry the raw bytes; some carry an OCTET STRING. */
		if ((len == 66 && v[0] == MBEDTLS_ASN1_OCTET_STRING && v[1] == 64) ||
		    (len == 10 && v[0] == MBEDTLS_ASN1_OCTET_STRING && v[1] == 8)) {
			v += 2;
			len -= 2;
		}
		if (len != 64 && len != 8) {
			snprintf(err, errlen, "certificate hwID is %zu bytes (expected 64 or 8)", len);
			return -1;
		}
		memcpy(e->hwid, v, len);
		e->hwid_len = len;
	}
	found = cb_x509_find_ext(c, oid_csp_id, sizeof oid_csp_id, &v, &len);
	if (found < 0)
		goto bad_ext;
	e->has_csp_id = found == 1;
	return 0;

bad_ext:
	snprintf(err, errlen, "certificate has a malformed AMD extension");
	return -1;
}
