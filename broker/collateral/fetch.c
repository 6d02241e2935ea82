/* One fetch run over every item (see fetch.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "fetch.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "broker/verify/amd_ext.h"
#include "broker/verify/crypto.h"
#include "broker/verify/internal.h"

void fetch_item_done(struct fetch_run *r, enum fetch_result res, const char *item, const char *fmt, ...)
{
	char detail[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
	}
	if (res == FETCH_STORED)
		r->stored++;
	else if (res == FETCH_UNCHANGED)
		r->unchanged++;
	else
		r->failed++;
	if (r->report)
		r->report(r->arg, res, item, detail);
}

int fetch_get(struct fetch_run *r, const char *url, const char *const *headers, struct http_answer *a, char *err,
	      size_t errlen)
{
	if (http_get(r->session.curl ? &r->session : NULL, url, headers, &r->http, a, err, errlen))
		return -1;
	r->bytes += a->len + (a->header ? strlen(a->header) : 0);
	if (a->status != 200) {
		snprintf(err, errlen, "GET %s: HTTP %ld", url, a->status);
		http_answer_free(a);
		return -1;
	}
	if (headers && !a->header) {
		snprintf(err, errlen, "GET %s: no %s header (the chain that signed the answer)", url, headers[0]);
		http_answer_free(a);
		return -1;
	}
	return 0;
}

int fetch_all(struct fetch_run *r)
{
	r->stored = r->unchanged = r->failed = 0;
	r->bytes = 0;
	if (http_session_open(&r->session))
		r->session.curl = NULL; /* one handle per GET then */
	if (r->snp_dir)
		fetch_snp(r);
	if (r->tdx_dir)
		fetch_tdx(r);
	http_session_close(&r->session);
	return r->failed ? -1 : 0;
}

/* tcbinfo-<12 hex>[-...].json */
static void fmspc_from_name(struct collateral_fetch_config *fc, const char *name)
{
	char hex[13];
	size_t nl = strlen(name);
	if (strncmp(name, "tcbinfo-", 8) || nl < 8 + 12 + 5 || strcmp(name + nl - 5, ".json") ||
	    (name[20] != '-' && name[20] != '.'))
		return;
	memcpy(hex, name + 8, 12);
	hex[12] = '\0';
	fetch_config_add_fmspc(fc, hex); /* not hex: ignored */
}

static void product_from_cert(struct collateral_fetch_config *fc, const char *dir, const char *name)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	mbedtls_x509_crt crt;
	struct amd_cert_ext ext;
	char err[128];
	size_t nl = strlen(name);

	if (nl < 5 || (strcmp(name + nl - 4, ".der") && strcmp(name + nl - 4, ".pem") && strcmp(name + nl - 4, ".crt") &&
		       strcmp(name + nl - 4, ".cer")))
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    cb_read_file(path, 256 * 1024, &data, &len))
		return;
	mbedtls_x509_crt_init(&crt);
	if (cb_certs_parse(&crt, data, len) == 0)
		for (const mbedtls_x509_crt *c = &crt; c && c->raw.len; c = c->next)
			if (amd_ext_parse(c, &ext, err, sizeof err) == 0)
				fetch_config_add_product(fc, ext.product_name);
	mbedtls_x509_crt_free(&crt);
	free(data);
}

void fetch_plan_from_disk(struct collateral_fetch_config *fc, const char *snp_dir, const char *tdx_dir)
{
	const char *dirs[2] = { snp_dir, tdx_dir };
	for (int k = 0; k < 2; k++) {
		DIR *d = dirs[k] ? opendir(dirs[k]) : NULL;
		struct dirent *de;
		if (!d)
			continue;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				if (k == 0)
					product_from_cert(fc, dirs[k], de->d_name);
				else
					fmspc_from_name(fc, de->d_name);
			}
		closedir(d);
	}
}
