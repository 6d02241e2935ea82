/*
 * Memory for secrets (the volume key, the broker's answer that carries it):
 * its own anonymous mapping, mlock'ed so it never reaches swap, excluded from
 * core dumps (MADV_DONTDUMP where the kernel has madvise, and the process is
 * made non-dumpable in any case) and from children (MADV_WIPEONFORK), and
 * wiped before it is unmapped.
 */
#ifndef COCOBOOT_SECRET_H
#define COCOBOOT_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct cb_secret {
	uint8_t *data;
	size_t len;       /* bytes in use */
	size_t cap;       /* usable bytes */
	size_t map_len;   /* whole pages */
};

/* Returns 0, or -1 with errno set (mlock failing is an error: fail closed). */
int cb_secret_alloc(struct cb_secret *s, size_t cap);
/* Wipe, unlock and unmap; safe on a zeroed or already freed struct. */
void cb_secret_free(struct cb_secret *s);
/* Wipe the contents but keep the buffer. */
void cb_secret_wipe(struct cb_secret *s);

/* Tests only: called with the mapping right before it is unmapped. */
extern void (*cb_secret_before_unmap)(const uint8_t *data, size_t map_len);

#endif
