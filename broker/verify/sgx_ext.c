/* Intel SGX PCK certificate extension (1.2.840.113741.1.13.1). */
#include <stdio.h>
#include <string.h>

#include <mbedtls/asn1.h>

#include "crypto.h"
#include "sgx_ext.h"

#define SGX_ARC 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01
static const uint8_t oid_sgx[] = { SGX_ARC };
static const uint8_t oid_sgx_prefix[] = { SGX_ARC };

enum { SEEN_PPID = 1, SEEN_TCB = 2, SEEN_PCEID = 4, SEEN_FMSPC = 8, SEEN_TYPE = 16 };

static int get_octets(unsigned char **p, const unsigned char *end, uint8_t *out, size_t n)
{
	size_t len;
	if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 || len != n)
		return -1;
	memcpy(out, *p, n);
	*p += n;
	return 0;
}

/* TCB: SEQUENCE OF SEQUENCE { OID ...2.N, INTEGER | OCTET STRING } */
static int parse_tcb(unsigned char *p, const unsigned char *end, struct sgx_pck_ext *e)
{
	size_t len;
	unsigned seen = 0;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return -1;
		unsigned char *item_end = p + len;
		size_t olen;
		if (mbedtls_asn1_get_tag(&p, item_end, &olen, MBEDTLS_ASN1_OID) != 0 ||
		    olen != sizeof oid_sgx_prefix + 2 || memcmp(p, oid_sgx_prefix, sizeof oid_sgx_prefix) != 0 ||
		    p[sizeof oid_sgx_prefix] != 0x02)
			return -1;
		unsigned idx = p[sizeof oid_sgx_prefix + 1];
		p += olen;
		if (idx >= 1 && idx <= 17) {
			int v;
			if (mbedtls_asn1_get_int(&p, item_end, &v) != 0 || v < 0 || v > (idx == 17 ? 65535 : 255))
				return -1;
			if (idx == 17)
				e->pcesvn = (uint16_t)v;
			else
				e->comp_svn[idx - 1] = (uint8_t)v;
			seen |= 1u << idx;
		} else if (idx == 18) {
			if (get_octets(&p, item_end, e->cpusvn, 16))
				return -1;
			seen |= 1u << 18;
		} else {
			return -1;
		}
		if (p != item_end)
			return -1;
	}
	return seen == 0x7FFFE ? 0 : -1; /* bits 1..18 */
}

int sgx_ext_parse_value(const uint8_t *v, size_t vlen, struct sgx_pck_ext *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	unsigned char *p = (unsigned char *)v, *end = p + vlen;
	size_t len;
	unsigned seen = 0;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
	    p + len != end)
		goto bad;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			goto bad;
		unsigned char *item_end = p + len;
		size_t olen;
		if (mbedtls_asn1_get_tag(&p, item_end, &olen, MBEDTLS_ASN1_OID) != 0)
			goto bad;
		if (olen != sizeof oid_sgx + 1 || memcmp(p, oid_sgx, sizeof oid_sgx) != 0) {
			p = item_end; /* not ours */
			continue;
		}
		unsigned idx = p[sizeof oid_sgx];
		p += olen;
		switch (idx) {
		case 1:
			if (get_octets(&p, item_end, e->ppid, 16))
				goto bad;
			seen |= SEEN_PPID;
			break;
		case 2:
			if (mbedtls_asn1_get_tag(&p, item_end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
			    p + len != item_end || parse_tcb(p, item_end, e) != 0)
				goto bad;
			p = item_end;
			seen |= SEEN_TCB;
			break;
		case 3:
			if (get_octets(&p, item_end, e->pceid, 2))
				goto bad;
			seen |= SEEN_PCEID;
			break;
		case 4:
			if (get_octets(&p, item_end, e->fmspc, 6))
				goto bad;
			seen |= SEEN_FMSPC;
			break;
		case 5:
			if (mbedtls_asn1_get_enum(&p, item_end, &e->sgx_type) != 0)
				goto bad;
			seen |= SEEN_TYPE;
			break;
		default: /* platform instance id, configuration: not used */
			p = item_end;
		}
		if (p != item_end)
			goto bad;
	}
	if ((seen & (SEEN_TCB | SEEN_PCEID | SEEN_FMSPC)) != (SEEN_TCB | SEEN_PCEID | SEEN_FMSPC)) {
		snprintf(err, errlen, "PCK SGX extension lacks TCB, PCE-ID or FMSPC");
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "PCK SGX extension is malformed");
	return -1;
}

int sgx_ext_parse(const mbedtls_x509_crt *c, struct sgx_pck_ext *e, char *err, size_t errlen)
{
	const uint8_t *v;
	size_t len;
	if (cb_x509_find_ext(c, oid_sgx, sizeof oid_sgx, &v, &len) != 1) {
		snprintf(err, errlen, "PCK certificate has no SGX extension");
		return -1;
	}
	return sgx_ext_parse_value(v, len, e, err, errlen);
}
