#include "wrap.h"

#include <string.h>
#include <sys/random.h>

#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>

#define WRAP_AAD_PREFIX "cocoboot-wrap-v1:"

static int make_aad(const char *context, uint8_t *aad, size_t cap, size_t *len)
{
	size_t p = strlen(WRAP_AAD_PREFIX), c = strlen(context);

	if (p + c > cap)
		return -1;
	memcpy(aad, WRAP_AAD_PREFIX, p);
	memcpy(aad + p, context, c);
	*len = p + c;
	return 0;
}

int wrap_seal(const uint8_t master[MASTER_KEY_LEN], const char *context,
	      const uint8_t *plain, size_t len, uint8_t *out)
{
	mbedtls_gcm_context gcm;
	uint8_t aad[192];   /* prefix + a context of up to SEAL_CONTEXT_LEN */
	size_t aad_len;
	int ret = -1;

	if (make_aad(context, aad, sizeof(aad), &aad_len) ||
	    getrandom(out, WRAP_NONCE_LEN, 0) != WRAP_NONCE_LEN)
		return -1;
	mbedtls_gcm_init(&gcm);
	if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, master, MASTER_KEY_LEN * 8) == 0 &&
	    mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, out, WRAP_NONCE_LEN,
				      aad, aad_len, plain, out + WRAP_NONCE_LEN,
				      WRAP_TAG_LEN, out + WRAP_NONCE_LEN + len) == 0)
		ret = 0;
	mbedtls_gcm_free(&gcm);
	return ret;
}

int wrap_open(const uint8_t master[MASTER_KEY_LEN], const char *context,
	      const uint8_t *wrapped, size_t wrapped_len, uint8_t *plain, size_t plain_cap,
	      size_t *plain_len)
{
	mbedtls_gcm_context gcm;
	uint8_t aad[192];   /* prefix + a context of up to SEAL_CONTEXT_LEN */
	size_t aad_len, len;
	int ret = -1;

	if (wrapped_len < WRAP_OVERHEAD || make_aad(context, aad, sizeof(aad), &aad_len))
		return -1;
	len = wrapped_len - WRAP_OVERHEAD;
	if (len > plain_cap)
		return -1;
	mbedtls_gcm_init(&gcm);
	if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, master, MASTER_KEY_LEN * 8) == 0 &&
	    mbedtls_gcm_auth_decrypt(&gcm, len, wrapped, WRAP_NONCE_LEN, aad, aad_len,
				     wrapped + WRAP_NONCE_LEN + len, WRAP_TAG_LEN,
				     wrapped + WRAP_NONCE_LEN, plain) == 0) {
		*plain_len = len;
		ret = 0;
	} else {
		mbedtls_platform_zeroize(plain, len);
	}
	mbedtls_gcm_free(&gcm);
	return ret;
}
