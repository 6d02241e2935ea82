/*
 * The key digest of a LUKS2 header (see luks2.h, luks2_key_matches), the one
 * PBKDF2 check both sides use: the broker's `volume confirm --device` proof
 * that the header holds the key the store has, and the guest's check of the
 * released key before it loads the dm-crypt table (init/luks2_digest.c adds
 * the guest's tighter bounds on the parameters).
 */
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "luks2.h"

static mbedtls_md_type_t md_of(const char *hash)
{
	return !strcmp(hash, "sha256") ? MBEDTLS_MD_SHA256
	     : !strcmp(hash, "sha512") ? MBEDTLS_MD_SHA512
	     : !strcmp(hash, "sha1")   ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_NONE;
}

/* base64 TEXT into OUT (at most CAP bytes); its length, or 0 if it is not that. */
static size_t b64(const char *text, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (mbedtls_base64_decode(out, cap, &n, (const uint8_t *)text, strlen(text)))
		return 0;
	return n;
}

int luks2_key_matches(const struct luks2_info *info, const uint8_t *key, size_t key_len, struct luks2_err *err)
{
	const struct luks2_digest *d = &info->digest;
	uint8_t salt[128], want[64], got[64];
	mbedtls_md_type_t md = md_of(d->hash);
	size_t salt_len = b64(d->salt, salt, sizeof(salt));
	size_t want_len = b64(d->digest, want, sizeof(want));
	int rc;

	if (md == MBEDTLS_MD_NONE || d->iterations < 1 || d->iterations > LUKS2_MAX_ITERATIONS || !salt_len ||
	    want_len < 16)
		return luks2_fail(err, LUKS2_FORBIDDEN, "the header's key digest cannot be checked (pbkdf2 with sha1, "
				  "sha256 or sha512, a salt, a 16..64-byte digest, at most %ld iterations)",
				  (long)LUKS2_MAX_ITERATIONS);
	rc = mbedtls_pkcs5_pbkdf2_hmac_ext(md, key, key_len, salt, salt_len, (unsigned int)d->iterations,
					   (uint32_t)want_len, got);
	rc = rc == 0 && !mbedtls_ct_memcmp(got, want, want_len);
	mbedtls_platform_zeroize(got, sizeof(got));
	if (!rc)
		luks2_fail(err, LUKS2_INVALID, "the key is not the volume key of this LUKS2 header (its digest does not match)");
	return rc;
}
