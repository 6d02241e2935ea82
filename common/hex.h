/*
 * Hex text, the one implementation both sides use (guest and broker): lowercase
 * when written, either case when read.
 */
#ifndef COCOBOOT_COMMON_HEX_H
#define COCOBOOT_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1 when C is not one. */
int hex_digit_value(char c);

/* OUT gets 2*N lowercase hex digits and a NUL (2*N + 1 bytes). */
void hex_encode(char *out, const uint8_t *in, size_t n);

/*
 * TEXT must be exactly 2*N hex digits (either case) and end there: OUT gets
 * the N bytes. Returns 0, or -1 (TEXT NULL, of another length or not hex; OUT
 * may then hold part of the bytes).
 */
int hex_decode(uint8_t *out, size_t n, const char *text);

/* The same for the first 2*N characters of TEXT, whatever follows them. */
int hex_decode_digits(uint8_t *out, size_t n, const char *text);

#endif
