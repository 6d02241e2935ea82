/*
 * The verify path's caches at fleet size: the LRU of verified chains
 * (chain_cache.c) through the trust store's get/put.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "internal.h"
#include "testutil.h"
#include "trust_internal.h"

/* A key for chain number n: SHA-256 of n, with byte 0 forced when asked
 * (the old direct-mapped cache indexed by key[0] alone). */
static void key_of(uint32_t n, int first_byte, uint8_t key[32])
{
	uint8_t b[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
	cb_sha256(b, sizeof b, key);
	if (first_byte >= 0)
		key[0] = (uint8_t)first_byte;
}

static void put(cb_trust *t, cb_provider p, const uint8_t key[32], uint32_t tag)
{
	struct chain_entry e;
	memset(&e, 0, sizeof e);
	memcpy(e.key, key, 32);
	e.provider = p;
	e.not_before = tag; /* what a lookup must give back */
	chain_cache_put(t, &e);
}

/* 1 when (p, key) is cached with this tag */
static int has(cb_trust *t, cb_provider p, const uint8_t key[32], uint32_t tag)
{
	struct chain_entry e;
	return chain_cache_get(t, p, key, &e) && e.provider == p && !memcmp(e.key, key, 32) && e.not_before == (time_t)tag;
}

static cb_trust *fresh_trust(void)
{
	cb_trust *t;
	cb_refusal why;
	if (cb_trust_new(&t, NULL, &why) != 0) {
		printf("FAIL trust: %s\n0 passed, 1 failed\n", why.detail);
		exit(1);
	}
	return t;
}

/* two chains whose keys share the first byte both stay (on main, with 256
 * slots indexed by key[0], the second evicted the first) */
static void same_first_byte(void)
{
	cb_trust *t = fresh_trust();
	uint8_t a[32], b[32];
	key_of(1, 0x42, a);
	key_of(2, 0x42, b);
	put(t, CB_PROVIDER_SNP, a, 1);
	put(t, CB_PROVIDER_SNP, b, 2);
	CHECK(has(t, CB_PROVIDER_SNP, a, 1), "a chain is evicted by another whose key has the same first byte\n");
	CHECK(has(t, CB_PROVIDER_SNP, b, 2), "the second chain of the same first byte is cached\n");
	cb_trust_free(t);
}

/* a fleet: CHAIN_CACHE_ENTRIES chips (16 times the old slot count) all stay */
static void fleet_stays(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		put(t, i % 2 ? CB_PROVIDER_TDX : CB_PROVIDER_SNP, k, i);
	}
	uint32_t missing = 0;
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		missing += !has(t, i % 2 ? CB_PROVIDER_TDX : CB_PROVIDER_SNP, k, i);
	}
	CHECK(missing == 0, "%u of %d chains were not cached\n", missing, CHAIN_CACHE_ENTRIES);
	CHECK(chain_cache_count(t->cache) == CHAIN_CACHE_ENTRIES, "count %zu\n", chain_cache_count(t->cache));
	cb_trust_free(t);
}

/* full: the least recently used goes first, a lookup counts as a use, and a
 * refresh of a cached key takes no second entry */
static void lru_order(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		put(t, CB_PROVIDER_SNP, k, i);
	}
	/* use 0 (a lookup) and 1 (a refresh with a new tag): 2 is now the oldest */
	key_of(0, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 0), "entry 0 before eviction\n");
	key_of(1, -1, k);
	put(t, CB_PROVIDER_SNP, k, 1001);
	CHECK(chain_cache_count(t->cache) == CHAIN_CACHE_ENTRIES, "a refresh took a second entry\n");
	key_of(CHAIN_CACHE_ENTRIES, -1, k);
	put(t, CB_PROVIDER_SNP, k, CHAIN_CACHE_ENTRIES);
	key_of(2, -1, k);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 2), "the least recently used entry was not evicted\n");
	key_of(0, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 0), "the entry just looked up was evicted\n");
	key_of(1, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 1001), "the refreshed entry was evicted or not refreshed\n");
	key_of(3, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 3), "more than one entry was evicted\n");
	key_of(CHAIN_CACHE_ENTRIES, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, CHAIN_CACHE_ENTRIES), "the new entry is cached\n");
	/* next eviction: 4 (3 was just used) */
	key_of(CHAIN_CACHE_ENTRIES + 1, -1, k);
	put(t, CB_PROVIDER_SNP, k, 0);
	key_of(4, -1, k);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 4), "the second eviction is not the next oldest\n");
	key_of(3, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 3), "a recently used entry was evicted\n");
	cb_trust_free(t);
}

/* the same key under the other provider is another entry, never a hit */
static void providers_apart(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	key_of(7, -1, k);
	put(t, CB_PROVIDER_SNP, k, 1);
	CHECK(!has(t, CB_PROVIDER_TDX, k, 1), "an SNP chain served a TDX lookup\n");
	put(t, CB_PROVIDER_TDX, k, 2);
	CHECK(has(t, CB_PROVIDER_SNP, k, 1), "the TDX entry replaced the SNP one\n");
	CHECK(has(t, CB_PROVIDER_TDX, k, 2), "the TDX entry is cached\n");
	/* disabling empties the cache and stops it serving */
	cb_trust_set_cache(t, false);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 1), "a disabled cache served\n");
	cb_trust_set_cache(t, true);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 1), "re-enabling kept old entries\n");
	cb_trust_free(t);
}

int main(void)
{
	same_first_byte();
	fleet_stays();
	lru_order();
	providers_apart();
	return check_done();
}
