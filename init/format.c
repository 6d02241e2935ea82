/*
 * The guest's vfprintf. musl's is 10.5 KB, half of it floating point that
 * cocoboot never prints; every printf-family call in musl (snprintf,
 * fprintf, printf, vsnprintf, ...) ends in vfprintf, so defining it here
 * keeps musl's from being linked at all. Only in build/cocoboot (init.mk
 * links every init/ source); the host tests and tools keep their libc's.
 *
 * What it formats: %d %i %u %x %X %o %c %s %p %%, the flags '-' and '0', a
 * width and a precision (digits or '*'), the length modifiers hh h l ll z j
 * t. Anything else (floating point, %n, '+', ' ', '#') is copied to the
 * output as written, so a format nobody expected shows up in the message
 * instead of reading an argument of the wrong type.
 * init/tests/test-format.c checks it against the C standard's output.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct out {
	FILE *f;
	size_t n;           /* bytes in buf */
	unsigned long long total;
	int error;
	char buf[1024];     /* one write for a console line */
};

static void flush(struct out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		o->error = 1;
	o->n = 0;
}

static void put(struct out *o, const char *s, size_t len)
{
	o->total += len;
	while (len) {
		size_t k = sizeof(o->buf) - o->n;

		if (k > len)
			k = len;
		memcpy(o->buf + o->n, s, k);
		o->n += k, s += k, len -= k;
		if (o->n == sizeof(o->buf))
			flush(o);
	}
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, &c, 1);
}

/* A field of LEN bytes at S, with SIGN (0 or '-') and ZEROS leading zeros, padded to WIDTH. */
static void field(struct out *o, const char *s, int len, char sign, int zeros, int width, int left)
{
	int room = width - len - zeros - (sign != 0);

	if (!left)
		pad(o, ' ', room);
	if (sign)
		put(o, &sign, 1);
	pad(o, '0', zeros);
	put(o, s, (size_t)len);
	if (left)
		pad(o, ' ', room);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	struct out o = { .f = f };

	while (*fmt) {
		const char *start = fmt, *s;
		int left = 0, zero = 0, width = 0, prec = -1, size = 0, len;
		unsigned long long v;
		char tmp[24], sign = 0, c;

		if (*fmt != '%') {
			s = strchrnul(fmt, '%');
			put(&o, fmt, (size_t)(s - fmt));
			fmt = s;
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else
				zero = 1;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int), fmt++;
			if (width < 0)
				left = 1, width = width == INT_MIN ? INT_MAX : -width;
		} else {
			while (*fmt >= '0' && *fmt <= '9' && width < 100000)
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++, prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int), fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9' && prec < 100000)
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* size: -2 char, -1 short, 0 int, 1 long (and size_t, ptrdiff_t), 2 long long (and intmax_t) */
		if (*fmt == 'h')
			size = fmt[1] == 'h' ? (fmt += 2, -2) : (fmt++, -1);
		else if (*fmt == 'l')
			size = fmt[1] == 'l' ? (fmt += 2, 2) : (fmt++, 1);
		else if (*fmt == 'z' || *fmt == 't')
			size = 1, fmt++;
		else if (*fmt == 'j')
			size = 2, fmt++;
		c = *fmt ? *fmt++ : 0;
		switch (c) {
		case '%':
			put(&o, "%", 1);
			continue;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(&o, tmp, 1, 0, 0, width, left);
			continue;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = (int)(prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
			field(&o, s, len, 0, 0, width, left);
			continue;
		case 'd':
		case 'i': {
			long long x = size == 2 ? va_arg(ap, long long) : size == 1 ? va_arg(ap, long) : va_arg(ap, int);

			if (size == -1)
				x = (short)x;
			else if (size == -2)
				x = (signed char)x;
			v = x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x;
			sign = x < 0 ? '-' : 0;
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = size == 2 ? va_arg(ap, unsigned long long) : size == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			if (size == -1)
				v = (unsigned short)v;
			else if (size == -2)
				v = (unsigned char)v;
			break;
		case 'p':
			v = (unsigned long long)(uintptr_t)va_arg(ap, void *);
			break;
		default:
			/* not a conversion this formatter knows: the directive as written */
			put(&o, start, (size_t)(fmt - start));
			continue;
		}
		{
			unsigned base = c == 'x' || c == 'X' || c == 'p' ? 16 : c == 'o' ? 8 : 10;
			const char *set = digits + (c == 'X' ? 16 : 0);
			int n = (int)sizeof(tmp), zeros;

			do
				tmp[--n] = set[v % base];
			while (v /= base);
			if (c == 'p')
				tmp[--n] = 'x', tmp[--n] = '0';
			len = (int)sizeof(tmp) - n;
			if (prec == 0 && len == 1 && tmp[n] == '0' && c != 'p')
				len = 0; /* "%.0d" of 0 prints nothing */
			zeros = prec > len ? prec - len : 0;
			if (prec < 0 && zero && !left)
				zeros = width - len - (sign != 0) > 0 ? width - len - (sign != 0) : 0;
			field(&o, tmp + sizeof(tmp) - len, len, sign, zeros, width, left);
		}
	}
	flush(&o);
	if (o.error || o.total > INT_MAX)
		return -1;
	return (int)o.total;
}
