/*
 * LRU cache of verified chains (chain_cache.h).
 *
 * Nodes live in one array and refer to each other by index: a doubly linked
 * recency list (head = most recent) and, per hash bucket, a singly linked
 * chain.  The bucket comes from the key's first four bytes; the key is a
 * SHA-256 over bytes the peer chose, but an entry is only inserted after its
 * chain verified to a pinned root, so nobody can fill one bucket at will,
 * and a full-key compare decides a hit either way.
 */
#include <stdlib.h>
#include <string.h>

#include "chain_cache.h"
#include "trust_internal.h"

#define NIL (-1)

struct node {
	struct chain_entry e;
	int32_t prev, next;   /* recency list, or the free list (next) */
	int32_t hnext;        /* bucket chain */
};

struct chain_cache {
	struct node *node;
	int32_t *bucket;
	size_t capacity, n_buckets, count;
	int32_t head, tail, free_list;
};

static size_t bucket_of(const struct chain_cache *cc, const uint8_t key[32])
{
	uint32_t h = (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 | (uint32_t)key[3] << 24;
	return h & (cc->n_buckets - 1);
}

void chain_cache_clear(struct chain_cache *cc)
{
	for (size_t i = 0; i < cc->n_buckets; i++)
		cc->bucket[i] = NIL;
	for (size_t i = 0; i < cc->capacity; i++) {
		cc->node[i].e.used = false;
		cc->node[i].next = i + 1 < cc->capacity ? (int32_t)(i + 1) : NIL;
	}
	cc->free_list = cc->capacity ? 0 : NIL;
	cc->head = cc->tail = NIL;
	cc->count = 0;
}

struct chain_cache *chain_cache_new(size_t capacity)
{
	if (capacity == 0 || capacity > INT32_MAX / 2)
		return NULL;
	struct chain_cache *cc = calloc(1, sizeof *cc);
	if (!cc)
		return NULL;
	cc->capacity = capacity;
	cc->n_buckets = 1;
	while (cc->n_buckets < 2 * capacity) /* load factor <= 1/2 */
		cc->n_buckets <<= 1;
	cc->node = calloc(capacity, sizeof *cc->node);
	cc->bucket = calloc(cc->n_buckets, sizeof *cc->bucket);
	if (!cc->node || !cc->bucket) {
		chain_cache_free(cc);
		return NULL;
	}
	chain_cache_clear(cc);
	return cc;
}

void chain_cache_free(struct chain_cache *cc)
{
	if (!cc)
		return;
	free(cc->node);
	free(cc->bucket);
	free(cc);
}

size_t chain_cache_count(const struct chain_cache *cc)
{
	return cc->count;
}

static void unlink_recency(struct chain_cache *cc, int32_t i)
{
	struct node *n = &cc->node[i];
	if (n->prev != NIL)
		cc->node[n->prev].next = n->next;
	else
		cc->head = n->next;
	if (n->next != NIL)
		cc->node[n->next].prev = n->prev;
	else
		cc->tail = n->prev;
	n->prev = n->next = NIL;
}

static void push_front(struct chain_cache *cc, int32_t i)
{
	struct node *n = &cc->node[i];
	n->prev = NIL;
	n->next = cc->head;
	if (cc->head != NIL)
		cc->node[cc->head].prev = i;
	cc->head = i;
	if (cc->tail == NIL)
		cc->tail = i;
}

static int32_t find(const struct chain_cache *cc, cb_provider provider, const uint8_t key[32])
{
	for (int32_t i = cc->bucket[bucket_of(cc, key)]; i != NIL; i = cc->node[i].hnext)
		if (cc->node[i].e.provider == provider && memcmp(cc->node[i].e.key, key, 32) == 0)
			return i;
	return NIL;
}

static void unlink_bucket(struct chain_cache *cc, int32_t i)
{
	int32_t *p = &cc->bucket[bucket_of(cc, cc->node[i].e.key)];
	while (*p != i)
		p = &cc->node[*p].hnext;
	*p = cc->node[i].hnext;
}

int chain_cache_lookup(struct chain_cache *cc, cb_provider provider, const uint8_t key[32], struct chain_entry *out)
{
	int32_t i = find(cc, provider, key);
	if (i == NIL)
		return 0;
	if (cc->head != i) {
		unlink_recency(cc, i);
		push_front(cc, i);
	}
	*out = cc->node[i].e;
	return 1;
}

void chain_cache_insert(struct chain_cache *cc, const struct chain_entry *e)
{
	int32_t i = find(cc, e->provider, e->key);
	if (i != NIL) {
		unlink_recency(cc, i);
	} else {
		if (cc->free_list != NIL) {
			i = cc->free_list;
			cc->free_list = cc->node[i].next;
			cc->count++;
		} else { /* full: the least recently used goes */
			i = cc->tail;
			unlink_recency(cc, i);
			unlink_bucket(cc, i);
		}
		size_t b = bucket_of(cc, e->key);
		cc->node[i].hnext = cc->bucket[b];
		cc->bucket[b] = i;
	}
	cc->node[i].e = *e;
	cc->node[i].e.used = true;
	push_front(cc, i);
}
