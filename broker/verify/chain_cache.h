/*
 * The cache of verified chains: a least-recently-used set of whole-key
 * entries (SHA-256 over the presented chain bytes, per provider), sized for
 * a fleet of thousands of chips.  Allocated once per trust store; not
 * thread-safe by itself: trust.c's chain_cache_get/put hold the trust's lock.
 */
#ifndef COCOBOOT_BROKER_CHAIN_CACHE_H
#define COCOBOOT_BROKER_CHAIN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

/* Every chip of a fleet has its own VCEK (SNP) or PCK (TDX); a few thousand
 * hosts fit without evictions.  About 1.5 MB per trust store. */
#define CHAIN_CACHE_ENTRIES 4096

struct chain_entry;
struct chain_cache;

/* NULL when out of memory (the trust store then refuses to be created). */
struct chain_cache *chain_cache_new(size_t capacity);
void chain_cache_free(struct chain_cache *cc);
/* Forget every entry (the memory stays). */
void chain_cache_clear(struct chain_cache *cc);
/* Copy the entry of (provider, key) out and make it the most recently used:
 * 1 hit, 0 miss. */
int chain_cache_lookup(struct chain_cache *cc, cb_provider provider, const uint8_t key[32], struct chain_entry *out);
/* Insert or refresh e (its key and provider); when full, the least recently
 * used entry goes. */
void chain_cache_insert(struct chain_cache *cc, const struct chain_entry *e);
/* Number of entries held (tests). */
size_t chain_cache_count(const struct chain_cache *cc);

#endif
