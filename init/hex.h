/* Hex digits, for the --inblob argument and JSON \u escapes. */
#ifndef COCOBOOT_HEX_H
#define COCOBOOT_HEX_H

/* The value of one hex digit, or -1 when C is not one. */
static inline int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
