/* Response header lines and URL-decoding (see issuer_chain.h). */
#include "issuer_chain.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int header_line_value(const char *line, size_t len, const char *name, size_t max, char **value)
{
	const char *colon = memchr(line, ':', len), *v, *end = line + len;
	size_t nl = strlen(name);

	if (!colon || colon == line || memchr(line, '\0', len))
		return -1;
	for (const char *p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return -1;
	if ((size_t)(colon - line) != nl || strncasecmp(line, name, nl) != 0)
		return 0;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	/* a bare CR or LF inside the value is not a header line */
	if (memchr(v, '\r', (size_t)(end - v)) || memchr(v, '\n', (size_t)(end - v)) || (size_t)(end - v) > max)
		return -1;
	char *s = malloc((size_t)(end - v) + 1);
	if (!s)
		return -1;
	memcpy(s, v, (size_t)(end - v));
	s[end - v] = '\0';
	free(*value);
	*value = s;
	return 1;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int url_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *b = malloc(len + 1);
	size_t n = 0;

	if (!b)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				goto bad;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0)
			goto bad;
		b[n++] = (uint8_t)c;
	}
	b[n] = 0;
	*out = b;
	*outlen = n;
	return 0;
bad:
	free(b);
	return -1;
}
