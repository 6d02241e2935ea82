/* Hex text (see hex.h). */
#include <string.h>

#include "hex.h"

int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int hex_decode_digits(uint8_t *out, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++) {
		/* the high digit first: a NUL stops the read before the low one is looked at */
		int hi = hex_digit_value(text[2 * i]), lo = hi < 0 ? -1 : hex_digit_value(text[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int hex_decode(uint8_t *out, size_t n, const char *text)
{
	if (!text || strnlen(text, 2 * n + 1) != 2 * n)
		return -1;
	return hex_decode_digits(out, n, text);
}
