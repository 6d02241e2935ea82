#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Appends s as a JSON string body (without quotes); truncates at cap. */
static size_t put_escaped(char *buf, size_t pos, size_t cap, const char *s)
{
	for (; *s && pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[pos++] = '\\';
			buf[pos++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			pos += (size_t)snprintf(buf + pos, cap - pos, "\\u%04x", c);
		} else {
			buf[pos++] = (char)c;
		}
	}
	return pos;
}

static size_t put_raw(char *buf, size_t pos, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (pos + n >= cap)
		n = cap - pos - 1;
	memcpy(buf + pos, s, n);
	return pos + n;
}

void log_event(const char *level, const char *event, ...)
{
	char buf[2048], when[40];
	struct timeval tv;
	struct tm tm;
	size_t pos = 0, cap = sizeof(buf) - 2;
	va_list ap;
	const char *k, *v;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	pos += (size_t)snprintf(buf, cap, "{\"time\":\"%s.%03ldZ\",\"level\":\"", when, (long)tv.tv_usec / 1000);
	pos = put_escaped(buf, pos, cap, level);
	pos = put_raw(buf, pos, cap, "\",\"event\":\"");
	pos = put_escaped(buf, pos, cap, event);
	pos = put_raw(buf, pos, cap, "\"");
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		pos = put_raw(buf, pos, cap, ",\"");
		pos = put_escaped(buf, pos, cap, k);
		pos = put_raw(buf, pos, cap, "\":\"");
		pos = put_escaped(buf, pos, cap, v ? v : "");
		pos = put_raw(buf, pos, cap, "\"");
	}
	va_end(ap);
	buf[pos++] = '}';
	buf[pos++] = '\n';
	(void)!write(STDERR_FILENO, buf, pos);
}

int broker_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
