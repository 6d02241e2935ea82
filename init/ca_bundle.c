/*
 * Loading the pinned CA bundle (ca_bundle.h). PEM only (no FS_IO in the
 * trimmed mbedTLS); certificates are decoded one by one so that an error can
 * say which one the guest cannot use and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>

#include "ca_bundle.h"
#include "proto/guest_chain.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* mbedTLS codes are a high-level part (bits 7-14) plus a low-level part. */
static const char *parse_problem(int rc)
{
	int high = -rc & 0x7f80, low = -rc & 0x7f;

	if (high == -MBEDTLS_ERR_PK_UNKNOWN_PK_ALG)
		return "its key is not an elliptic-curve key (RSA?)";
	if (high == -MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE || high == -MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE ||
	    (high == -MBEDTLS_ERR_PK_KEY_INVALID_FORMAT && low))
		return "its key is on a curve other than P-256";
	if (high == -MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG)
		return "its signature algorithm is not ecdsa-with-SHA256";
	return NULL;
}

static char *read_bundle(const char *path, size_t *len, struct cb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *pem;
	ssize_t n;

	*len = 0;
	if (fd < 0) {
		cb_fail(err, CB_ERR_CA, "pinned CA bundle %s: %s", path, strerror(errno));
		return NULL;
	}
	pem = malloc(CA_BUNDLE_MAX + 1);
	if (!pem) {
		close(fd);
		cb_fail(err, CB_ERR_SETUP, "out of memory");
		return NULL;
	}
	while (*len < CA_BUNDLE_MAX && (n = read(fd, pem + *len, CA_BUNDLE_MAX - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	pem[*len] = '\0';
	if (*len == CA_BUNDLE_MAX) {
		free(pem);
		cb_fail(err, CB_ERR_CA, "pinned CA bundle %s is larger than %d bytes", path, CA_BUNDLE_MAX);
		return NULL;
	}
	return pem;
}

static int parse_one(mbedtls_x509_crt *ca, const char *at, int pos, const char *path, struct cb_err *err,
		     size_t *used)
{
	mbedtls_pem_context ctx;
	const unsigned char *der;
	size_t der_len;
	int rc;

	mbedtls_pem_init(&ctx);
	rc = mbedtls_pem_read_buffer(&ctx, PEM_BEGIN, PEM_END, (const unsigned char *)at, NULL, 0, used);
	if (rc) {
		mbedtls_pem_free(&ctx);
		return cb_fail(err, CB_ERR_CA, "pinned CA bundle %s: certificate %d is not valid PEM (-0x%04x)", path,
			       pos, (unsigned)-rc);
	}
	der = mbedtls_pem_get_buffer(&ctx, &der_len);
	rc = mbedtls_x509_crt_parse_der(ca, der, der_len);
	mbedtls_pem_free(&ctx);
	if (rc) {
		const char *problem = parse_problem(rc);

		if (problem)
			return cb_fail(err, CB_ERR_CA, "pinned CA bundle %s: certificate %d: %s; %s", path, pos,
				       problem, COCO_GUEST_CHAIN_RULE);
		return cb_fail(err, CB_ERR_CA, "pinned CA bundle %s: certificate %d is not a valid X.509 certificate (-0x%04x)",
			       path, pos, (unsigned)-rc);
	}
	return 0;
}

int cb_ca_bundle_load(mbedtls_x509_crt *ca, const char *path, struct cb_err *err)
{
	size_t len, used = 0;
	char *pem = read_bundle(path, &len, err), *at, why[200];
	int pos = 0;

	if (!pem)
		return -1;
	for (at = strstr(pem, PEM_BEGIN); at; at = strstr(at + used, PEM_BEGIN)) {
		if (parse_one(ca, at, ++pos, path, err, &used) < 0) {
			free(pem);
			return -1;
		}
	}
	free(pem);
	if (pos == 0)
		return cb_fail(err, CB_ERR_CA, "pinned CA bundle %s holds no PEM certificate", path);
	if (coco_guest_chain_check(ca, why, sizeof why) < 0)
		return cb_fail(err, CB_ERR_CA, "pinned CA bundle %s: %s", path, why);
	return 0;
}
