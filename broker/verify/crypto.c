/* Signature primitives; see crypto.h for why keys are copied before use. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "crypto.h"

int cb_ecdsa_verify_raw(mbedtls_ecp_group_id gid, const uint8_t *point, size_t point_len,
			const uint8_t *hash, size_t hash_len,
			const uint8_t *r, const uint8_t *s, size_t clen)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point Q;
	mbedtls_mpi R, S;
	int ok = -1;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&Q);
	mbedtls_mpi_init(&R);
	mbedtls_mpi_init(&S);
	if (mbedtls_ecp_group_load(&grp, gid) == 0 &&
	    mbedtls_ecp_point_read_binary(&grp, &Q, point, point_len) == 0 &&
	    mbedtls_ecp_check_pubkey(&grp, &Q) == 0 &&
	    mbedtls_mpi_read_binary(&R, r, clen) == 0 &&
	    mbedtls_mpi_read_binary(&S, s, clen) == 0 &&
	    mbedtls_ecdsa_verify(&grp, hash, hash_len, &Q, &R, &S) == 0)
		ok = 0;
	mbedtls_mpi_free(&R);
	mbedtls_mpi_free(&S);
	mbedtls_ecp_point_free(&Q);
	mbedtls_ecp_group_free(&grp);
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
