/* The LUKS2 pbkdf2 digest check (see luks2_digest.h). */
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

#include "luks2_digest.h"

#define SALT_BYTES 32  /* cryptsetup's LUKS_SALTSIZE */
#define MIN_ITERATIONS 1000  /* cryptsetup's LUKS_MKD_ITERATIONS_MIN: it never writes fewer */

/* The digest hash, or MBEDTLS_MD_NONE when it is not one cocoboot accepts. */
static mbedtls_md_type_t digest_md(const char *hash, size_t *size)
{
	if (!strcmp(hash, "sha256")) {
		*size = 32;
		return MBEDTLS_MD_SHA256;
	}
	if (!strcmp(hash, "sha512")) {
		*size = 64;
		return MBEDTLS_MD_SHA512;
	}
	return MBEDTLS_MD_NONE;
}

/* Base64 TEXT decoding to exactly WANT bytes into OUT. */
static int decode_exact(const char *text, uint8_t *out, size_t want)
{
	uint8_t buf[72];
	size_t got = 0;

	if (!*text || mbedtls_base64_decode(buf, sizeof(buf), &got, (const unsigned char *)text, strlen(text)) != 0 ||
	    got != want)
		return -1;
	memcpy(out, buf, want);
	return 0;
}

static int load_params(const struct luks2_info *info, mbedtls_md_type_t *md, uint8_t salt[SALT_BYTES],
		       uint8_t expect[64], size_t *len, struct cb_err *err)
{
	*md = digest_md(info->digest.hash, len);
	if (*md == MBEDTLS_MD_NONE)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "digest hash '%s', only sha256 and sha512 are allowed",
			       info->digest.hash[0] ? info->digest.hash : "(too long)");
	if (info->digest.iterations > LUKS2_DIGEST_MAX_ITERATIONS)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "digest iterations %lld above cocoboot's cap of %u",
			       info->digest.iterations, LUKS2_DIGEST_MAX_ITERATIONS);
	if (info->digest.iterations < MIN_ITERATIONS)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "digest iterations %lld below cryptsetup's minimum of %u",
			       info->digest.iterations, MIN_ITERATIONS);
	if (decode_exact(info->digest.salt, salt, SALT_BYTES) < 0)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "digest salt is not %d bytes of base64", SALT_BYTES);
	if (decode_exact(info->digest.digest, expect, *len) < 0)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "digest is not %zu bytes of base64 (the %s size)", *len,
			       info->digest.hash);
	return 0;
}

int luks2_digest_check_params(const struct luks2_info *info, struct cb_err *err)
{
	uint8_t salt[SALT_BYTES], expect[64];
	mbedtls_md_type_t md;
	size_t len;

	return load_params(info, &md, salt, expect, &len, err);
}

int luks2_digest_verify(const struct luks2_info *info, const uint8_t *key, size_t key_len, struct cb_err *err)
{
	struct luks2_err why = { 0 };

	if (luks2_digest_check_params(info, err) < 0)
		return -1;
	if (luks2_key_matches(info, key, key_len, &why) == 1)
		return 0;
	if (why.fault == LUKS2_INVALID)
		return cb_fail(err, CB_ERR_KEY_DIGEST, "the released key does not match the LUKS2 digest of %s", info->uuid);
	return cb_fail_luks2(err, &why);
}
