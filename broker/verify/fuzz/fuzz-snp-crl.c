/*
 * libFuzzer: one CRL file as the broker reads it from snp_cert_dir (DER or
 * PEM).  The issuer is Intel's SGX root from the shared test data rather than
 * an ARK: no real AMD CRL is in the test data, and with Intel's real root CRL
 * in the seed corpus the signature check passes and mutations outside the
 * signed part still reach the serial lookup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <mbedtls/x509_crt.h>

#include "broker/verify/internal.h"
#include "broker/verify/snp_crl.h"

static mbedtls_x509_crt issuer;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		mbedtls_x509_crt_init(&issuer);
		if (mbedtls_x509_crt_parse_file(&issuer, COCOBOOT_TESTDATA "/tdx/intel-sgx-root-ca.pem") != 0)
			abort();
		loaded = 1;
	}
	static const uint8_t s1[] = { 0x02 }, s2[] = { 0x00, 0x95, 0x6f, 0x5d, 0xcd, 0xbd, 0x1b, 0xe1, 0xe9, 0x40, 0x49,
						     0xc9, 0xd4, 0xf4, 0x33, 0xce, 0x01, 0x57, 0x0b, 0xde, 0x54 };
	struct snp_crl_want w = { .ark = &issuer, .serial = { s1, s2 }, .serial_len = { sizeof s1, sizeof s2 } };
	cb_parse_rfc3339("2026-03-01T00:00:00Z", &w.at);
	time_t tu;
	int revoked[2];
	if (snp_crl_eval(data, size, &w, &tu, revoked) == 1) {
		volatile int sink = revoked[0] + revoked[1] + (int)(tu & 1);
		(void)sink;
	}
	return 0;
}
