/* Console lines with boot-relative timestamps (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

/* Milliseconds since boot: integers, so the guest links no floating-point formatting (init/format.c). */
static unsigned long long uptime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

unsigned long long cb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

void cb_log(const char *fmt, ...)
{
	unsigned long long up;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line: the console is shared with the kernel's messages. */
	up = uptime_ms();
	fprintf(stderr, "cocoboot: [%4llu.%03llu] %s\n", up / 1000, up % 1000, line);
	fflush(stderr);
}

void cb_log_error(const struct cb_err *err)
{
	fprintf(stderr, "cocoboot: error %s: %s\n", cb_error_name(err->code), err->detail);
	fflush(stderr);
}
