/* Key commitment: compute, parse, format, check (see key_commit.h). */
#include "key_commit.h"

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

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* N hex digits at S into N/2 bytes; -1 on a non-hex digit. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
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
	if (unhex(text, salt_hex, c->salt) < 0 || unhex(colon + 1, hash_hex, c->hash) < 0) {
		memset(c, 0, sizeof(*c));
		*why = "not a hex digit";
		return -1;
	}
	c->salt_len = salt_hex / 2;
	return 0;
}

int coco_keycommit_format(const struct coco_keycommit *c, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;

	if (cap < 2 * c->salt_len + 1 + 2 * COCO_KEYCOMMIT_HASH_LEN + 1 || c->salt_len > COCO_KEYCOMMIT_SALT_MAX)
		return -1;
	for (size_t i = 0; i < c->salt_len; i++) {
		out[n++] = digits[c->salt[i] >> 4];
		out[n++] = digits[c->salt[i] & 15];
	}
	out[n++] = ':';
	for (size_t i = 0; i < COCO_KEYCOMMIT_HASH_LEN; i++) {
		out[n++] = digits[c->hash[i] >> 4];
		out[n++] = digits[c->hash[i] & 15];
	}
	out[n] = '\0';
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
