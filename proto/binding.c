#include "binding.h"
#include "common/hex.h"

#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

int coco_binding_compute(const uint8_t *spki_der, size_t spki_len,
			 const uint8_t ekm[COCO_EKM_LEN],
			 uint8_t inblob[COCO_INBLOB_LEN])
{
	static const uint8_t domain[] = COCO_BINDING_DOMAIN; /* includes the 0x00 */
	uint8_t spki_hash[32];
	mbedtls_sha512_context sha;
	int ret;

	if (!spki_der || spki_len == 0)
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	ret = mbedtls_sha256(spki_der, spki_len, spki_hash, 0);
	if (ret)
		return ret;
	mbedtls_sha512_init(&sha);
	if ((ret = mbedtls_sha512_starts(&sha, 0)) == 0 &&
	    (ret = mbedtls_sha512_update(&sha, domain, sizeof(domain))) == 0 &&
	    (ret = mbedtls_sha512_update(&sha, spki_hash, sizeof(spki_hash))) == 0 &&
	    (ret = mbedtls_sha512_update(&sha, ekm, COCO_EKM_LEN)) == 0)
		ret = mbedtls_sha512_finish(&sha, inblob);
	mbedtls_sha512_free(&sha);
	return ret;
}

int coco_binding_ekm(mbedtls_ssl_context *ssl, uint8_t ekm[COCO_EKM_LEN])
{
	/* An explicit empty context: the same value OpenSSL derives for "". */
	static const unsigned char empty_context[1];

	return mbedtls_ssl_export_keying_material(ssl, ekm, COCO_EKM_LEN,
						  COCO_EXPORTER_LABEL,
						  strlen(COCO_EXPORTER_LABEL),
						  empty_context, 0, 1);
}

int coco_binding_for_session(mbedtls_ssl_context *ssl,
			     const uint8_t *spki_der, size_t spki_len,
			     uint8_t inblob[COCO_INBLOB_LEN])
{
	uint8_t ekm[COCO_EKM_LEN];
	int ret = coco_binding_ekm(ssl, ekm);

	if (ret == 0)
		ret = coco_binding_compute(spki_der, spki_len, ekm, inblob);
	mbedtls_platform_zeroize(ekm, sizeof(ekm));
	return ret;
}

int coco_client_key_id(const uint8_t *spki_der, size_t spki_len, char out[COCO_CLIENT_KEY_ID_LEN + 1])
{
	uint8_t digest[32];
	int ret = mbedtls_sha256(spki_der, spki_len, digest, 0);

	if (ret)
		return ret;
	hex_encode(out, digest, sizeof(digest));
	return 0;
}
