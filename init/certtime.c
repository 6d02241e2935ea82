/* Certificate validity under a host-controlled clock (see certtime.h). */
#include "certtime.h"

long long cb_x509_time_seconds(const mbedtls_x509_time *t)
{
	long long y = t->year, m = t->mon, days;

	/* Days from civil date, with March as the first month so leap days come last. */
	if (m <= 2) {
		y--;
		m += 12;
	}
	days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + t->day - 719469;
	return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

void cb_cert_time_rule(const mbedtls_x509_crt *crt, long long floor, uint32_t *flags)
{
	/* A clock behind real time is normal this early: never block boot on it. */
	*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_FUTURE;
	/* Turning the clock back must not revive what had expired before the build. */
	if (cb_x509_time_seconds(&crt->valid_to) < floor)
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
}
