/*
 * `cocoboot check-ca FILE`: the boot's own loading of the pinned CA bundle
 * (cb_ca_bundle_load), for the build paths (make initramfs, make image, the
 * dracut module) to refuse a bundle the guest could not use before an image
 * is built around it, rather than the guest failing at every boot.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "ca_bundle.h"
#include "exitcodes.h"
#include "flow.h"

static const char check_ca_usage[] =
	"usage: cocoboot check-ca FILE\n"
	"Load a PEM CA bundle exactly as the boot loads /etc/cocoboot/ca.pem and say\n"
	"whether the guest can verify a broker with it (ECDSA P-256 keys and\n"
	"ecdsa-with-SHA256 signatures only). Exit 0 usable, 1 refused, 2 usage.\n";

int cb_cmd_check_ca(int argc, char **argv)
{
	mbedtls_x509_crt ca;
	struct cb_err err = { 0 };
	int n = 0;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(check_ca_usage, stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fputs(check_ca_usage, stderr);
		return COCOBOOT_EXIT_USAGE;
	}
	mbedtls_x509_crt_init(&ca);
	if (cb_ca_bundle_load(&ca, argv[1], &err) < 0) {
		fprintf(stderr, "cocoboot check-ca: refused: %s\n", err.detail);
		mbedtls_x509_crt_free(&ca);
		return 1;
	}
	for (const mbedtls_x509_crt *c = &ca; c && c->raw.len; c = c->next)
		n++;
	printf("%s: usable by the guest (%d certificate%s, ECDSA P-256)\n", argv[1], n, n == 1 ? "" : "s");
	mbedtls_x509_crt_free(&ca);
	return 0;
}
