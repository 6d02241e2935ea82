/* Small helpers: refusals, whole-file reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int cb_refuse(cb_refusal *why, const char *code, const char *fmt, ...)
{
	if (!why)
		return -1;
	why->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why->detail, sizeof why->detail, fmt, ap);
	va_end(ap);
	/* The detail is one line by contract. */
	for (char *p = why->detail; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

int cb_read_file(const char *path, size_t max, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(buf);
				fclose(f);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max ? max : cap * 2;
			uint8_t *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		errno = EIO;
		return -1;
	}
	buf[n] = 0; /* lets text consumers treat it as a string */
	*data = buf;
	*len = n;
	return 0;
}
