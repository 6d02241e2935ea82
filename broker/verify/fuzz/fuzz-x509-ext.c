/* libFuzzer: certificates (PEM or DER) and the AMD VCEK and Intel SGX PCK
 * extension parsers on whatever parses as a certificate. */
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/x509_crt.h>

#include "broker/verify/amd_ext.h"
#include "broker/verify/crypto.h"
#include "broker/verify/sgx_ext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbedtls_x509_crt chain;
	mbedtls_x509_crt_init(&chain);
	if (cb_certs_parse(&chain, data, size) == 0) {
		for (const mbedtls_x509_crt *c = &chain; c; c = c->next) {
			struct amd_cert_ext a;
			struct sgx_pck_ext s;
			char err[128];
			(void)amd_ext_parse(c, &a, err, sizeof err);
			(void)sgx_ext_parse(c, &s, err, sizeof err);
		}
	}
	mbedtls_x509_crt_free(&chain);
	/* the SGX extension value parser on raw bytes too */
	struct sgx_pck_ext s;
	char err[128];
	(void)sgx_ext_parse_value(data, size, &s, err, sizeof err);
	return 0;
}
