/*
 * Helpers shared by the verification library's source files (not public).
 */
#ifndef COCOBOOT_BROKER_VERIFY_INTERNAL_H
#define COCOBOOT_BROKER_VERIFY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/hex.h"
#include "verify.h"

/* Fill *why (may be NULL) and return -1, so callers can `return refuse(...)`. */
int cb_refuse(cb_refusal *why, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "WHAT is not valid at the verification time (AT, valid FROM to TO)", RFC 3339 times. */
int chain_time_refusal(const char *what, time_t at, time_t not_before, time_t not_after, cb_refusal *why);

static inline uint16_t cb_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t cb_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t cb_le64(const uint8_t *p) { return (uint64_t)cb_le32(p) | (uint64_t)cb_le32(p + 4) << 32; }

/* Hex text: hex_encode, hex_decode (common/hex.h, shared with the guest). */

static inline int cb_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Read a whole file (up to max bytes) into a malloc'd buffer; 0 or -1 (errno set). */
int cb_read_file(const char *path, size_t max, uint8_t **data, size_t *len);

#endif
