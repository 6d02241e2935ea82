/*
 * libFuzzer: one TDX collateral JSON file as the broker reads it from the
 * collateral directory (Intel PCS shapes: TCB info or TD QE identity).  The
 * first input byte picks which (even: TCB info for FMSPC 50806f000000, odd:
 * QE identity); the rest is the file.  The signer is Intel's real TCB signing
 * key, from the shared test data when it is there, else from the Debian
 * evidence ($COCOBOOT_DEBIAN_EVIDENCE, set by the fuzz target's rule;
 * tests/verify/debian-evidence.sh), so the real files in the seed corpus
 * pass the signature check and mutations outside the signed body still reach
 * the end of the path.  The verification time is inside the windows of that
 * source's files.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "broker/verify/crypto.h"
#include "broker/verify/tdx_collateral.h"

static uint8_t signer[65];
static size_t signer_len;
static time_t at = 1773700000; /* 2026-03-16: inside the newest shared files' windows */

static void load_signer(void)
{
	char path[4096];
	const char *deb = getenv("COCOBOOT_DEBIAN_EVIDENCE");
	snprintf(path, sizeof path, "%s", COCOBOOT_TESTDATA "/tdx/collateral/tcb-signing-chain-2025.pem");
	if (access(path, R_OK) != 0 && deb && *deb) {
		snprintf(path, sizeof path, "%s/tdx/collateral/tcb-signing-chain.pem", deb);
		at = 1688173200; /* 2023-07-01: inside the Debian files' windows */
	}
	mbedtls_x509_crt chain;
	mbedtls_x509_crt_init(&chain);
	/* the first certificate of the chain file is the TCB signing certificate */
	if (mbedtls_x509_crt_parse_file(&chain, path) != 0 ||
	    cb_ec_point(&chain.pk, signer, sizeof signer, &signer_len) != MBEDTLS_ECP_DP_SECP256R1) {
		fprintf(stderr, "fuzz-tdx-collateral: no TCB signing certificate in %s\n", path);
		abort();
	}
	mbedtls_x509_crt_free(&chain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fmspc[6] = { 0x50, 0x80, 0x6f, 0x00, 0x00, 0x00 };
	if (!signer_len)
		load_signer();
	if (size < 1)
		return 0;
	struct collateral_json_want w = {
		.body_key = data[0] & 1 ? "enclaveIdentity" : "tcbInfo",
		.signer_point = signer,
		.signer_point_len = signer_len,
		.at = at,
		.fmspc = data[0] & 1 ? NULL : fmspc,
	};
	time_t issued;
	int bad_signature = 0;
	cJSON *body = tdx_collateral_json_body(data + 1, size - 1, &w, &issued, &bad_signature);
	cJSON_Delete(body);
	return 0;
}
