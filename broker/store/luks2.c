#include "luks2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

/* Offsets in the binary header (cryptsetup lib/luks2/luks2.h, struct luks2_hdr_disk). */
#define OFF_VERSION   6
#define OFF_HDR_SIZE  8
#define OFF_CSUM_ALG  72
#define OFF_UUID      168
#define OFF_CSUM      448
#define LEN_CSUM_ALG  32
#define LEN_UUID      40
#define LEN_CSUM      64

static const uint8_t magic[6] = { 'L', 'U', 'K', 'S', 0xba, 0xbe };

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

size_t luks2_header_size(const uint8_t *bin, size_t len)
{
	uint64_t size;

	if (len < LUKS2_BIN_HDR_LEN || memcmp(bin, magic, sizeof(magic)) || bin[OFF_VERSION] != 0 ||
	    bin[OFF_VERSION + 1] != 2)
		return 0;
	size = be64(bin + OFF_HDR_SIZE);
	/* the sizes LUKS2 allows: 16 KiB .. 4 MiB, powers of two */
	if (size < 16384 || size > LUKS2_MAX_HDR_LEN || (size & (size - 1)))
		return 0;
	return (size_t)size;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return -1;
}

static int checksum_ok(const uint8_t *hdr, size_t size)
{
	uint8_t zero[LEN_CSUM] = { 0 }, sum[32];
	mbedtls_sha256_context c;
	int ok;

	mbedtls_sha256_init(&c);
	ok = !mbedtls_sha256_starts(&c, 0) && !mbedtls_sha256_update(&c, hdr, OFF_CSUM) &&
	     !mbedtls_sha256_update(&c, zero, LEN_CSUM) &&
	     !mbedtls_sha256_update(&c, hdr + OFF_CSUM + LEN_CSUM, size - OFF_CSUM - LEN_CSUM) &&
	     !mbedtls_sha256_finish(&c, sum);
	mbedtls_sha256_free(&c);
	return ok && !mbedtls_ct_memcmp(sum, hdr + OFF_CSUM, sizeof(sum));
}

/* base64 text into out (at most cap bytes); its length, or 0 if it is not that. */
static size_t b64(const cJSON *item, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (!cJSON_IsString(item) || mbedtls_base64_decode(out, cap, &n, (const uint8_t *)item->valuestring,
							  strlen(item->valuestring)))
		return 0;
	return n;
}

static mbedtls_md_type_t md_of(const cJSON *hash)
{
	if (!cJSON_IsString(hash))
		return MBEDTLS_MD_NONE;
	return !strcmp(hash->valuestring, "sha256") ? MBEDTLS_MD_SHA256
	     : !strcmp(hash->valuestring, "sha512") ? MBEDTLS_MD_SHA512
	     : !strcmp(hash->valuestring, "sha1")   ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_NONE;
}

/* 1 the digest verifies the key, 0 it does not, -1 it cannot be used (err says why). */
static int digest_matches(const cJSON *d, const uint8_t *key, size_t key_len, char *err, size_t errlen)
{
	const cJSON *iter = cJSON_GetObjectItemCaseSensitive(d, "iterations");
	uint8_t salt[128], want[64], got[64];
	mbedtls_md_type_t md = md_of(cJSON_GetObjectItemCaseSensitive(d, "hash"));
	size_t salt_len = b64(cJSON_GetObjectItemCaseSensitive(d, "salt"), salt, sizeof(salt));
	size_t want_len = b64(cJSON_GetObjectItemCaseSensitive(d, "digest"), want, sizeof(want));
	int rc;

	if (md == MBEDTLS_MD_NONE || !cJSON_IsNumber(iter) || iter->valuedouble < 1 ||
	    iter->valuedouble > LUKS2_MAX_ITERATIONS || !salt_len || want_len < 16) {
		fail(err, errlen, "the header's key digest is not one confirm can check (pbkdf2 with sha1, sha256 or "
		     "sha512, a salt, a digest of 16..64 bytes, at most 20000000 iterations)");
		return -1;
	}
	rc = mbedtls_pkcs5_pbkdf2_hmac_ext(md, key, key_len, salt, salt_len, (unsigned int)iter->valuedouble,
					   (uint32_t)want_len, got);
	rc = rc == 0 && !mbedtls_ct_memcmp(got, want, want_len);
	mbedtls_platform_zeroize(got, sizeof(got));
	return rc;
}

int luks2_check_key(const uint8_t *hdr, size_t len, const char *uuid, const uint8_t *key, size_t key_len,
		    char *err, size_t errlen)
{
	size_t size = luks2_header_size(hdr, len);
	char hdr_uuid[LEN_UUID + 1], alg[LEN_CSUM_ALG + 1];
	const cJSON *digests, *d, *config, *req;
	cJSON *json;
	int found = 0, unusable = 0;

	if (!size)
		return fail(err, errlen, "no LUKS2 header (magic, version 2 and a valid header size) at the start");
	if (len < size)
		return fail(err, errlen, "the LUKS2 header is truncated");
	memcpy(alg, hdr + OFF_CSUM_ALG, LEN_CSUM_ALG);
	alg[LEN_CSUM_ALG] = '\0';
	if (strcmp(alg, "sha256"))
		return fail(err, errlen, "the LUKS2 header's checksum is not sha256 (cryptsetup's default)");
	if (!checksum_ok(hdr, size))
		return fail(err, errlen, "the LUKS2 header's checksum does not match (damaged or not written yet)");
	memcpy(hdr_uuid, hdr + OFF_UUID, LEN_UUID);
	hdr_uuid[LEN_UUID] = '\0';
	if (strlen(uuid) != 36 || strcasecmp(hdr_uuid, uuid)) {
		snprintf(err, errlen, "the LUKS2 header's UUID is \"%.40s\", not %s (format with --uuid %s)", hdr_uuid,
			 uuid, uuid);
		return -1;
	}
	/* the JSON area is NUL-terminated inside hdr_size - 4096 bytes */
	if (!memchr(hdr + LUKS2_BIN_HDR_LEN, '\0', size - LUKS2_BIN_HDR_LEN))
		return fail(err, errlen, "the LUKS2 JSON area is not terminated");
	if (!(json = cJSON_Parse((const char *)hdr + LUKS2_BIN_HDR_LEN)))
		return fail(err, errlen, "the LUKS2 JSON area does not parse");
	config = cJSON_GetObjectItemCaseSensitive(json, "config");
	req = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "requirements"), "mandatory");
	if (cJSON_GetArraySize(req) > 0) {
		cJSON_Delete(json);
		return fail(err, errlen, "the LUKS2 header has mandatory requirements set (an unfinished "
			    "reencryption?): finish it first");
	}
	digests = cJSON_GetObjectItemCaseSensitive(json, "digests");
	if (!cJSON_IsObject(digests))
		digests = NULL;
	cJSON_ArrayForEach(d, digests) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(d, "type");
		const cJSON *segs = cJSON_GetObjectItemCaseSensitive(d, "segments");
		int r;

		/* a digest with no segment is not the data's key (e.g. a keyslot-only key) */
		if (!cJSON_IsString(type) || strcmp(type->valuestring, "pbkdf2") || !cJSON_IsArray(segs) ||
		    cJSON_GetArraySize(segs) < 1)
			continue;
		r = digest_matches(d, key, key_len, err, errlen);
		if (r == 1) {
			found = 1;
			break;
		}
		unusable |= r < 0;
	}
	cJSON_Delete(json);
	if (found)
		return 0;
	if (!unusable)
		snprintf(err, errlen, "the key is not the volume key of this LUKS2 header (no data segment's digest "
			 "matches): the format did not use the key `volume add` printed");
	return -1;
}
