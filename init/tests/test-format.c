/*
 * init/format.c, the guest's vfprintf. Built twice: as a static musl binary
 * with init/format.c (what cocoboot prints with), and on the host with the
 * host libc only, where the same expectations check that they are the C
 * standard's output and not just what format.c happens to do.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/check.h"

static char got[256];

/* vsnprintf into BUF: a variadic wrapper, so that neither -Wformat nor
 * -Wformat-truncation judges the deliberately odd calls below */
static int fmt_into(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, cap, f, ap);
	va_end(ap);
	return n;
}

static int fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static int fmt(const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(got, sizeof(got), f, ap);
	va_end(ap);
	return n;
}

#define EXPECT(want, ...)                                                                  \
	do {                                                                               \
		int n_ = fmt(__VA_ARGS__);                                                 \
		CHECK(!strcmp(got, want) && n_ == (int)strlen(want), "%s: got \"%s\" (%d), want \"%s\"", \
		      #__VA_ARGS__, got, n_, want);                                        \
	} while (0)

int main(void)
{
	char small[8];
	FILE *f;

	EXPECT("plain text", "plain text");
	EXPECT("100%", "100%%");
	EXPECT("a-b", "%s-%s", "a", "b");
	EXPECT("abc", "%.3s", "abcdef");
	EXPECT("ab", "%.*s", 2, "abcdef");
	EXPECT("short", "%.80s", "short");
	EXPECT("   ab|ab   |", "%5s|%-5s|", "ab", "ab");
	EXPECT("x", "%c", 'x');
	EXPECT("0 -1 2147483647 -2147483648", "%d %i %d %d", 0, -1, INT_MAX, INT_MIN);
	EXPECT("4294967295 0", "%u %u", UINT_MAX, 0u);
	EXPECT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT("-9223372036854775808 9223372036854775807", "%lld %lld", LLONG_MIN, LLONG_MAX);
	EXPECT("-5 7", "%ld %lu", -5L, 7UL);
	EXPECT("4096 -3", "%zu %zd", (size_t)4096, (ssize_t)-3);
	EXPECT("ff FF 17", "%x %X %o", 255u, 255u, 15u);
	EXPECT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	EXPECT("002a 0000 ffff", "%04x %04x %04x", 42u, 0u, 65535u);
	EXPECT("12345", "%04x", 0x12345u);
	EXPECT("   1.005", "%4llu.%03llu", 1ull, 5ull);
	EXPECT("1234.567", "%4llu.%03llu", 1234ull, 567ull);
	EXPECT("  -42|-42  |-0042", "%5d|%-5d|%05d", -42, -42, -42);
	EXPECT("00042|   42", "%.5d|%*d", 42, 5, 42);
	EXPECT("42   |", "%*d|", -5, 42);
	EXPECT("|", "%.0d|", 0);
	EXPECT("-1 255", "%hhd %hhu", (signed char)-1, (unsigned char)255);
	EXPECT("-1 65535", "%hd %hu", (short)-1, (unsigned short)65535);
	EXPECT("0x1000", "%p", (void *)0x1000);

	/* truncation: the full length is returned, the buffer ends in a NUL */
	CHECK(fmt_into(small, sizeof(small), "%s", "0123456789") == 10 && !strcmp(small, "0123456"), "truncated");
	CHECK(fmt_into(NULL, 0, "%d", 12345) == 5, "length only");
	/* longer than the formatter's 1 KB buffer, to a stream */
	f = tmpfile();
	if (f) {
		static char big[3000], back[3100];
		size_t n;

		memset(big, 'q', sizeof(big) - 1);
		CHECK(fprintf(f, "<%s>%d", big, 7) == 3002, "long line to a stream");
		rewind(f);
		n = fread(back, 1, sizeof(back) - 1, f);
		back[n] = '\0';
		CHECK(n == 3002 && back[0] == '<' && back[2999] == 'q' && !strcmp(back + 3000, ">7"), "written in full");
		fclose(f);
	} else {
		CHECK(0, "tmpfile");
	}
#ifdef COCOBOOT_FORMAT
	/* format.c only: what it does not know is copied, nothing is read for it */
	CHECK(fmt_into(got, sizeof(got), "%f and %d", 3) == 8 && !strcmp(got, "%f and 3"), "%%f copied: %s", got);
	CHECK(fmt_into(got, sizeof(got), "%+d|%") == 5 && !strcmp(got, "%+d|%"), "%%+d copied: %s", got);
	CHECK(fmt_into(got, sizeof(got), "<%s>", (char *)NULL) == 8 && !strcmp(got, "<(null)>"), "NULL string: %s", got);
#endif
	return check_done();
}
