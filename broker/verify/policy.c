/* Per-volume policy: parsing (strict: unknown keys are errors) and checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "policy.h"

#define MAX_LIST 64

struct hexlist {
	size_t n;
	uint8_t v[MAX_LIST][48];
};

struct snp_policy {
	bool present;
	bool allow_debug, allow_migration_agent, allow_smt, allow_vlek;
	bool has_products;
	bool products[CB_PRODUCT_TDX_TEST + 1];
	bool has_measurements;
	struct hexlist measurements;
	bool has_host_data, has_family_id, has_image_id;
	uint8_t host_data[32], family_id[16], image_id[16];
	bool has_id_keys, has_author_keys;
	struct hexlist id_keys, author_keys;
	bool has_min_guest_svn;
	uint32_t min_guest_svn;
	bool has_vmpls;
	bool vmpls[4];
	bool has_min_tcb;
	cb_snp_tcb min_tcb;
};

struct tdx_policy {
	bool present;
	bool allow_debug, allow_test_root;
	bool has_mrtd;
	struct hexlist mrtd;
	bool has_rtmr[4];
	uint8_t rtmr[4][48];
	bool has_mrconfigid, has_mrowner, has_mrownerconfig, has_xfam, has_min_svn;
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48], xfam[8], min_svn[16];
	bool has_statuses;
	size_t n_statuses;
	char statuses[16][40];
};

struct cb_policy {
	struct snp_policy snp;
	struct tdx_policy tdx;
};

/* --- parsing helpers: each returns 0 or -1 with *why ---------------------- */

static int get_bool(const cJSON *v, bool *out, const char *name, cb_refusal *why)
{
	if (!cJSON_IsBool(v))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be true or false", name);
	*out = cJSON_IsTrue(v);
	return 0;
}

static int get_hex(const cJSON *v, uint8_t *out, size_t n, const char *name, cb_refusal *why)
{
	if (!cJSON_IsString(v) || cb_unhex(out, n, v->valuestring) != 0)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be %zu hex digits", name, 2 * n);
	return 0;
}

static int get_hexlist(const cJSON *v, struct hexlist *out, size_t n, const char *name, cb_refusal *why)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0 || cJSON_GetArraySize(v) > MAX_LIST)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be a list of 1..%d hex strings",
				 name, MAX_LIST);
	out->n = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, v)
		if (get_hex(item, out->v[out->n++], n, name, why))
			return -1;
	return 0;
}

static int get_uint(const cJSON *v, uint32_t max, uint32_t *out, const char *name, cb_refusal *why)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be an integer 0..%u", name, max);
	*out = (uint32_t)v->valuedouble;
	return 0;
}

/* cJSON keeps every copy of a repeated key: a policy that says one thing
 * twice is ambiguous, and a list given twice would be appended twice. */
static int unique_keys(const cJSON *o, const char *section, cb_refusal *why)
{
	for (const cJSON *a = o->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (!strcmp(a->string, b->string))
				return cb_refuse(why, CB_REASON_MALFORMED, "policy: duplicate key \"%s%s\"", section,
						 a->string);
	return 0;
}

static int parse_min_tcb(const cJSON *o, cb_snp_tcb *t, cb_refusal *why)
{
	if (!cJSON_IsObject(o))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"min_reported_tcb\" must be an object");
	if (unique_keys(o, "snp.min_reported_tcb.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		uint32_t v = 0;
		if (get_uint(f, 255, &v, f->string, why))
			return -1;
		if (!strcmp(f->string, "bootloader"))
			t->bootloader = (uint8_t)v;
		else if (!strcmp(f->string, "tee"))
			t->tee = (uint8_t)v;
		else if (!strcmp(f->string, "snp"))
			t->snp = (uint8_t)v;
		else if (!strcmp(f->string, "microcode"))
			t->microcode = (uint8_t)v;
		else if (!strcmp(f->string, "fmc")) {
			t->fmc = (uint8_t)v;
			t->has_fmc = true;
		} else
			return cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"min_reported_tcb.%s\"",
					 f->string);
	}
	return 0;
}

static int parse_products(const cJSON *v, struct snp_policy *p, cb_refusal *why)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"products\" must be a non-empty list");
	const cJSON *item;
	cJSON_ArrayForEach(item, v) {
		static const cb_product all[] = { CB_PRODUCT_MILAN, CB_PRODUCT_GENOA, CB_PRODUCT_TURIN,
						  CB_PRODUCT_SNP_TEST };
		size_t i;
		for (i = 0; i < 4; i++)
			if (cJSON_IsString(item) && !strcmp(item->valuestring, cb_product_name(all[i])))
				break;
		if (i == 4)
			return cb_refuse(why, CB_REASON_MALFORMED,
					 "policy: \"products\" entries must be Milan, Genoa, Turin or test");
		p->products[all[i]] = true;
	}
	p->has_products = true;
	return 0;
}

static int parse_snp(const cJSON *o, struct snp_policy *p, cb_refusal *why)
{
	p->present = true;
	p->allow_smt = true;
	p->allow_vlek = true;
	if (unique_keys(o, "snp.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const char *k = f->string;
		int r;
		uint32_t u = 0;
		if (!strcmp(k, "allow_debug"))
			r = get_bool(f, &p->allow_debug, k, why);
		else if (!strcmp(k, "allow_migration_agent"))
			r = get_bool(f, &p->allow_migration_agent, k, why);
		else if (!strcmp(k, "allow_smt"))
			r = get_bool(f, &p->allow_smt, k, why);
		else if (!strcmp(k, "allow_vlek"))
			r = get_bool(f, &p->allow_vlek, k, why);
		else if (!strcmp(k, "products"))
			r = parse_products(f, p, why);
		else if (!strcmp(k, "measurements"))
			r = get_hexlist(f, &p->measurements, 48, k, why), p->has_measurements = true;
		else if (!strcmp(k, "host_data"))
			r = get_hex(f, p->host_data, 32, k, why), p->has_host_data = true;
		else if (!strcmp(k, "family_id"))
			r = get_hex(f, p->family_id, 16, k, why), p->has_family_id = true;
		else if (!strcmp(k, "image_id"))
			r = get_hex(f, p->image_id, 16, k, why), p->has_image_id = true;
		else if (!strcmp(k, "id_key_digests"))
			r = get_hexlist(f, &p->id_keys, 48, k, why), p->has_id_keys = true;
		else if (!strcmp(k, "author_key_digests"))
			r = get_hexlist(f, &p->author_keys, 48, k, why), p->has_author_keys = true;
		else if (!strcmp(k, "min_guest_svn"))
			r = get_uint(f, UINT32_MAX, &p->min_guest_svn, k, why), p->has_min_guest_svn = true;
		else if (!strcmp(k, "vmpls")) {
			r = 0;
			p->has_vmpls = true;
			if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0)
				r = cb_refuse(why, CB_REASON_MALFORMED, "policy: \"vmpls\" must be a non-empty list");
			const cJSON *item;
			cJSON_ArrayForEach(item, f) {
				if (r || (r = get_uint(item, 3, &u, k, why)))
					break;
				p->vmpls[u] = true;
			}
		} else if (!strcmp(k, "min_reported_tcb"))
			r = parse_min_tcb(f, &p->min_tcb, why), p->has_min_tcb = true;
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"snp.%s\"", k);
		if (r)
			return -1;
	}
	return 0;
}

/* A typo would otherwise be a status that never matches. */
static int known_status(const char *s)
{
	static const char *const known[] = {
		"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
		"OutOfDate", "OutOfDateConfigurationNeeded",
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(s, known[i]))
			return 1;
	return 0;
}

static int parse_tdx(const cJSON *o, struct tdx_policy *p, cb_refusal *why)
{
	p->present = true;
	if (unique_keys(o, "tdx.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const char *k = f->string;
		int r;
		if (!strcmp(k, "allow_debug"))
			r = get_bool(f, &p->allow_debug, k, why);
		else if (!strcmp(k, "allow_test_root"))
			r = get_bool(f, &p->allow_test_root, k, why);
		else if (!strcmp(k, "mrtd"))
			r = get_hexlist(f, &p->mrtd, 48, k, why), p->has_mrtd = true;
		else if (!strncmp(k, "rtmr", 4) && k[4] >= '0' && k[4] <= '3' && !k[5])
			r = get_hex(f, p->rtmr[k[4] - '0'], 48, k, why), p->has_rtmr[k[4] - '0'] = true;
		else if (!strcmp(k, "mrconfigid"))
			r = get_hex(f, p->mrconfigid, 48, k, why), p->has_mrconfigid = true;
		else if (!strcmp(k, "mrowner"))
			r = get_hex(f, p->mrowner, 48, k, why), p->has_mrowner = true;
		else if (!strcmp(k, "mrownerconfig"))
			r = get_hex(f, p->mrownerconfig, 48, k, why), p->has_mrownerconfig = true;
		else if (!strcmp(k, "xfam"))
			r = get_hex(f, p->xfam, 8, k, why), p->has_xfam = true;
		else if (!strcmp(k, "min_tee_tcb_svn"))
			r = get_hex(f, p->min_svn, 16, k, why), p->has_min_svn = true;
		else if (!strcmp(k, "tcb_statuses")) {
			r = 0;
			p->has_statuses = true;
			if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0 || cJSON_GetArraySize(f) > 16)
				r = cb_refuse(why, CB_REASON_MALFORMED, "policy: \"tcb_statuses\" must be a list of 1..16 strings");
			const cJSON *item;
			cJSON_ArrayForEach(item, f) {
				if (r)
					break;
				if (!cJSON_IsString(item) || !known_status(item->valuestring))
					r = cb_refuse(why, CB_REASON_MALFORMED,
						      "policy: \"tcb_statuses\" entries must be Intel TCB statuses (UpToDate, OutOfDate, ...)");
				else if (p->n_statuses < sizeof p->statuses / sizeof p->statuses[0])
					snprintf(p->statuses[p->n_statuses++], sizeof p->statuses[0], "%s", item->valuestring);
			}
		} else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"tdx.%s\"", k);
		if (r)
			return -1;
	}
	return 0;
}

int cb_policy_parse(cb_policy **out, const char *json, size_t len, cb_refusal *why)
{
	*out = NULL;
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: not a JSON object");
	}
	cb_policy *p = calloc(1, sizeof *p);
	if (!p) {
		cJSON_Delete(root);
		return cb_refuse(why, CB_REASON_INTERNAL, "out of memory");
	}
	int r = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, root) {
		if (!strcmp(f->string, "snp") && cJSON_IsObject(f) && !p->snp.present)
			r = parse_snp(f, &p->snp, why);
		else if (!strcmp(f->string, "tdx") && cJSON_IsObject(f) && !p->tdx.present)
			r = parse_tdx(f, &p->tdx, why);
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown, duplicate or non-object key \"%s\"",
				      f->string);
		if (r)
			break;
	}
	if (!r && !p->snp.present && !p->tdx.present)
		r = cb_refuse(why, CB_REASON_MALFORMED, "policy: needs an \"snp\" or a \"tdx\" section");
	cJSON_Delete(root);
	if (r) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int cb_policy_load(cb_policy **out, const char *path, cb_refusal *why)
{
	uint8_t *data;
	size_t len;
	*out = NULL;
	if (cb_read_file(path, 1024 * 1024, &data, &len) != 0)
		return cb_refuse(why, CB_REASON_MALFORMED, "cannot read policy %s: %s", path, strerror(errno));
	int r = cb_policy_parse(out, (const char *)data, len, why);
	free(data);
	return r;
}

void cb_policy_free(cb_policy *p)
{
	free(p);
}

/* --- checks ---------------------------------------------------------------- */

static int in_list(const struct hexlist *l, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->v[i], v, n) == 0)
			return 1;
	return 0;
}

static int check_snp(const struct snp_policy *p, const cb_claims *cl, cb_refusal *why)
{
	const cb_snp_claims *c = &cl->snp;
	char hex[97];
	bool product_ok = p->has_products ? p->products[c->product]
					  : (c->product != CB_PRODUCT_SNP_TEST && !cl->test_root);
	if (!product_ok)
		return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "product %s is not allowed by the policy",
				 cb_product_name(c->product));
	if (c->debug && !p->allow_debug)
		return cb_refuse(why, CB_REASON_DEBUG_POLICY, "guest policy allows debugging");
	if (c->migrate_ma && !p->allow_migration_agent)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy allows a migration agent");
	if (c->smt && !p->allow_smt)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy allows SMT");
	if (c->signed_by_vlek && !p->allow_vlek)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "report is signed by a VLEK");
	if (p->has_vmpls && (c->vmpl > 3 || !p->vmpls[c->vmpl]))
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "VMPL %u is not allowed", c->vmpl);
	if (p->has_measurements && !in_list(&p->measurements, c->measurement, 48)) {
		cb_hex(hex, c->measurement, 48);
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "measurement %s is not in the allowlist", hex);
	}
	if (p->has_host_data && memcmp(p->host_data, c->host_data, 32))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "host_data differs from the policy");
	if (p->has_family_id && memcmp(p->family_id, c->family_id, 16))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "family_id differs from the policy");
	if (p->has_image_id && memcmp(p->image_id, c->image_id, 16))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "image_id differs from the policy");
	if (p->has_id_keys && !in_list(&p->id_keys, c->id_key_digest, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "id_key_digest is not allowed");
	if (p->has_author_keys && !in_list(&p->author_keys, c->author_key_digest, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "author_key_digest is not allowed");
	if (p->has_min_guest_svn && c->guest_svn < p->min_guest_svn)
		return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "guest_svn %u < minimum %u", c->guest_svn,
				 p->min_guest_svn);
	if (p->has_min_tcb) {
		const cb_snp_tcb *t = &c->reported_tcb, *m = &p->min_tcb;
		if (t->bootloader < m->bootloader || t->tee < m->tee || t->snp < m->snp ||
		    t->microcode < m->microcode || (m->has_fmc && t->has_fmc && t->fmc < m->fmc))
			return cb_refuse(why, CB_REASON_TCB_TOO_OLD,
					 "reported_tcb bl %u tee %u snp %u ucode %u below the policy minimum bl %u tee %u snp %u ucode %u",
					 t->bootloader, t->tee, t->snp, t->microcode, m->bootloader, m->tee, m->snp,
					 m->microcode);
	}
	return 0;
}

static int check_tdx(const struct tdx_policy *p, const cb_claims *cl, cb_refusal *why)
{
	const cb_tdx_claims *c = &cl->tdx;
	if (cl->test_root && !p->allow_test_root)
		return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "quote verified against a TEST root");
	if (c->debug && !p->allow_debug)
		return cb_refuse(why, CB_REASON_DEBUG_POLICY, "TD attributes allow debugging");
	if (p->has_mrtd && !in_list(&p->mrtd, c->mrtd, 48))
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "MRTD is not in the allowlist");
	for (int i = 0; i < 4; i++)
		if (p->has_rtmr[i] && memcmp(p->rtmr[i], c->rtmr[i], 48))
			return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "RTMR%d differs from the policy", i);
	if (p->has_mrconfigid && memcmp(p->mrconfigid, c->mrconfigid, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MRCONFIGID differs from the policy");
	if (p->has_mrowner && memcmp(p->mrowner, c->mrowner, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MROWNER differs from the policy");
	if (p->has_mrownerconfig && memcmp(p->mrownerconfig, c->mrownerconfig, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MROWNERCONFIG differs from the policy");
	if (p->has_xfam && memcmp(p->xfam, c->xfam, 8))
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "XFAM differs from the policy");
	if (p->has_min_svn)
		for (int i = 0; i < 16; i++)
			if (c->tee_tcb_svn[i] < p->min_svn[i])
				return cb_refuse(why, CB_REASON_TCB_TOO_OLD,
						 "TEE TCB SVN component %d is %u, policy minimum %u", i,
						 c->tee_tcb_svn[i], p->min_svn[i]);
	if (p->has_statuses) {
		if (!c->has_tcb_status)
			return cb_refuse(why, CB_REASON_TCB_TOO_OLD,
					 "policy restricts the TCB status but no collateral was evaluated");
		size_t i;
		for (i = 0; i < p->n_statuses; i++)
			if (!strcmp(p->statuses[i], c->tcb_status))
				break;
		if (i == p->n_statuses)
			return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "TCB status %s is not allowed", c->tcb_status);
	}
	return 0;
}

int cb_policy_check(const cb_policy *p, const cb_claims *c, cb_refusal *why)
{
	if (!p)
		return cb_refuse(why, CB_REASON_NO_POLICY, "no policy: denied");
	if (c->provider == CB_PROVIDER_SNP) {
		if (!p->snp.present)
			return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "policy has no \"snp\" section");
		return check_snp(&p->snp, c, why);
	}
	if (c->provider == CB_PROVIDER_TDX) {
		if (!p->tdx.present)
			return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "policy has no \"tdx\" section");
		return check_tdx(&p->tdx, c, why);
	}
	return cb_refuse(why, CB_REASON_MALFORMED, "claims of no known provider");
}
