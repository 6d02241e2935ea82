#include "seal.h"
#include "common/hex.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#define AUDIT_KEY_INFO  "cocoboot-audit-chain-v1"
#define AUDIT_ROW_TAG   "cocoboot-audit-row-v1"
#define AUDIT_HEAD_TAG  "cocoboot-audit-head-v1"

int seal_audit_key(const uint8_t master[MASTER_KEY_LEN], uint8_t key[AUDIT_KEY_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	return md && mbedtls_hkdf(md, NULL, 0, master, MASTER_KEY_LEN, (const uint8_t *)AUDIT_KEY_INFO,
				  strlen(AUDIT_KEY_INFO), key, AUDIT_KEY_LEN) == 0 ? 0 : -1;
}

int seal_volume_context(char out[SEAL_CONTEXT_LEN], const char *uuid, const char *policy, size_t policy_len)
{
	uint8_t h[32];
	char hex[65];
	int n;

	if (mbedtls_sha256((const uint8_t *)policy, policy_len, h, 0))
		return -1;
	hex_encode(hex, h, sizeof(h));
	n = snprintf(out, SEAL_CONTEXT_LEN, "%s;policy-sha256=%s", uuid, hex);
	return n > 0 && n < SEAL_CONTEXT_LEN ? 0 : -1;
}

static void be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* HMAC-SHA-256 over the concatenation of parts[0..n). */
static int hmac_parts(const uint8_t key[AUDIT_KEY_LEN], int n, const uint8_t *const *parts, const size_t *lens,
		      uint8_t out[AUDIT_MAC_LEN])
{
	mbedtls_md_context_t ctx;
	int ret = -1;

	mbedtls_md_init(&ctx);
	if (mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) ||
	    mbedtls_md_hmac_starts(&ctx, key, AUDIT_KEY_LEN))
		goto out;
	for (int i = 0; i < n; i++)
		if (lens[i] && mbedtls_md_hmac_update(&ctx, parts[i], lens[i]))
			goto out;
	ret = mbedtls_md_hmac_finish(&ctx, out) ? -1 : 0;
out:
	mbedtls_md_free(&ctx);   /* wipes the keyed state */
	return ret;
}

int seal_audit_row(const uint8_t key[AUDIT_KEY_LEN], const uint8_t prev[AUDIT_MAC_LEN], int64_t id,
		   const char *const fields[AUDIT_FIELDS], const size_t lens[AUDIT_FIELDS],
		   uint8_t mac[AUDIT_MAC_LEN])
{
	/* tag, prev, id, then (length, bytes) per field: every field is length-prefixed,
	 * so no two different rows encode to the same bytes */
	const uint8_t *parts[3 + 2 * AUDIT_FIELDS];
	size_t plen[3 + 2 * AUDIT_FIELDS];
	uint8_t idb[8], lenb[AUDIT_FIELDS][4];
	int n = 0;

	be(idb, (uint64_t)id, 8);
	parts[n] = (const uint8_t *)AUDIT_ROW_TAG, plen[n++] = strlen(AUDIT_ROW_TAG);
	parts[n] = prev, plen[n++] = AUDIT_MAC_LEN;
	parts[n] = idb, plen[n++] = 8;
	for (int i = 0; i < AUDIT_FIELDS; i++) {
		if (lens[i] > UINT32_MAX)
			return -1;
		be(lenb[i], lens[i], 4);
		parts[n] = lenb[i], plen[n++] = 4;
		parts[n] = (const uint8_t *)fields[i], plen[n++] = lens[i];
	}
	return hmac_parts(key, n, parts, plen, mac);
}

int seal_audit_head(const uint8_t key[AUDIT_KEY_LEN], int64_t id, const uint8_t mac[AUDIT_MAC_LEN],
		    uint8_t head[AUDIT_HEAD_LEN])
{
	const uint8_t *parts[2];
	size_t plen[2];

	be(head, (uint64_t)id, 8);
	memcpy(head + 8, mac, AUDIT_MAC_LEN);
	parts[0] = (const uint8_t *)AUDIT_HEAD_TAG, plen[0] = strlen(AUDIT_HEAD_TAG);
	parts[1] = head, plen[1] = 8 + AUDIT_MAC_LEN;
	return hmac_parts(key, 2, parts, plen, head + 8 + AUDIT_MAC_LEN);
}

int seal_audit_head_open(const uint8_t key[AUDIT_KEY_LEN], const uint8_t *head, size_t len,
			 int64_t *id, uint8_t mac[AUDIT_MAC_LEN])
{
	uint8_t want[AUDIT_HEAD_LEN];
	uint64_t v = 0;

	if (!head || len != AUDIT_HEAD_LEN)
		return -1;
	for (int i = 0; i < 8; i++)
		v = v << 8 | head[i];
	if (v > INT64_MAX || seal_audit_head(key, (int64_t)v, head + 8, want) ||
	    mbedtls_ct_memcmp(want + 8 + AUDIT_MAC_LEN, head + 8 + AUDIT_MAC_LEN, AUDIT_MAC_LEN))
		return -1;
	*id = (int64_t)v;
	memcpy(mac, head + 8, AUDIT_MAC_LEN);
	return 0;
}
