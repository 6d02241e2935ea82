/*
 * Adversarial cases: bit flips across the signed regions, swapped
 * signatures, a VCEK of another chip, truncated and over-long inputs, broken
 * length fields, wrong product roots, expired chains at a pinned time, the
 * GHCB certificate table, the chain cache, concurrent use, and a report
 * signed under the TEST roots.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "broker/verify/amd_ext.h"
#include "tests/lib/check.h"
#include "broker/verify/crypto.h"
#include "broker/verify/internal.h"
#include "broker/verify/tdx_collateral.h"
#include "testutil.h"
#include "broker/verify/trust_internal.h"

#ifndef COCOBOOT_TEST_SRC
#define COCOBOOT_TEST_SRC "tests/verify"
#endif
#ifndef COCOBOOT_TEST_KEYS
#define COCOBOOT_TEST_KEYS "build/keys"
#endif

static const cJSON *vec(const char *kind, const char *name)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(td_vectors(), kind), name);
}

static const char *verify_code(cb_trust *t, const cb_evidence *ev)
{
	cb_claims c;
	cb_refusal why;
	return cb_verify(t, ev, &c, &why) == 0 ? "accepted" : why.code;
}

/* ---- SNP ------------------------------------------------------------------ */

static void snp_bit_flips(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-2"));
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "milan-2 baseline\n");
	int accepted = 0, n = 0, sig_invalid_measurement = 1;
	for (size_t off = 0; off < 0x2A0; off += 5) {
		uint8_t bit = (uint8_t)(1u << (off % 8));
		sc.report[off] ^= bit;
		const char *code = verify_code(vendor_trust(), &sc.ev);
		sc.report[off] ^= bit;
		n++;
		if (!strcmp(code, "accepted")) {
			accepted++;
			printf("flip at 0x%zx accepted\n", off);
		}
		if (off >= 0x90 && off < 0xC0 && strcmp(code, CB_REASON_SIGNATURE_INVALID))
			sig_invalid_measurement = 0;
	}
	CHECK(accepted == 0, "%d of %d single-bit flips in the signed region were accepted\n", accepted, n);
	CHECK(sig_invalid_measurement, "flips in the measurement must be signature-invalid\n");
	/* flips in R and S, including the must-be-zero upper bytes */
	static const size_t sig_offsets[] = { 0x2A0, 0x2A0 + 20, 0x2A0 + 47, 0x2A0 + 50, 0x2E8, 0x2E8 + 47, 0x2E8 + 71 };
	for (size_t i = 0; i < sizeof sig_offsets / sizeof sig_offsets[0]; i++) {
		sc.report[sig_offsets[i]] ^= 0x10;
		const char *code = verify_code(vendor_trust(), &sc.ev);
		sc.report[sig_offsets[i]] ^= 0x10;
		CHECK(!strcmp(code, CB_REASON_SIGNATURE_INVALID), "signature flip at 0x%zx: %s\n", sig_offsets[i], code);
	}
	snp_case_free(&sc);
}

static void snp_swaps_and_chips(void)
{
	struct snp_case a, b;
	snp_case_load(&a, vec("snp", "milan-2"));
	snp_case_load(&b, vec("snp", "milan-3"));
	uint8_t saved[512];
	memcpy(saved, b.report + 0x2A0, 512);
	memcpy(b.report + 0x2A0, a.report + 0x2A0, 512);
	CHECK(!strcmp(verify_code(vendor_trust(), &b.ev), CB_REASON_SIGNATURE_INVALID), "swapped SNP signature\n");
	memcpy(b.report + 0x2A0, saved, 512);
	/* milan-2's report with milan-3's VCEK (same TCB, other chip) */
	a.ev.certs = b.certs;
	a.ev.at = b.ev.at; /* inside both VCEKs' validity */
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_TCB_MISMATCH), "VCEK of another chip\n");
	/* both VCEKs offered: the right one is picked */
	cb_buf two[2] = { b.certs[0], a.certs[0] };
	a.ev.certs = two;
	a.ev.n_certs = 2;
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), "accepted"), "right VCEK among several\n");
	/* milan-5 (v3) with milan-2's VCEK: TCB and chip differ */
	struct snp_case c5;
	snp_case_load(&c5, vec("snp", "milan-5"));
	c5.ev.certs = a.certs;
	c5.ev.n_certs = 1;
	CHECK(!strcmp(verify_code(vendor_trust(), &c5.ev), CB_REASON_TCB_MISMATCH), "VCEK with another TCB\n");
	snp_case_free(&c5);
	snp_case_free(&a);
	snp_case_free(&b);
}

static void snp_lengths(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-2"));
	static const size_t lens[] = { 0, 1, 4, 0x2A0, 0x49F };
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		sc.ev.outblob_len = lens[i];
		CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "SNP report of %zu bytes\n", lens[i]);
	}
	uint8_t *longer = calloc(1, 0x4A0 + 16);
	memcpy(longer, sc.report, 0x4A0);
	sc.ev.outblob = longer;
	sc.ev.outblob_len = 0x4A1;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "over-long SNP report\n");
	free(longer);
	sc.ev.outblob = sc.report;
	sc.ev.outblob_len = sc.report_len;
	/* unsupported version and signing key fields */
	sc.report[0] = 1;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_UNSUPPORTED), "version 1\n");
	sc.report[0] = 6;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_UNSUPPORTED), "version 6\n");
	sc.report[0] = 2;
	sc.report[0x48] |= 7 << 2;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_UNSUPPORTED), "signing key 7 (none)\n");
	sc.report[0x48] &= (uint8_t)~(7 << 2);
	/* no certificate at all */
	sc.ev.n_certs = 0;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_CHAIN_INVALID), "no VCEK supplied\n");
	/* a certificate that does not parse */
	uint8_t junk[100] = { 0x30, 0x82 };
	cb_buf bad = { junk, sizeof junk };
	sc.ev.certs = &bad;
	sc.ev.n_certs = 1;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "garbage certificate\n");
	snp_case_free(&sc);
}

static void snp_products_and_time(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-5"));
	sc.report[0x189] = 0x11; /* CPUID model of a Genoa */
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_PRODUCT_MISMATCH), "Milan key, Genoa CPUID\n");
	snp_case_free(&sc);
	snp_case_load(&sc, vec("snp", "turin-1"));
	sc.report[0x188] = 0x19; /* Turin report claiming family 19h */
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_PRODUCT_MISMATCH), "Turin key, family 19h\n");
	snp_case_free(&sc);

	/* expiry at a pinned time */
	snp_case_load(&sc, vec("snp", "milan-vlek-1"));
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "VLEK within its year\n");
	cb_parse_rfc3339("2026-01-01T00:00:00Z", &sc.ev.at);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_CHAIN_INVALID), "expired VLEK\n");
	snp_case_free(&sc);
	snp_case_load(&sc, vec("snp", "milan-1"));
	cb_parse_rfc3339("2022-09-23T00:00:00Z", &sc.ev.at);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_CHAIN_INVALID), "VCEK not yet valid\n");
	cb_parse_rfc3339("2029-09-25T00:00:00Z", &sc.ev.at);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_CHAIN_INVALID), "VCEK expired\n");
	snp_case_free(&sc);

	/* a vendor directory whose Milan ARK is another product's: refused at load */
	char dir[] = "/tmp/cb-verify-vendor-XXXXXX", cmd[512];
	if (!mkdtemp(dir))
		exit(1);
	snprintf(cmd, sizeof cmd, "cp %s/*.pem %s/ && cp %s/ark-genoa.pem %s/ark-milan.pem", COCOBOOT_VENDOR_DIR, dir,
		 COCOBOOT_VENDOR_DIR, dir);
	CHECK(system(cmd) == 0, "copy vendor dir\n");
	cb_trust *t = NULL;
	cb_refusal why;
	CHECK(cb_trust_new(&t, dir, &why) != 0 && !strcmp(why.code, CB_REASON_CHAIN_INVALID) && !t,
	      "swapped vendor root must fail the pinned fingerprint\n");
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup\n");
	CHECK(cb_trust_new(&t, "/nonexistent", &why) != 0, "missing vendor dir\n");
}

/* GHCB certificate table: {GUID, offset, length}..., zero entry, certs. */
static size_t build_table(uint8_t *out, const uint8_t *const *der, const size_t *len, const char *const *guid, int n)
{
	size_t off = 24 * (size_t)(n + 1);
	memset(out, 0, off);
	for (int i = 0; i < n; i++) {
		hex_decode(out + 24 * i, 16, guid[i]);
		uint32_t o = (uint32_t)off, l = (uint32_t)len[i];
		memcpy(out + 24 * i + 16, &o, 4);
		memcpy(out + 24 * i + 20, &l, 4);
		memcpy(out + off, der[i], len[i]);
		off += len[i];
	}
	return off;
}

static uint8_t *pem_file_der(const char *name, size_t *len)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "openssl x509 -in %s/snp/%s -outform DER -out /tmp/cb-verify-der-%d.der", testdata_dir(), name,
		 (int)getpid());
	if (system(cmd) != 0)
		exit(1);
	snprintf(cmd, sizeof cmd, "/tmp/cb-verify-der-%d.der", (int)getpid());
	uint8_t *d = read_path(cmd, len);
	unlink(cmd);
	return d;
}

static void snp_certtable(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-2"));
	size_t ask_len, ark_len;
	uint8_t *ask = pem_file_der("ask-milan.pem", &ask_len), *ark = pem_file_der("ark-milan.pem", &ark_len);
	const uint8_t *der[3] = { sc.cert, ask, ark };
	const size_t len[3] = { sc.cert_len, ask_len, ark_len };
	static const char *rfc[3] = { "63da758de6644564adc5f4b93be8accd", "4ab7b379bbac4fe4a02f05aef327c782",
				      "c0b406a4a803495297433fb6014cd0ae" };
	/* the same GUIDs in EFI (mixed-endian) byte order */
	static const char *efi[3] = { "8d75da6364e66445adc5f4b93be8accd", "79b3b74aacbbe44fa02f05aef327c782",
				      "a406b4c003a8524997433fb6014cd0ae" };
	uint8_t *table = malloc(16384);
	sc.ev.n_certs = 0;
	sc.ev.auxblob = table;
	sc.ev.auxblob_len = build_table(table, der, len, rfc, 3);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "VCEK from the GHCB table\n");
	uint8_t *table2 = malloc(16384);
	sc.ev.auxblob = table2;
	sc.ev.auxblob_len = build_table(table2, der, len, efi, 3);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "GHCB table with EFI-order GUIDs\n");
	free(table2);
	sc.ev.auxblob = table;
	sc.ev.auxblob_len = build_table(table, der, len, rfc, 3);
	/* no terminator */
	size_t full = sc.ev.auxblob_len;
	sc.ev.auxblob_len = 24 * 3;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "table without terminator\n");
	sc.ev.auxblob_len = full;
	/* entry pointing past the end */
	uint32_t bad = (uint32_t)full;
	memcpy(table + 16, &bad, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "entry past the end\n");
	/* entry overlapping the table */
	bad = 0;
	memcpy(table + 16, &bad, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "entry overlapping the table\n");
	/* length overflow */
	bad = 24 * 4;
	memcpy(table + 16, &bad, 4);
	bad = 0xFFFFFFF0u;
	memcpy(table + 20, &bad, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "entry length overflow\n");
	/* certs in any order: KDS cert_chain (ASK, ARK) after the VCEK, and before it */
	size_t chain_len;
	uint8_t *chain = td_read("snp", "kds-cert_chain-milan.pem", &chain_len);
	cb_buf order1[2] = { { sc.cert, sc.cert_len }, { chain, chain_len } };
	cb_buf order2[2] = { { chain, chain_len }, { sc.cert, sc.cert_len } };
	sc.ev.auxblob = NULL;
	sc.ev.auxblob_len = 0;
	sc.ev.certs = order1;
	sc.ev.n_certs = 2;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "VCEK then chain\n");
	sc.ev.certs = order2;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "chain then VCEK\n");
	free(chain);
	free(table);
	free(ask);
	free(ark);
	snp_case_free(&sc);
}

/* VCEKs from a cache directory, as the broker's snp_cert_dir */
static void snp_cert_dir(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "genoa-2"));
	char dir[] = "/tmp/cb-verify-vcek-XXXXXX", path[256];
	if (!mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof path, "%s/genoa-vcek-2.pem", dir);
	FILE *f = fopen(path, "wb");
	fwrite(sc.cert, 1, sc.cert_len, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	f = fopen(path, "wb");
	fputs("ignored", f);
	fclose(f);
	sc.ev.n_certs = 0;
	sc.ev.snp_cert_dir = dir;
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "VCEK from the cache directory\n");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup\n");
	snp_case_free(&sc);
}

/* A collateral file with a second, unsigned "tcbInfo" must be judged on the
 * signed bytes: put a copy of the signed TCB info, with every level claiming
 * UpToDate, nowhere but in an unsigned place; the status must not change. */
static void tdx_collateral_decoy(void)
{
	char dir[] = "/tmp/cb-verify-decoy-XXXXXX", cmd[2048];
	if (!mkdtemp(dir))
		exit(1);
	const char *td = testdata_dir();
	snprintf(cmd, sizeof cmd,
		 "cd %s && cp %s/tdx/collateral/qeidentity-tdqe-2026-03-16.json %s/tdx/collateral/pckcrl-platform-2026-03-16.der "
		 "%s/tdx/collateral/rootcrl-2026-02-26.der %s/tdx/collateral/tcb-signing-chain-2025.pem . && "
		 "%s/make-decoy.py %s/tdx/collateral/tcbinfo-50806f000000-2026-03-16.json tcbinfo-decoy.json",
		 dir, td, td, td, td, COCOBOOT_TEST_SRC, td);
	CHECK(system(cmd) == 0, "make decoy collateral\n");
	struct tdx_case tc;
	tdx_case_load(&tc, vec("tdx", "v4-2-debug"));
	tc.ev.collateral_dir = dir;
	cb_parse_rfc3339("2026-03-20T00:00:00Z", &tc.ev.at);
	cb_claims c;
	cb_refusal why;
	int r = cb_verify(vendor_trust(), &tc.ev, &c, &why);
	CHECK(r == 0 && !strcmp(c.tdx.tcb_status, "OutOfDate"), "decoy tcbInfo: %s\n", r ? why.detail : c.tdx.tcb_status);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup\n");
	tdx_case_free(&tc);
}

/* One collateral file through tdx_collateral_json_body (the fuzzed entry):
 * the real file is used, a flipped byte in the signed body is a signature
 * failure, the wrong FMSPC or a time outside the window is not. */
static void tdx_collateral_json(void)
{
	size_t len, clen;
	uint8_t *f = td_read("tdx/collateral", "tcbinfo-50806f000000-2026-03-16.json", &len);
	uint8_t *chain = td_read("tdx/collateral", "tcb-signing-chain-2025.pem", &clen);
	mbedtls_x509_crt crt;
	uint8_t point[65];
	size_t plen;
	mbedtls_x509_crt_init(&crt);
	uint8_t *z = malloc(clen + 1);
	memcpy(z, chain, clen);
	z[clen] = 0;
	CHECK(mbedtls_x509_crt_parse(&crt, z, clen + 1) == 0 &&
		      cb_ec_point(&crt.pk, point, sizeof point, &plen) == MBEDTLS_ECP_DP_SECP256R1,
	      "TCB signing key\n");
	static const uint8_t fmspc[6] = { 0x50, 0x80, 0x6f, 0x00, 0x00, 0x00 }, other[6] = { 0x50, 0x80, 0x6f, 0, 0, 1 };
	struct collateral_json_want w = { .body_key = "tcbInfo", .signer_point = point, .signer_point_len = plen,
					  .fmspc = fmspc };
	cb_parse_rfc3339("2026-03-20T00:00:00Z", &w.at);
	time_t issued = 0, want_issued;
	int bad = 0;
	cb_parse_rfc3339("2026-03-16T22:21:30Z", &want_issued);
	cJSON *body = tdx_collateral_json_body(f, len, &w, &issued, &bad);
	CHECK(body && issued == want_issued && !bad, "real TCB info is used, issued 2026-03-16T22:21:30Z\n");
	cJSON_Delete(body);
	w.newer_than = &want_issued;
	CHECK(!tdx_collateral_json_body(f, len, &w, &issued, &bad) && !bad, "not newer than the one already chosen\n");
	w.newer_than = NULL;
	uint8_t *p = (uint8_t *)strstr((char *)f, "\"tcbLevels\"");
	CHECK(p != NULL, "tcbLevels in the file\n");
	if (p) {
		p[2] ^= 0x20; /* "tcbLevels" -> "tCbLevels": still JSON, no longer signed */
		CHECK(!tdx_collateral_json_body(f, len, &w, &issued, &bad) && bad, "flipped body byte: bad signature\n");
		p[2] ^= 0x20;
	}
	bad = 0;
	w.fmspc = other;
	CHECK(!tdx_collateral_json_body(f, len, &w, &issued, &bad) && !bad, "other FMSPC: not a candidate\n");
	w.fmspc = fmspc;
	cb_parse_rfc3339("2026-05-01T00:00:00Z", &w.at);
	CHECK(!tdx_collateral_json_body(f, len, &w, &issued, &bad) && !bad, "after nextUpdate: not a candidate\n");
	w.body_key = "enclaveIdentity";
	w.fmspc = NULL;
	CHECK(!tdx_collateral_json_body(f, len, &w, &issued, &bad) && !bad, "TCB info is not a QE identity\n");
	mbedtls_x509_crt_free(&crt);
	free(z);
	free(chain);
	free(f);
}

/* ---- TDX ------------------------------------------------------------------ */

static void tdx_flips(const char *name)
{
	struct tdx_case tc;
	tdx_case_load(&tc, vec("tdx", name));
	CHECK(!strcmp(verify_code(vendor_trust(), &tc.ev), "accepted"), "%s baseline\n", name);
	size_t signed_len = cb_le16(tc.quote) == 5 ? 702 : 632;
	int accepted = 0, n = 0;
	for (size_t off = 0; off < signed_len; off += 7) {
		tc.quote[off] ^= 0x04;
		const char *code = verify_code(vendor_trust(), &tc.ev);
		tc.quote[off] ^= 0x04;
		n++;
		accepted += !strcmp(code, "accepted");
	}
	CHECK(accepted == 0, "%s: %d of %d flips in the signed region accepted\n", name, accepted, n);
	/* signature data: quote signature, attestation key, QE report, QE signature, auth data */
	size_t sd = signed_len + 4;
	static const struct {
		size_t off;
		const char *what;
	} parts[] = { { 0, "quote signature r" }, { 40, "quote signature s" }, { 64 + 10, "attestation key" },
		      { 128 + 6 + 100, "QE report" }, { 128 + 6 + 384 + 5, "QE report signature" },
		      { 128 + 6 + 384 + 64 + 2 + 3, "QE auth data" } };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		tc.quote[sd + parts[i].off] ^= 0x01;
		const char *code = verify_code(vendor_trust(), &tc.ev);
		tc.quote[sd + parts[i].off] ^= 0x01;
		CHECK(!strcmp(code, CB_REASON_SIGNATURE_INVALID), "%s: flip in the %s: %s\n", name, parts[i].what, code);
	}
	tdx_case_free(&tc);
}

static void tdx_swaps_and_lengths(void)
{
	struct tdx_case a, b;
	tdx_case_load(&a, vec("tdx", "v5-1"));
	tdx_case_load(&b, vec("tdx", "v5-2"));
	memcpy(b.quote + 702 + 4, a.quote + 702 + 4, 64);
	CHECK(!strcmp(verify_code(vendor_trust(), &b.ev), CB_REASON_SIGNATURE_INVALID), "swapped quote signature\n");
	/* whole signature data swapped: binding still breaks (other report) */
	tdx_case_free(&b);
	tdx_case_load(&b, vec("tdx", "v5-2"));
	memcpy(b.quote + 702, a.quote + 702, 4300 + 4 < a.quote_len - 702 ? 4304 : a.quote_len - 702);
	CHECK(strcmp(verify_code(vendor_trust(), &b.ev), "accepted"), "v5-2 body with v5-1's signature data\n");
	tdx_case_free(&b);

	/* every truncation of the quote is malformed */
	uint32_t sig_len = cb_le32(a.quote + 702);
	size_t qlen = 702 + 4 + sig_len;
	int bad = 0;
	for (size_t l = 0; l < qlen; l++) {
		a.ev.outblob_len = l;
		const char *code = verify_code(vendor_trust(), &a.ev);
		if (strcmp(code, CB_REASON_MALFORMED) && strcmp(code, CB_REASON_CHAIN_INVALID))
			bad++;
	}
	CHECK(bad == 0, "%d truncations not refused as malformed\n", bad);
	/* trailing bytes after the length-delimited quote are ignored (padding) */
	uint8_t *longer = malloc(qlen + 100);
	memcpy(longer, a.quote, qlen);
	memset(longer + qlen, 'x', 100);
	a.ev.outblob = longer;
	a.ev.outblob_len = qlen + 100;
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), "accepted"), "quote with trailing bytes\n");
	/* broken length fields */
	uint32_t huge = 0xFFFFFFFFu;
	memcpy(longer + 702, &huge, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_MALFORMED), "signature length overflow\n");
	memcpy(longer + 702, &sig_len, 4);
	memcpy(longer + 702 + 4 + 128 + 2, &huge, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_MALFORMED), "certification data size overflow\n");
	memcpy(longer, a.quote, qlen);
	longer[702 + 4 + 128 + 6 + 384 + 64] = 0xFF; /* QE auth data length */
	longer[702 + 4 + 128 + 6 + 384 + 64 + 1] = 0xFF;
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_MALFORMED), "auth data length overflow\n");
	memcpy(longer, a.quote, qlen);
	longer[0] = 3;
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_UNSUPPORTED), "quote version 3\n");
	longer[0] = 5;
	longer[48] = 1; /* body type SGX */
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_UNSUPPORTED), "v5 body type 1\n");
	memcpy(longer, a.quote, qlen);
	longer[4] = 0; /* TEE type SGX */
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_PRODUCT_MISMATCH), "SGX quote\n");
	free(longer);
	a.ev.outblob = a.quote;
	a.ev.outblob_len = a.quote_len;

	/* expired / not yet valid PCK chain */
	cb_parse_rfc3339("2020-01-01T00:00:00Z", &a.ev.at);
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_CHAIN_INVALID), "PCK not yet valid\n");
	cb_parse_rfc3339("2034-01-01T00:00:00Z", &a.ev.at);
	CHECK(!strcmp(verify_code(vendor_trust(), &a.ev), CB_REASON_CHAIN_INVALID), "PCK expired\n");
	tdx_case_free(&a);
}

/* A quote whose PCK chain leads to the Intel root is refused when only a
 * test TDX root is trusted. */
static void tdx_wrong_root(void)
{
	struct tdx_case tc;
	tdx_case_load(&tc, vec("tdx", "v4-4"));
	cb_trust *t;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0, "trust\n");
	t->n_tdx = 0; /* drop the Intel root (test only) */
	CHECK(!strcmp(verify_code(t, &tc.ev), CB_REASON_CHAIN_INVALID), "Intel quote without the Intel root\n");
	cb_trust_free(t);
	tdx_case_free(&tc);
}

/* ---- cache and threads ------------------------------------------------------ */

static void cache_checks(void)
{
	cb_trust *t;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0, "trust\n");
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-vlek-1"));
	time_t good = sc.ev.at;
	CHECK(!strcmp(verify_code(t, &sc.ev), "accepted"), "first (uncached)\n");
	CHECK(!strcmp(verify_code(t, &sc.ev), "accepted"), "second (cached)\n");
	cb_parse_rfc3339("2026-01-01T00:00:00Z", &sc.ev.at);
	CHECK(!strcmp(verify_code(t, &sc.ev), CB_REASON_CHAIN_INVALID), "cached chain still checks the time\n");
	sc.ev.at = good;
	sc.report[0x90] ^= 1;
	CHECK(!strcmp(verify_code(t, &sc.ev), CB_REASON_SIGNATURE_INVALID), "cached chain still checks the signature\n");
	sc.report[0x90] ^= 1;
	cb_trust_set_cache(t, false);
	CHECK(!strcmp(verify_code(t, &sc.ev), "accepted"), "cache off\n");
	snp_case_free(&sc);
	cb_trust_free(t);
}

struct thread_arg {
	cb_trust *t;
	int failures;
};

static void *worker(void *p)
{
	struct thread_arg *a = p;
	static const char *snp[] = { "milan-2", "genoa-1", "turin-1" };
	static const char *tdx[] = { "v4-4", "v5-1" };
	for (int i = 0; i < 6; i++) {
		struct snp_case sc;
		struct tdx_case tc;
		snp_case_load(&sc, vec("snp", snp[i % 3]));
		tdx_case_load(&tc, vec("tdx", tdx[i % 2]));
		a->failures += strcmp(verify_code(a->t, &sc.ev), "accepted") != 0;
		a->failures += strcmp(verify_code(a->t, &tc.ev), "accepted") != 0;
		snp_case_free(&sc);
		tdx_case_free(&tc);
	}
	return NULL;
}

static void threads(void)
{
	cb_trust *t;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0, "trust\n");
	pthread_t th[4];
	struct thread_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ t, 0 };
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	int failures = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		failures += args[i].failures;
	}
	CHECK(failures == 0, "%d concurrent verifications failed\n", failures);
	cb_trust_free(t);
}

/* ---- a report signed under the TEST roots --------------------------------- */

static void test_roots(void)
{
	const char *k = COCOBOOT_TEST_KEYS;
	char ark[4096], ask[4096], vcek[4096], key[4096], root[4096];
	snprintf(ark, sizeof ark, "%s/snp/ark.pem", k);
	snprintf(ask, sizeof ask, "%s/snp/ask.pem", k);
	snprintf(vcek, sizeof vcek, "%s/snp/vcek.pem", k);
	snprintf(key, sizeof key, "%s/snp/vcek.key", k);
	snprintf(root, sizeof root, "%s/tdx/root.pem", k);
	if (access(vcek, R_OK) != 0) {
		CHECK(0, "test keys missing under %s (make keys)\n", k);
		return;
	}
	size_t vcek_len;
	uint8_t *vcek_pem = read_path(vcek, &vcek_len);
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	uint8_t *z = calloc(1, vcek_len + 1);
	memcpy(z, vcek_pem, vcek_len);
	CHECK(mbedtls_x509_crt_parse(&crt, z, vcek_len + 1) == 0, "test VCEK parses\n");
	free(z);
	struct amd_cert_ext ext;
	char err[128];
	CHECK(amd_ext_parse(&crt, &ext, err, sizeof err) == 0, "test VCEK extensions: %s\n", err);

	/* a v3 report for this chip and TCB, signed with the test VCEK key */
	uint8_t report[0x4A0] = { 0 };
	report[0] = 3;
	report[0x08] = 0x00; report[0x0A] = 0x03; /* policy 0x30000 */
	report[0x34] = 1;
	report[0x50] = 0xAB; /* report_data */
	report[0x90] = 0x11; /* measurement */
	uint8_t tcb[8] = { ext.bootloader, ext.tee, 0, 0, 0, 0, ext.snp, ext.microcode };
	memcpy(report + 0x180, tcb, 8);
	memcpy(report + 0x38, tcb, 8);
	report[0x188] = 0x19; report[0x189] = 0x01; report[0x18A] = 0x01;
	memcpy(report + 0x1A0, ext.hwid, ext.hwid_len);

	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context pk;
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&pk);
	CHECK(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) == 0, "drbg\n");
	CHECK(mbedtls_pk_parse_keyfile(&pk, key, NULL, mbedtls_ctr_drbg_random, &drbg) == 0, "test VCEK key\n");
	uint8_t hash[48];
	mbedtls_sha512(report, 0x2A0, hash, 1);
	mbedtls_mpi r, s;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_ecp_keypair *kp = mbedtls_pk_ec(pk);
	CHECK(kp && mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, hash, 48, mbedtls_ctr_drbg_random, &drbg) == 0, "sign\n");
	uint8_t be[48];
	mbedtls_mpi_write_binary(&r, be, 48);
	for (int i = 0; i < 48; i++)
		report[0x2A0 + i] = be[47 - i];
	mbedtls_mpi_write_binary(&s, be, 48);
	for (int i = 0; i < 48; i++)
		report[0x2E8 + i] = be[47 - i];

	cb_buf cert = { vcek_pem, vcek_len };
	cb_evidence ev = { .provider = "sev_guest", .outblob = report, .outblob_len = sizeof report,
			   .certs = &cert, .n_certs = 1 };
	CHECK(!strcmp(verify_code(vendor_trust(), &ev), CB_REASON_CHAIN_INVALID), "test chain refused by vendor roots\n");
	cb_trust *t;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0, "trust\n");
	CHECK(!cb_trust_has_test_roots(t), "no test roots by default\n");
	CHECK(cb_trust_add_test_snp(t, ark, ask, &why) == 0, "add test SNP roots: %s\n", why.detail);
	CHECK(cb_trust_add_test_tdx(t, root, &why) == 0, "add test TDX root: %s\n", why.detail);
	CHECK(cb_trust_add_test_snp(t, ask, NULL, &why) != 0, "an ASK is not a self-signed root\n");
	CHECK(cb_trust_has_test_roots(t), "has test roots\n");
	cb_claims c;
	int rc = cb_verify(t, &ev, &c, &why);
	CHECK(rc == 0 && c.test_root && c.snp.product == CB_PRODUCT_SNP_TEST && c.snp.report_data[0] == 0xAB,
	      "report under test roots: %s\n", rc ? why.detail : "claims");
	report[0x90] ^= 1;
	CHECK(!strcmp(verify_code(t, &ev), CB_REASON_SIGNATURE_INVALID), "tampered test report\n");
	report[0x90] ^= 1;
	/* test ARK only: the ASK must come with the evidence */
	cb_trust *t2;
	CHECK(cb_trust_new(&t2, NULL, &why) == 0 && cb_trust_add_test_snp(t2, ark, NULL, &why) == 0, "test ARK only\n");
	CHECK(!strcmp(verify_code(t2, &ev), CB_REASON_CHAIN_INVALID), "ASK missing\n");
	size_t ask_len;
	uint8_t *ask_pem = read_path(ask, &ask_len);
	cb_buf both[2] = { { ask_pem, ask_len }, cert };
	ev.certs = both;
	ev.n_certs = 2;
	CHECK(!strcmp(verify_code(t2, &ev), "accepted"), "ASK supplied with the evidence\n");
	free(ask_pem);
	cb_trust_free(t2);
	cb_trust_free(t);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	mbedtls_x509_crt_free(&crt);
	free(vcek_pem);
}

/* ECDSA-sign hash with the EC key in a PEM file; r||s big-endian, clen each. */
static int sign_with(const char *keyfile, const uint8_t *hash, size_t hlen, uint8_t *rs, size_t clen)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context pk;
	mbedtls_mpi r, s;
	int ret = -1;
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&pk);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) == 0 &&
	    mbedtls_pk_parse_keyfile(&pk, keyfile, NULL, mbedtls_ctr_drbg_random, &drbg) == 0 &&
	    mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY) {
		mbedtls_ecp_keypair *kp = mbedtls_pk_ec(pk);
		if (mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, hash, hlen, mbedtls_ctr_drbg_random, &drbg) == 0 &&
		    mbedtls_mpi_write_binary(&r, rs, clen) == 0 && mbedtls_mpi_write_binary(&s, rs + clen, clen) == 0)
			ret = 0;
	}
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return ret;
}

/* Public key of a PEM private key as X||Y. */
static int public_xy(const char *keyfile, uint8_t xy[64])
{
	mbedtls_pk_context pk;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	uint8_t pt[65];
	size_t len = 0;
	int ret = -1;
	mbedtls_pk_init(&pk);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) == 0 &&
	    mbedtls_pk_parse_keyfile(&pk, keyfile, NULL, mbedtls_ctr_drbg_random, &drbg) == 0 &&
	    cb_ec_point(&pk, pt, sizeof pt, &len) == MBEDTLS_ECP_DP_SECP256R1 && len == 65) {
		memcpy(xy, pt + 1, 64);
		ret = 0;
	}
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return ret;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* Intel's TD QE identity as the verifier pins it (trust.c). */
static const char intel_td_qe_mrsigner[] = "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5";

/* How make_test_quote() bends a v4 quote under the TEST TDX keys. */
struct quote_opts {
	const uint8_t *chain;      /* PCK chain PEM; NULL: build/keys/tdx/pck-chain.pem */
	size_t chain_len;
	int qe_debug;              /* QE ATTRIBUTES DEBUG */
	const char *qe_mrsigner;   /* hex; NULL: Intel's */
	uint16_t qe_prodid;        /* 0: 2 */
	uint32_t qe_misc;
	uint8_t qe_attr1;          /* ATTRIBUTES byte 1 */
	int qe_no_mode64;          /* clear MODE64BIT (outside Intel's mask) */
	size_t sig_slack, cd_slack;/* unused bytes inside the signature / certification data sizes */
};

/* A v4 quote signed with the TEST attestation key, its QE report signed with
 * the TEST PCK; malloc'd, *len set; NULL when the test keys are missing. */
static uint8_t *make_test_quote(const struct quote_opts *o, size_t *len)
{
	char ak[4096], pck[4096], chain_path[4096];
	snprintf(ak, sizeof ak, "%s/tdx/ak.key", COCOBOOT_TEST_KEYS);
	snprintf(pck, sizeof pck, "%s/tdx/pck.key", COCOBOOT_TEST_KEYS);
	snprintf(chain_path, sizeof chain_path, "%s/tdx/pck-chain.pem", COCOBOOT_TEST_KEYS);
	if (access(ak, R_OK) != 0)
		return NULL;
	size_t chain_len = o->chain_len;
	uint8_t *own = NULL;
	const uint8_t *chain = o->chain;
	if (!chain)
		chain = own = read_path(chain_path, &chain_len);
	size_t cd_len = 384 + 64 + 2 + 32 + 6 + chain_len + 1 + o->cd_slack;
	size_t sig_len = 128 + 6 + cd_len + o->sig_slack;
	size_t qlen = 48 + 584 + 4 + sig_len;
	uint8_t *q = calloc(1, qlen), *p = q;
	put16(p, 4); put16(p + 2, 2); put32(p + 4, 0x81);
	hex_decode(p + 12, 16, "939a7233f79c4ca9940a0db3957f0607");
	p += 48;
	uint8_t *body = p;
	body[0] = 3; body[1] = 1;                /* tee_tcb_svn */
	memset(body + 136, 0x42, 48);            /* mrtd */
	memset(body + 520, 0xCD, 64);            /* report_data */
	p += 584;
	put32(p, (uint32_t)sig_len);
	p += 4;
	uint8_t *sig = p, *key = p + 64;
	CHECK(public_xy(ak, key) == 0, "attestation key\n");
	p += 128;
	put16(p, 6);
	put32(p + 2, (uint32_t)cd_len);
	p += 6;
	uint8_t *qe = p, *qe_sig = p + 384, *auth = p + 384 + 64 + 2;
	qe[48] = o->qe_no_mode64 ? 0x11 : 0x15;  /* ATTRIBUTES: INIT | MODE64BIT | PROVISIONKEY */
	if (o->qe_debug)
		qe[48] |= 0x02;
	qe[49] = o->qe_attr1;
	qe[56] = 0xe7;                           /* XFRM */
	put32(qe + 16, o->qe_misc);
	hex_decode(qe + 128, 32, o->qe_mrsigner ? o->qe_mrsigner : intel_td_qe_mrsigner);
	put16(qe + 256, o->qe_prodid ? o->qe_prodid : 2);
	put16(qe + 258, 4);                      /* ISVSVN */
	put16(p + 384 + 64, 32);
	for (int i = 0; i < 32; i++)
		auth[i] = (uint8_t)i;
	mbedtls_sha256_context sha;
	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	mbedtls_sha256_update(&sha, key, 64);
	mbedtls_sha256_update(&sha, auth, 32);
	mbedtls_sha256_finish(&sha, qe + 320);
	mbedtls_sha256_free(&sha);
	p = auth + 32;
	put16(p, 5);
	put32(p + 2, (uint32_t)chain_len + 1);  /* PEM with its NUL, as real quotes carry it */
	memcpy(p + 6, chain, chain_len);
	uint8_t h[32];
	mbedtls_sha256(qe, 384, h, 0);
	CHECK(sign_with(pck, h, 32, qe_sig, 32) == 0, "sign QE report\n");
	mbedtls_sha256(q, 48 + 584, h, 0);
	CHECK(sign_with(ak, h, 32, sig, 32) == 0, "sign quote\n");
	free(own);
	*len = qlen;
	return q;
}

static cb_trust *test_tdx_trust(void)
{
	char root[4096];
	snprintf(root, sizeof root, "%s/tdx/root.pem", COCOBOOT_TEST_KEYS);
	cb_trust *t = NULL;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0 && cb_trust_add_test_tdx(t, root, &why) == 0, "test TDX root\n");
	return t;
}

/* A v4 quote built and signed with the TEST TDX keys (attestation key, PCK). */
static void tdx_test_root(void)
{
	struct quote_opts o = { 0 };
	size_t qlen;
	uint8_t *q = make_test_quote(&o, &qlen);
	if (!q) {
		CHECK(0, "test TDX keys missing under %s (make keys)\n", COCOBOOT_TEST_KEYS);
		return;
	}
	uint8_t *qe = q + 48 + 584 + 4 + 128 + 6;
	cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = qlen };
	CHECK(!strcmp(verify_code(vendor_trust(), &ev), CB_REASON_CHAIN_INVALID), "test PCK refused by the Intel root\n");
	cb_trust *t = test_tdx_trust();
	cb_claims c;
	cb_refusal why;
	int r = cb_verify(t, &ev, &c, &why);
	CHECK(r == 0 && c.test_root && c.tdx.product == CB_PRODUCT_TDX_TEST && c.tdx.mrtd[0] == 0x42 &&
	      c.tdx.report_data[63] == 0xCD && !c.tdx.debug && !c.collateral_checked,
	      "quote under the test root: %s\n", r ? why.detail : "claims");
	q[48 + 136] ^= 1;
	CHECK(!strcmp(verify_code(t, &ev), CB_REASON_SIGNATURE_INVALID), "tampered test quote\n");
	q[48 + 136] ^= 1;
	qe[320] ^= 1;                            /* breaks the binding and the QE signature */
	CHECK(!strcmp(verify_code(t, &ev), CB_REASON_SIGNATURE_INVALID), "unbound attestation key\n");
	cb_trust_free(t);
	free(q);
}

/* Issue 11 item 1: the QE must be Intel's TD QE on every quote, without
 * collateral too.  Each quote below has a genuine PCK signature over its QE
 * report; only the QE's identity differs. */
static void tdx_qe_identity(void)
{
	cb_trust *t = test_tdx_trust();
	static const struct {
		struct quote_opts o;
		const char *want, *detail, *what;
	} cases[] = {
		{ { 0 }, "accepted", NULL, "Intel's TD QE" },
		{ { .qe_no_mode64 = 1 }, "accepted", NULL, "ATTRIBUTES bit outside Intel's mask" },
		{ { .qe_debug = 1, .qe_mrsigner = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
		    .qe_prodid = 0x1234 },
		  CB_REASON_TCB_MISMATCH, "DEBUG attribute set; MRSIGNER 5e5e5e5e5e5e5e5e... is not Intel's; ISVPRODID 0x1234 (2 expected)",
		  "the issue's host-run QE: DEBUG, foreign MRSIGNER, ISVPRODID 0x1234" },
		{ { .qe_debug = 1 }, CB_REASON_TCB_MISMATCH, "DEBUG attribute set", "debug QE" },
		{ { .qe_mrsigner = "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c4" },
		  CB_REASON_TCB_MISMATCH, "is not Intel's", "MRSIGNER one bit off" },
		{ { .qe_prodid = 1 }, CB_REASON_TCB_MISMATCH, "ISVPRODID 0x1 (2 expected)", "SGX QE (ISVPRODID 1)" },
		{ { .qe_misc = 1 }, CB_REASON_TCB_MISMATCH, "MISCSELECT 0x00000001", "MISCSELECT" },
		{ { .qe_attr1 = 0x01 }, CB_REASON_TCB_MISMATCH, "ATTRIBUTES", "ATTRIBUTES inside the mask" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len;
		uint8_t *q = make_test_quote(&cases[i].o, &len);
		if (!q) {
			CHECK(0, "test TDX keys missing\n");
			break;
		}
		cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
		cb_claims c;
		cb_refusal why = { 0 };
		const char *code = cb_verify(t, &ev, &c, &why) == 0 ? "accepted" : why.code;
		CHECK(!strcmp(code, cases[i].want) && (!cases[i].detail || strstr(why.detail, cases[i].detail)),
		      "QE identity, %s: %s %s\n", cases[i].what, code, code[0] == 'a' ? "" : why.detail);
		/* with collateral the pinned identity still decides first */
		free(q);
	}
	cb_trust_free(t);
}

/* Issue 11 item 10: every TDX size field encloses exactly its contents. */
static void tdx_framing(void)
{
	cb_trust *t = test_tdx_trust();
	struct quote_opts o = { .sig_slack = 8 };
	size_t len;
	uint8_t *q = make_test_quote(&o, &len);
	if (!q) {
		CHECK(0, "test TDX keys missing\n");
		cb_trust_free(t);
		return;
	}
	cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
	cb_refusal why = { 0 };
	cb_claims c;
	CHECK(cb_verify(t, &ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_MALFORMED) &&
		      strstr(why.detail, "8 unused bytes after the certification data"),
	      "signature data size with 8 unused bytes: %s %s\n", why.code, why.detail);
	free(q);
	o = (struct quote_opts){ .cd_slack = 5 };
	q = make_test_quote(&o, &len);
	ev.outblob = q;
	ev.outblob_len = len;
	CHECK(cb_verify(t, &ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_MALFORMED) &&
		      strstr(why.detail, "5 unused bytes after the PCK chain"),
	      "certification data size with 5 unused bytes: %s %s\n", why.code, why.detail);
	free(q);
	cb_trust_free(t);

	/* a real quote: grow the (unsigned) signature data length over 4 appended bytes */
	struct tdx_case tc;
	tdx_case_load(&tc, vec("tdx", "v4-4"));
	uint32_t sig_len = cb_le32(tc.quote + 632);
	size_t qlen = 632 + 4 + sig_len;
	uint8_t *b = calloc(1, qlen + 4);
	memcpy(b, tc.quote, qlen);
	put32(b + 632, sig_len + 4);
	tc.ev.outblob = b;
	tc.ev.outblob_len = qlen + 4;
	CHECK(!strcmp(verify_code(vendor_trust(), &tc.ev), CB_REASON_MALFORMED), "real v4 quote, signature data size +4\n");
	/* same 4 bytes after the quote, outside every size field: padding, accepted */
	put32(b + 632, sig_len);
	CHECK(!strcmp(verify_code(vendor_trust(), &tc.ev), "accepted"), "real v4 quote, 4 bytes of padding after it\n");
	free(b);
	tdx_case_free(&tc);
}

/* Run a shell command; 0 or -1. */
static int sh(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Issue 11 item 4: an 84-certificate PCK chain (42 leaves x 42 CAs with one
 * shared key: every pair verifies, none reaches a root) must be refused as
 * malformed before any signature; 4 certificates still verify. */
static void tdx_long_chain(void)
{
	char dir[] = "/tmp/cb-verify-chain-XXXXXX", cmd[16384];
	if (!mkdtemp(dir))
		exit(1);
	snprintf(cmd, sizeof cmd,
		 "cd %s && openssl ecparam -genkey -name prime256v1 -noout -out k.pem 2>/dev/null && "
		 "openssl req -x509 -new -key k.pem -subj /CN=Flood-CA -days 30 -addext basicConstraints=critical,CA:TRUE "
		 "-out ca.pem 2>/dev/null && openssl req -new -key k.pem -subj /CN=Flood-PCK 2>/dev/null | "
		 "openssl x509 -req -CA ca.pem -CAkey k.pem -set_serial 7 -days 30 -out leaf.pem 2>/dev/null && "
		 "for i in $(seq 42); do cat leaf.pem; done >chain84.pem && for i in $(seq 42); do cat ca.pem; done >>chain84.pem",
		 dir);
	CHECK(sh(cmd) == 0, "make the 84-certificate chain\n");
	snprintf(cmd, sizeof cmd, "%s/chain84.pem", dir);
	size_t clen;
	uint8_t *chain = read_path(cmd, &clen);
	struct quote_opts o = { .chain = chain, .chain_len = clen };
	size_t len;
	uint8_t *q = make_test_quote(&o, &len);
	cb_trust *t = test_tdx_trust();
	if (q) {
		cb_trust_set_cache(t, false);
		cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
		cb_claims c;
		cb_refusal why = { 0 };
		double t0 = now_s();
		int r = cb_verify(t, &ev, &c, &why);
		double ms = (now_s() - t0) * 1e3;
		printf("84-certificate PCK chain (%zu bytes): %s after %.2f ms\n", clen, r ? why.code : "accepted", ms);
		CHECK(r != 0 && !strcmp(why.code, CB_REASON_MALFORMED) && strstr(why.detail, "84 certificates"),
		      "84-certificate chain: %s %s\n", r ? why.code : "accepted", why.detail);
		CHECK(ms < 500, "84-certificate chain took %.1f ms (a parse, no signature)\n", ms);
		free(q);
	}
	free(chain);
	/* the real test chain (PCK, CA, root) plus one stray certificate: 4, verifies */
	char chain_path[1024];
	snprintf(chain_path, sizeof chain_path, "%s/tdx/pck-chain.pem", COCOBOOT_TEST_KEYS);
	snprintf(cmd, sizeof cmd, "cat %s %s/ca.pem >%s/chain4.pem && cat %s %s/ca.pem %s/ca.pem >%s/chain5.pem", chain_path,
		 dir, dir, chain_path, dir, dir, dir);
	CHECK(sh(cmd) == 0, "chains of 4 and 5\n");
	static const struct {
		const char *file, *want;
	} sizes[] = { { "chain4.pem", "accepted" }, { "chain5.pem", CB_REASON_MALFORMED } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof cmd, "%s/%s", dir, sizes[i].file);
		chain = read_path(cmd, &clen);
		o = (struct quote_opts){ .chain = chain, .chain_len = clen };
		q = make_test_quote(&o, &len);
		if (q) {
			cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
			CHECK(!strcmp(verify_code(t, &ev), sizes[i].want), "%s: want %s\n", sizes[i].file, sizes[i].want);
		}
		free(q);
		free(chain);
	}
	/* the leaf must come first: the real chain reversed (root, CA, PCK) is refused */
	snprintf(cmd, sizeof cmd,
		 "cd %s && awk '/BEGIN CERT/{n++} {print > (\"part\" n \".pem\")}' %s && cat part3.pem part2.pem part1.pem >rev.pem",
		 dir, chain_path);
	CHECK(sh(cmd) == 0, "reversed chain\n");
	snprintf(cmd, sizeof cmd, "%s/rev.pem", dir);
	chain = read_path(cmd, &clen);
	o = (struct quote_opts){ .chain = chain, .chain_len = clen };
	q = make_test_quote(&o, &len);
	if (q) {
		cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
		CHECK(!strcmp(verify_code(t, &ev), CB_REASON_CHAIN_INVALID), "chain with the root first\n");
	}
	free(q);
	free(chain);
	cb_trust_free(t);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(sh(cmd) == 0, "cleanup\n");
}

/* Issue 11 item 10: SEV-SNP's reserved signature bytes (after R and S) are zero. */
static void snp_signature_reserved(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-2"));
	static const size_t offs[] = { 0x2A0 + 144, 0x2A0 + 300, 0x49F };
	for (size_t i = 0; i < 3; i++) {
		sc.report[offs[i]] = 0x01;
		const char *code = verify_code(vendor_trust(), &sc.ev);
		sc.report[offs[i]] = 0;
		CHECK(!strcmp(code, CB_REASON_MALFORMED), "non-zero reserved signature byte at 0x%zx: %s\n", offs[i], code);
	}
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "milan-2 restored\n");
	snp_case_free(&sc);
}

/* Issue 11 item 4 for SNP: a GHCB table of more than 4 entries is malformed. */
static void snp_certtable_bound(void)
{
	struct snp_case sc;
	snp_case_load(&sc, vec("snp", "milan-2"));
	size_t ask_len, ark_len;
	uint8_t *ask = pem_file_der("ask-milan.pem", &ask_len), *ark = pem_file_der("ark-milan.pem", &ark_len);
	const uint8_t *der[5] = { sc.cert, ask, ark, ask, ark };
	const size_t len[5] = { sc.cert_len, ask_len, ark_len, ask_len, ark_len };
	static const char *g[5] = { "63da758de6644564adc5f4b93be8accd", "4ab7b379bbac4fe4a02f05aef327c782",
				    "c0b406a4a803495297433fb6014cd0ae", "4ab7b379bbac4fe4a02f05aef327c782",
				    "c0b406a4a803495297433fb6014cd0ae" };
	uint8_t *table = malloc(32768);
	sc.ev.n_certs = 0;
	sc.ev.auxblob = table;
	sc.ev.auxblob_len = build_table(table, der, len, g, 4);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), "accepted"), "GHCB table of 4 entries\n");
	sc.ev.auxblob_len = build_table(table, der, len, g, 5);
	CHECK(!strcmp(verify_code(vendor_trust(), &sc.ev), CB_REASON_MALFORMED), "GHCB table of 5 entries\n");
	free(table);
	free(ask);
	free(ark);
	snp_case_free(&sc);
}

/* A v3 report under the TEST SNP keys (VCEK serial 3, ASK serial 2). */
static int make_test_snp_report(uint8_t report[0x4A0])
{
	char vcek[4096], key[4096];
	snprintf(vcek, sizeof vcek, "%s/snp/vcek.pem", COCOBOOT_TEST_KEYS);
	snprintf(key, sizeof key, "%s/snp/vcek.key", COCOBOOT_TEST_KEYS);
	size_t n;
	uint8_t *pem = read_path(vcek, &n), *z = calloc(1, n + 1);
	memcpy(z, pem, n);
	free(pem);
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	struct amd_cert_ext ext;
	char err[128];
	int ok = mbedtls_x509_crt_parse(&crt, z, n + 1) == 0 && amd_ext_parse(&crt, &ext, err, sizeof err) == 0;
	free(z);
	mbedtls_x509_crt_free(&crt);
	if (!ok)
		return -1;
	memset(report, 0, 0x4A0);
	report[0] = 3;
	report[0x0A] = 0x03;
	report[0x34] = 1;
	report[0x90] = 0x11;
	uint8_t tcb[8] = { ext.bootloader, ext.tee, 0, 0, 0, 0, ext.snp, ext.microcode };
	memcpy(report + 0x180, tcb, 8);
	memcpy(report + 0x38, tcb, 8);
	report[0x188] = 0x19; report[0x189] = 0x01; report[0x18A] = 0x01;
	memcpy(report + 0x1A0, ext.hwid, ext.hwid_len);
	uint8_t hash[48], rs[96];
	mbedtls_sha512(report, 0x2A0, hash, 1);
	if (sign_with(key, hash, 48, rs, 48) != 0)
		return -1;
	for (int i = 0; i < 48; i++) {
		report[0x2A0 + i] = rs[47 - i];
		report[0x2E8 + i] = rs[48 + 47 - i];
	}
	return 0;
}

/* Issue 11: SEV-SNP revocation through the ARK-signed CRL in snp_cert_dir. */
static void snp_crl(void)
{
	const char *k = COCOBOOT_TEST_KEYS;
	char ark[4096], ask[4096], dir[] = "/tmp/cb-verify-crl-XXXXXX", cmd[8192];
	snprintf(ark, sizeof ark, "%s/snp/ark.pem", k);
	snprintf(ask, sizeof ask, "%s/snp/ask.pem", k);
	uint8_t report[0x4A0];
	if (access(ark, R_OK) != 0 || make_test_snp_report(report) != 0) {
		CHECK(0, "test SNP keys missing under %s (make keys)\n", k);
		return;
	}
	if (!mkdtemp(dir))
		exit(1);
	cb_trust *t;
	cb_refusal why;
	CHECK(cb_trust_new(&t, NULL, &why) == 0 && cb_trust_add_test_snp(t, ark, ask, &why) == 0, "test SNP roots\n");
	static const struct {
		const char *scenario;  /* signer key/cert and serials for snp-test-crl.sh; "" = no CRL */
		const char *want;
		bool crl_checked;
	} cases[] = {
		{ "", "accepted", false },
		{ "ark 1234 99", "accepted", true },
		{ "ark 3", CB_REASON_REVOKED, false },        /* the VCEK */
		{ "ark 2", CB_REASON_REVOKED, false },        /* the ASK */
		{ "ask 3 2", "accepted", false },            /* signed by the ASK, not the ARK: not used */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char signer[8] = "", serials[64] = "";
		sscanf(cases[i].scenario, "%7s %63[0-9 ]", signer, serials);
		snprintf(cmd, sizeof cmd, "rm -f %s/*; cp %s/snp/vcek.pem %s/", dir, k, dir);
		CHECK(sh(cmd) == 0, "cert dir\n");
		if (signer[0]) {
			snprintf(cmd, sizeof cmd, "%s/snp-test-crl.sh %s/snp/%s.key %s/snp/%s.pem %s/milan.crl %s", COCOBOOT_TEST_SRC,
				 k, signer, k, signer, dir, serials);
			CHECK(sh(cmd) == 0, "make CRL %s\n", cases[i].scenario);
		}
		cb_evidence ev = { .provider = "sev_guest", .outblob = report, .outblob_len = sizeof report, .snp_cert_dir = dir };
		cb_claims c;
		int r = cb_verify(t, &ev, &c, &why);
		const char *code = r == 0 ? "accepted" : why.code;
		CHECK(!strcmp(code, cases[i].want) && (r != 0 || c.crl_checked == cases[i].crl_checked),
		      "CRL \"%s\": %s (%s), crl_checked %d\n", cases[i].scenario, code, r ? why.detail : "", r ? -1 : c.crl_checked);
	}
	/* the same CRL, verified after its nextUpdate (the VCEK still valid): not used */
	snprintf(cmd, sizeof cmd, "rm -f %s/*; cp %s/snp/vcek.pem %s/ && %s/snp-test-crl.sh %s/snp/ark.key %s %s/milan.crl 3",
		 dir, k, dir, COCOBOOT_TEST_SRC, k, ark, dir);
	CHECK(sh(cmd) == 0, "CRL\n");
	cb_evidence ev = { .provider = "sev_guest", .outblob = report, .outblob_len = sizeof report, .snp_cert_dir = dir,
			   .at = time(NULL) + 40 * 86400 };
	cb_claims c;
	CHECK(cb_verify(t, &ev, &c, &why) == 0 && !c.crl_checked, "stale CRL: not used, crl_checked false\n");
	/* no certificate directory at all */
	snprintf(cmd, sizeof cmd, "%s/snp/vcek.pem", k);
	size_t vlen;
	uint8_t *vpem = read_path(cmd, &vlen);
	cb_buf cert = { vpem, vlen };
	cb_evidence ev2 = { .provider = "sev_guest", .outblob = report, .outblob_len = sizeof report, .certs = &cert, .n_certs = 1 };
	CHECK(cb_verify(t, &ev2, &c, &why) == 0 && !c.crl_checked, "no cert dir: crl_checked false\n");
	free(vpem);
	cb_trust_free(t);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(sh(cmd) == 0, "cleanup\n");
}

/* collateral_checked on real quotes: set with collateral, clear without. */
static void tdx_collateral_flag(void)
{
	struct tdx_case tc;
	tdx_case_load(&tc, vec("tdx", "v4-2-debug"));
	cb_claims c;
	cb_refusal why;
	CHECK(cb_verify(vendor_trust(), &tc.ev, &c, &why) == 0 && !c.collateral_checked, "no collateral: collateral_checked false\n");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tdx/collateral", testdata_dir());
	tc.ev.collateral_dir = dir;
	cb_parse_rfc3339("2026-03-20T00:00:00Z", &tc.ev.at);
	int r = cb_verify(vendor_trust(), &tc.ev, &c, &why);
	CHECK(r == 0 && c.collateral_checked && c.tdx.has_tcb_status, "collateral: collateral_checked true: %s\n", r ? why.detail : "");
	tdx_case_free(&tc);
}

int main(void)
{
	/* these read ../shared/testdata: skipped with the reason when it is absent */
	TD_GROUP(snp_bit_flips());
	TD_GROUP(snp_swaps_and_chips());
	TD_GROUP(snp_lengths());
	TD_GROUP(snp_products_and_time());
	TD_GROUP(snp_certtable());
	TD_GROUP(snp_cert_dir());
	TD_GROUP(tdx_collateral_decoy());
	TD_GROUP(tdx_collateral_json());
	TD_GROUP(tdx_flips("v4-4"));
	TD_GROUP(tdx_flips("v5-1"));
	TD_GROUP(tdx_swaps_and_lengths());
	TD_GROUP(tdx_wrong_root());
	TD_GROUP(cache_checks());
	TD_GROUP(threads());
	test_roots();
	tdx_test_root();
	tdx_qe_identity();
	tdx_long_chain();
	snp_crl();
	/* these start from real vectors of ../shared/testdata too */
	TD_GROUP(tdx_framing());
	TD_GROUP(snp_signature_reserved());
	TD_GROUP(snp_certtable_bound());
	TD_GROUP(tdx_collateral_flag());
	cb_trust_free(vendor_trust());
	cJSON_Delete(td_vectors());
	return check_done();
}
