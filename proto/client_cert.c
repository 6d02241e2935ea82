#include "client_cert.h"

#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

/*
 * The certificate is a fixed DER template: only the serial, the public key
 * and the signature change from one boot to the next, and every field before
 * the signature has a fixed length, so the guest needs no X.509 or ASN.1
 * writer (mbedTLS's x509write, x509_create, pk_write: ~7 KB of the binary).
 * What it says: v3, ecdsa-with-SHA256, issuer = subject = CN=cocoboot
 * ephemeral (UTF8String), valid from 2000-01-01 00:00:00Z (UTCTime) to
 * 9999-12-31 23:59:59Z (GeneralizedTime), an id-ecPublicKey prime256v1
 * uncompressed point, no extensions.
 */
#define SERIAL_LEN 16
#define POINT_LEN  65 /* 04 || X || Y */

#define NAME 0x30, 0x1d, 0x31, 0x1b, 0x30, 0x19, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x12, \
	'c', 'o', 'c', 'o', 'b', 'o', 'o', 't', ' ', 'e', 'p', 'h', 'e', 'm', 'e', 'r', 'a', 'l'
#define SIG_ALG 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02

/* TBSCertificate up to the serial's value */
static const unsigned char tbs_head[] = {
	0x30, 0x81, 0xde,                   /* TBSCertificate, 222 bytes */
	0xa0, 0x03, 0x02, 0x01, 0x02,       /* [0] version v3 */
	0x02, SERIAL_LEN,                   /* serialNumber */
};
/* from the signature algorithm to the SPKI's BIT STRING, before the point */
static const unsigned char tbs_middle[] = {
	SIG_ALG,
	NAME,
	0x30, 0x20,
	0x17, 0x0d, '0', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z',
	0x18, 0x0f, '9', '9', '9', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z',
	NAME,
	0x30, 0x59, 0x30, 0x13,
	0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,       /* id-ecPublicKey */
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, /* prime256v1 */
	0x03, 0x42, 0x00,                                           /* BIT STRING, 65 bytes of key */
};
static const unsigned char sig_alg[] = { SIG_ALG };

#define TBS_LEN (sizeof(tbs_head) + SERIAL_LEN + sizeof(tbs_middle) + POINT_LEN)
_Static_assert(TBS_LEN == 3 + 0xde, "the template's TBSCertificate length");

/* DER tag + length (below 64 KiB) at p; returns the bytes written. */
static size_t put_header(unsigned char *p, unsigned char tag, size_t len)
{
	size_t n = 0;

	p[n++] = tag;
	if (len >= 256)
		p[n++] = 0x82, p[n++] = (unsigned char)(len >> 8);
	else if (len >= 128)
		p[n++] = 0x81;
	p[n++] = (unsigned char)len;
	return n;
}

static int build_certificate(mbedtls_ecp_keypair *ec, const unsigned char serial[SERIAL_LEN], unsigned char *der,
			     size_t *der_len, int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	unsigned char tbs[TBS_LEN], hash[32], sig[MBEDTLS_ECDSA_MAX_LEN];
	size_t pos = 0, point_len, sig_len, body_len;
	int ret;

	memcpy(tbs, tbs_head, sizeof(tbs_head));
	pos = sizeof(tbs_head);
	memcpy(tbs + pos, serial, SERIAL_LEN);
	pos += SERIAL_LEN;
	memcpy(tbs + pos, tbs_middle, sizeof(tbs_middle));
	pos += sizeof(tbs_middle);
	if ((ret = mbedtls_ecp_write_public_key(ec, MBEDTLS_ECP_PF_UNCOMPRESSED, &point_len, tbs + pos, POINT_LEN)))
		return ret;
	if (point_len != POINT_LEN)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	/* signatureValue: the DER ECDSA-Sig-Value over SHA-256(TBSCertificate) */
	if ((ret = mbedtls_sha256(tbs, sizeof(tbs), hash, 0)) ||
	    (ret = mbedtls_ecdsa_write_signature(ec, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig), &sig_len,
						 rng, rng_ctx)))
		return ret;
	body_len = sizeof(tbs) + sizeof(sig_alg) + 2 + 1 + sig_len; /* BIT STRING header (sig < 128) + unused-bits byte */
	if (sig_len + 1 >= 128 || 4 + body_len > *der_len)
		return MBEDTLS_ERR_ECP_BUFFER_TOO_SMALL;
	pos = put_header(der, 0x30, body_len);
	memcpy(der + pos, tbs, sizeof(tbs));
	pos += sizeof(tbs);
	memcpy(der + pos, sig_alg, sizeof(sig_alg));
	pos += sizeof(sig_alg);
	pos += put_header(der + pos, 0x03, sig_len + 1);
	der[pos++] = 0x00;
	memcpy(der + pos, sig, sig_len);
	*der_len = pos + sig_len;
	return 0;
}

int coco_client_identity_generate(struct coco_client_identity *id,
				  int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	unsigned char serial[SERIAL_LEN];
	unsigned char der[512];
	size_t der_len = sizeof(der);
	int ret;

	mbedtls_pk_init(&id->key);
	mbedtls_x509_crt_init(&id->cert);

	if ((ret = mbedtls_pk_setup(&id->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) ||
	    (ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(id->key), rng, rng_ctx)) ||
	    (ret = rng(rng_ctx, serial, sizeof(serial))))
		goto out;
	serial[0] &= 0x7f; /* a positive INTEGER */
	serial[0] |= 0x01; /* without a leading zero byte */
	if ((ret = build_certificate(mbedtls_pk_ec(id->key), serial, der, &der_len, rng, rng_ctx)) == 0)
		ret = mbedtls_x509_crt_parse_der(&id->cert, der, der_len);
out:
	if (ret)
		coco_client_identity_free(id);
	return ret;
}

void coco_client_identity_free(struct coco_client_identity *id)
{
	mbedtls_pk_free(&id->key);
	mbedtls_x509_crt_free(&id->cert);
}
