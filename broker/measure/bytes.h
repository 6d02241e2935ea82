/*
 * Helpers shared by the measure parsers: little-endian reads of firmware and
 * PE fields, and the one way they report an error into the caller's buffer.
 */
#ifndef COCOBOOT_MEASURE_BYTES_H
#define COCOBOOT_MEASURE_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Write a formatted error into err[errlen] (always terminated). */
void measure_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
