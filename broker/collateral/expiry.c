/* nextUpdate of the stored collateral (see expiry.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "expiry.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mbedtls/x509_crl.h>

#include "broker/verify/crypto.h"
#include "broker/verify/internal.h"
#include "broker/verify/tdx_collateral.h"

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static void note(struct expiry_entry *out, size_t cap, size_t *n, const char *kind, const char *id, time_t next)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(out[i].kind, kind) && !strcmp(out[i].id, id)) {
			if (next > out[i].next_update)
				out[i].next_update = next;
			return;
		}
	if (*n == cap)
		return;
	snprintf(out[*n].kind, sizeof out[*n].kind, "%s", kind);
	snprintf(out[*n].id, sizeof out[*n].id, "%s", id);
	/* a metric label and a log field: nothing that needs escaping */
	for (char *c = out[*n].id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_' || *c == '.' || *c == ' '))
			*c = '_';
	out[*n].next_update = next;
	(*n)++;
}

static void scan_json(const uint8_t *data, size_t len, const char *key, struct expiry_entry *out, size_t cap, size_t *n)
{
	const char *raw;
	size_t vlen;
	time_t next;

	if (json_raw_value((const char *)data, len, key, &raw, &vlen))
		return;
	cJSON *body = cJSON_ParseWithLength(raw, vlen);
	const cJSON *nu = cJSON_GetObjectItemCaseSensitive(body, "nextUpdate");
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(body, "fmspc");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(body, "id");
	if (cJSON_IsString(nu) && !cb_parse_rfc3339(nu->valuestring, &next)) {
		if (!strcmp(key, "tcbInfo") && cJSON_IsString(fm) && strlen(fm->valuestring) == 12)
			note(out, cap, n, "tcb_info", fm->valuestring, next);
		else if (!strcmp(key, "enclaveIdentity") && cJSON_IsString(id) && !strcmp(id->valuestring, "TD_QE"))
			note(out, cap, n, "qe_identity", "td_qe", next);
	}
	cJSON_Delete(body);
}

/* the issuer's CN (Intel: "Intel SGX PCK Platform CA"; AMD: "ARK-Milan") */
static void issuer_cn(const mbedtls_x509_crl *crl, char *cn, size_t cap)
{
	cn[0] = '\0';
	for (const mbedtls_x509_name *nm = &crl->issuer; nm; nm = nm->next)
		if (nm->oid.len == 3 && !memcmp(nm->oid.p, "\x55\x04\x03", 3))
			snprintf(cn, cap, "%.*s", (int)nm->val.len, (const char *)nm->val.p);
}

static void scan_crl(const uint8_t *data, size_t len, int tdx_root, int snp, struct expiry_entry *out, size_t cap,
		     size_t *n)
{
	mbedtls_x509_crl crl;
	char cn[64];
	uint8_t *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, data, len);
	copy[len] = 0;
	mbedtls_x509_crl_init(&crl);
	if (mbedtls_x509_crl_parse(&crl, copy, memmem(data, len, "-----BEGIN", 10) ? len + 1 : len) == 0) {
		time_t next = cb_x509_time_to_time(&crl.next_update);
		issuer_cn(&crl, cn, sizeof cn);
		if (snp)
			note(out, cap, n, "snp_crl", cn, next);
		else if (tdx_root)
			note(out, cap, n, "root_crl", "", next);
		else
			note(out, cap, n, "pck_crl", strstr(cn, "Processor") ? "processor" : strstr(cn, "Platform") ? "platform" : cn,
			     next);
	}
	mbedtls_x509_crl_free(&crl);
	free(copy);
}

size_t expiry_scan(const char *tdx_dir, const char *snp_dir, struct expiry_entry *out, size_t cap)
{
	const char *dirs[2] = { tdx_dir, snp_dir };
	size_t n = 0;

	for (int k = 0; k < 2; k++) {
		DIR *d = dirs[k] ? opendir(dirs[k]) : NULL;
		struct dirent *de;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			const char *nm = de->d_name;
			int tcb = !strncmp(nm, "tcbinfo", 7) && has_suffix(nm, ".json");
			int qe = !strncmp(nm, "qeidentity", 10) && has_suffix(nm, ".json");
			int root = !strncmp(nm, "rootcrl", 7) && has_suffix(nm, ".der");
			int pck = !strncmp(nm, "pckcrl", 6) && has_suffix(nm, ".der");
			int snp = has_suffix(nm, ".crl");
			if (nm[0] == '.' || (k == 0 && !(tcb || qe || root || pck)) || (k == 1 && !snp))
				continue;
			char path[4096];
			uint8_t *data;
			size_t len;
			if ((size_t)snprintf(path, sizeof path, "%s/%s", dirs[k], nm) >= sizeof path ||
			    cb_read_file(path, 1024 * 1024, &data, &len))
				continue;
			if (tcb || qe)
				scan_json(data, len, tcb ? "tcbInfo" : "enclaveIdentity", out, cap, &n);
			else
				scan_crl(data, len, root, k == 1, out, cap, &n);
			free(data);
		}
		closedir(d);
	}
	return n;
}

enum expiry_state expiry_judge(const struct expiry_entry *e, time_t now, int warn_days, char *line, size_t cap)
{
	char when[CB_RFC3339_LEN];
	double days = difftime(e->next_update, now) / 86400.0;

	cb_format_rfc3339(e->next_update, when);
	snprintf(line, cap, "%s%s%s: nextUpdate %s (%s%.1f days)", e->kind, e->id[0] ? " " : "", e->id, when,
		 days < 0 ? "expired " : "in ", days < 0 ? -days : days);
	if (days < 0)
		return EXPIRY_EXPIRED;
	return days < warn_days ? EXPIRY_SOON : EXPIRY_OK;
}

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct expiry_entry metrics_entries[EXPIRY_MAX];
static size_t metrics_n;

void expiry_metrics_set(const struct expiry_entry *e, size_t n)
{
	pthread_mutex_lock(&metrics_lock);
	metrics_n = n < EXPIRY_MAX ? n : EXPIRY_MAX;
	memcpy(metrics_entries, e, metrics_n * sizeof *e);
	pthread_mutex_unlock(&metrics_lock);
}

size_t expiry_metrics_render(char *buf, size_t cap)
{
	size_t pos = 0;
	time_t now = time(NULL);

#define PUT(...)                                                                \
	do {                                                                    \
		if (pos < cap)                                                  \
			pos += (size_t)snprintf(buf + pos, cap - pos, __VA_ARGS__); \
	} while (0)
	PUT("# HELP cocobroker_collateral_expiry_seconds Seconds until the stored collateral's latest nextUpdate "
	    "(negative: expired), by kind and id.\n"
	    "# TYPE cocobroker_collateral_expiry_seconds gauge\n");
	pthread_mutex_lock(&metrics_lock);
	if (!metrics_n)
		PUT("cocobroker_collateral_expiry_seconds{kind=\"none\",id=\"\"} NaN\n");
	for (size_t i = 0; i < metrics_n; i++)
		PUT("cocobroker_collateral_expiry_seconds{kind=\"%s\",id=\"%s\"} %.0f\n", metrics_entries[i].kind,
		    metrics_entries[i].id, difftime(metrics_entries[i].next_update, now));
	pthread_mutex_unlock(&metrics_lock);
#undef PUT
	return pos < cap ? pos : cap ? cap - 1 : 0;
}
