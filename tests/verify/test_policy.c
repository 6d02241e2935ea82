/*
 * Policy: strict parsing (unknown keys, bad hex, wrong types are errors) and
 * one refusal per reason code, on claims of real vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "policy.h"
#include "testutil.h"

static cb_claims snp_claims(const char *name)
{
	struct snp_case sc;
	cb_claims c;
	cb_refusal why;
	snp_case_load(&sc, cJSON_GetObjectItem(cJSON_GetObjectItem(td_vectors(), "snp"), name));
	if (cb_verify(vendor_trust(), &sc.ev, &c, &why) != 0) {
		printf("FAIL: %s does not verify: %s\n0 passed, 1 failed\n", name, why.detail);
		exit(1);
	}
	snp_case_free(&sc);
	return c;
}

static cb_claims tdx_claims(const char *name, const char *collateral_at)
{
	struct tdx_case tc;
	cb_claims c;
	cb_refusal why;
	char dir[4096];
	tdx_case_load(&tc, cJSON_GetObjectItem(cJSON_GetObjectItem(td_vectors(), "tdx"), name));
	if (collateral_at) {
		snprintf(dir, sizeof dir, "%s/tdx/collateral", testdata_dir());
		tc.ev.collateral_dir = dir;
		cb_parse_rfc3339(collateral_at, &tc.ev.at);
	}
	if (cb_verify(vendor_trust(), &tc.ev, &c, &why) != 0) {
		printf("FAIL: %s does not verify: %s\n0 passed, 1 failed\n", name, why.detail);
		exit(1);
	}
	tdx_case_free(&tc);
	return c;
}

/* Parse policy text and check claims; returns the reason code or "accepted". */
static const char *run(const char *json, const cb_claims *c, char *detail, size_t n)
{
	cb_policy *p;
	cb_refusal why;
	if (cb_policy_parse(&p, json, strlen(json), &why) != 0) {
		snprintf(detail, n, "%s", why.detail);
		return "parse-error";
	}
	int r = cb_policy_check(p, c, &why);
	cb_policy_free(p);
	snprintf(detail, n, "%s", r ? why.detail : "");
	return r ? why.code : "accepted";
}

struct policy_case {
	const char *what;
	const char *json;
	const char *want;   /* reason code, "accepted" or "parse-error" */
};

static void run_cases(const char *vector, const cb_claims *c, const struct policy_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char detail[300];
		const char *got = run(cases[i].json, c, detail, sizeof detail);
		CHECK(!strcmp(got, cases[i].want), "%s / %s: got %s (%s), want %s\n", vector, cases[i].what, got, detail,
		      cases[i].want);
	}
}

#define M2 "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"
#define ZERO48 "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

static const struct policy_case milan2_cases[] = {
	{ "empty snp section", "{\"snp\":{}}", "accepted" },
	{ "measurement allowed", "{\"snp\":{\"measurements\":[\"" M2 "\"]}}", "accepted" },
	{ "measurement allowed, uppercase hex", "{\"snp\":{\"measurements\":[\"A1F3930413247BB38CFC171579EA3C12D5FE4901F0C792F63FD75D98F1EF827C23500644E0E692E6BE917F9050D3D38C\"]}}", "accepted" },
	{ "measurement not in list", "{\"snp\":{\"measurements\":[\"" ZERO48 "\"]}}", "measurement-mismatch" },
	{ "min tcb met", "{\"snp\":{\"min_reported_tcb\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}}}", "accepted" },
	{ "min tcb microcode", "{\"snp\":{\"min_reported_tcb\":{\"microcode\":116}}}", "tcb-too-old" },
	{ "min tcb snp", "{\"snp\":{\"min_reported_tcb\":{\"snp\":9}}}", "tcb-too-old" },
	{ "min guest svn met", "{\"snp\":{\"min_guest_svn\":4}}", "accepted" },
	{ "min guest svn", "{\"snp\":{\"min_guest_svn\":5}}", "tcb-too-old" },
	{ "smt refused", "{\"snp\":{\"allow_smt\":false}}", "guest-policy" },
	{ "vmpl 0 allowed", "{\"snp\":{\"vmpls\":[0]}}", "accepted" },
	{ "vmpl 1 only", "{\"snp\":{\"vmpls\":[1,2]}}", "guest-policy" },
	{ "host_data", "{\"snp\":{\"host_data\":\"0100000000000000000000000000000000000000000000000000000000000000\"}}", "identity-mismatch" },
	{ "family_id", "{\"snp\":{\"family_id\":\"00000000000000000000000000000000\"}}", "identity-mismatch" },
	{ "image_id", "{\"snp\":{\"image_id\":\"00000000000000000000000000000000\"}}", "identity-mismatch" },
	{ "id key digest", "{\"snp\":{\"id_key_digests\":[\"" ZERO48 "\"]}}", "identity-mismatch" },
	{ "author key digest ok", "{\"snp\":{\"author_key_digests\":[\"" ZERO48 "\"]}}", "accepted" },
	{ "product Milan", "{\"snp\":{\"products\":[\"Milan\"]}}", "accepted" },
	{ "product Genoa only", "{\"snp\":{\"products\":[\"Genoa\",\"Turin\"]}}", "product-mismatch" },
	{ "tdx-only policy", "{\"tdx\":{}}", "product-mismatch" },
	{ "unknown top key", "{\"snp\":{},\"extra\":1}", "parse-error" },
	{ "unknown snp key", "{\"snp\":{\"allow_debugging\":true}}", "parse-error" },
	{ "unknown tcb key", "{\"snp\":{\"min_reported_tcb\":{\"ucode\":1}}}", "parse-error" },
	{ "short hex", "{\"snp\":{\"host_data\":\"00\"}}", "parse-error" },
	{ "bad hex", "{\"snp\":{\"measurements\":[\"zz" ZERO48 "\"]}}", "parse-error" },
	{ "bool as string", "{\"snp\":{\"allow_debug\":\"yes\"}}", "parse-error" },
	{ "negative svn", "{\"snp\":{\"min_guest_svn\":-1}}", "parse-error" },
	{ "fractional svn", "{\"snp\":{\"min_guest_svn\":1.5}}", "parse-error" },
	{ "vmpl 4", "{\"snp\":{\"vmpls\":[4]}}", "parse-error" },
	{ "unknown product", "{\"snp\":{\"products\":[\"Rome\"]}}", "parse-error" },
	{ "empty object", "{}", "parse-error" },
	{ "not json", "{\"snp\":", "parse-error" },
	{ "array", "[]", "parse-error" },
	{ "duplicate snp key", "{\"snp\":{\"allow_debug\":false,\"allow_debug\":true}}", "parse-error" },
	{ "duplicate list", "{\"snp\":{\"measurements\":[\"" M2 "\"],\"measurements\":[\"" ZERO48 "\"]}}", "parse-error" },
	{ "duplicate tcb key", "{\"snp\":{\"min_reported_tcb\":{\"snp\":1,\"snp\":9}}}", "parse-error" },
	{ "duplicate tdx key", "{\"tdx\":{\"tcb_statuses\":[\"UpToDate\"],\"tcb_statuses\":[\"OutOfDate\"]}}", "parse-error" },
};

static const struct policy_case milan1_cases[] = {
	{ "debug guest refused by default", "{\"snp\":{}}", "debug-policy" },
	{ "debug allowed", "{\"snp\":{\"allow_debug\":true}}", "accepted" },
};

static const struct policy_case vlek_cases[] = {
	{ "vlek allowed by default", "{\"snp\":{}}", "accepted" },
	{ "vlek refused", "{\"snp\":{\"allow_vlek\":false}}", "guest-policy" },
	{ "vmpl 1", "{\"snp\":{\"vmpls\":[0]}}", "guest-policy" },
};

#define MRTD_V5_1 "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876"
#define RTMR0_V5_1 "5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff4ba0678c6aef3bdae8cbc614cec24619"

static const struct policy_case v51_cases[] = {
	{ "empty tdx section", "{\"tdx\":{}}", "accepted" },
	{ "mrtd allowed", "{\"tdx\":{\"mrtd\":[\"" ZERO48 "\",\"" MRTD_V5_1 "\"]}}", "accepted" },
	{ "mrtd not allowed", "{\"tdx\":{\"mrtd\":[\"" ZERO48 "\"]}}", "measurement-mismatch" },
	{ "rtmr0 equal", "{\"tdx\":{\"rtmr0\":\"" RTMR0_V5_1 "\"}}", "accepted" },
	{ "rtmr1 differs", "{\"tdx\":{\"rtmr1\":\"" RTMR0_V5_1 "\"}}", "measurement-mismatch" },
	{ "rtmr3 zero", "{\"tdx\":{\"rtmr3\":\"" ZERO48 "\"}}", "accepted" },
	{ "mrconfigid", "{\"tdx\":{\"mrconfigid\":\"" RTMR0_V5_1 "\"}}", "identity-mismatch" },
	{ "mrowner", "{\"tdx\":{\"mrowner\":\"" RTMR0_V5_1 "\"}}", "identity-mismatch" },
	{ "mrownerconfig", "{\"tdx\":{\"mrownerconfig\":\"" RTMR0_V5_1 "\"}}", "identity-mismatch" },
	{ "xfam equal", "{\"tdx\":{\"xfam\":\"e702060000000000\"}}", "accepted" },
	{ "xfam differs", "{\"tdx\":{\"xfam\":\"e718060000000000\"}}", "guest-policy" },
	{ "min tee tcb svn met", "{\"tdx\":{\"min_tee_tcb_svn\":\"0b010400000000000000000000000000\"}}", "accepted" },
	{ "min tee tcb svn", "{\"tdx\":{\"min_tee_tcb_svn\":\"0c010400000000000000000000000000\"}}", "tcb-too-old" },
	{ "status without collateral", "{\"tdx\":{\"tcb_statuses\":[\"UpToDate\"]}}", "tcb-too-old" },
	{ "snp-only policy", "{\"snp\":{}}", "product-mismatch" },
	{ "unknown tdx key", "{\"tdx\":{\"rtmr4\":\"" ZERO48 "\"}}", "parse-error" },
	{ "unknown status", "{\"tdx\":{\"tcb_statuses\":[\"UptoDate\"]}}", "parse-error" },
	{ "Revoked is never allowed", "{\"tdx\":{\"tcb_statuses\":[\"Revoked\"]}}", "parse-error" },
	{ "statuses not list", "{\"tdx\":{\"tcb_statuses\":\"UpToDate\"}}", "parse-error" },
};

static const struct policy_case debug_td_cases[] = {
	{ "debug TD refused", "{\"tdx\":{}}", "debug-policy" },
	{ "debug TD allowed", "{\"tdx\":{\"allow_debug\":true}}", "accepted" },
};

static const struct policy_case outdated_cases[] = {
	{ "UpToDate only", "{\"tdx\":{\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\"]}}", "tcb-too-old" },
	{ "OutOfDate allowed", "{\"tdx\":{\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\",\"OutOfDate\"]}}", "accepted" },
};

static const struct policy_case uptodate_cases[] = {
	{ "UpToDate only", "{\"tdx\":{\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\"]}}", "accepted" },
};

#define N(a) (sizeof a / sizeof a[0])

/* the cases on claims of real vectors from ../shared/testdata */
static void real_claims_cases(void)
{
	cb_claims c = snp_claims("milan-2");
	run_cases("milan-2", &c, milan2_cases, N(milan2_cases));
	c = snp_claims("milan-1");
	run_cases("milan-1", &c, milan1_cases, N(milan1_cases));
	c = snp_claims("milan-vlek-1");
	run_cases("milan-vlek-1", &c, vlek_cases, N(vlek_cases));
	c = tdx_claims("v5-1", NULL);
	run_cases("v5-1", &c, v51_cases, N(v51_cases));
	c = tdx_claims("v4-2-debug", NULL);
	run_cases("v4-2-debug", &c, debug_td_cases, N(debug_td_cases));
	c = tdx_claims("v4-2-debug", "2026-03-20T00:00:00Z");
	run_cases("v4-2-debug@2026", &c, outdated_cases, N(outdated_cases));
	c = tdx_claims("v4-2-debug", "2023-06-19T00:00:00Z");
	run_cases("v4-2-debug@2023", &c, uptodate_cases, N(uptodate_cases));

	/* test-root claims need an explicit opt-in */
	c = snp_claims("milan-2");
	c.test_root = true;
	c.snp.product = CB_PRODUCT_SNP_TEST;
	static const struct policy_case test_cases[] = {
		{ "test product not allowed by default", "{\"snp\":{}}", "product-mismatch" },
		{ "test product named", "{\"snp\":{\"products\":[\"test\"]}}", "accepted" },
	};
	run_cases("test-root", &c, test_cases, N(test_cases));
	c = tdx_claims("v5-1", NULL);
	c.test_root = true;
	static const struct policy_case tdx_test_cases[] = {
		{ "test root not allowed by default", "{\"tdx\":{}}", "product-mismatch" },
		{ "test root allowed", "{\"tdx\":{\"allow_test_root\":true}}", "accepted" },
	};
	run_cases("tdx-test-root", &c, tdx_test_cases, N(tdx_test_cases));
}

int main(void)
{
	/* skipped with the reason when ../shared/testdata is absent */
	TD_GROUP(real_claims_cases());

	/* Inputs the fuzzer found (tests/verify/regress/policy-*): each is refused
	 * with a reason, and the sanitizer build of this test would catch a
	 * repeat of the overflow. policy-duplicate-tcb-statuses.json: three
	 * "tcb_statuses" keys of up to 16 entries each overflowed the 16-entry
	 * array (found by the 30-minute fuzz run of verify-policy). */
	{
		static const char *const regress[] = { "policy-duplicate-tcb-statuses.json" };
		for (size_t i = 0; i < N(regress); i++) {
			char path[512];
			cb_policy *p = NULL;
			cb_refusal rwhy;
			snprintf(path, sizeof path, "%s/regress/%s", COCOBOOT_TEST_SRC, regress[i]);
			CHECK(cb_policy_load(&p, path, &rwhy) != 0 && !strcmp(rwhy.code, CB_REASON_MALFORMED) &&
				      strstr(rwhy.detail, "duplicate key"),
			      "%s: refused as a duplicate key (%s)\n", regress[i], p ? "accepted" : rwhy.detail);
			cb_policy_free(p);
		}
	}

	/* a missing policy denies */
	cb_claims c = { 0 };
	cb_refusal why;
	CHECK(cb_policy_check(NULL, &c, &why) != 0 && !strcmp(why.code, CB_REASON_NO_POLICY), "missing policy must deny\n");
	CHECK(cb_policy_load(&(cb_policy *){ NULL }, "/nonexistent/policy.json", &why) != 0, "unreadable policy file\n");

	cb_trust_free(vendor_trust());
	cJSON_Delete(td_vectors());
	return check_done();
}
