/* RFC 3339 timestamps for --at and collateral dates. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int cb_parse_rfc3339(const char *s, time_t *out)
{
	int Y, M, D, h, m, sec;
	const char *p = s;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' || digits(&p, 2, &D) ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' || digits(&p, 2, &sec))
		return -1;
	if (*p == '.') { /* fractional seconds: accepted, ignored */
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	struct tm tm = { .tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D,
			 .tm_hour = h, .tm_min = m, .tm_sec = sec };
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - offset;
	return 0;
}

void cb_format_rfc3339(time_t t, char out[CB_RFC3339_LEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, CB_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, CB_RFC3339_LEN, "@%lld", (long long)t);
}

int chain_time_refusal(const char *what, time_t at, time_t not_before, time_t not_after, cb_refusal *why)
{
	char a[CB_RFC3339_LEN], from[CB_RFC3339_LEN], to[CB_RFC3339_LEN];

	cb_format_rfc3339(at, a);
	cb_format_rfc3339(not_before, from);
	cb_format_rfc3339(not_after, to);
	return cb_refuse(why, CB_REASON_CHAIN_INVALID, "%s is not valid at the verification time (%s, valid %s to %s)",
			 what, a, from, to);
}
