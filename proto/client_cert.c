#include "client_cert.h"

#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>

int coco_client_identity_generate(struct coco_client_identity *id,
				  int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	mbedtls_x509write_cert writer;
	unsigned char serial[16];
	unsigned char der[1024];
	int ret;

	mbedtls_pk_init(&id->key);
	mbedtls_x509_crt_init(&id->cert);
	mbedtls_x509write_crt_init(&writer);

	if ((ret = mbedtls_pk_setup(&id->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) ||
	    (ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(id->key), rng, rng_ctx)) ||
	    (ret = rng(rng_ctx, serial, sizeof(serial))))
		goto out;
	serial[0] &= 0x7f; /* a positive INTEGER */
	serial[0] |= 0x01; /* without a leading zero byte */
	mbedtls_x509write_crt_set_version(&writer, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&writer, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&writer, &id->key);
	mbedtls_x509write_crt_set_issuer_key(&writer, &id->key);
	if ((ret = mbedtls_x509write_crt_set_serial_raw(&writer, serial, sizeof(serial))) ||
	    (ret = mbedtls_x509write_crt_set_subject_name(&writer, "CN=cocoboot ephemeral")) ||
	    (ret = mbedtls_x509write_crt_set_issuer_name(&writer, "CN=cocoboot ephemeral")) ||
	    (ret = mbedtls_x509write_crt_set_validity(&writer, "20000101000000", "99991231235959")))
		goto out;
	/* writes at the end of der and returns the length */
	ret = mbedtls_x509write_crt_der(&writer, der, sizeof(der), rng, rng_ctx);
	if (ret < 0)
		goto out;
	ret = mbedtls_x509_crt_parse_der(&id->cert, der + sizeof(der) - ret, (size_t)ret);
out:
	mbedtls_x509write_crt_free(&writer);
	if (ret)
		coco_client_identity_free(id);
	return ret;
}

void coco_client_identity_free(struct coco_client_identity *id)
{
	mbedtls_pk_free(&id->key);
	mbedtls_x509_crt_free(&id->cert);
}
