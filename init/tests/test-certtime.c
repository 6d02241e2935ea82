/* Unit tests: X.509 time arithmetic and the validity rule for a host-controlled clock. */
#include <time.h>

#include "tests/lib/check.h"
#include "init/certtime.h"

static mbedtls_x509_time at(int y, int mo, int d, int h, int mi, int s)
{
	return (mbedtls_x509_time){ .year = y, .mon = mo, .day = d, .hour = h, .min = mi, .sec = s };
}

int main(void)
{
	static const struct { int y, mo, d, h, mi, s; long long epoch; } known[] = {
		{ 1970, 1, 1, 0, 0, 0, 0 },
		{ 2000, 2, 29, 12, 0, 0, 951825600 },
		{ 2026, 11, 26, 7, 59, 36, 1795679976 },
		{ 2038, 1, 19, 3, 14, 8, 2147483648LL },
		{ 2100, 3, 1, 0, 0, 0, 4107542400LL },
	};
	mbedtls_x509_crt crt;
	uint32_t flags;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		mbedtls_x509_time t = at(known[i].y, known[i].mo, known[i].d, known[i].h, known[i].mi, known[i].s);

		CHECK(cb_x509_time_seconds(&t) == known[i].epoch, "%04d-%02d-%02d: %lld != %lld", known[i].y,
		      known[i].mo, known[i].d, cb_x509_time_seconds(&t), known[i].epoch);
	}
	/* Agrees with the C library over a range of days. */
	{
		int mismatches = 0;

		for (time_t t = 0; t < 5000LL * 86400; t += 86400 * 7 + 3661) {
			struct tm tm;
			mbedtls_x509_time x;

			gmtime_r(&t, &tm);
			x = at(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			mismatches += cb_x509_time_seconds(&x) != (long long)t;
		}
		CHECK(mismatches == 0, "%d mismatches with gmtime_r", mismatches);
	}
	mbedtls_x509_crt_init(&crt);
	crt.valid_to = at(2030, 1, 1, 0, 0, 0);
	flags = MBEDTLS_X509_BADCERT_FUTURE;
	cb_cert_time_rule(&crt, 1795679976, &flags);
	CHECK(flags == 0, "not-yet-valid is ignored (0x%x)", flags);
	flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_FUTURE;
	cb_cert_time_rule(&crt, 1795679976, &flags);
	CHECK(flags == MBEDTLS_X509_BADCERT_NOT_TRUSTED, "other failures stay (0x%x)", flags);
	crt.valid_to = at(2025, 6, 1, 0, 0, 0);
	flags = 0;
	cb_cert_time_rule(&crt, 1795679976, &flags);
	CHECK(flags == MBEDTLS_X509_BADCERT_EXPIRED, "expired before the build: rejected whatever the clock says");
	flags = MBEDTLS_X509_BADCERT_EXPIRED;
	crt.valid_to = at(2030, 1, 1, 0, 0, 0);
	cb_cert_time_rule(&crt, 1795679976, &flags);
	CHECK(flags == MBEDTLS_X509_BADCERT_EXPIRED, "expired by the guest clock stays expired");
	return check_done();
}
