/*
 * Table-driven from ../shared/testdata/vectors.json: every genuine SEV-SNP
 * report and TDX quote is accepted inside its validity window with every
 * decoded field equal to the table; the negative VCEKs are refused; TDX
 * collateral gives the TCB status the table's evaluation gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "broker/verify/internal.h"
#include "testutil.h"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

#define CHECK_HEX(name, field, bytes, want)                                          \
	do {                                                                         \
		char h_[2 * 128 + 1];                                                \
		hexs(h_, field, bytes);                                              \
		CHECK(strcmp(h_, want) == 0, "%s: %s = %s, table %s\n", name, #field, h_, want); \
	} while (0)

static void check_tcb(const char *name, const char *what, const cb_snp_tcb *t, const cJSON *want)
{
	CHECK(t->bootloader == jnum(want, "bootloader") && t->tee == jnum(want, "tee") &&
	      t->snp == jnum(want, "snp") && t->microcode == jnum(want, "microcode"),
	      "%s: %s components differ from the table\n", name, what);
	const cJSON *fmc = cJSON_GetObjectItem(want, "fmc");
	CHECK(t->has_fmc == (fmc != NULL) && (!fmc || t->fmc == fmc->valuedouble), "%s: %s fmc\n", name, what);
	char raw[24];
	snprintf(raw, sizeof raw, "0x%llx", (unsigned long long)t->raw);
	CHECK(strcmp(raw, jstr(want, "raw")) == 0, "%s: %s raw %s vs %s\n", name, what, raw, jstr(want, "raw"));
}

static cb_product product_of_ark(const char *ark)
{
	if (strstr(ark, "milan"))
		return CB_PRODUCT_MILAN;
	if (strstr(ark, "genoa"))
		return CB_PRODUCT_GENOA;
	return CB_PRODUCT_TURIN;
}

static void snp_vector(const char *name, const cJSON *vec)
{
	struct snp_case sc;
	snp_case_load(&sc, vec);
	cb_claims c;
	cb_refusal why;
	int r = cb_verify(vendor_trust(), &sc.ev, &c, &why);
	if (strncmp(name, "neg-", 4) == 0) {
		CHECK(r != 0 && why.code && !strcmp(why.code, CB_REASON_CHAIN_INVALID),
		      "%s: negative VCEK must be refused as chain-invalid (got %s)\n", name, r ? why.code : "accepted");
		snp_case_free(&sc);
		return;
	}
	CHECK(r == 0, "%s: genuine report refused: %s: %s\n", name, why.code, why.detail);
	if (r) {
		snp_case_free(&sc);
		return;
	}
	const cJSON *f = cJSON_GetObjectItem(vec, "fields");
	const cb_snp_claims *s = &c.snp;
	CHECK(c.provider == CB_PROVIDER_SNP && !c.test_root, "%s: provider/test_root\n", name);
	CHECK(s->version == jnum(f, "version"), "%s: version\n", name);
	CHECK(s->guest_svn == jnum(f, "guest_svn"), "%s: guest_svn\n", name);
	CHECK(s->vmpl == jnum(f, "vmpl"), "%s: vmpl\n", name);
	CHECK(s->signature_algo == jnum(f, "signature_algo"), "%s: signature_algo\n", name);
	char buf[32];
	snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)s->policy);
	CHECK(!strcmp(buf, jstr(f, "policy")), "%s: policy %s\n", name, buf);
	snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)s->platform_info);
	CHECK(!strcmp(buf, jstr(f, "platform_info")), "%s: platform_info %s\n", name, buf);
	const cJSON *pd = cJSON_GetObjectItem(f, "policy_decoded");
	CHECK(s->debug == jnum(pd, "debug") && s->smt == jnum(pd, "smt") && s->migrate_ma == jnum(pd, "migrate_ma"),
	      "%s: decoded policy bits\n", name);
	CHECK(s->signed_by_vlek == (jnum(f, "signing_key") == 1), "%s: signing key\n", name);
	CHECK_HEX(name, s->measurement, 48, jstr(f, "measurement"));
	CHECK_HEX(name, s->report_data, 64, jstr(f, "report_data"));
	CHECK_HEX(name, s->host_data, 32, jstr(f, "host_data"));
	CHECK_HEX(name, s->chip_id, 64, jstr(f, "chip_id"));
	CHECK_HEX(name, s->family_id, 16, jstr(f, "family_id"));
	CHECK_HEX(name, s->image_id, 16, jstr(f, "image_id"));
	CHECK_HEX(name, s->id_key_digest, 48, jstr(f, "id_key_digest"));
	CHECK_HEX(name, s->author_key_digest, 48, jstr(f, "author_key_digest"));
	CHECK_HEX(name, s->report_id, 32, jstr(f, "report_id"));
	check_tcb(name, "reported_tcb", &s->reported_tcb, cJSON_GetObjectItem(f, "reported_tcb"));
	check_tcb(name, "current_tcb", &s->current_tcb, cJSON_GetObjectItem(f, "current_tcb"));
	check_tcb(name, "committed_tcb", &s->committed_tcb, cJSON_GetObjectItem(f, "committed_tcb"));
	check_tcb(name, "launch_tcb", &s->launch_tcb, cJSON_GetObjectItem(f, "launch_tcb"));
	if (cJSON_GetObjectItem(f, "cpuid_fam_id"))
		CHECK(s->has_cpuid && s->cpuid_family == jnum(f, "cpuid_fam_id") && s->cpuid_model == jnum(f, "cpuid_mod_id") &&
		      s->cpuid_stepping == jnum(f, "cpuid_step"), "%s: cpuid\n", name);
	else
		CHECK(!s->has_cpuid, "%s: v2 has no cpuid\n", name);
	const char *ark = jstr(cJSON_GetObjectItem(vec, "files"), "ark");
	CHECK(s->product == product_of_ark(ark), "%s: product %s, chain %s\n", name, cb_product_name(s->product), ark);

	/* The JSON rendering carries the same values. */
	char *json = cb_claims_to_json(&c);
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	CHECK(j && !strcmp(jstr(j, "measurement"), jstr(f, "measurement")) &&
	      !strcmp(jstr(j, "chip_id"), jstr(f, "chip_id")) &&
	      !strcmp(jstr(j, "signing_key"), s->signed_by_vlek ? "vlek" : "vcek") &&
	      !strcmp(jstr(j, "product"), cb_product_name(s->product)) &&
	      jnum(cJSON_GetObjectItem(j, "reported_tcb"), "microcode") ==
		      jnum(cJSON_GetObjectItem(f, "reported_tcb"), "microcode"),
	      "%s: claims JSON differs from the claims\n", name);
	cJSON_Delete(j);
	free(json);

	/* expected report_data: equal accepted, different refused */
	uint8_t want[64], other[64];
	memcpy(want, s->report_data, 64); /* cb_verify clears *claims first */
	memcpy(other, s->report_data, 64);
	sc.ev.expected_report_data = want;
	CHECK(cb_verify(vendor_trust(), &sc.ev, &c, &why) == 0, "%s: expected report_data equal\n", name);
	other[63] ^= 1;
	sc.ev.expected_report_data = other;
	CHECK(cb_verify(vendor_trust(), &sc.ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_REPORT_DATA_MISMATCH),
	      "%s: report_data mismatch must be refused\n", name);
	snp_case_free(&sc);
}

static void tdx_fields(const char *name, const cJSON *vec, const cb_claims *c)
{
	const cJSON *f = cJSON_GetObjectItem(vec, "fields"), *td = cJSON_GetObjectItem(f, "td_report");
	const cJSON *pck = cJSON_GetObjectItem(f, "pck_ext");
	const cb_tdx_claims *t = &c->tdx;
	CHECK(c->provider == CB_PROVIDER_TDX && !c->test_root && t->product == CB_PRODUCT_INTEL, "%s: provider\n", name);
	CHECK(t->version == jnum(f, "version"), "%s: version\n", name);
	CHECK(t->version == 4 ? t->body_type == 2 : t->body_type == jnum(f, "body_type"), "%s: body type\n", name);
	CHECK_HEX(name, t->tee_tcb_svn, 16, jstr(td, "tee_tcb_svn"));
	CHECK_HEX(name, t->mrseam, 48, jstr(td, "mrseam"));
	CHECK_HEX(name, t->mrsignerseam, 48, jstr(td, "mrsignerseam"));
	CHECK_HEX(name, t->seam_attributes, 8, jstr(td, "seam_attributes"));
	CHECK_HEX(name, t->td_attributes, 8, jstr(td, "td_attributes"));
	CHECK_HEX(name, t->xfam, 8, jstr(td, "xfam"));
	CHECK_HEX(name, t->mrtd, 48, jstr(td, "mrtd"));
	CHECK_HEX(name, t->mrconfigid, 48, jstr(td, "mrconfigid"));
	CHECK_HEX(name, t->mrowner, 48, jstr(td, "mrowner"));
	CHECK_HEX(name, t->mrownerconfig, 48, jstr(td, "mrownerconfig"));
	CHECK_HEX(name, t->rtmr[0], 48, jstr(td, "rtmr0"));
	CHECK_HEX(name, t->rtmr[1], 48, jstr(td, "rtmr1"));
	CHECK_HEX(name, t->rtmr[2], 48, jstr(td, "rtmr2"));
	CHECK_HEX(name, t->rtmr[3], 48, jstr(td, "rtmr3"));
	CHECK_HEX(name, t->report_data, 64, jstr(td, "report_data"));
	CHECK(t->debug == jnum(td, "td_attributes_debug"), "%s: debug\n", name);
	if (cJSON_GetObjectItem(td, "tee_tcb_svn2")) {
		CHECK(t->has_td15, "%s: TD 1.5 fields\n", name);
		CHECK_HEX(name, t->tee_tcb_svn2, 16, jstr(td, "tee_tcb_svn2"));
		CHECK_HEX(name, t->mrservicetd, 48, jstr(td, "mrservicetd"));
	} else {
		CHECK(!t->has_td15, "%s: TD 1.0 has no 1.5 fields\n", name);
	}
	CHECK_HEX(name, t->fmspc, 6, jstr(pck, "fmspc"));
	CHECK_HEX(name, t->pceid, 2, jstr(pck, "pceid"));
	CHECK(t->pcesvn == jnum(pck, "pcesvn"), "%s: pcesvn\n", name);
	const cJSON *comps = cJSON_GetObjectItem(pck, "sgx_tcb_comp_svns");
	int same = cJSON_GetArraySize(comps) == 16;
	for (int i = 0; i < 16 && same; i++)
		same = t->sgx_tcb_comp[i] == cJSON_GetArrayItem(comps, i)->valuedouble;
	CHECK(same, "%s: SGX TCB components\n", name);
}

/* Time inside each vector's collateral window (README "common validity
 * window"); NULL where the window is empty. */
static const struct {
	const char *name, *at;
} collateral_time[] = {
	{ "v4-1", "2023-06-19T00:00:00Z" },          { "v4-2-debug", "2023-06-19T00:00:00Z" },
	{ "v4-2-debug@2026", "2026-03-20T00:00:00Z" }, { "v4-3", NULL },
	{ "v4-4", "2025-06-20T00:00:00Z" },          { "v4-5", "2025-09-03T00:00:00Z" },
	{ "v4-6-padded", NULL },                     { "v4-azure-1", "2025-06-20T00:00:00Z" },
	{ "v4-gcp-1-padded", "2025-06-20T00:00:00Z" }, { "v5-1", "2026-02-19T00:00:00Z" },
	{ "v5-2", "2026-02-19T00:00:00Z" },          { "v5-3", "2026-02-19T00:00:00Z" },
};

static int rank(const char *s)
{
	static const char *order[] = { "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
				       "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded" };
	for (int i = 0; i < 6; i++)
		if (s && !strcmp(s, order[i]))
			return i;
	return -1;
}

/* A directory holding exactly this vector's collateral files. */
static void make_collateral_dir(char *dir, const cJSON *files)
{
	strcpy(dir, "/tmp/cb-verify-coll-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	static const char *keys[] = { "tcbinfo", "qeidentity", "pckcrl", "rootcrl", "tcbchain" };
	for (int i = 0; i < 5; i++) {
		const cJSON *v = cJSON_GetObjectItem(files, keys[i]);
		if (!cJSON_IsString(v))
			continue;
		char src[4096], dst[4096];
		snprintf(src, sizeof src, "%s/tdx/collateral/%s", testdata_dir(), v->valuestring);
		snprintf(dst, sizeof dst, "%s/%s", dir, v->valuestring);
		char abs[PATH_MAX];
		if (!realpath(src, abs)) {
			perror(src);
			exit(1);
		}
		if (symlink(abs, dst) != 0) {
			perror("symlink");
			exit(1);
		}
	}
}

static void remove_dir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void tdx_vector(const char *name, const cJSON *vec)
{
	struct tdx_case tc;
	tdx_case_load(&tc, vec);
	cb_claims c;
	cb_refusal why;
	int r = cb_verify(vendor_trust(), &tc.ev, &c, &why);
	CHECK(r == 0, "%s: genuine quote refused: %s: %s\n", name, why.code, why.detail);
	if (r == 0) {
		tdx_fields(name, vec, &c);
		CHECK(!c.tdx.has_tcb_status, "%s: no collateral, no TCB status\n", name);
	}

	/* with collateral */
	const char *at = NULL;
	for (size_t i = 0; i < sizeof collateral_time / sizeof collateral_time[0]; i++)
		if (!strcmp(collateral_time[i].name, name))
			at = collateral_time[i].at;
	const cJSON *files = cJSON_GetObjectItem(vec, "files"), *f = cJSON_GetObjectItem(vec, "fields");
	const cJSON *eval = cJSON_GetObjectItem(f, "tcb_eval");
	char dir[64];
	make_collateral_dir(dir, files);
	tc.ev.collateral_dir = dir;
	if (!at) {
		/* empty common window: no instant has every item valid */
		time_t t0 = td_time("2025-06-01 00:00:00+00:00");
		int refused = 1;
		for (int d = 0; d < 400 && refused; d += 3) {
			tc.ev.at = t0 + d * 86400;
			refused = cb_verify(vendor_trust(), &tc.ev, &c, &why) != 0;
		}
		CHECK(refused, "%s: collateral with an empty validity window must never verify\n", name);
	} else {
		cb_parse_rfc3339(at, &tc.ev.at);
		r = cb_verify(vendor_trust(), &tc.ev, &c, &why);
		if (!cJSON_IsString(cJSON_GetObjectItem(files, "tcbinfo"))) {
			CHECK(r != 0 && !strcmp(why.code, CB_REASON_COLLATERAL_INVALID),
			      "%s: no TCB info for the FMSPC must be collateral-invalid (got %s)\n", name, r ? why.code : "accepted");
		} else if (!cJSON_IsString(cJSON_GetObjectItem(eval, "platform_tcb_status"))) {
			CHECK(r != 0 && !strcmp(why.code, CB_REASON_TCB_TOO_OLD),
			      "%s: no matching TCB level must be tcb-too-old (got %s)\n", name, r ? why.code : "accepted");
		} else {
			const char *want = jstr(eval, "platform_tcb_status");
			const char *mod = jstr(eval, "tdx_module_tcb_status");
			if (rank(mod) > rank(want))
				want = mod;
			CHECK(r == 0 && c.tdx.has_tcb_status && !strcmp(c.tdx.tcb_status, want),
			      "%s: TCB status %s, expected %s (%s)\n", name, r ? "refused" : c.tdx.tcb_status, want,
			      r ? why.detail : "");
			CHECK(r == 0 && !strcmp(c.tdx.qe_tcb_status, jstr(f, "qe_tcb_status")), "%s: QE TCB status\n", name);
		}
	}
	remove_dir(dir);
	tdx_case_free(&tc);
}

/* Real TDX quotes of other projects (../shared/peer-vectors): their QE is
 * Intel's TD QE, so the pinned identity accepts them all; without collateral
 * collateral_checked stays false.  Absent data is skipped, with the reason. */
static void peer_tdx_quotes(void)
{
	static const char *const quotes[] = {
		"automata-dcap/quote-alibaba-v5.bin", "automata-dcap/quote-godcap-v4.bin", "oak/tdx-oc-gcp-quote.bin",
		"zkdcap/quote-gcp-v4-a.bin", "zkdcap/quote-gcp-v4-b.bin",
	};
	for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/../peer-vectors/%s", testdata_dir(), quotes[i]);
		if (access(path, R_OK) != 0) {
			printf("SKIP peer vector %s: not present (%s)\n", quotes[i], path);
			check_skipped++;
			continue;
		}
		size_t len;
		uint8_t *q = read_path(path, &len);
		cb_evidence ev = { .provider = "tdx_guest", .outblob = q, .outblob_len = len };
		cb_parse_rfc3339("2026-01-01T00:00:00Z", &ev.at);
		cb_claims c;
		cb_refusal why;
		int r = cb_verify(vendor_trust(), &ev, &c, &why);
		CHECK(r == 0 && !c.collateral_checked, "peer vector %s: %s\n", quotes[i], r ? why.detail : "collateral_checked");
		free(q);
	}
}

static void all_vectors(void)
{
	cJSON *v = td_vectors(), *vec;
	int n_snp = 0, n_tdx = 0;
	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(v, "snp")) {
		snp_vector(vec->string, vec);
		n_snp++;
	}
	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(v, "tdx")) {
		tdx_vector(vec->string, vec);
		n_tdx++;
	}
	CHECK(n_snp == 13 && n_tdx == 12, "vector table has %d SNP and %d TDX entries\n", n_snp, n_tdx);
}

int main(void)
{
	/* every check reads ../shared/testdata: skipped with the reason when it is absent */
	TD_GROUP(all_vectors());
	peer_tdx_quotes();
	cb_trust_free(vendor_trust());
	cJSON_Delete(td_vectors());
	return check_done();
}
