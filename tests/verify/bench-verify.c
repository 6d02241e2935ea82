/*
 * Benchmark: SEV-SNP and TDX verifications per second with and without the
 * chain cache, against the raw ECDSA P-384 / P-256 verify rate of the same
 * mbedTLS build.  Prints numbers only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "broker/verify/crypto.h"
#include "broker/verify/internal.h"
#include "broker/verify/tests/testutil.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double seconds = 2.0;

static void rate(const char *what, int (*fn)(void *), void *arg)
{
	double t0 = now(), t;
	long n = 0;
	do {
		if (fn(arg) != 0) {
			printf("%-40s FAILED\n", what);
			return;
		}
		n++;
	} while ((t = now()) - t0 < seconds);
	printf("%-40s %10.1f /s  (%ld in %.2f s, %.3f ms each)\n", what, n / (t - t0), n, t - t0, 1000 * (t - t0) / n);
}

struct verify_arg {
	cb_trust *t;
	cb_evidence *ev;
};

static int do_verify(void *p)
{
	struct verify_arg *a = p;
	cb_claims c;
	cb_refusal why;
	return cb_verify(a->t, a->ev, &c, &why);
}

struct ecdsa_arg {
	mbedtls_ecp_group_id gid;
	const uint8_t *point, *hash, *r, *s;
	size_t point_len, hash_len, clen;
};

static int do_ecdsa(void *p)
{
	struct ecdsa_arg *a = p;
	return cb_ecdsa_verify_raw(a->gid, a->point, a->point_len, a->hash, a->hash_len, a->r, a->s, a->clen);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atof(argv[1]);
	cb_trust *t;
	cb_refusal why;
	if (cb_trust_new(&t, NULL, &why) != 0) {
		fprintf(stderr, "trust: %s\n", why.detail);
		return 1;
	}
	cJSON *v = td_vectors();
	if (!v) {
		printf("bench-verify: skipped: no %s/vectors.json (the shared real-evidence set; COCOBOOT_TESTDATA=DIR)\n",
		       testdata_dir());
		cb_trust_free(t);
		return 0;
	}
	struct snp_case sc;
	struct tdx_case tc;
	snp_case_load(&sc, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "snp"), "milan-2"));
	tdx_case_load(&tc, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "tdx"), "v5-1"));
	struct verify_arg snp = { t, &sc.ev }, tdx = { t, &tc.ev };

	printf("mbedTLS 3.6 host build, one thread, %.1f s per measurement\n", seconds);
	cb_trust_set_cache(t, false);
	rate("SEV-SNP verify (milan-2), uncached", do_verify, &snp);
	rate("TDX verify (v5-1), uncached", do_verify, &tdx);
	cb_trust_set_cache(t, true);
	rate("SEV-SNP verify (milan-2), chain cached", do_verify, &snp);
	rate("TDX verify (v5-1), chain cached", do_verify, &tdx);

	/* per request with the broker's directories, warm (chain cached, the
	 * directory seen once): SNP with its certificates from snp_cert_dir
	 * (the test data's snp/, about 20 certificate files), TDX with the test
	 * data's collateral directory (25 files: TCB infos, QE identities, CRLs) */
	char snp_dir[4096], coll_dir[4096];
	snprintf(snp_dir, sizeof snp_dir, "%s/snp", testdata_dir());
	snprintf(coll_dir, sizeof coll_dir, "%s/tdx/collateral", testdata_dir());
	cb_evidence snp_ev = sc.ev;
	snp_ev.n_certs = 0;
	snp_ev.snp_cert_dir = snp_dir;
	struct tdx_case tcc;
	tdx_case_load(&tcc, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "tdx"), "v4-2-debug"));
	tcc.ev.collateral_dir = coll_dir;
	cb_parse_rfc3339("2026-03-20T00:00:00Z", &tcc.ev.at);
	cb_evidence tdx_bare = tcc.ev;
	tdx_bare.collateral_dir = NULL;
	struct verify_arg snp_d = { t, &snp_ev }, tdx_c = { t, &tcc.ev }, tdx_b = { t, &tdx_bare };
	rate("SEV-SNP verify (milan-2), snp_cert_dir", do_verify, &snp_d);
	rate("TDX verify (v4-2-debug), chain cached", do_verify, &tdx_b);
	rate("TDX verify (v4-2-debug), collateral_dir", do_verify, &tdx_c);
	tdx_case_free(&tcc);

	/* raw ECDSA on the same data: the SNP report signature, the TDX quote signature */
	uint8_t h384[48], h256[32], r[48], s[48], p384[97], p256[65];
	size_t plen;
	mbedtls_x509_crt vcek;
	mbedtls_x509_crt_init(&vcek);
	cb_certs_parse(&vcek, sc.cert, sc.cert_len);
	cb_ec_point(&vcek.pk, p384, sizeof p384, &plen);
	mbedtls_sha512(sc.report, 0x2A0, h384, 1);
	for (int i = 0; i < 48; i++) {
		r[i] = sc.report[0x2A0 + 47 - i];
		s[i] = sc.report[0x2E8 + 47 - i];
	}
	struct ecdsa_arg e384 = { MBEDTLS_ECP_DP_SECP384R1, p384, h384, r, s, plen, 48, 48 };
	rate("raw ECDSA P-384/SHA-384 verify", do_ecdsa, &e384);
	size_t signed_len = 702;
	mbedtls_sha256(tc.quote, signed_len, h256, 0);
	p256[0] = 4;
	memcpy(p256 + 1, tc.quote + signed_len + 4 + 64, 64);
	struct ecdsa_arg e256 = { MBEDTLS_ECP_DP_SECP256R1, p256, h256, tc.quote + signed_len + 4,
				  tc.quote + signed_len + 4 + 32, 65, 32, 32 };
	rate("raw ECDSA P-256/SHA-256 verify", do_ecdsa, &e256);
	printf("(an SNP verify needs 1 P-384 verify + 1 RSA-4096 PSS verify uncached; a TDX verify needs 2 P-256\n"
	       " verifies + 2 more for the PCK chain uncached)\n");
	mbedtls_x509_crt_free(&vcek);
	snp_case_free(&sc);
	tdx_case_free(&tc);
	cb_trust_free(t);
	cJSON_Delete(v);
	return 0;
}
