/* Helpers for the verification tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/verify/internal.h"
#include "testutil.h"

#ifndef COCOBOOT_TESTDATA
#define COCOBOOT_TESTDATA "../shared/testdata"
#endif

const char *testdata_dir(void)
{
	const char *e = getenv("COCOBOOT_TESTDATA");
	return e && *e ? e : COCOBOOT_TESTDATA;
}

static int td_present(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/vectors.json", testdata_dir());
	return access(path, R_OK) == 0;
}

int td_group(const char *what)
{
	if (td_present())
		return 1;
	const char *e = getenv("COCOBOOT_TESTDATA");
	if (e && *e) {
		printf("FAIL %s: COCOBOOT_TESTDATA=%s has no readable vectors.json\n", what, e);
		return -1;
	}
	printf("SKIP %s (one group, counted once): no %s/vectors.json; the shared real-evidence set "
	       "runs when it is there or COCOBOOT_TESTDATA=DIR names it\n",
	       what, testdata_dir());
	return 0;
}

uint8_t *read_path(const char *path, size_t *len)
{
	uint8_t *d;
	if (cb_read_file(path, 4 << 20, &d, len) != 0) {
		fprintf(stderr, "test: cannot read %s\n", path);
		printf("0 passed, 1 failed\n");
		exit(1);
	}
	return d;
}

uint8_t *td_read(const char *sub, const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/%s", testdata_dir(), sub, name);
	return read_path(path, len);
}

cJSON *td_vectors(void)
{
	static cJSON *v;
	if (!v && !td_present())
		return NULL;
	if (!v) {
		size_t len;
		char path[4096];
		snprintf(path, sizeof path, "%s/vectors.json", testdata_dir());
		uint8_t *d = read_path(path, &len);
		v = cJSON_ParseWithLength((const char *)d, len);
		free(d);
		if (!v) {
			printf("vectors.json does not parse\n0 passed, 1 failed\n");
			exit(1);
		}
	}
	return v;
}

time_t td_time(const char *s)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *sp = strchr(buf, ' ');
	if (sp)
		*sp = 'T';
	time_t t = 0;
	if (cb_parse_rfc3339(buf, &t) != 0) {
		fprintf(stderr, "test: bad time %s\n", s);
		exit(1);
	}
	return t;
}

void hexs(char *out, const uint8_t *p, size_t n)
{
	hex_encode(out, p, n);
}

cb_trust *vendor_trust(void)
{
	static cb_trust *t;
	cb_refusal why;
	if (!t && cb_trust_new(&t, NULL, &why) != 0) {
		printf("FAIL: vendor trust store: %s\n0 passed, 1 failed\n", why.detail);
		exit(1);
	}
	return t;
}

void snp_case_load(struct snp_case *sc, const cJSON *vec)
{
	memset(sc, 0, sizeof *sc);
	const cJSON *files = cJSON_GetObjectItem(vec, "files");
	const cJSON *signer = cJSON_GetObjectItem(vec, "signer_cert");
	sc->report = td_read("snp", cJSON_GetObjectItem(files, "report")->valuestring, &sc->report_len);
	sc->cert = td_read("snp", cJSON_GetObjectItem(files, "vcek")->valuestring, &sc->cert_len);
	sc->certs[0].data = sc->cert;
	sc->certs[0].len = sc->cert_len;
	sc->ev.provider = "sev_guest";
	sc->ev.outblob = sc->report;
	sc->ev.outblob_len = sc->report_len;
	sc->ev.certs = sc->certs;
	sc->ev.n_certs = 1;
	/* a day into the signer certificate's validity (ARK/ASK cover it) */
	sc->ev.at = td_time(cJSON_GetObjectItem(signer, "not_before")->valuestring) + 86400;
}

void snp_case_free(struct snp_case *sc)
{
	free(sc->report);
	free(sc->cert);
}

void tdx_case_load(struct tdx_case *tc, const cJSON *vec)
{
	memset(tc, 0, sizeof *tc);
	const cJSON *files = cJSON_GetObjectItem(vec, "files");
	tc->quote = td_read("tdx", cJSON_GetObjectItem(files, "quote")->valuestring, &tc->quote_len);
	tc->ev.provider = "tdx_guest";
	tc->ev.outblob = tc->quote;
	tc->ev.outblob_len = tc->quote_len;
	/* a day after the latest not-before of the PCK chain */
	const cJSON *validity = cJSON_GetObjectItem(cJSON_GetObjectItem(vec, "fields"), "pck_validity"), *w;
	time_t at = 0;
	cJSON_ArrayForEach(w, validity) {
		time_t nb = td_time(cJSON_GetArrayItem(w, 0)->valuestring);
		if (nb > at)
			at = nb;
	}
	tc->ev.at = at + 86400;
}

void tdx_case_free(struct tdx_case *tc)
{
	free(tc->quote);
}
