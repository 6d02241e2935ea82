#include "sim_tdx.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#define HEADER_LEN   48
#define BODY_LEN     584
#define QE_REPORT_LEN 384

static int load_key(mbedtls_pk_context *pk, const char *keydir, const char *name,
		    int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/tdx/%s", keydir, name);
	mbedtls_pk_init(pk);
	if (mbedtls_pk_parse_keyfile(pk, path, NULL, rng, rng_ctx) || !mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY)) {
		fprintf(stderr, "%s: not an EC private key\n", path);
		return -1;
	}
	return 0;
}

int sim_tdx_load(struct sim_tdx *t, const char *keydir,
		 int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	char path[1024];
	FILE *f;

	memset(t, 0, sizeof(*t));
	if (load_key(&t->ak, keydir, "ak.key", rng, rng_ctx) || load_key(&t->pck, keydir, "pck.key", rng, rng_ctx))
		return -1;
	snprintf(path, sizeof(path), "%s/tdx/pck-chain.pem", keydir);
	if (!(f = fopen(path, "rb"))) {
		perror(path);
		return -1;
	}
	t->chain_len = fread(t->chain, 1, sizeof(t->chain), f);
	fclose(f);
	return t->chain_len == 0 || t->chain_len == sizeof(t->chain) ? -1 : 0;
}

void sim_tdx_free(struct sim_tdx *t)
{
	mbedtls_pk_free(&t->ak);
	mbedtls_pk_free(&t->pck);
}

static const uint8_t intel_td_qe_mrsigner[32] = {
	0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
	0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 };

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ECDSA P-256 over SHA-256(msg): r || s big-endian, 32 bytes each. */
static int sign_raw(mbedtls_pk_context *pk, const uint8_t *msg, size_t len, uint8_t sig[64],
		    int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	mbedtls_ecp_group grp;
	mbedtls_mpi d, r, s;
	mbedtls_ecp_point q;
	uint8_t hash[32];
	int ret = -1;

	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_ecp_point_init(&q);
	if (mbedtls_sha256(msg, len, hash, 0) == 0 &&
	    mbedtls_ecp_export(mbedtls_pk_ec(*pk), &grp, &d, &q) == 0 &&
	    mbedtls_ecdsa_sign(&grp, &r, &s, &d, hash, sizeof(hash), rng, rng_ctx) == 0 &&
	    mbedtls_mpi_write_binary(&r, sig, 32) == 0 && mbedtls_mpi_write_binary(&s, sig + 32, 32) == 0)
		ret = 0;
	mbedtls_ecp_group_free(&grp);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_ecp_point_free(&q);
	return ret;
}

/* The uncompressed public point without the 0x04 prefix: X || Y. */
static int public_xy(mbedtls_pk_context *pk, uint8_t xy[64])
{
	uint8_t pt[65];
	size_t n = 0;
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);

	if (mbedtls_ecp_write_public_key(kp, MBEDTLS_ECP_PF_UNCOMPRESSED, &n, pt, sizeof(pt)) || n != 65)
		return -1;
	memcpy(xy, pt + 1, 64);
	return 0;
}

size_t sim_tdx_quote(struct sim_tdx *t, int debug, const uint8_t report_data[64], uint8_t *out, size_t cap,
		     int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	static const uint8_t qe_vendor_intel[16] = { 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
						     0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };
	static const uint8_t qe_auth[32] = { 'c', 'o', 'c', 'o', 'b', 'o', 'o', 't', ' ', 'T', 'E', 'S', 'T' };
	uint8_t ak_xy[64], hashbuf[64 + sizeof(qe_auth)];
	uint8_t *p, *sig_len_at, *cert6_len_at, *qe_report;
	size_t need = HEADER_LEN + BODY_LEN + 4 + 64 + 64 + 6 + QE_REPORT_LEN + 64 + 2 + sizeof(qe_auth) + 6 +
		      t->chain_len;

	if (need > cap || public_xy(&t->ak, ak_xy))
		return 0;
	memset(out, 0, need);
	/* header */
	put_le16(out + 0, 4);          /* version */
	put_le16(out + 2, 2);          /* attestation key type: ECDSA P-256 */
	put_le32(out + 4, 0x81);       /* TEE type: TDX */
	memcpy(out + 12, qe_vendor_intel, 16);
	/* TD report 1.0 body */
	p = out + HEADER_LEN;
	p[0] = 1;                      /* tee_tcb_svn */
	p[120] = debug ? 1 : 0;        /* td_attributes bit 0: debug */
	p[128] = 0xe7;                 /* xfam */
	p[129] = 0x02;
	memset(p + 136, SIM_TDX_MRTD_BYTE, 48);   /* mrtd */
	memcpy(p + 328, t->rtmr, sizeof(t->rtmr)); /* rtmr0..3 */
	memcpy(p + 520, report_data, 64);
	/* signature data */
	sig_len_at = out + HEADER_LEN + BODY_LEN;
	p = sig_len_at + 4;
	if (sign_raw(&t->ak, out, HEADER_LEN + BODY_LEN, p, rng, rng_ctx))
		return 0;
	memcpy(p + 64, ak_xy, 64);
	p += 128;
	put_le16(p, 6);                /* certification data: QE report */
	cert6_len_at = p + 2;
	p += 6;
	qe_report = p;
	qe_report[0] = 2;              /* cpusvn, enough to look like one */
	/* Intel's TD QE identity (the verifier pins it): ATTRIBUTES INIT|MODE64|PROVISIONKEY,
	 * XFRM x87|SSE|AVX|..., MRSIGNER of Intel's QE signing key, ISVPRODID 2 */
	qe_report[48] = 0x15;
	qe_report[56] = 0xe7;
	memcpy(qe_report + 128, intel_td_qe_mrsigner, 32);
	put_le16(qe_report + 256, 2);  /* ISVPRODID */
	put_le16(qe_report + 258, 4);  /* ISVSVN */
	memcpy(hashbuf, ak_xy, 64);
	memcpy(hashbuf + 64, qe_auth, sizeof(qe_auth));
	mbedtls_sha256(hashbuf, sizeof(hashbuf), qe_report + 320, 0);    /* report data; the rest stays 0 */
	if (sign_raw(&t->pck, qe_report, QE_REPORT_LEN, qe_report + QE_REPORT_LEN, rng, rng_ctx))
		return 0;
	p = qe_report + QE_REPORT_LEN + 64;
	put_le16(p, sizeof(qe_auth));
	memcpy(p + 2, qe_auth, sizeof(qe_auth));
	p += 2 + sizeof(qe_auth);
	put_le16(p, 5);                /* PCK chain, PEM */
	put_le32(p + 2, (uint32_t)t->chain_len);
	memcpy(p + 6, t->chain, t->chain_len);
	p += 6 + t->chain_len;
	put_le32(cert6_len_at, (uint32_t)(p - (cert6_len_at + 4)));
	put_le32(sig_len_at, (uint32_t)(p - (sig_len_at + 4)));
	return (size_t)(p - out);
}
