/* Per-volume policy: parsing (strict: unknown keys are errors) and checks. */
#include <errno.h>
#include <stdarg.h>
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

/* A "major.minor" version. */
struct version {
	uint8_t major, minor;
};

/* A named bit of a 64-bit field: true in the policy = must be set, false = must be clear. */
struct named_bit {
	const char *name;
	unsigned bit;
};

/* SEV-SNP ABI, GUEST_POLICY.  SMT (16), MIGRATE_MA (18) and DEBUG (19) are
 * allow_smt / allow_migration_agent / allow_debug; bit 17 is reserved-one. */
static const struct named_bit guest_policy_bits[] = {
	{ "single_socket", 20 }, { "cxl_allow", 21 }, { "mem_aes_256_xts", 22 },
	{ "rapl_dis", 23 },      { "ciphertext_hiding", 24 }, { "page_swap_disable", 25 },
};
/* Bits above PAGE_SWAP_DISABLE are reserved (must be zero) in the ABI this parser knows. */
#define GUEST_POLICY_RESERVED (~0ull << 26)

/* SEV-SNP ABI, PLATFORM_INFO. */
static const struct named_bit platform_info_bits[] = {
	{ "smt_en", 0 },          { "tsme_en", 1 },          { "ecc_en", 2 },
	{ "rapl_dis", 3 },        { "ciphertext_hiding_en", 4 }, { "alias_check_complete", 5 },
	{ "iommu_write_safe", 6 }, { "tio_en", 7 },
};

/* Intel TDX module ABI, TD ATTRIBUTES (DEBUG, bit 0, is allow_debug).  Bit 31
 * is Key Locker in TDX 1.0. */
static const struct named_bit td_attribute_bits[] = {
	{ "hgs_plus_prof", 4 },    { "perf_prof", 5 },  { "pmt_prof", 6 },   { "icssd", 16 },
	{ "servtd_ext", 17 },      { "lass", 27 },      { "sept_ve_disable", 28 }, { "migratable", 29 },
	{ "pks", 30 },             { "kl", 31 },        { "tpa", 62 },       { "perfmon", 63 },
};
#define TD_ATTR_DEBUG 1ull
#define TD_ATTR_KNOWN (TD_ATTR_DEBUG | 0x70ull | 1ull << 16 | 1ull << 17 | 0xf8000000ull | 3ull << 62)
/* Cleared unless the policy names them: the profiling bits let the host watch
 * the TD run, MIGRATABLE lets a migration TD move it (and its keys) away. */
#define TD_ATTR_DEFAULT_CLEAR (0x70ull | 1ull << 29)

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct snp_policy {
	bool present;
	bool allow_any_measurement;
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
	bool vmpls[4];          /* default: VMPL 0 only */
	bool has_min_tcb, has_min_launch_tcb;
	cb_snp_tcb min_tcb, min_launch_tcb;
	bool has_min_current_build, has_min_committed_build;
	uint8_t min_current_build, min_committed_build;
	bool has_min_current_version, has_min_committed_version, has_min_abi;
	struct version min_current_version, min_committed_version, min_abi;
	uint64_t gp_set, gp_clear;  /* guest policy bits that must be set / clear */
	uint64_t pi_set, pi_clear;  /* platform info bits that must be set / clear */
	bool require_crl;
};

struct tdx_policy {
	bool present;
	bool allow_any_measurement;
	bool allow_debug, allow_test_root, allow_no_collateral;
	bool has_mrtd;
	struct hexlist mrtd;
	bool has_rtmr[4];
	struct hexlist rtmr[4];
	bool has_mrconfigid, has_mrowner, has_mrownerconfig, has_xfam, has_min_svn;
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48], min_svn[16];
	uint64_t xfam_mask, xfam_value;     /* "xfam": exact (mask all ones) or {mask, value} */
	uint64_t attr_set, attr_clear;      /* named TD attribute bits */
	uint64_t attr_mask, attr_value;     /* "td_attributes": {"mask", "value"} */
	bool has_statuses;
	size_t n_statuses;
	char statuses[16][40];
	/* event digests of the replayed CCEL log: all three or none (parse_tdx) */
	bool has_kernel, has_initrd, has_cmdline;
	struct hexlist kernel, initrd, cmdline;
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
	if (!cJSON_IsString(v) || hex_decode(out, n, v->valuestring) != 0)
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

static int parse_min_tcb(const cJSON *o, const char *name, cb_snp_tcb *t, cb_refusal *why)
{
	char section[48];
	if (!cJSON_IsObject(o))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be an object", name);
	snprintf(section, sizeof section, "snp.%s.", name);
	if (unique_keys(o, section, why))
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
			return cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"%s%s\"", section, f->string);
	}
	return 0;
}

/* 1..3 decimal digits, 0..255. */
static int get_byte_dec(const char **s, uint8_t *out)
{
	unsigned v = 0, n = 0;
	for (; **s >= '0' && **s <= '9' && n < 4; (*s)++, n++)
		v = v * 10 + (unsigned)(**s - '0');
	if (n == 0 || n > 3 || v > 255)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* "major.minor", each 0..255 in decimal, nothing else. */
static int get_version(const cJSON *v, struct version *out, const char *name, cb_refusal *why)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	if (get_byte_dec(&s, &out->major) || *s++ != '.' || get_byte_dec(&s, &out->minor) || *s)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"%s\" must be a \"major.minor\" string (0..255 each)",
				 name);
	return 0;
}

static int version_below(uint8_t major, uint8_t minor, struct version min)
{
	return major < min.major || (major == min.major && minor < min.minor);
}

/* 16 hex digits: a 64-bit field in the evidence's (little-endian) byte order,
 * exactly as `cocobroker verify` prints it. */
static int get_u64hex(const cJSON *v, uint64_t *out, const char *name, cb_refusal *why)
{
	uint8_t b[8];
	if (get_hex(v, b, 8, name, why))
		return -1;
	*out = cb_le64(b);
	return 0;
}

static const struct named_bit *find_bit(const struct named_bit *tbl, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tbl[i].name, name))
			return &tbl[i];
	return NULL;
}

static int set_bit(const cJSON *f, const struct named_bit *b, uint64_t *set, uint64_t *clear, const char *section,
		   cb_refusal *why)
{
	bool v = false;
	char name[64];
	snprintf(name, sizeof name, "%s.%s", section, b->name);
	if (get_bool(f, &v, name, why))
		return -1;
	*(v ? set : clear) |= 1ull << b->bit;
	return 0;
}

/* "guest_policy": {"single_socket": true, ..., "min_abi": "1.51"} */
static int parse_guest_policy(const cJSON *o, struct snp_policy *p, cb_refusal *why)
{
	if (!cJSON_IsObject(o))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"guest_policy\" must be an object");
	if (unique_keys(o, "snp.guest_policy.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const struct named_bit *b = find_bit(guest_policy_bits, N_OF(guest_policy_bits), f->string);
		int r;
		if (b)
			r = set_bit(f, b, &p->gp_set, &p->gp_clear, "guest_policy", why);
		else if (!strcmp(f->string, "min_abi"))
			r = get_version(f, &p->min_abi, "guest_policy.min_abi", why), p->has_min_abi = true;
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"snp.guest_policy.%s\"", f->string);
		if (r)
			return -1;
	}
	return 0;
}

static int parse_platform_info(const cJSON *o, struct snp_policy *p, cb_refusal *why)
{
	if (!cJSON_IsObject(o))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"platform_info\" must be an object");
	if (unique_keys(o, "snp.platform_info.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const struct named_bit *b = find_bit(platform_info_bits, N_OF(platform_info_bits), f->string);
		if (!b)
			return cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"snp.platform_info.%s\"",
					 f->string);
		if (set_bit(f, b, &p->pi_set, &p->pi_clear, "platform_info", why))
			return -1;
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

static int parse_vmpls(const cJSON *f, struct snp_policy *p, cb_refusal *why)
{
	if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"vmpls\" must be a non-empty list");
	memset(p->vmpls, 0, sizeof p->vmpls);
	p->has_vmpls = true;
	const cJSON *item;
	cJSON_ArrayForEach(item, f) {
		uint32_t u = 0;
		if (get_uint(item, 3, &u, "vmpls", why))
			return -1;
		p->vmpls[u] = true;
	}
	return 0;
}

static int parse_snp(const cJSON *o, struct snp_policy *p, cb_refusal *why)
{
	p->present = true;
	p->allow_smt = true;
	p->allow_vlek = true;
	p->vmpls[0] = true;
	if (unique_keys(o, "snp.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const char *k = f->string;
		int r;
		uint32_t u = 0;
		if (!strcmp(k, "allow_any_measurement"))
			r = get_bool(f, &p->allow_any_measurement, k, why);
		else if (!strcmp(k, "allow_debug"))
			r = get_bool(f, &p->allow_debug, k, why);
		else if (!strcmp(k, "allow_migration_agent"))
			r = get_bool(f, &p->allow_migration_agent, k, why);
		else if (!strcmp(k, "allow_smt"))
			r = get_bool(f, &p->allow_smt, k, why);
		else if (!strcmp(k, "allow_vlek"))
			r = get_bool(f, &p->allow_vlek, k, why);
		else if (!strcmp(k, "require_crl"))
			r = get_bool(f, &p->require_crl, k, why);
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
		else if (!strcmp(k, "vmpls"))
			r = parse_vmpls(f, p, why);
		else if (!strcmp(k, "min_reported_tcb"))
			r = parse_min_tcb(f, k, &p->min_tcb, why), p->has_min_tcb = true;
		else if (!strcmp(k, "min_launch_tcb"))
			r = parse_min_tcb(f, k, &p->min_launch_tcb, why), p->has_min_launch_tcb = true;
		else if (!strcmp(k, "min_current_build"))
			r = get_uint(f, 255, &u, k, why), p->min_current_build = (uint8_t)u, p->has_min_current_build = true;
		else if (!strcmp(k, "min_committed_build"))
			r = get_uint(f, 255, &u, k, why), p->min_committed_build = (uint8_t)u,
			p->has_min_committed_build = true;
		else if (!strcmp(k, "min_current_version"))
			r = get_version(f, &p->min_current_version, k, why), p->has_min_current_version = true;
		else if (!strcmp(k, "min_committed_version"))
			r = get_version(f, &p->min_committed_version, k, why), p->has_min_committed_version = true;
		else if (!strcmp(k, "guest_policy"))
			r = parse_guest_policy(f, p, why);
		else if (!strcmp(k, "platform_info"))
			r = parse_platform_info(f, p, why);
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"snp.%s\"", k);
		if (r)
			return -1;
	}
	/* Deny by default: the section must say what may run. */
	if (!p->has_measurements && !p->has_id_keys && !p->allow_any_measurement)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"snp\" pins nothing that runs: give \"measurements\" (or \"id_key_digests\"), "
				 "or say \"allow_any_measurement\": true");
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

/* "td_attributes": {"sept_ve_disable": true, ..., "mask": "<16 hex>", "value": "<16 hex>"} */
static int parse_td_attributes(const cJSON *o, struct tdx_policy *p, cb_refusal *why)
{
	bool has_mask = false, has_value = false;
	if (!cJSON_IsObject(o))
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"td_attributes\" must be an object");
	if (unique_keys(o, "tdx.td_attributes.", why))
		return -1;
	const cJSON *f;
	cJSON_ArrayForEach(f, o) {
		const struct named_bit *b = find_bit(td_attribute_bits, N_OF(td_attribute_bits), f->string);
		int r;
		if (b)
			r = set_bit(f, b, &p->attr_set, &p->attr_clear, "td_attributes", why);
		else if (!strcmp(f->string, "mask"))
			r = get_u64hex(f, &p->attr_mask, "td_attributes.mask", why), has_mask = true;
		else if (!strcmp(f->string, "value"))
			r = get_u64hex(f, &p->attr_value, "td_attributes.value", why), has_value = true;
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"tdx.td_attributes.%s\"%s",
				      f->string, !strcmp(f->string, "debug") ? " (DEBUG is \"allow_debug\")" : "");
		if (r)
			return -1;
	}
	if (has_mask != has_value || (p->attr_value & ~p->attr_mask))
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"td_attributes\" \"mask\" and \"value\" go together, value within mask");
	if (p->attr_mask & TD_ATTR_DEBUG)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"td_attributes.mask\" covers DEBUG (bit 0): use \"allow_debug\"");
	return 0;
}

/* "xfam": "<16 hex>" (exact) or {"mask": "<16 hex>", "value": "<16 hex>"} */
static int parse_xfam(const cJSON *f, struct tdx_policy *p, cb_refusal *why)
{
	p->has_xfam = true;
	if (cJSON_IsString(f)) {
		p->xfam_mask = ~0ull;
		return get_u64hex(f, &p->xfam_value, "xfam", why);
	}
	const cJSON *m = cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "mask") : NULL;
	const cJSON *v = cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "value") : NULL;
	if (!m || !v || cJSON_GetArraySize(f) != 2)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"xfam\" must be 16 hex digits or {\"mask\": ..., \"value\": ...}");
	if (get_u64hex(m, &p->xfam_mask, "xfam.mask", why) || get_u64hex(v, &p->xfam_value, "xfam.value", why))
		return -1;
	if (p->xfam_value & ~p->xfam_mask)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"xfam.value\" has bits outside \"xfam.mask\"");
	return 0;
}

static int parse_statuses(const cJSON *f, struct tdx_policy *p, cb_refusal *why)
{
	p->has_statuses = true;
	if (!cJSON_IsArray(f) || cJSON_GetArraySize(f) == 0 || cJSON_GetArraySize(f) > 16)
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: \"tcb_statuses\" must be a list of 1..16 strings");
	const cJSON *item;
	cJSON_ArrayForEach(item, f) {
		if (!cJSON_IsString(item) || !known_status(item->valuestring))
			return cb_refuse(why, CB_REASON_MALFORMED,
					 "policy: \"tcb_statuses\" entries must be Intel TCB statuses (UpToDate, OutOfDate, ...)");
		if (p->n_statuses < sizeof p->statuses / sizeof p->statuses[0])
			snprintf(p->statuses[p->n_statuses++], sizeof p->statuses[0], "%s", item->valuestring);
	}
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
		if (!strcmp(k, "allow_any_measurement"))
			r = get_bool(f, &p->allow_any_measurement, k, why);
		else if (!strcmp(k, "allow_debug"))
			r = get_bool(f, &p->allow_debug, k, why);
		else if (!strcmp(k, "allow_test_root"))
			r = get_bool(f, &p->allow_test_root, k, why);
		else if (!strcmp(k, "allow_no_collateral"))
			r = get_bool(f, &p->allow_no_collateral, k, why);
		else if (!strcmp(k, "mrtd"))
			r = get_hexlist(f, &p->mrtd, 48, k, why), p->has_mrtd = true;
		else if (!strncmp(k, "rtmr", 4) && k[4] >= '0' && k[4] <= '3' && !k[5])
			r = get_hexlist(f, &p->rtmr[k[4] - '0'], 48, k, why), p->has_rtmr[k[4] - '0'] = true;
		else if (!strcmp(k, "mrconfigid"))
			r = get_hex(f, p->mrconfigid, 48, k, why), p->has_mrconfigid = true;
		else if (!strcmp(k, "mrowner"))
			r = get_hex(f, p->mrowner, 48, k, why), p->has_mrowner = true;
		else if (!strcmp(k, "mrownerconfig"))
			r = get_hex(f, p->mrownerconfig, 48, k, why), p->has_mrownerconfig = true;
		else if (!strcmp(k, "xfam"))
			r = parse_xfam(f, p, why);
		else if (!strcmp(k, "td_attributes"))
			r = parse_td_attributes(f, p, why);
		else if (!strcmp(k, "min_tee_tcb_svn"))
			r = get_hex(f, p->min_svn, 16, k, why), p->has_min_svn = true;
		else if (!strcmp(k, "tcb_statuses"))
			r = parse_statuses(f, p, why);
		else if (!strcmp(k, "kernel"))
			r = get_hexlist(f, &p->kernel, 48, k, why), p->has_kernel = true;
		else if (!strcmp(k, "initrd"))
			r = get_hexlist(f, &p->initrd, 48, k, why), p->has_initrd = true;
		else if (!strcmp(k, "cmdline"))
			r = get_hexlist(f, &p->cmdline, 48, k, why), p->has_cmdline = true;
		else
			r = cb_refuse(why, CB_REASON_MALFORMED, "policy: unknown key \"tdx.%s\"", k);
		if (r)
			return -1;
	}
	/* The kernel alone says nothing of the initramfs (which holds the pinned
	 * CA) or the command line: the event pins go together. */
	bool events = p->has_kernel && p->has_initrd && p->has_cmdline;
	if ((p->has_kernel || p->has_initrd || p->has_cmdline) && !events)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"tdx\" pins the event log's \"kernel\", \"initrd\" and \"cmdline\" together "
				 "(missing:%s%s%s)",
				 p->has_kernel ? "" : " kernel", p->has_initrd ? "" : " initrd", p->has_cmdline ? "" : " cmdline");
	/* Deny by default: MRTD is the firmware, RTMR1 the kernel and boot loader,
	 * RTMR2 the initramfs and command line (as registers, or as the events of
	 * the replayed log); pinning fewer lets a host boot the same firmware with
	 * its own kernel or initramfs. */
	if (!p->allow_any_measurement && (!p->has_mrtd || (!events && (!p->has_rtmr[1] || !p->has_rtmr[2]))))
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "policy: \"tdx\" must pin what runs: \"mrtd\", and \"rtmr1\" and \"rtmr2\" or the event "
				 "log's \"kernel\", \"initrd\" and \"cmdline\" (missing:%s%s%s), "
				 "or say \"allow_any_measurement\": true",
				 p->has_mrtd ? "" : " mrtd", events || p->has_rtmr[1] ? "" : " rtmr1",
				 events || p->has_rtmr[2] ? "" : " rtmr2");
	return 0;
}

/* Only JSON whitespace may follow the object: "{...} {...}" is not a policy. */
static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

int cb_policy_parse(cb_policy **out, const char *json, size_t len, cb_refusal *why)
{
	*out = NULL;
	const char *parse_end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &parse_end, false);
	if (!root && parse_end && parse_end >= json && parse_end <= json + len) {
		/* where cJSON stopped, as an editor shows it: line and column from 1 */
		unsigned line = 1, col = 1;
		for (const char *c = json; c < parse_end; c++, col++)
			if (*c == '\n') {
				line++;
				col = 0;
			}
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: JSON syntax error at line %u, column %u (byte %zu)",
				 line, col, (size_t)(parse_end - json));
	}
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: not a JSON object");
	}
	if (!parse_end || parse_end < json || parse_end > json + len || !only_space(parse_end, json + len)) {
		cJSON_Delete(root);
		return cb_refuse(why, CB_REASON_MALFORMED, "policy: data after the JSON object");
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

static int tcb_below(const cb_snp_tcb *t, const cb_snp_tcb *m)
{
	return t->bootloader < m->bootloader || t->tee < m->tee || t->snp < m->snp || t->microcode < m->microcode ||
	       (m->has_fmc && t->has_fmc && t->fmc < m->fmc);
}

static int refuse_tcb(cb_refusal *why, const char *name, const cb_snp_tcb *t, const cb_snp_tcb *m)
{
	return cb_refuse(why, CB_REASON_TCB_TOO_OLD,
			 "%s bl %u tee %u snp %u ucode %u below the policy minimum bl %u tee %u snp %u ucode %u", name,
			 t->bootloader, t->tee, t->snp, t->microcode, m->bootloader, m->tee, m->snp, m->microcode);
}

/* The first named bit of tbl in bits, for the refusal's detail. */
static const char *bit_name(const struct named_bit *tbl, size_t n, uint64_t bits)
{
	for (size_t i = 0; i < n; i++)
		if (bits & 1ull << tbl[i].bit)
			return tbl[i].name;
	return "reserved";
}

static int check_bits(uint64_t v, uint64_t set, uint64_t clear, const struct named_bit *tbl, size_t n,
		      const char *field, cb_refusal *why)
{
	if (set & ~v)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "%s.%s is clear, the policy requires it",
				 field, bit_name(tbl, n, set & ~v));
	if (clear & v)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "%s.%s is set, the policy forbids it", field,
				 bit_name(tbl, n, clear & v));
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
	if (p->require_crl && !cl->crl_checked)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID,
				 "policy requires a revocation check, but no ARK-signed CRL was checked");
	if (c->debug && !p->allow_debug)
		return cb_refuse(why, CB_REASON_DEBUG_POLICY, "guest policy allows debugging");
	if (c->migrate_ma && !p->allow_migration_agent)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy allows a migration agent");
	if (c->smt && !p->allow_smt)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy allows SMT");
	if (c->policy & GUEST_POLICY_RESERVED)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy 0x%llx has reserved bits set",
				 (unsigned long long)c->policy);
	if (check_bits(c->policy, p->gp_set, p->gp_clear, guest_policy_bits, N_OF(guest_policy_bits), "guest_policy",
		       why))
		return -1;
	if (p->has_min_abi && version_below((uint8_t)(c->policy >> 8), (uint8_t)c->policy, p->min_abi))
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "guest policy ABI %u.%u below the policy minimum %u.%u",
				 (unsigned)(uint8_t)(c->policy >> 8), (unsigned)(uint8_t)c->policy, p->min_abi.major,
				 p->min_abi.minor);
	if (check_bits(c->platform_info, p->pi_set, p->pi_clear, platform_info_bits, N_OF(platform_info_bits),
		       "platform_info", why))
		return -1;
	if (c->signed_by_vlek && !p->allow_vlek)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "report is signed by a VLEK");
	if (c->vmpl > 3 || !p->vmpls[c->vmpl])
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "VMPL %u is not allowed%s", c->vmpl,
				 p->has_vmpls ? "" : " (default: VMPL 0 only)");
	if (p->has_measurements && !in_list(&p->measurements, c->measurement, 48)) {
		hex_encode(hex, c->measurement, 48);
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
	if (p->has_min_tcb && tcb_below(&c->reported_tcb, &p->min_tcb))
		return refuse_tcb(why, "reported_tcb", &c->reported_tcb, &p->min_tcb);
	if (p->has_min_launch_tcb && tcb_below(&c->launch_tcb, &p->min_launch_tcb))
		return refuse_tcb(why, "launch_tcb", &c->launch_tcb, &p->min_launch_tcb);
	if (p->has_min_current_version &&
	    version_below(c->current_major, c->current_minor, p->min_current_version))
		return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "current firmware %u.%u below the policy minimum %u.%u",
				 c->current_major, c->current_minor, p->min_current_version.major,
				 p->min_current_version.minor);
	if (p->has_min_committed_version &&
	    version_below(c->committed_major, c->committed_minor, p->min_committed_version))
		return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "committed firmware %u.%u below the policy minimum %u.%u",
				 c->committed_major, c->committed_minor, p->min_committed_version.major,
				 p->min_committed_version.minor);
	if (p->has_min_current_build && c->current_build < p->min_current_build)
		return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "current firmware build %u < minimum %u", c->current_build,
				 p->min_current_build);
	if (p->has_min_committed_build && c->committed_build < p->min_committed_build)
		return cb_refuse(why, CB_REASON_TCB_TOO_OLD, "committed firmware build %u < minimum %u",
				 c->committed_build, p->min_committed_build);
	return 0;
}

/* Collateral was verified: the verifier says so, and a TCB status exists only
 * after TCB info, QE identity and CRLs all verified. */
static bool tdx_collateral_checked(const cb_claims *cl)
{
	return cl->collateral_checked || cl->tdx.has_tcb_status;
}

/* The replayed event log (verify/ccel.c) against the kernel, initrd and
 * cmdline pins: every EFI application is a pinned kernel (a boot loader
 * before it must be listed too), one initrd and one load-options event, each
 * pinned, and nothing else in RTMR1/RTMR2 that could hide an image. */
static int check_tdx_events(const struct tdx_policy *p, const cb_tdx_claims *c, cb_refusal *why)
{
	char hex[97];
	if (!c->has_event_log)
		return cb_refuse(why, CB_REASON_EVENT_LOG_MISSING,
				 "the policy pins the kernel, initrd and cmdline events, but the evidence has no event log");
	if (c->unpinned_event[0])
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "event log: %s", c->unpinned_event);
	if (c->n_apps == 0)
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "the event log has no EFI application (kernel) event");
	for (uint32_t i = 0; i < c->n_apps; i++)
		if (!in_list(&p->kernel, c->apps[i], 48)) {
			hex_encode(hex, c->apps[i], 48);
			return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH,
					 "EFI application %u of the event log, %s, is not in the kernel allowlist", i + 1, hex);
		}
	if (!c->has_initrd || !in_list(&p->initrd, c->initrd, 48))
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "%s",
				 c->has_initrd ? "the event log's initrd is not in the allowlist"
					       : "the event log has no initrd event");
	if (!c->has_cmdline || !in_list(&p->cmdline, c->cmdline, 48))
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "%s",
				 c->has_cmdline ? "the event log's command line is not in the allowlist"
						: "the event log has no command-line (load options) event");
	return 0;
}

static int check_tdx(const struct tdx_policy *p, const cb_claims *cl, cb_refusal *why)
{
	const cb_tdx_claims *c = &cl->tdx;
	uint64_t attr = cb_le64(c->td_attributes), xfam = cb_le64(c->xfam);
	if (cl->test_root && !p->allow_test_root)
		return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "quote verified against a TEST root");
	if (!tdx_collateral_checked(cl) && !p->allow_no_collateral)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID,
				 "quote verified without collateral (TCB info, QE identity, CRLs): the policy does not "
				 "say \"allow_no_collateral\": true");
	if (c->debug && !p->allow_debug)
		return cb_refuse(why, CB_REASON_DEBUG_POLICY, "TD attributes allow debugging");
	/* Bits the policy names or masks are its own; of the rest, reserved bits
	 * and the default-clear ones must be zero. */
	uint64_t named = p->attr_set | p->attr_clear | p->attr_mask;
	uint64_t must_clear = (p->attr_clear | ((~TD_ATTR_KNOWN | TD_ATTR_DEFAULT_CLEAR) & ~named)) & ~TD_ATTR_DEBUG;
	if (check_bits(attr, p->attr_set, must_clear, td_attribute_bits, N_OF(td_attribute_bits), "td_attributes",
		       why))
		return -1;
	if ((attr & p->attr_mask) != p->attr_value)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "TD attributes differ from the policy's mask/value");
	if (p->has_xfam && (xfam & p->xfam_mask) != p->xfam_value)
		return cb_refuse(why, CB_REASON_GUEST_POLICY, "XFAM differs from the policy");
	if (p->has_mrtd && !in_list(&p->mrtd, c->mrtd, 48))
		return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "MRTD is not in the allowlist");
	for (int i = 0; i < 4; i++)
		if (p->has_rtmr[i] && !in_list(&p->rtmr[i], c->rtmr[i], 48))
			return cb_refuse(why, CB_REASON_MEASUREMENT_MISMATCH, "RTMR%d is not in the allowlist", i);
	if (p->has_kernel && check_tdx_events(p, c, why))
		return -1;
	if (p->has_mrconfigid && memcmp(p->mrconfigid, c->mrconfigid, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MRCONFIGID differs from the policy");
	if (p->has_mrowner && memcmp(p->mrowner, c->mrowner, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MROWNER differs from the policy");
	if (p->has_mrownerconfig && memcmp(p->mrownerconfig, c->mrownerconfig, 48))
		return cb_refuse(why, CB_REASON_IDENTITY_MISMATCH, "MROWNERCONFIG differs from the policy");
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

/* --- what a policy leaves open ------------------------------------------- */

struct open_ctx {
	void (*emit)(void *arg, const char *line);
	void *arg;
	size_t n;
};

static void say(struct open_ctx *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct open_ctx *o, const char *fmt, ...)
{
	char line[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	o->emit(o->arg, line);
	o->n++;
}

static void open_bits(struct open_ctx *o, const char *field, const struct named_bit *tbl, size_t n, uint64_t fixed)
{
	for (size_t i = 0; i < n; i++)
		if (!(fixed & 1ull << tbl[i].bit))
			say(o, "%s.%s: either value accepted", field, tbl[i].name);
}

static void open_snp(struct open_ctx *o, const struct snp_policy *p)
{
	if (!p->has_measurements)
		say(o, "snp.measurements: any launch measurement accepted%s",
		    p->has_id_keys ? " (id_key_digests pins the signer)" : " (allow_any_measurement)");
	if (!p->has_id_keys)
		say(o, "snp.id_key_digests: any ID key (or none) accepted");
	if (!p->has_author_keys)
		say(o, "snp.author_key_digests: any author key (or none) accepted");
	if (!p->has_host_data)
		say(o, "snp.host_data: any value accepted");
	if (!p->has_family_id)
		say(o, "snp.family_id: any value accepted");
	if (!p->has_image_id)
		say(o, "snp.image_id: any value accepted");
	if (!p->has_products)
		say(o, "snp.products: every vendor product (Milan, Genoa, Turin) accepted");
	if (p->allow_vlek)
		say(o, "snp.allow_vlek: VLEK-signed reports accepted");
	if (p->allow_smt)
		say(o, "snp.allow_smt: guests that allow SMT accepted");
	if (!p->has_min_guest_svn)
		say(o, "snp.min_guest_svn: any guest SVN accepted");
	if (!p->has_min_tcb)
		say(o, "snp.min_reported_tcb: any reported TCB accepted");
	if (!p->has_min_launch_tcb)
		say(o, "snp.min_launch_tcb: any launch TCB accepted");
	if (!p->has_min_current_version)
		say(o, "snp.min_current_version: any current firmware version accepted");
	if (!p->has_min_committed_version)
		say(o, "snp.min_committed_version: any committed firmware version accepted");
	if (!p->has_min_current_build)
		say(o, "snp.min_current_build: any current firmware build accepted");
	if (!p->has_min_committed_build)
		say(o, "snp.min_committed_build: any committed firmware build accepted");
	if (!p->has_min_abi)
		say(o, "snp.guest_policy.min_abi: any guest-policy ABI version accepted");
	open_bits(o, "snp.guest_policy", guest_policy_bits, N_OF(guest_policy_bits), p->gp_set | p->gp_clear);
	open_bits(o, "snp.platform_info", platform_info_bits, N_OF(platform_info_bits), p->pi_set | p->pi_clear);
	if (!p->require_crl)
		say(o, "snp.require_crl: accepted without an ARK-signed CRL check");
}

static void open_tdx(struct open_ctx *o, const struct tdx_policy *p)
{
	if (!p->has_mrtd)
		say(o, "tdx.mrtd: any firmware accepted (allow_any_measurement)");
	for (int i = 0; i < 4; i++)
		if (!p->has_rtmr[i])
			say(o, "tdx.rtmr%d: any value accepted%s", i,
			    (i == 1 || i == 2) && !p->has_kernel ? " (allow_any_measurement)"
			    : i == 1 || i == 2 ? " (the event log's kernel, initrd and cmdline are pinned)" : "");
	if (!p->has_kernel)
		say(o, "tdx.kernel, tdx.initrd, tdx.cmdline: the event log is not required");
	if (!p->has_mrconfigid)
		say(o, "tdx.mrconfigid: any value accepted");
	if (!p->has_mrowner)
		say(o, "tdx.mrowner: any value accepted");
	if (!p->has_mrownerconfig)
		say(o, "tdx.mrownerconfig: any value accepted");
	if (!p->has_xfam)
		say(o, "tdx.xfam: any value accepted");
	uint64_t fixed = p->attr_set | p->attr_clear | p->attr_mask | TD_ATTR_DEFAULT_CLEAR;
	open_bits(o, "tdx.td_attributes", td_attribute_bits, N_OF(td_attribute_bits), fixed);
	if (!p->has_min_svn)
		say(o, "tdx.min_tee_tcb_svn: any TEE TCB SVN accepted");
	if (!p->has_statuses)
		say(o, "tdx.tcb_statuses: any TCB status but Revoked accepted");
	if (p->allow_no_collateral)
		say(o, "tdx.allow_no_collateral: quotes accepted without verified collateral (no TCB status, no revocation)");
}

size_t cb_policy_open_fields(const cb_policy *p, void (*emit)(void *arg, const char *line), void *arg)
{
	struct open_ctx o = { emit, arg, 0 };
	if (p && p->snp.present)
		open_snp(&o, &p->snp);
	if (p && p->tdx.present)
		open_tdx(&o, &p->tdx);
	return o.n;
}
