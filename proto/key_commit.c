/* Key commitment: compute, parse, format, check (see key_commit.h). */
#include "key_commit.h"
#include "common/hex.h"

#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

int coco_keycommit_compute(const uint8_t *salt, size_t salt_len, const uint8_t *key, size_t key_len,
			   uint8_t out[COCO_KEYCOMMIT_HASH_LEN])
{
	static const uint8_t domain[] = COCO_KEYCOMMIT_DOMAIN;  /* hashed without its NUL */
	uint8_t len_byte = (uint8_t)salt_len;
	mbedtls_sha256_context sha;
	int ret;

	if (!salt || !key || !key_len || salt_len < COCO_KEYCOMMIT_SALT_MIN || salt_len > COCO_KEYCOMMIT_SALT_MAX)
		return -1;
	mbedtls_sha256_init(&sha);
	ret = mbedtls_sha256_starts(&sha, 0) || mbedtls_sha256_update(&sha, domain, sizeof(domain) - 1) ||
	      mbedtls_sha256_update(&sha, &len_byte, 1) || mbedtls_sha256_update(&sha, salt, salt_len) ||
	      mbedtls_sha256_update(&sha, key, key_len) || mbedtls_sha256_finish(&sha, out);
	mbedtls_sha256_free(&sha);  /* zeroizes the state, which held the key */
	return ret ? -1 : 0;
}

int coco_keycommit_parse(const char *text, struct coco_keycommit *c, const char **why)
{
	const char *colon = text ? strchr(text, ':') : NULL;
	size_t salt_hex, hash_hex;

	memset(c, 0, sizeof(*c));
	if (!colon) {
		*why = "expected <salt hex>:<hash hex>";
		return -1;
	}
	salt_hex = (size_t)(colon - text);
	hash_hex = strlen(colon + 1);
	if (salt_hex % 2 || salt_hex < 2 * COCO_KEYCOMMIT_SALT_MIN || salt_hex > 2 * COCO_KEYCOMMIT_SALT_MAX) {
		*why = "the salt must be 16 to 32 bytes (32 to 64 hex digits)";
		return -1;
	}
	if (hash_hex != 2 * COCO_KEYCOMMIT_HASH_LEN) {
		*why = "the hash must be 32 bytes (64 hex digits)";
		return -1;
	}
	if (hex_decode_digits(c->salt, salt_hex / 2, text) < 0 || hex_decode(c->hash, hash_hex / 2, colon + 1) < 0) {
		memset(c, 0, sizeof(*c));
		*why = "not a hex digit";
		return -1;
	}
	c->salt_len = salt_hex / 2;
	return 0;
}

int coco_keycommit_format(const struct coco_keycommit *c, char *out, size_t cap)
{
	if (cap < 2 * c->salt_len + 1 + 2 * COCO_KEYCOMMIT_HASH_LEN + 1 || c->salt_len > COCO_KEYCOMMIT_SALT_MAX)
		return -1;
	hex_encode(out, c->salt, c->salt_len);
	out[2 * c->salt_len] = ':';
	hex_encode(out + 2 * c->salt_len + 1, c->hash, COCO_KEYCOMMIT_HASH_LEN);
	return 0;
}

int coco_keycommit_matches(const struct coco_keycommit *c, const uint8_t *key, size_t key_len)
{
	uint8_t h[COCO_KEYCOMMIT_HASH_LEN];
	uint8_t diff = 0;

	if (coco_keycommit_compute(c->salt, c->salt_len, key, key_len, h) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(h); i++)
		diff |= h[i] ^ c->hash[i];
	mbedtls_platform_zeroize(h, sizeof(h));
	return diff == 0;
}
