/*
 * Memory for secrets, on both sides: the volume key and the answer that
 * carries it in the guest; the master key, volume keys and key files in the
 * broker. Each buffer is its own anonymous mapping, mlock'ed so it never
 * reaches swap, excluded from core dumps (MADV_DONTDUMP where the kernel has
 * madvise, and the process is made non-dumpable in any case, which also keeps
 * same-uid ptrace away) and from children (MADV_WIPEONFORK), and wiped before
 * it is unmapped.
 */
#ifndef COCOBOOT_COMMON_SECRET_H
#define COCOBOOT_COMMON_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct secret {
	uint8_t *data;
	size_t len;       /* bytes in use */
	size_t cap;       /* usable bytes */
	size_t map_len;   /* whole pages */
};

/* Up to 1 MiB. Returns 0, or -1 with errno set (mlock failing is an error: fail closed). */
int secret_alloc(struct secret *s, size_t cap);
/* Wipe, unlock and unmap; safe on a zeroed or already freed struct. */
void secret_free(struct secret *s);
/* Wipe the contents but keep the buffer. */
void secret_wipe(struct secret *s);

/* Tests only: called with the mapping right before it is unmapped. */
extern void (*secret_before_unmap)(const uint8_t *data, size_t map_len);

#endif
