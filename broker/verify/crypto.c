/* Signature primitives; see crypto.h for why keys are copied before use. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"

/* OpenSSL's name of a curve the evidence uses; NULL for others. */
static const char *curve_name(mbedtls_ecp_group_id gid, size_t *clen)
{
	switch (gid) {
	case MBEDTLS_ECP_DP_SECP256R1:
		*clen = 32;
		return "P-256";
	case MBEDTLS_ECP_DP_SECP384R1:
		*clen = 48;
		return "P-384";
	case MBEDTLS_ECP_DP_SECP521R1:
		*clen = 66;
		return "P-521";
	default:
		return NULL;
	}
}

/*
 * The elliptic-curve arithmetic is OpenSSL's (2-4x faster here than
 * mbedTLS's on P-384, the SEV-SNP report signature, and P-256): one
 * implementation for every ECDSA check of the verifier, reports, quotes,
 * certificates and CRLs. Importing the point checks it lies on the curve;
 * OpenSSL's ECDSA verify rejects r or s outside [1, n-1].
 */
int cb_ecdsa_verify_raw(mbedtls_ecp_group_id gid, const uint8_t *point, size_t point_len,
			const uint8_t *hash, size_t hash_len,
			const uint8_t *r, const uint8_t *s, size_t clen)
{
	size_t field_len = 0;
	const char *curve = curve_name(gid, &field_len);
	EVP_PKEY_CTX *import = NULL, *verify = NULL;
	EVP_PKEY *key = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *R = NULL, *S = NULL;
	unsigned char *der = NULL;
	int der_len, ok = -1;
	OSSL_PARAM params[3];

	if (!curve || clen != field_len || point_len != 1 + 2 * field_len || point[0] != 0x04 || !hash_len)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, point_len);
	params[2] = OSSL_PARAM_construct_end();
	if (!(import = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) || EVP_PKEY_fromdata_init(import) <= 0 ||
	    EVP_PKEY_fromdata(import, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	if (!(sig = ECDSA_SIG_new()) || !(R = BN_bin2bn(r, (int)clen, NULL)) || !(S = BN_bin2bn(s, (int)clen, NULL)) ||
	    !ECDSA_SIG_set0(sig, R, S))
		goto out;
	R = S = NULL; /* owned by sig */
	if ((der_len = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	if ((verify = EVP_PKEY_CTX_new(key, NULL)) && EVP_PKEY_verify_init(verify) > 0 &&
	    EVP_PKEY_verify(verify, der, (size_t)der_len, hash, hash_len) == 1)
		ok = 0;
out:
	OPENSSL_free(der);
	BN_free(R);
	BN_free(S);
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(verify);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(import);
	ERR_clear_error(); /* the thread's error queue: nothing to report from here */
	return ok;
}

mbedtls_ecp_group_id cb_ec_point(const mbedtls_pk_context *pk, uint8_t *out, size_t cap, size_t *len)
{
	if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY))
		return MBEDTLS_ECP_DP_NONE;
	const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
	if (mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, len, out, cap) != 0)
		return MBEDTLS_ECP_DP_NONE;
	return kp->grp.id;
}

/* DER ECDSA-Sig-Value -> fixed-size big-endian r and s. */
static int ecdsa_der_to_raw(const uint8_t *sig, size_t sig_len, uint8_t *r, uint8_t *s, size_t clen)
{
	unsigned char *p = (unsigned char *)sig, *end = p + sig_len;
	size_t len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
	    p + len != end)
		return -1;
	uint8_t *outs[2] = { r, s };
	for (int i = 0; i < 2; i++) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_INTEGER) != 0)
			return -1;
		while (len > 0 && *p == 0) { /* strip sign padding */
			p++;
			len--;
		}
		if (len > clen)
			return -1;
		memset(outs[i], 0, clen - len);
		memcpy(outs[i] + clen - len, p, len);
		p += len;
	}
	return p == end ? 0 : -1;
}

int cb_ecdsa_verify_der(mbedtls_ecp_group_id gid, const uint8_t *point, size_t point_len,
			const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t r[66], s[66];
	if (point_len < 3 || (point_len - 1) / 2 > sizeof r)
		return -1;
	size_t clen = (point_len - 1) / 2;
	if (ecdsa_der_to_raw(sig, sig_len, r, s, clen) != 0)
		return -1;
	return cb_ecdsa_verify_raw(gid, point, point_len, hash, hash_len, r, s, clen);
}

/* A signature over tbs by parent's key, with the algorithm the signed object names. */
static int signed_by(const mbedtls_x509_buf *tbs, const mbedtls_x509_buf *sig, mbedtls_pk_type_t sig_pk,
		     mbedtls_md_type_t sig_md, const void *sig_opts, const mbedtls_x509_crt *parent)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(sig_md);
	if (!md)
		return -1;
	uint8_t hash[MBEDTLS_MD_MAX_SIZE];
	size_t hlen = mbedtls_md_get_size(md);
	if (mbedtls_md(md, tbs->p, tbs->len, hash) != 0)
		return -1;

	if (sig_pk == MBEDTLS_PK_ECDSA) {
		uint8_t point[1 + 2 * 66], r[66], s[66];
		size_t plen;
		mbedtls_ecp_group_id gid = cb_ec_point(&parent->pk, point, sizeof point, &plen);
		if (gid == MBEDTLS_ECP_DP_NONE)
			return -1;
		size_t clen = (plen - 1) / 2;
		if (ecdsa_der_to_raw(sig->p, sig->len, r, s, clen) != 0)
			return -1;
		return cb_ecdsa_verify_raw(gid, point, plen, hash, hlen, r, s, clen);
	}
	if (sig_pk == MBEDTLS_PK_RSA || sig_pk == MBEDTLS_PK_RSASSA_PSS) {
		if (!mbedtls_pk_can_do(&parent->pk, MBEDTLS_PK_RSA))
			return -1;
		/* pk_verify_ext only reads a warmed RSA key (cb_rsa_warm). */
		return mbedtls_pk_verify_ext(sig_pk, sig_opts, (mbedtls_pk_context *)&parent->pk, sig_md,
					     hash, hlen, sig->p, sig->len) == 0 ? 0 : -1;
	}
	return -1;
}

static int name_is(const mbedtls_x509_buf *issuer, const mbedtls_x509_crt *parent)
{
	return issuer->len == parent->subject_raw.len && memcmp(issuer->p, parent->subject_raw.p, issuer->len) == 0;
}

int cb_cert_signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
	if (!name_is(&child->issuer_raw, parent))
		return -1;
	return signed_by(&child->tbs, &child->sig, child->sig_pk, child->sig_md, child->sig_opts, parent);
}

int cb_crl_signed_by(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *parent)
{
	if (!name_is(&crl->issuer_raw, parent))
		return -1;
	return signed_by(&crl->tbs, &crl->sig, crl->sig_pk, crl->sig_md, crl->sig_opts, parent);
}

int cb_cert_is_ca(const mbedtls_x509_crt *c)
{
	return c->ca_istrue ? 0 : -1;
}

time_t cb_x509_time_to_time(const mbedtls_x509_time *t)
{
	struct tm tm = {
		.tm_year = t->year - 1900, .tm_mon = t->mon - 1, .tm_mday = t->day,
		.tm_hour = t->hour, .tm_min = t->min, .tm_sec = t->sec,
	};
	return timegm(&tm);
}

int cb_time_within(const mbedtls_x509_time *from, const mbedtls_x509_time *to, time_t at)
{
	return at >= cb_x509_time_to_time(from) && at <= cb_x509_time_to_time(to) ? 0 : -1;
}

int cb_cert_valid_at(const mbedtls_x509_crt *c, time_t at)
{
	return cb_time_within(&c->valid_from, &c->valid_to, at);
}

void cb_rsa_warm(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
		return;
	mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
	uint8_t in[1024] = { 0 }, out[1024];
	size_t n = mbedtls_rsa_get_len(rsa);
	if (n == 0 || n > sizeof in)
		return;
	in[n - 1] = 2;
	(void)mbedtls_rsa_public(rsa, in, out);
}

void cb_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	mbedtls_sha256(data, len, out, 0);
}

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";

int cb_certs_parse(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len)
{
	while (len > 0 && buf[len - 1] == 0)
		len--;
	if (len == 0)
		return -1;
	if (!memmem(buf, len, pem_begin, sizeof pem_begin - 1))
		return mbedtls_x509_crt_parse_der(chain, buf, len) == 0 ? 0 : -1;
	/* mbedtls wants PEM NUL-terminated with the NUL counted. */
	unsigned char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, buf, len);
	copy[len] = 0;
	int ret = mbedtls_x509_crt_parse(chain, copy, len + 1);
	free(copy);
	return ret == 0 ? 0 : -1;
}

int cb_x509_find_ext(const mbedtls_x509_crt *c, const uint8_t *oid, size_t oid_len,
		     const uint8_t **val, size_t *vlen)
{
	if (c->v3_ext.len == 0)
		return 0;
	unsigned char *p = c->v3_ext.p, *end = p + c->v3_ext.len;
	size_t len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
	    p + len != end)
		return -1;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return -1;
		unsigned char *ext_end = p + len;
		size_t olen;
		if (mbedtls_asn1_get_tag(&p, ext_end, &olen, MBEDTLS_ASN1_OID) != 0)
			return -1;
		const unsigned char *this_oid = p;
		p += olen;
		int critical = 0;
		if (mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0 &&
		    p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN)
			return -1;
		size_t olen2;
		if (mbedtls_asn1_get_tag(&p, ext_end, &olen2, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
		    p + olen2 != ext_end)
			return -1;
		if (olen == oid_len && memcmp(this_oid, oid, oid_len) == 0) {
			*val = p;
			*vlen = olen2;
			return 1;
		}
		p = ext_end;
	}
	return 0;
}
