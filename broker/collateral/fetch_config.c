/* The "collateral_fetch" configuration object (see fetch_config.h). */
#include "fetch_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hex.h"

const char *snp_product_canonical(const char *name)
{
	static const char *const names[] = { "Milan", "Genoa", "Turin" };
	for (size_t i = 0; i < 3; i++)
		if (!strncasecmp(name, names[i], 5) && (name[5] == '\0' || name[5] == '-'))
			return names[i];
	return NULL;
}

int fetch_config_defaults(struct collateral_fetch_config *fc)
{
	memset(fc, 0, sizeof *fc);
	fc->amd_kds_url = strdup("https://kdsintf.amd.com");
	fc->intel_pcs_url = strdup("https://api.trustedservices.intel.com");
	fc->intel_root_crl_url = strdup("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");
	fc->pck_crl_cas[0] = strdup("platform");
	fc->pck_crl_cas[1] = strdup("processor");
	fc->n_pck_crl_cas = 2;
	fc->refresh_seconds = 86400;
	fc->expiry_warning_days = 7;
	fc->timeout_seconds = 30;
	return fc->amd_kds_url && fc->intel_pcs_url && fc->intel_root_crl_url && fc->pck_crl_cas[0] &&
	       fc->pck_crl_cas[1] ? 0 : -1;
}

void fetch_config_free(struct collateral_fetch_config *fc)
{
	if (!fc)
		return;
	free(fc->amd_kds_url);
	free(fc->intel_pcs_url);
	free(fc->intel_root_crl_url);
	free(fc->ca_file);
	for (size_t i = 0; i < fc->n_snp_products; i++)
		free(fc->snp_products[i]);
	for (size_t i = 0; i < fc->n_pck_crl_cas; i++)
		free(fc->pck_crl_cas[i]);
	free(fc->snp_chips);
	free(fc);
}

int fetch_config_add_product(struct collateral_fetch_config *fc, const char *product)
{
	const char *p = snp_product_canonical(product);
	if (!p)
		return -1;
	for (size_t i = 0; i < fc->n_snp_products; i++)
		if (!strcmp(fc->snp_products[i], p))
			return 0;
	if (fc->n_snp_products == FETCH_MAX_LIST || !(fc->snp_products[fc->n_snp_products] = strdup(p)))
		return -1;
	fc->n_snp_products++;
	return 0;
}

int fetch_config_add_fmspc(struct collateral_fetch_config *fc, const char *fmspc_hex)
{
	uint8_t b[6];
	char lower[13];
	if (strlen(fmspc_hex) != 12 || hex_decode(b, 6, fmspc_hex) != 0)
		return -1;
	hex_encode(lower, b, 6);
	for (size_t i = 0; i < fc->n_tdx_fmspcs; i++)
		if (!strcmp(fc->tdx_fmspcs[i], lower))
			return 0;
	if (fc->n_tdx_fmspcs == FETCH_MAX_LIST)
		return -1;
	memcpy(fc->tdx_fmspcs[fc->n_tdx_fmspcs++], lower, 13);
	return 0;
}

int fetch_config_add_chip(struct collateral_fetch_config *fc, const struct snp_chip *chip)
{
	for (size_t i = 0; i < fc->n_snp_chips; i++)
		if (!memcmp(&fc->snp_chips[i], chip, sizeof *chip))
			return 0;
	if (fc->n_snp_chips == FETCH_MAX_LIST)
		return -1;
	struct snp_chip *c = realloc(fc->snp_chips, (fc->n_snp_chips + 1) * sizeof *c);
	if (!c)
		return -1;
	fc->snp_chips = c;
	c[fc->n_snp_chips++] = *chip;
	return fetch_config_add_product(fc, chip->product);
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a)
{
	snprintf(err, errlen, fmt, a);
	return -1;
}

static int set_url(char **dst, const cJSON *v, const char *key, char *err, size_t errlen)
{
	if (!cJSON_IsString(v) || strncmp(v->valuestring, "https://", 8) || strlen(v->valuestring) < 9)
		return fail(err, errlen, "collateral_fetch: \"%s\" must be an https:// URL", key);
	free(*dst);
	return (*dst = strdup(v->valuestring)) ? 0 : -1;
}

static int parse_chip(const cJSON *o, struct snp_chip *c, char *err, size_t errlen)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "product");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "chip_id");
	const cJSON *tcb = cJSON_GetObjectItemCaseSensitive(o, "reported_tcb");
	const char *prod;
	uint8_t t[8];

	memset(c, 0, sizeof *c);
	if (!cJSON_IsObject(o) || cJSON_GetArraySize(o) != 3 || !cJSON_IsString(p) || !cJSON_IsString(id) ||
	    !cJSON_IsString(tcb))
		return fail(err, errlen, "collateral_fetch: %s", "each of \"snp_chips\" is {\"product\", \"chip_id\", \"reported_tcb\"}");
	if (!(prod = snp_product_canonical(p->valuestring)))
		return fail(err, errlen, "collateral_fetch: unknown SNP product \"%s\" (Milan, Genoa, Turin)", p->valuestring);
	snprintf(c->product, sizeof c->product, "%s", prod);
	if (strlen(id->valuestring) != 128 || hex_decode(c->chip_id, 64, id->valuestring))
		return fail(err, errlen, "collateral_fetch: chip_id \"%.20s...\" is not 128 hex digits", id->valuestring);
	if (strlen(tcb->valuestring) != 16 || hex_decode(t, 8, tcb->valuestring))
		return fail(err, errlen, "collateral_fetch: reported_tcb \"%s\" is not 16 hex digits (big-endian u64)",
			    tcb->valuestring);
	for (int i = 0; i < 8; i++)
		c->reported_tcb = c->reported_tcb << 8 | t[i];
	return 0;
}

static int parse_int(int *dst, const cJSON *v, const char *key, int min, int max, char *err, size_t errlen)
{
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble || v->valuedouble < min ||
	    v->valuedouble > max) {
		snprintf(err, errlen, "collateral_fetch: \"%s\" must be an integer in [%d, %d]", key, min, max);
		return -1;
	}
	*dst = (int)v->valuedouble;
	return 0;
}

int fetch_config_parse(const cJSON *obj, struct collateral_fetch_config **out, char *err, size_t errlen)
{
	struct collateral_fetch_config *fc = malloc(sizeof *fc);
	const cJSON *it, *e;

	if (!fc || fetch_config_defaults(fc)) {
		fetch_config_free(fc);
		return fail(err, errlen, "collateral_fetch: %s", "out of memory");
	}
	if (!cJSON_IsObject(obj)) {
		fail(err, errlen, "collateral_fetch: %s", "must be an object");
		goto bad;
	}
	cJSON_ArrayForEach(it, obj) {
		const char *k = it->string;
		for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
			if (!strcmp(prev->string, k)) {
				fail(err, errlen, "collateral_fetch: \"%s\" given twice", k);
				goto bad;
			}
		if (!strcmp(k, "amd_kds_url")) {
			if (set_url(&fc->amd_kds_url, it, k, err, errlen))
				goto bad;
		} else if (!strcmp(k, "intel_pcs_url")) {
			if (set_url(&fc->intel_pcs_url, it, k, err, errlen))
				goto bad;
		} else if (!strcmp(k, "intel_root_crl_url")) {
			if (set_url(&fc->intel_root_crl_url, it, k, err, errlen))
				goto bad;
		} else if (!strcmp(k, "ca_file")) {
			if (!cJSON_IsString(it) || !it->valuestring[0]) {
				fail(err, errlen, "collateral_fetch: %s", "\"ca_file\" must be a non-empty string");
				goto bad;
			}
			free(fc->ca_file);
			fc->ca_file = strdup(it->valuestring);
		} else if (!strcmp(k, "snp_products") && cJSON_IsArray(it)) {
			cJSON_ArrayForEach(e, it)
				if (!cJSON_IsString(e) || fetch_config_add_product(fc, e->valuestring)) {
					fail(err, errlen, "collateral_fetch: %s", "\"snp_products\" lists Milan, Genoa, Turin");
					goto bad;
				}
		} else if (!strcmp(k, "snp_vlek") && cJSON_IsBool(it)) {
			fc->snp_vlek = cJSON_IsTrue(it);
		} else if (!strcmp(k, "snp_chips") && cJSON_IsArray(it)) {
			cJSON_ArrayForEach(e, it) {
				struct snp_chip c;
				if (parse_chip(e, &c, err, errlen))
					goto bad;
				if (fetch_config_add_chip(fc, &c)) {
					fail(err, errlen, "collateral_fetch: %s", "too many \"snp_chips\"");
					goto bad;
				}
			}
		} else if (!strcmp(k, "tdx_fmspcs") && cJSON_IsArray(it)) {
			cJSON_ArrayForEach(e, it)
				if (!cJSON_IsString(e) || fetch_config_add_fmspc(fc, e->valuestring)) {
					fail(err, errlen, "collateral_fetch: %s", "\"tdx_fmspcs\" lists FMSPCs of 12 hex digits");
					goto bad;
				}
		} else if (!strcmp(k, "pck_crl_cas") && cJSON_IsArray(it)) {
			for (size_t i = 0; i < fc->n_pck_crl_cas; i++)
				free(fc->pck_crl_cas[i]);
			fc->n_pck_crl_cas = 0;
			cJSON_ArrayForEach(e, it) {
				if (!cJSON_IsString(e) || (strcmp(e->valuestring, "platform") && strcmp(e->valuestring, "processor")) ||
				    fc->n_pck_crl_cas == 2) {
					fail(err, errlen, "collateral_fetch: %s", "\"pck_crl_cas\" lists \"platform\" and/or \"processor\"");
					goto bad;
				}
				fc->pck_crl_cas[fc->n_pck_crl_cas++] = strdup(e->valuestring);
			}
		} else if (!strcmp(k, "refresh_seconds")) {
			if (parse_int(&fc->refresh_seconds, it, k, 60, 30 * 86400, err, errlen))
				goto bad;
		} else if (!strcmp(k, "expiry_warning_days")) {
			if (parse_int(&fc->expiry_warning_days, it, k, 0, 365, err, errlen))
				goto bad;
		} else if (!strcmp(k, "timeout_seconds")) {
			if (parse_int(&fc->timeout_seconds, it, k, 1, 600, err, errlen))
				goto bad;
		} else {
			fail(err, errlen, "collateral_fetch: unknown key or wrong type: \"%s\"", k);
			goto bad;
		}
	}
	*out = fc;
	return 0;
bad:
	fetch_config_free(fc);
	return -1;
}
