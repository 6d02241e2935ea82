/*
 * Policy: strict parsing (unknown keys, bad hex, wrong types are errors) and
 * one refusal per reason code, on claims of real vectors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check.h"
#include "broker/verify/internal.h"
#include "broker/verify/policy.h"
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

/* "@PIN@" in a policy stands for what the claims run: the SNP measurement, or
 * the TDX MRTD, RTMR1 and RTMR2 (deny by default needs them pinned). */
static void pins(const cb_claims *c, char *out, size_t n)
{
	char a[97], b[97], d[97];
	if (c->provider == CB_PROVIDER_SNP) {
		hex_encode(a, c->snp.measurement, 48);
		snprintf(out, n, "\"measurements\":[\"%s\"]", a);
		return;
	}
	hex_encode(a, c->tdx.mrtd, 48);
	hex_encode(b, c->tdx.rtmr[1], 48);
	hex_encode(d, c->tdx.rtmr[2], 48);
	snprintf(out, n, "\"mrtd\":[\"%s\"],\"rtmr1\":[\"%s\"],\"rtmr2\":[\"%s\"]", a, b, d);
}

static void expand(const char *json, const cb_claims *c, char *out, size_t n)
{
	char pin[400];
	const char *at = strstr(json, "@PIN@");
	if (!at) {
		snprintf(out, n, "%s", json);
		return;
	}
	pins(c, pin, sizeof pin);
	snprintf(out, n, "%.*s%s%s", (int)(at - json), json, pin, at + 5);
}

/* Parse policy text and check claims; returns the reason code or "accepted". */
static const char *run(const char *json_in, const cb_claims *c, char *detail, size_t n)
{
	cb_policy *p;
	cb_refusal why;
	char json[4096];
	expand(json_in, c, json, sizeof json);
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
#define ID2 "0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0b2bb57af7a44a3"
#define ZERO48 "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
#define ANY "\"allow_any_measurement\":true"
#define SNP(x) "{\"snp\":{\"measurements\":[\"" M2 "\"]," x "}}"

static const struct policy_case milan2_cases[] = {
	{ "measurement allowed", "{\"snp\":{\"measurements\":[\"" M2 "\"]}}", "accepted" },
	{ "measurement allowed, uppercase hex", "{\"snp\":{\"measurements\":[\"A1F3930413247BB38CFC171579EA3C12D5FE4901F0C792F63FD75D98F1EF827C23500644E0E692E6BE917F9050D3D38C\"]}}", "accepted" },
	{ "measurement not in list", "{\"snp\":{\"measurements\":[\"" ZERO48 "\"]}}", "measurement-mismatch" },
	{ "min tcb met", SNP("\"min_reported_tcb\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}"), "accepted" },
	{ "min tcb microcode", SNP("\"min_reported_tcb\":{\"microcode\":116}"), "tcb-too-old" },
	{ "min tcb snp", SNP("\"min_reported_tcb\":{\"snp\":9}"), "tcb-too-old" },
	{ "min guest svn met", SNP("\"min_guest_svn\":4"), "accepted" },
	{ "min guest svn", SNP("\"min_guest_svn\":5"), "tcb-too-old" },
	{ "smt refused", SNP("\"allow_smt\":false"), "guest-policy" },
	{ "vmpl 0 allowed", SNP("\"vmpls\":[0]"), "accepted" },
	{ "vmpl 1 only", SNP("\"vmpls\":[1,2]"), "guest-policy" },
	{ "host_data", SNP("\"host_data\":\"0100000000000000000000000000000000000000000000000000000000000000\""), "identity-mismatch" },
	{ "family_id", SNP("\"family_id\":\"00000000000000000000000000000000\""), "identity-mismatch" },
	{ "image_id", SNP("\"image_id\":\"00000000000000000000000000000000\""), "identity-mismatch" },
	{ "id key digest", SNP("\"id_key_digests\":[\"" ZERO48 "\"]"), "identity-mismatch" },
	{ "author key digest ok", SNP("\"author_key_digests\":[\"" ZERO48 "\"]"), "accepted" },
	{ "product Milan", SNP("\"products\":[\"Milan\"]"), "accepted" },
	{ "product Genoa only", SNP("\"products\":[\"Genoa\",\"Turin\"]"), "product-mismatch" },
	{ "tdx-only policy", "{\"tdx\":{" ANY ",\"allow_no_collateral\":true}}", "product-mismatch" },
	/* deny by default: a section must pin what runs or opt out by name */
	{ "empty snp section", "{\"snp\":{}}", "parse-error" },
	{ "only constraints, nothing pinned", "{\"snp\":{\"min_guest_svn\":1,\"vmpls\":[0]}}", "parse-error" },
	{ "allow_any_measurement false", "{\"snp\":{\"allow_any_measurement\":false}}", "parse-error" },
	{ "allow_any_measurement", "{\"snp\":{" ANY "}}", "accepted" },
	{ "allow_any_measurement still checks", "{\"snp\":{" ANY ",\"min_guest_svn\":5}}", "tcb-too-old" },
	{ "id key digest pins", "{\"snp\":{\"id_key_digests\":[\"" ID2 "\"]}}", "accepted" },
	{ "allow_any_measurement not bool", "{\"snp\":{\"allow_any_measurement\":1}}", "parse-error" },
	/* LAUNCH_TCB minimum (launch 3/0/8/115) */
	{ "min launch tcb met", SNP("\"min_launch_tcb\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115}"), "accepted" },
	{ "min launch tcb microcode", SNP("\"min_launch_tcb\":{\"microcode\":116}"), "tcb-too-old" },
	{ "min launch tcb bootloader", SNP("\"min_launch_tcb\":{\"bootloader\":4}"), "tcb-too-old" },
	{ "min launch tcb unknown key", SNP("\"min_launch_tcb\":{\"ucode\":1}"), "parse-error" },
	/* firmware 1.52 build 4, current and committed */
	{ "min current version met", SNP("\"min_current_version\":\"1.52\""), "accepted" },
	{ "min current version minor", SNP("\"min_current_version\":\"1.53\""), "tcb-too-old" },
	{ "min current version major", SNP("\"min_current_version\":\"2.0\""), "tcb-too-old" },
	{ "min current version lower major", SNP("\"min_current_version\":\"0.99\""), "accepted" },
	{ "min committed version met", SNP("\"min_committed_version\":\"1.52\""), "accepted" },
	{ "min committed version", SNP("\"min_committed_version\":\"1.55\""), "tcb-too-old" },
	{ "min current build met", SNP("\"min_current_build\":4"), "accepted" },
	{ "min current build", SNP("\"min_current_build\":5"), "tcb-too-old" },
	{ "min committed build met", SNP("\"min_committed_build\":4"), "accepted" },
	{ "min committed build", SNP("\"min_committed_build\":21"), "tcb-too-old" },
	{ "version without minor", SNP("\"min_current_version\":\"1\""), "parse-error" },
	{ "version trailing dot", SNP("\"min_current_version\":\"1.\""), "parse-error" },
	{ "version 256", SNP("\"min_current_version\":\"1.256\""), "parse-error" },
	{ "version sign", SNP("\"min_current_version\":\"+1.2\""), "parse-error" },
	{ "version three parts", SNP("\"min_current_version\":\"1.52.4\""), "parse-error" },
	{ "version number", SNP("\"min_current_version\":1.52"), "parse-error" },
	{ "build 256", SNP("\"min_current_build\":256"), "parse-error" },
	/* platform info 0x1: SMT_EN only */
	{ "platform smt_en required", SNP("\"platform_info\":{\"smt_en\":true}"), "accepted" },
	{ "platform smt_en forbidden", SNP("\"platform_info\":{\"smt_en\":false}"), "guest-policy" },
	{ "platform tsme_en required", SNP("\"platform_info\":{\"tsme_en\":true}"), "guest-policy" },
	{ "platform ecc_en required", SNP("\"platform_info\":{\"ecc_en\":true}"), "guest-policy" },
	{ "platform all clear but smt", SNP("\"platform_info\":{\"tsme_en\":false,\"ecc_en\":false,\"rapl_dis\":false,\"ciphertext_hiding_en\":false,\"alias_check_complete\":false,\"iommu_write_safe\":false,\"tio_en\":false}"), "accepted" },
	{ "platform alias check required", SNP("\"platform_info\":{\"alias_check_complete\":true}"), "guest-policy" },
	{ "platform unknown flag", SNP("\"platform_info\":{\"smt\":true}"), "parse-error" },
	{ "platform flag not bool", SNP("\"platform_info\":{\"smt_en\":1}"), "parse-error" },
	/* guest policy 0x3001f: ABI 0.31, SMT, reserved-one bit */
	{ "guest policy single_socket required", SNP("\"guest_policy\":{\"single_socket\":true}"), "guest-policy" },
	{ "guest policy every bit clear", SNP("\"guest_policy\":{\"single_socket\":false,\"cxl_allow\":false,\"mem_aes_256_xts\":false,\"rapl_dis\":false,\"ciphertext_hiding\":false,\"page_swap_disable\":false}"), "accepted" },
	{ "guest policy mem_aes_256_xts required", SNP("\"guest_policy\":{\"mem_aes_256_xts\":true}"), "guest-policy" },
	{ "guest policy page_swap_disable required", SNP("\"guest_policy\":{\"page_swap_disable\":true}"), "guest-policy" },
	{ "guest policy min abi met", SNP("\"guest_policy\":{\"min_abi\":\"0.31\"}"), "accepted" },
	{ "guest policy min abi minor", SNP("\"guest_policy\":{\"min_abi\":\"0.32\"}"), "guest-policy" },
	{ "guest policy min abi major", SNP("\"guest_policy\":{\"min_abi\":\"1.0\"}"), "guest-policy" },
	{ "guest policy smt is allow_smt", SNP("\"guest_policy\":{\"smt\":false}"), "parse-error" },
	{ "guest policy not object", SNP("\"guest_policy\":true"), "parse-error" },
	/* revocation */
	{ "require_crl without a CRL check", SNP("\"require_crl\":true"), "collateral-invalid" },
	{ "require_crl false", SNP("\"require_crl\":false"), "accepted" },
	/* parser */
	{ "unknown top key", SNP("\"allow_smt\":true},\"extra\":{"), "parse-error" },
	{ "unknown snp key", SNP("\"allow_debugging\":true"), "parse-error" },
	{ "unknown tcb key", SNP("\"min_reported_tcb\":{\"ucode\":1}"), "parse-error" },
	{ "short hex", SNP("\"host_data\":\"00\""), "parse-error" },
	{ "bad hex", "{\"snp\":{\"measurements\":[\"zz" ZERO48 "\"]}}", "parse-error" },
	{ "bool as string", SNP("\"allow_debug\":\"yes\""), "parse-error" },
	{ "negative svn", SNP("\"min_guest_svn\":-1"), "parse-error" },
	{ "fractional svn", SNP("\"min_guest_svn\":1.5"), "parse-error" },
	{ "vmpl 4", SNP("\"vmpls\":[4]"), "parse-error" },
	{ "unknown product", SNP("\"products\":[\"Rome\"]"), "parse-error" },
	{ "empty object", "{}", "parse-error" },
	{ "not json", "{\"snp\":", "parse-error" },
	{ "array", "[]", "parse-error" },
	{ "duplicate snp key", SNP("\"allow_debug\":false,\"allow_debug\":true"), "parse-error" },
	{ "duplicate list", "{\"snp\":{\"measurements\":[\"" M2 "\"],\"measurements\":[\"" ZERO48 "\"]}}", "parse-error" },
	{ "duplicate tcb key", SNP("\"min_reported_tcb\":{\"snp\":1,\"snp\":9}"), "parse-error" },
	{ "duplicate platform key", SNP("\"platform_info\":{\"smt_en\":true,\"smt_en\":false}"), "parse-error" },
	{ "duplicate tdx key", "{\"tdx\":{" ANY ",\"tcb_statuses\":[\"UpToDate\"],\"tcb_statuses\":[\"OutOfDate\"]}}", "parse-error" },
	/* trailing data after the object is not a policy */
	{ "second object after", SNP("\"allow_smt\":true") " {\"snp\":{" ANY "}}", "parse-error" },
	{ "garbage after", SNP("\"allow_smt\":true") "x", "parse-error" },
	{ "comma after", SNP("\"allow_smt\":true") ",", "parse-error" },
	{ "whitespace after", SNP("\"allow_smt\":true") " \n\t\r\n", "accepted" },
};

static const struct policy_case milan1_cases[] = {
	{ "debug guest refused by default", "{\"snp\":{@PIN@}}", "debug-policy" },
	{ "debug allowed", "{\"snp\":{@PIN@,\"allow_debug\":true}}", "accepted" },
};

/* VLEK report: VMPL 1; launch TCB ucode 219, reported ucode 217 */
static const struct policy_case vlek_cases[] = {
	{ "vmpl 1 refused by default", "{\"snp\":{@PIN@}}", "guest-policy" },
	{ "vmpl 1 allowed", "{\"snp\":{@PIN@,\"vmpls\":[0,1]}}", "accepted" },
	{ "vlek allowed by default", "{\"snp\":{@PIN@,\"vmpls\":[1]}}", "accepted" },
	{ "vlek refused", "{\"snp\":{@PIN@,\"vmpls\":[1],\"allow_vlek\":false}}", "guest-policy" },
	{ "vmpl 0", "{\"snp\":{@PIN@,\"vmpls\":[0]}}", "guest-policy" },
	{ "launch tcb, not reported tcb", "{\"snp\":{@PIN@,\"vmpls\":[1],\"min_launch_tcb\":{\"microcode\":219}}}", "accepted" },
	{ "launch tcb below", "{\"snp\":{@PIN@,\"vmpls\":[1],\"min_launch_tcb\":{\"microcode\":220}}}", "tcb-too-old" },
	{ "reported tcb below", "{\"snp\":{@PIN@,\"vmpls\":[1],\"min_reported_tcb\":{\"microcode\":219}}}", "tcb-too-old" },
};

#define MRTD_V5_1 "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876"
#define RTMR0_V5_1 "5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff4ba0678c6aef3bdae8cbc614cec24619"
#define RTMR1_V5_1 "463acaace1b6e97c76e92e41fe312aa66f3fd4dad60ec7acf169859db0343e3d1e591646795cdc80fbc0ca5f7041d253"
#define RTMR2_V5_1 "6369b9c9a3b791ebcbdc5a0bb9536cfb57f50df2b393b33c8b29616d3568baa61f4b59dc6092e31ea8764bcbdfc69f20"
#define NOCOL "\"allow_no_collateral\":true"
#define TDX(x) "{\"tdx\":{@PIN@," NOCOL "," x "}}"

/* v5-1: TD attributes SEPT_VE_DISABLE only, XFAM e702060000000000, no collateral */
static const struct policy_case v51_cases[] = {
	{ "pinned, no collateral opt-in", "{\"tdx\":{@PIN@}}", "collateral-invalid" },
	{ "pinned, no collateral allowed", "{\"tdx\":{@PIN@," NOCOL "}}", "accepted" },
	{ "allow_no_collateral false", "{\"tdx\":{@PIN@,\"allow_no_collateral\":false}}", "collateral-invalid" },
	{ "mrtd A/B", "{\"tdx\":{\"mrtd\":[\"" ZERO48 "\",\"" MRTD_V5_1 "\"],\"rtmr1\":[\"" RTMR1_V5_1 "\"],\"rtmr2\":[\"" RTMR2_V5_1 "\"]," NOCOL "}}", "accepted" },
	{ "mrtd not allowed", "{\"tdx\":{\"mrtd\":[\"" ZERO48 "\"],\"rtmr1\":[\"" RTMR1_V5_1 "\"],\"rtmr2\":[\"" RTMR2_V5_1 "\"]," NOCOL "}}", "measurement-mismatch" },
	{ "rtmr1 A/B", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"],\"rtmr1\":[\"" RTMR1_V5_1 "\",\"" ZERO48 "\"],\"rtmr2\":[\"" RTMR2_V5_1 "\"]," NOCOL "}}", "accepted" },
	{ "rtmr1 differs", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"],\"rtmr1\":[\"" ZERO48 "\"],\"rtmr2\":[\"" RTMR2_V5_1 "\"]," NOCOL "}}", "measurement-mismatch" },
	{ "rtmr2 not allowed", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"],\"rtmr1\":[\"" RTMR1_V5_1 "\"],\"rtmr2\":[\"" RTMR1_V5_1 "\"]," NOCOL "}}", "measurement-mismatch" },
	{ "rtmr0 equal", TDX("\"rtmr0\":[\"" RTMR0_V5_1 "\"]"), "accepted" },
	{ "rtmr0 differs", TDX("\"rtmr0\":[\"" RTMR1_V5_1 "\"]"), "measurement-mismatch" },
	{ "rtmr3 zero", TDX("\"rtmr3\":[\"" ZERO48 "\"]"), "accepted" },
	{ "rtmr as a string", TDX("\"rtmr0\":\"" RTMR0_V5_1 "\""), "parse-error" },
	{ "mrtd as a string", "{\"tdx\":{\"mrtd\":\"" MRTD_V5_1 "\",\"rtmr1\":[\"" RTMR1_V5_1 "\"],\"rtmr2\":[\"" RTMR2_V5_1 "\"]," NOCOL "}}", "parse-error" },
	/* deny by default */
	{ "empty tdx section", "{\"tdx\":{}}", "parse-error" },
	{ "only mrtd", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"]," NOCOL "}}", "parse-error" },
	{ "mrtd and rtmr0 only", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"],\"rtmr0\":[\"" RTMR0_V5_1 "\"]," NOCOL "}}", "parse-error" },
	{ "no rtmr2", "{\"tdx\":{\"mrtd\":[\"" MRTD_V5_1 "\"],\"rtmr1\":[\"" RTMR1_V5_1 "\"]," NOCOL "}}", "parse-error" },
	{ "allow_any_measurement", "{\"tdx\":{" ANY "," NOCOL "}}", "accepted" },
	{ "allow_any_measurement, mrtd still checked", "{\"tdx\":{" ANY "," NOCOL ",\"mrtd\":[\"" ZERO48 "\"]}}", "measurement-mismatch" },
	{ "allow_any_measurement, no collateral", "{\"tdx\":{" ANY "}}", "collateral-invalid" },
	{ "mrconfigid", TDX("\"mrconfigid\":\"" RTMR0_V5_1 "\""), "identity-mismatch" },
	{ "mrowner", TDX("\"mrowner\":\"" RTMR0_V5_1 "\""), "identity-mismatch" },
	{ "mrownerconfig", TDX("\"mrownerconfig\":\"" RTMR0_V5_1 "\""), "identity-mismatch" },
	/* XFAM: exact or mask/value, in the quote's byte order */
	{ "xfam equal", TDX("\"xfam\":\"e702060000000000\""), "accepted" },
	{ "xfam differs", TDX("\"xfam\":\"e718060000000000\""), "guest-policy" },
	{ "xfam mask/value met", TDX("\"xfam\":{\"mask\":\"e000000000000000\",\"value\":\"e000000000000000\"}"), "accepted" },
	{ "xfam mask/value: AVX-512 forbidden", TDX("\"xfam\":{\"mask\":\"e000000000000000\",\"value\":\"0000000000000000\"}"), "guest-policy" },
	{ "xfam value outside mask", TDX("\"xfam\":{\"mask\":\"0100000000000000\",\"value\":\"0300000000000000\"}"), "parse-error" },
	{ "xfam mask without value", TDX("\"xfam\":{\"mask\":\"0100000000000000\"}"), "parse-error" },
	{ "xfam extra key", TDX("\"xfam\":{\"mask\":\"01\",\"value\":\"01\",\"x\":1}"), "parse-error" },
	/* TD attributes */
	{ "sept_ve_disable required", TDX("\"td_attributes\":{\"sept_ve_disable\":true}"), "accepted" },
	{ "sept_ve_disable forbidden", TDX("\"td_attributes\":{\"sept_ve_disable\":false}"), "guest-policy" },
	{ "pks required", TDX("\"td_attributes\":{\"pks\":true}"), "guest-policy" },
	{ "named bits clear", TDX("\"td_attributes\":{\"migratable\":false,\"pks\":false,\"perfmon\":false,\"kl\":false,\"lass\":false,\"icssd\":false,\"servtd_ext\":false,\"tpa\":false,\"hgs_plus_prof\":false,\"perf_prof\":false,\"pmt_prof\":false}"), "accepted" },
	{ "perfmon required", TDX("\"td_attributes\":{\"perfmon\":true}"), "guest-policy" },
	{ "attributes mask/value met", TDX("\"td_attributes\":{\"mask\":\"000000f000000000\",\"value\":\"0000001000000000\"}"), "accepted" },
	{ "attributes mask/value differ", TDX("\"td_attributes\":{\"mask\":\"000000f000000000\",\"value\":\"0000004000000000\"}"), "guest-policy" },
	{ "attributes debug key", TDX("\"td_attributes\":{\"debug\":false}"), "parse-error" },
	{ "attributes mask covers debug", TDX("\"td_attributes\":{\"mask\":\"0100000000000000\",\"value\":\"0000000000000000\"}"), "parse-error" },
	{ "attributes unknown bit name", TDX("\"td_attributes\":{\"sept\":true}"), "parse-error" },
	{ "attributes value outside mask", TDX("\"td_attributes\":{\"mask\":\"0000001000000000\",\"value\":\"0000003000000000\"}"), "parse-error" },
	{ "min tee tcb svn met", TDX("\"min_tee_tcb_svn\":\"0b010400000000000000000000000000\""), "accepted" },
	{ "min tee tcb svn", TDX("\"min_tee_tcb_svn\":\"0c010400000000000000000000000000\""), "tcb-too-old" },
	{ "status without collateral", TDX("\"tcb_statuses\":[\"UpToDate\"]"), "tcb-too-old" },
	{ "snp-only policy", "{\"snp\":{" ANY "}}", "product-mismatch" },
	{ "unknown tdx key", TDX("\"rtmr4\":[\"" ZERO48 "\"]"), "parse-error" },
	{ "unknown status", TDX("\"tcb_statuses\":[\"UptoDate\"]"), "parse-error" },
	{ "Revoked is never allowed", TDX("\"tcb_statuses\":[\"Revoked\"]"), "parse-error" },
	{ "statuses not list", TDX("\"tcb_statuses\":\"UpToDate\""), "parse-error" },
	{ "trailing object", "{\"tdx\":{@PIN@," NOCOL "}}{}", "parse-error" },
};

static const struct policy_case debug_td_cases[] = {
	{ "debug TD refused", "{\"tdx\":{@PIN@," NOCOL "}}", "debug-policy" },
	{ "debug TD allowed", "{\"tdx\":{@PIN@," NOCOL ",\"allow_debug\":true}}", "accepted" },
};

/* with verified collateral, no opt-in is needed */
static const struct policy_case outdated_cases[] = {
	{ "UpToDate only", "{\"tdx\":{@PIN@,\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\"]}}", "tcb-too-old" },
	{ "OutOfDate allowed", "{\"tdx\":{@PIN@,\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\",\"OutOfDate\"]}}", "accepted" },
	{ "collateral verified", "{\"tdx\":{@PIN@,\"allow_debug\":true}}", "accepted" },
};

static const struct policy_case uptodate_cases[] = {
	{ "UpToDate only", "{\"tdx\":{@PIN@,\"allow_debug\":true,\"tcb_statuses\":[\"UpToDate\"]}}", "accepted" },
};

#define N(a) (sizeof a / sizeof a[0])

static void count_line(void *arg, const char *line)
{
	(void)line;
	++*(int *)arg;
}

static void find_line(void *arg, const char *line)
{
	const char **want = arg;
	if (*want && !strcmp(line, *want))
		*want = NULL;
}

/* What a policy leaves open, as `cocobroker volume add` prints it. */
static void open_fields(void)
{
	cb_policy *p;
	cb_refusal why;
	int n_loose = 0, n_tight = 0;
	const char *loose = "{\"snp\":{" ANY "}}";
	CHECK(cb_policy_parse(&p, loose, strlen(loose), &why) == 0, "loose policy parses (%s)\n", why.detail);
	cb_policy_open_fields(p, count_line, &n_loose);
	const char *want = "snp.host_data: any value accepted";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want == NULL, "an absent host_data is listed as open\n");
	want = "snp.guest_policy.cxl_allow: either value accepted";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want == NULL, "an unconstrained guest-policy bit is listed as open\n");
	cb_policy_free(p);
	const char *tight = SNP("\"host_data\":\"0000000000000000000000000000000000000000000000000000000000000000\","
				"\"guest_policy\":{\"cxl_allow\":false},\"require_crl\":true");
	CHECK(cb_policy_parse(&p, tight, strlen(tight), &why) == 0, "tight policy parses (%s)\n", why.detail);
	cb_policy_open_fields(p, count_line, &n_tight);
	want = "snp.host_data: any value accepted";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want != NULL, "a pinned host_data is not listed as open\n");
	cb_policy_free(p);
	/* measurements, host_data, cxl_allow, require_crl */
	CHECK(n_loose - n_tight == 4, "pinning four fields lists four fewer open lines (%d vs %d)\n", n_loose, n_tight);
	const char *tdx = "{\"tdx\":{\"mrtd\":[\"" ZERO48 "\"],\"rtmr1\":[\"" ZERO48 "\"],\"rtmr2\":[\"" ZERO48 "\"]," NOCOL "}}";
	CHECK(cb_policy_parse(&p, tdx, strlen(tdx), &why) == 0, "tdx policy parses (%s)\n", why.detail);
	want = "tdx.allow_no_collateral: quotes accepted without verified collateral (no TCB status, no revocation)";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want == NULL, "allow_no_collateral is listed as open\n");
	want = "tdx.rtmr0: any value accepted";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want == NULL, "an absent rtmr0 is listed as open\n");
	want = "tdx.td_attributes.migratable: either value accepted";
	cb_policy_open_fields(p, find_line, &want);
	CHECK(want != NULL, "MIGRATABLE (clear by default) is not listed as open\n");
	cb_policy_free(p);
}

/* Trailing bytes the string tables cannot hold: a NUL, then more. */
static void trailing_nul(const cb_claims *c)
{
	static const char text[] = SNP("\"allow_smt\":true") "\0{}";
	cb_policy *p = NULL;
	cb_refusal why;
	CHECK(cb_policy_parse(&p, text, sizeof text - 1, &why) != 0 && !strcmp(why.code, CB_REASON_MALFORMED),
	      "NUL and an object after the policy are refused\n");
	cb_policy_free(p);
	CHECK(cb_policy_parse(&p, text, strlen(text), &why) == 0 && cb_policy_check(p, c, &why) == 0,
	      "the same policy without the tail is accepted (%s)\n", why.detail);
	cb_policy_free(p);
}

/* the cases on claims of real vectors from ../shared/testdata */
static void real_claims_cases(void)
{
	cb_claims c = snp_claims("milan-2");
	run_cases("milan-2", &c, milan2_cases, N(milan2_cases));
	trailing_nul(&c);

	/* claims the real vectors do not show, on milan-2 */
	static const struct policy_case vmpl3_cases[] = {
		{ "VMPL 3 refused by default", SNP("\"min_guest_svn\":1"), "guest-policy" },
		{ "VMPL 3 listed", SNP("\"vmpls\":[3]"), "accepted" },
	};
	cb_claims m = c;
	m.snp.vmpl = 3;
	run_cases("milan-2 VMPL 3", &m, vmpl3_cases, N(vmpl3_cases));
	static const struct policy_case bits_cases[] = {
		{ "single_socket required", SNP("\"guest_policy\":{\"single_socket\":true}"), "accepted" },
		{ "single_socket forbidden", SNP("\"guest_policy\":{\"single_socket\":false}"), "guest-policy" },
		{ "ciphertext_hiding required", SNP("\"guest_policy\":{\"ciphertext_hiding\":true}"), "accepted" },
		{ "rapl_dis forbidden", SNP("\"guest_policy\":{\"rapl_dis\":false}"), "guest-policy" },
		{ "min abi 1.55 met", SNP("\"guest_policy\":{\"min_abi\":\"1.55\"}"), "accepted" },
		{ "min abi 1.56", SNP("\"guest_policy\":{\"min_abi\":\"1.56\"}"), "guest-policy" },
		{ "tsme and ecc required", SNP("\"platform_info\":{\"tsme_en\":true,\"ecc_en\":true}"), "accepted" },
		{ "rapl_dis platform forbidden", SNP("\"platform_info\":{\"rapl_dis\":false}"), "guest-policy" },
		{ "require_crl met", SNP("\"require_crl\":true"), "accepted" },
	};
	m = c;
	m.snp.policy = 0x30000 | 1ull << 20 | 1ull << 23 | 1ull << 24 | 0x0137; /* ABI 1.55 */
	m.snp.platform_info = 0x0f;
	m.crl_checked = true;
	run_cases("milan-2 bits", &m, bits_cases, N(bits_cases));
	static const struct policy_case reserved_cases[] = {
		{ "reserved guest policy bit", SNP("\"allow_smt\":true"), "guest-policy" },
	};
	m = c;
	m.snp.policy |= 1ull << 26;
	run_cases("milan-2 reserved", &m, reserved_cases, N(reserved_cases));

	c = snp_claims("milan-1");
	run_cases("milan-1", &c, milan1_cases, N(milan1_cases));
	c = snp_claims("milan-vlek-1");
	run_cases("milan-vlek-1", &c, vlek_cases, N(vlek_cases));
	c = tdx_claims("v5-1", NULL);
	run_cases("v5-1", &c, v51_cases, N(v51_cases));

	/* TD attributes the real vectors do not show, on v5-1 */
	static const struct policy_case attr_cases[] = {
		{ "reserved bit 40 refused by default", TDX("\"allow_debug\":false"), "guest-policy" },
		{ "reserved bit 40 pinned by mask/value", TDX("\"td_attributes\":{\"mask\":\"0000000000010000\",\"value\":\"0000000000010000\"}"), "accepted" },
	};
	m = c;
	m.tdx.td_attributes[5] |= 0x01;
	run_cases("v5-1 reserved attribute", &m, attr_cases, N(attr_cases));
	static const struct policy_case migratable_cases[] = {
		{ "migratable refused by default", TDX("\"allow_debug\":false"), "guest-policy" },
		{ "migratable allowed", TDX("\"td_attributes\":{\"migratable\":true}"), "accepted" },
		{ "migratable forbidden", TDX("\"td_attributes\":{\"migratable\":false}"), "guest-policy" },
	};
	m = c;
	m.tdx.td_attributes[3] |= 0x20;
	run_cases("v5-1 migratable", &m, migratable_cases, N(migratable_cases));
	static const struct policy_case prof_cases[] = {
		{ "perf_prof refused by default", TDX("\"allow_debug\":false"), "guest-policy" },
		{ "perf_prof allowed", TDX("\"td_attributes\":{\"perf_prof\":true}"), "accepted" },
	};
	m = c;
	m.tdx.td_attributes[0] |= 0x20;
	run_cases("v5-1 perf_prof", &m, prof_cases, N(prof_cases));
	static const struct policy_case pks_cases[] = {
		{ "pks unconstrained by default", TDX("\"allow_debug\":false"), "accepted" },
		{ "pks forbidden", TDX("\"td_attributes\":{\"pks\":false}"), "guest-policy" },
		{ "perfmon forbidden", TDX("\"td_attributes\":{\"perfmon\":false}"), "guest-policy" },
	};
	m = c;
	m.tdx.td_attributes[3] |= 0x40;
	m.tdx.td_attributes[7] |= 0x80;
	run_cases("v5-1 pks+perfmon", &m, pks_cases, N(pks_cases));
	/* the verifier's word that collateral was checked is enough */
	static const struct policy_case collateral_cases[] = {
		{ "collateral_checked", "{\"tdx\":{@PIN@}}", "accepted" },
	};
	m = c;
	m.collateral_checked = true;
	run_cases("v5-1 collateral_checked", &m, collateral_cases, N(collateral_cases));

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
		{ "test product not allowed by default", "{\"snp\":{@PIN@}}", "product-mismatch" },
		{ "test product named", "{\"snp\":{@PIN@,\"products\":[\"test\"]}}", "accepted" },
	};
	run_cases("test-root", &c, test_cases, N(test_cases));
	c = tdx_claims("v5-1", NULL);
	c.test_root = true;
	static const struct policy_case tdx_test_cases[] = {
		{ "test root not allowed by default", "{\"tdx\":{@PIN@," NOCOL "}}", "product-mismatch" },
		{ "test root allowed", "{\"tdx\":{@PIN@," NOCOL ",\"allow_test_root\":true}}", "accepted" },
	};
	run_cases("tdx-test-root", &c, tdx_test_cases, N(tdx_test_cases));
}

int main(void)
{
	/* skipped with the reason when ../shared/testdata is absent */
	TD_GROUP(real_claims_cases());

	open_fields();

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
