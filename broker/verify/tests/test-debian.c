/*
 * Real evidence that is always there: the SEV-SNP report and TDX quote (with
 * Intel PCS collateral) that Debian ships in golang-github-google-go-sev-guest-dev
 * 0.13.0-1 and golang-github-google-go-tdx-guest-dev 0.3.1-2 (pinned in
 * mk/pins, unpacked by tests/verify/debian-evidence.sh into the cache; the
 * directory arrives in $COCOBOOT_DEBIAN_EVIDENCE).  Nothing of it is
 * committed.  docs/testing.md says what is real and what is synthetic.
 *
 * The expected claims below are the values the packages' own Go tests declare
 * for these files (cited per value), so this test does not merely echo what
 * the verifier printed.  The times are the ones those Go tests pin: the
 * evidence is years old and its certificates and collateral have expired.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "tests/lib/check.h"
#include "broker/verify/internal.h"
#include "broker/verify/policy.h"
#include "testutil.h"

/* go-sev-guest verify/verify_test.go TestVerifyVcekCert: "now" for the VCEK */
#define SNP_AT "2022-09-24T01:00:00Z"
/* go-tdx-guest verify/verify_test.go: currentTime */
#define TDX_AT "2023-07-01T01:00:00Z"
/* go-tdx-guest verify/verify_test.go: futureTime, after the PCK's not-after 2029-09-20 */
#define TDX_FUTURE "2053-07-01T01:00:00Z"

/* go-sev-guest tools/check/check_test.go testCases() "good" values and goodChipID/goodTcb */
static const char snp_measurement[] =
	"b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01";
static const char snp_chip_id[] = "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e3596"
				  "69a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d";
static const char snp_report_id[] = "8edc638e1857c555d21f6b11bda3c8b1b5a09dba4852b4c8ee7aa2f16f22cc0a";
static const uint64_t snp_tcb = 4901323769462652930ull; /* goodTcb: bl 2, tee 0, snp 5, ucode 68 */

/* go-tdx-guest validate/validate_test.go TestTdxQuote (mrTd, rtmr0..2, reportData, mrSeam, xfam, ...) */
static const char tdx_mrtd[] =
	"6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb";
static const char tdx_rtmr[3][97] = {
	"2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a",
	"2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc5800db2cacb61",
	"8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c924eb4424e",
};
static const char tdx_report_data[] = "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545"
				      "eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113";
static const char tdx_mrseam[] =
	"2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656";

static const char *ev_dir;

static uint8_t *ev_read(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", ev_dir, name);
	return read_path(path, len);
}

static time_t at(const char *s)
{
	time_t t = 0;
	if (cb_parse_rfc3339(s, &t) != 0) {
		printf("bad time %s\n0 passed, 1 failed\n", s);
		exit(1);
	}
	return t;
}

/* lowercase hex of n bytes equals want */
static int hex_is(const uint8_t *p, size_t n, const char *want)
{
	char buf[2 * 64 + 1];
	if (n > 64)
		return 0;
	hex_encode(buf, p, n);
	return strcmp(buf, want) == 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static const char *code_of(const cb_evidence *ev, cb_claims *c, cb_refusal *why)
{
	return cb_verify(vendor_trust(), ev, c, why) == 0 ? "accepted" : why->code;
}

#define EXPECT_CODE(ev, want, ...)                                                      \
	do {                                                                            \
		cb_claims c_;                                                           \
		cb_refusal w_ = { 0 };                                                  \
		const char *got_ = code_of(ev, &c_, &w_);                               \
		CHECK(!strcmp(got_, want), __VA_ARGS__);                                \
		if (strcmp(got_, want))                                                 \
			printf("  got %s: %s\n", got_, strcmp(got_, "accepted") ? w_.detail : ""); \
	} while (0)

/*
 * The GHCB certificate table a guest's auxblob carries (VCEK, ASK, ARK by
 * GUID, then a zero entry), as the broker receives it; the ASK and ARK are
 * the DER of the KDS chain's two PEM certificates.
 */
static size_t ghcb_table(uint8_t *out, size_t cap, const uint8_t *vcek, size_t vcek_len, const uint8_t *chain_pem,
			 size_t chain_len)
{
	static const uint8_t guid[3][16] = {
		{ 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd },
		{ 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 },
		{ 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae },
	};
	mbedtls_x509_crt crt;
	mbedtls_x509_crt_init(&crt);
	uint8_t *z = calloc(1, chain_len + 1); /* mbedTLS wants the PEM NUL-terminated */
	memcpy(z, chain_pem, chain_len);
	size_t off = 24 * 4, n = 0;
	if (mbedtls_x509_crt_parse(&crt, z, chain_len + 1) == 0 && crt.next) {
		const uint8_t *der[3] = { vcek, crt.raw.p, crt.next->raw.p };
		const size_t len[3] = { vcek_len, crt.raw.len, crt.next->raw.len };
		memset(out, 0, off);
		for (int i = 0; i < 3 && off + len[i] <= cap; i++) {
			memcpy(out + 24 * i, guid[i], 16);
			uint32_t o = (uint32_t)off, l = (uint32_t)len[i];
			memcpy(out + 24 * i + 16, &o, 4);
			memcpy(out + 24 * i + 20, &l, 4);
			memcpy(out + off, der[i], len[i]);
			off += len[i];
			n++;
		}
	}
	mbedtls_x509_crt_free(&crt);
	free(z);
	return n == 3 ? off : 0;
}

/* ---- SEV-SNP: go-sev-guest verify/testdata/attestation.bin + vcek.testcer ---- */

static void snp(void)
{
	size_t rlen, vlen, clen, alen;
	uint8_t *report = ev_read("snp/attestation.bin", &rlen);
	uint8_t *vcek = ev_read("snp/vcek.der", &vlen);
	uint8_t *chain = ev_read("snp/milan-chain.pem", &clen);
	uint8_t *asvk = ev_read("snp/milan-vlek-chain.pem", &alen);
	cb_buf certs[2] = { { vcek, vlen }, { chain, clen } };
	cb_evidence ev = { .provider = "sev_guest", .outblob = report, .outblob_len = rlen, .certs = certs, .n_certs = 1,
			   .at = at(SNP_AT) };
	cb_claims c;
	cb_refusal why = { 0 };
	int r = cb_verify(vendor_trust(), &ev, &c, &why);
	CHECK(r == 0, "snp: the Milan report verifies under the pinned AMD roots: %s\n", r ? why.detail : "");
	if (r == 0) {
		CHECK(c.provider == CB_PROVIDER_SNP && c.snp.product == CB_PRODUCT_MILAN && !c.test_root,
		      "snp: product Milan, vendor root\n");
		CHECK(hex_is(c.snp.measurement, 48, snp_measurement), "snp: measurement\n");
		CHECK(hex_is(c.snp.chip_id, 64, snp_chip_id), "snp: chip_id (the VCEK's hwID)\n");
		CHECK(hex_is(c.snp.report_id, 32, snp_report_id), "snp: report_id\n");
		CHECK(c.snp.report_data[0] == 1 && c.snp.report_data[4] == 5 && all_zero(c.snp.report_data + 5, 59),
		      "snp: report_data 01 02 03 04 05 00...\n");
		CHECK(all_zero(c.snp.host_data, 32) && all_zero(c.snp.family_id, 16) && all_zero(c.snp.image_id, 16),
		      "snp: host_data, family_id, image_id zero (launched without an ID block)\n");
		CHECK(c.snp.reported_tcb.raw == snp_tcb && c.snp.launch_tcb.raw == snp_tcb,
		      "snp: reported and launch TCB 0x%llx\n", (unsigned long long)c.snp.reported_tcb.raw);
		CHECK(c.snp.reported_tcb.bootloader == 2 && c.snp.reported_tcb.tee == 0 && c.snp.reported_tcb.snp == 5 &&
			      c.snp.reported_tcb.microcode == 68,
		      "snp: TCB fields bl 2, tee 0, snp 5, ucode 68\n");
		CHECK(c.snp.policy == 0xb0000 && c.snp.debug && c.snp.smt, "snp: guest policy debug + SMT\n");
		CHECK(c.snp.vmpl == 0 && c.snp.platform_info == 1 && !c.snp.signed_by_vlek, "snp: VMPL 0, platform_info 1, VCEK\n");
	}

	/* the KDS cert_chain beside the VCEK changes nothing */
	ev.n_certs = 2;
	EXPECT_CODE(&ev, "accepted", "snp: VCEK plus the KDS ASK/ARK chain\n");
	ev.n_certs = 1;

	/* the certificates in the auxblob's GHCB table instead, as a guest sends them */
	uint8_t *table = malloc(16384);
	size_t tlen = ghcb_table(table, 16384, vcek, vlen, chain, clen);
	CHECK(tlen > 0, "snp: GHCB table built from the VCEK and the KDS chain\n");
	ev.n_certs = 0;
	ev.auxblob = table;
	ev.auxblob_len = tlen;
	EXPECT_CODE(&ev, "accepted", "snp: VCEK, ASK and ARK from the GHCB table\n");
	/* the table's ASK and ARK may be ignored (the pinned ones count); its VCEK may not */
	table[16] ^= 0x01; /* the VCEK entry's offset now points one byte off */
	{
		cb_claims tc;
		cb_refusal tw = { 0 };
		const char *code = code_of(&ev, &tc, &tw);
		CHECK(!strcmp(code, CB_REASON_MALFORMED) || !strcmp(code, CB_REASON_CHAIN_INVALID),
		      "snp: GHCB table with a broken VCEK entry -> %s\n", code);
	}
	ev.auxblob = NULL;
	ev.auxblob_len = 0;
	ev.n_certs = 1;
	free(table);

	/* report_data binding */
	uint8_t rd[64] = { 1, 2, 3, 4, 5 };
	ev.expected_report_data = rd;
	EXPECT_CODE(&ev, "accepted", "snp: expected report_data equal\n");
	rd[63] = 1;
	EXPECT_CODE(&ev, CB_REASON_REPORT_DATA_MISMATCH, "snp: expected report_data differs\n");
	ev.expected_report_data = NULL;

	/* a flipped byte anywhere signed or in the signature */
	static const size_t flips[] = { 0x00, 0x08, 0x50, 0x90, 0xC0, 0x140, 0x29F, 0x2A0, 0x2D0 };
	for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
		report[flips[i]] ^= 0x01;
		cb_claims fc;
		cb_refusal fw = { 0 };
		const char *code = code_of(&ev, &fc, &fw);
		/* 0x00 is the version, 0x08 the policy: the parser may refuse those before the signature */
		int ok = !strcmp(code, CB_REASON_SIGNATURE_INVALID) ||
			 ((flips[i] == 0x00 || flips[i] == 0x08) && strcmp(code, "accepted"));
		CHECK(ok, "snp: byte 0x%zx flipped -> %s (%s)\n", flips[i], code, fw.detail);
		report[flips[i]] ^= 0x01;
	}
	EXPECT_CODE(&ev, "accepted", "snp: restored report verifies again\n");

	/* time: the VCEK is valid from 2022-09-24 00:55:28 to 2029-09-24 00:55:28 */
	ev.at = at("2022-09-24T00:55:00Z");
	EXPECT_CODE(&ev, CB_REASON_CHAIN_INVALID, "snp: before the VCEK's not-before\n");
	ev.at = at("2029-09-25T00:00:00Z");
	EXPECT_CODE(&ev, CB_REASON_CHAIN_INVALID, "snp: after the VCEK's not-after\n");
	ev.at = at(SNP_AT);

	/* signer certificates: none, or only the VLEK chain (no VCEK) */
	ev.n_certs = 0;
	EXPECT_CODE(&ev, CB_REASON_CHAIN_INVALID, "snp: no VCEK supplied\n");
	cb_buf vlek_only = { asvk, alen };
	ev.certs = &vlek_only;
	ev.n_certs = 1;
	EXPECT_CODE(&ev, CB_REASON_CHAIN_INVALID, "snp: ASVK/ARK chain without a VCEK\n");
	ev.certs = certs;

	/* lengths and the wrong provider */
	ev.outblob_len = rlen - 1;
	EXPECT_CODE(&ev, CB_REASON_MALFORMED, "snp: report one byte short\n");
	ev.outblob_len = rlen;
	ev.provider = "tdx_guest";
	{
		cb_claims pc;
		cb_refusal pw = { 0 };
		const char *code = code_of(&ev, &pc, &pw);
		CHECK(!strcmp(code, CB_REASON_MALFORMED) || !strcmp(code, CB_REASON_UNSUPPORTED),
		      "snp: the report as a TDX quote -> %s\n", code);
	}
	ev.provider = "sev_guest";

	/* policies on the real claims (each pins the measurement) */
	if (r == 0) {
		char json[1024];
		static const struct {
			const char *name, *extra, *want;
		} pol[] = {
			{ "measurement pinned, debug allowed", "\"allow_debug\":true", "accepted" },
			{ "debug not allowed", "\"allow_debug\":false", CB_REASON_DEBUG_POLICY },
			{ "Milan, VMPL 0, TCB floor met", "\"allow_debug\":true,\"products\":[\"Milan\"],\"vmpls\":[0],"
							  "\"min_reported_tcb\":{\"bootloader\":2,\"tee\":0,\"snp\":5,\"microcode\":68}",
			  "accepted" },
			{ "microcode floor 69", "\"allow_debug\":true,\"min_reported_tcb\":{\"microcode\":69}", CB_REASON_TCB_TOO_OLD },
			{ "Genoa only", "\"allow_debug\":true,\"products\":[\"Genoa\"]", CB_REASON_PRODUCT_MISMATCH },
			{ "VMPL 1 only", "\"allow_debug\":true,\"vmpls\":[1]", CB_REASON_GUEST_POLICY },
		};
		for (size_t i = 0; i < sizeof pol / sizeof pol[0]; i++) {
			snprintf(json, sizeof json, "{\"snp\":{\"measurements\":[\"%s\"],%s}}", snp_measurement, pol[i].extra);
			cb_policy *p;
			cb_refusal pw = { 0 };
			const char *code = "parse-error";
			if (cb_policy_parse(&p, json, strlen(json), &pw) == 0) {
				code = cb_policy_check(p, &c, &pw) == 0 ? "accepted" : pw.code;
				cb_policy_free(p);
			}
			CHECK(!strcmp(code, pol[i].want), "snp policy %s: %s, want %s (%s)\n", pol[i].name, code, pol[i].want,
			      pw.detail);
		}
		/* another measurement pinned */
		char other[97];
		memcpy(other, snp_measurement, sizeof other);
		other[0] = other[0] == '0' ? '1' : '0';
		snprintf(json, sizeof json, "{\"snp\":{\"measurements\":[\"%s\"],\"allow_debug\":true}}", other);
		cb_policy *p;
		cb_refusal pw = { 0 };
		const char *code = "parse-error";
		if (cb_policy_parse(&p, json, strlen(json), &pw) == 0) {
			code = cb_policy_check(p, &c, &pw) == 0 ? "accepted" : pw.code;
			cb_policy_free(p);
		}
		CHECK(!strcmp(code, CB_REASON_MEASUREMENT_MISMATCH), "snp policy: another measurement -> %s\n", code);
	}
	free(report);
	free(vcek);
	free(chain);
	free(asvk);
}

/* ---- TDX: go-tdx-guest testing/testdata/tdx_prod_quote_SPR_E4.dat + collateral ---- */

/* a copy of the collateral directory with one file changed by fn (or left out) */
static void collateral_variant(char *dir, size_t n, const char *file, void (*fn)(uint8_t *, size_t))
{
	snprintf(dir, n, "/tmp/cb-debian-coll-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n0 passed, 1 failed\n");
		exit(1);
	}
	static const char *const names[] = { "tcbinfo-50806f000000.json", "qeidentity-tdqe.json", "pckcrl-platform.der",
					     "rootcrl.der", "tcb-signing-chain.pem" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!strcmp(names[i], file) && !fn)
			continue; /* left out */
		char src[256], dst[4096];
		snprintf(src, sizeof src, "tdx/collateral/%s", names[i]);
		size_t len;
		uint8_t *d = ev_read(src, &len);
		if (!strcmp(names[i], file))
			fn(d, len);
		snprintf(dst, sizeof dst, "%s/%s", dir, names[i]);
		FILE *f = fopen(dst, "wb");
		if (!f || fwrite(d, 1, len, f) != len || fclose(f) != 0) {
			printf("cannot write %s\n0 passed, 1 failed\n", dst);
			exit(1);
		}
		free(d);
	}
}

static void collateral_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* change one hex digit inside the signed JSON body (the TCB evaluation number) */
static void tamper_json(uint8_t *d, size_t n)
{
	const char *key = "EvaluationDataNumber\":";
	char *p = memmem(d, n, key, strlen(key));
	if (p) {
		p += strlen(key);
		*p = *p == '9' ? '8' : (char)(*p + 1);
	}
}
/* flip a bit of the CRL's signature (its last byte) */
static void tamper_tail(uint8_t *d, size_t n)
{
	d[n - 1] ^= 0x01;
}

static void tdx(void)
{
	size_t qlen, tlen;
	uint8_t *quote = ev_read("tdx/quote.bin", &qlen);
	uint8_t *tdreport = ev_read("tdx/td-report.bin", &tlen);
	cb_evidence ev = { .provider = "tdx_guest", .outblob = quote, .outblob_len = qlen, .at = at(TDX_AT) };
	cb_claims c;
	cb_refusal why = { 0 };
	int r = cb_verify(vendor_trust(), &ev, &c, &why);
	CHECK(r == 0, "tdx: the SPR quote verifies to the pinned Intel root: %s\n", r ? why.detail : "");
	if (r == 0) {
		CHECK(c.provider == CB_PROVIDER_TDX && c.tdx.product == CB_PRODUCT_INTEL && !c.test_root && c.tdx.version == 4,
		      "tdx: v4 quote, Intel root\n");
		CHECK(hex_is(c.tdx.mrtd, 48, tdx_mrtd), "tdx: MRTD\n");
		for (int i = 0; i < 3; i++)
			CHECK(hex_is(c.tdx.rtmr[i], 48, tdx_rtmr[i]), "tdx: RTMR%d\n", i);
		CHECK(all_zero(c.tdx.rtmr[3], 48), "tdx: RTMR3 zero\n");
		CHECK(hex_is(c.tdx.report_data, 64, tdx_report_data), "tdx: report_data\n");
		CHECK(hex_is(c.tdx.mrseam, 48, tdx_mrseam), "tdx: MRSEAM\n");
		CHECK(hex_is(c.tdx.tee_tcb_svn, 16, "03000400000000000000000000000000"), "tdx: TEE_TCB_SVN\n");
		CHECK(hex_is(c.tdx.td_attributes, 8, "0000004000000000") && !c.tdx.debug, "tdx: TD attributes, not debug\n");
		CHECK(hex_is(c.tdx.xfam, 8, "e71a060000000000"), "tdx: XFAM\n");
		CHECK(all_zero(c.tdx.mrconfigid, 48) && all_zero(c.tdx.mrowner, 48) && all_zero(c.tdx.mrownerconfig, 48),
		      "tdx: MRCONFIGID, MROWNER, MROWNERCONFIG zero\n");
		/* go-tdx-guest verify/verify_test.go: fmspcBytes {80, 128, 111, 0, 0, 0} */
		CHECK(hex_is(c.tdx.fmspc, 6, "50806f000000"), "tdx: FMSPC from the PCK certificate\n");
		CHECK(!c.tdx.has_tcb_status, "tdx: no TCB status without collateral\n");
	}

	uint8_t rd[64];
	memcpy(rd, quote + 48 + 520, 64); /* report_data of the TD 1.0 body */
	ev.expected_report_data = rd;
	EXPECT_CODE(&ev, "accepted", "tdx: expected report_data equal\n");
	rd[0] ^= 1;
	EXPECT_CODE(&ev, CB_REASON_REPORT_DATA_MISMATCH, "tdx: expected report_data differs\n");
	ev.expected_report_data = NULL;

	/* flipped bytes: TD body (MRTD, report_data), quote signature, QE report, QE report signature */
	static const size_t flips[] = { 48 + 136, 48 + 520, 48 + 584 + 4 + 10, 48 + 584 + 4 + 128 + 6 + 320,
					48 + 584 + 4 + 128 + 6 + 384 + 10 };
	for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
		quote[flips[i]] ^= 0x01;
		EXPECT_CODE(&ev, CB_REASON_SIGNATURE_INVALID, "tdx: byte %zu flipped\n", flips[i]);
		quote[flips[i]] ^= 0x01;
	}
	EXPECT_CODE(&ev, "accepted", "tdx: restored quote verifies again\n");
	ev.at = at(TDX_FUTURE);
	EXPECT_CODE(&ev, CB_REASON_CHAIN_INVALID, "tdx: at 2053 the PCK certificate has expired\n");
	ev.at = at(TDX_AT);
	ev.outblob_len = 48 + 584;
	EXPECT_CODE(&ev, CB_REASON_MALFORMED, "tdx: quote cut after the TD body\n");
	ev.outblob_len = qlen;

	/* the TDREPORT (report.dat) is not a quote: no signature to check */
	cb_evidence tr = { .provider = "tdx_guest", .outblob = tdreport, .outblob_len = tlen, .at = at(TDX_AT) };
	{
		cb_claims tc;
		cb_refusal tw = { 0 };
		const char *code = code_of(&tr, &tc, &tw);
		CHECK(!strcmp(code, CB_REASON_MALFORMED) || !strcmp(code, CB_REASON_UNSUPPORTED),
		      "tdx: a TDREPORT is refused as a quote -> %s\n", code);
	}

	/*
	 * The collateral: every signature (TCB signing chain, root CRL, PCK CRL,
	 * TCB info, QE identity) verifies and the QE matches its identity, then no
	 * TCB level matches this platform ("Due to updated SVN values in the
	 * sample response, it will result in TCB status failure", go-tdx-guest
	 * verify/verify_test.go TestVerifyUsingTcbInfoV4): not supported.
	 */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tdx/collateral", ev_dir);
	ev.collateral_dir = dir;
	r = cb_verify(vendor_trust(), &ev, &c, &why);
	CHECK(r != 0 && !strcmp(why.code, CB_REASON_TCB_TOO_OLD) && strstr(why.detail, "not supported"),
	      "tdx collateral: all signed parts verify, no TCB level matches: %s\n", r ? why.detail : "accepted");
	ev.at = at("2023-07-09T00:00:00Z");
	EXPECT_CODE(&ev, CB_REASON_COLLATERAL_INVALID, "tdx collateral: the PCK CRL and QE identity are stale on 2023-07-09\n");
	ev.at = at(TDX_AT);

	static const struct {
		const char *file;
		void (*fn)(uint8_t *, size_t);
		const char *what;
	} bad[] = {
		{ "tcbinfo-50806f000000.json", tamper_json, "TCB info body changed" },
		{ "qeidentity-tdqe.json", tamper_json, "QE identity body changed" },
		{ "pckcrl-platform.der", tamper_tail, "PCK CRL signature flipped" },
		{ "rootcrl.der", tamper_tail, "root CRL signature flipped" },
		{ "tcbinfo-50806f000000.json", NULL, "no TCB info" },
		{ "qeidentity-tdqe.json", NULL, "no QE identity" },
		{ "tcb-signing-chain.pem", NULL, "no TCB signing chain" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char vdir[64];
		collateral_variant(vdir, sizeof vdir, bad[i].file, bad[i].fn);
		ev.collateral_dir = vdir;
		EXPECT_CODE(&ev, CB_REASON_COLLATERAL_INVALID, "tdx collateral: %s\n", bad[i].what);
		collateral_remove(vdir);
	}
	free(quote);
	free(tdreport);
}

int main(void)
{
	ev_dir = getenv("COCOBOOT_DEBIAN_EVIDENCE");
	if (!ev_dir || !*ev_dir) {
		/* not optional: `make check-verify` fetches it (tests/verify/debian-evidence.sh) */
		printf("FAIL: COCOBOOT_DEBIAN_EVIDENCE is not set (run through make check-verify)\n0 passed, 1 failed\n");
		return 1;
	}
	snp();
	tdx();
	cb_trust_free(vendor_trust());
	return check_done();
}
