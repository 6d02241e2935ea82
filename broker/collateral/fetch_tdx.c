/* Intel PCS (or a PCCS): TDX TCB info, TD QE identity, PCK CRLs and the
 * root CA CRL (see fetch.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "broker/verify/crypto.h"
#include "fetch.h"
#include "broker/verify/internal.h"
#include "issuer_chain.h"
#include "broker/verify/tdx_collateral.h"
#include "broker/verify/trust_internal.h"

/* The names of the issuer-chain headers: PCS v4, then v3 and PCCS. */
static const char *const tcb_info_headers[] = { "TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain", NULL };
static const char *const qe_identity_headers[] = { "SGX-Enclave-Identity-Issuer-Chain", NULL };
static const char *const pck_crl_headers[] = { "SGX-PCK-CRL-Issuer-Chain", NULL };

static const mbedtls_x509_crt *pinned_root(const cb_trust *t)
{
	for (size_t i = 0; i < t->n_tdx; i++)
		if (!t->tdx[i].test)
			return t->tdx[i].root;
	return NULL;
}

/* The header's URL-decoded PEM parsed into chain: 0, or -1 with err. */
static int header_chain(const struct http_answer *a, mbedtls_x509_crt *chain, uint8_t **pem, size_t *pem_len, char *err,
			size_t errlen)
{
	if (url_decode(a->header, strlen(a->header), pem, pem_len)) {
		snprintf(err, errlen, "the issuer chain header is not URL-encoded text");
		return -1;
	}
	if (cb_certs_parse(chain, *pem, *pem_len) || !memmem(*pem, *pem_len, "-----BEGIN CERTIFICATE-----", 27)) {
		snprintf(err, errlen, "the issuer chain header does not hold PEM certificates");
		free(*pem);
		*pem = NULL;
		return -1;
	}
	return 0;
}

/* The first certificate of the chain signed by the pinned root, valid at
 * at, a CA or not as wanted (the TCB signing certificate is not; the PCK
 * CA is); NULL when none. */
static const mbedtls_x509_crt *signed_by_root(const mbedtls_x509_crt *chain, const mbedtls_x509_crt *root, time_t at,
					      int want_ca)
{
	for (const mbedtls_x509_crt *c = chain; c && c->raw.len; c = c->next)
		if ((cb_cert_is_ca(c) == 0) == (want_ca != 0) && cb_cert_signed_by(c, root) == 0 &&
		    cb_cert_valid_at(c, at) == 0 && cb_cert_valid_at(root, at) == 0)
			return c;
	return NULL;
}

static time_t stored_json_issue(const char *dir, const char *name, const char *body_key)
{
	char path[4096];
	uint8_t *data;
	size_t len, vlen;
	const char *raw;
	time_t t = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    cb_read_file(path, 1024 * 1024, &data, &len))
		return 0;
	if (json_raw_value((const char *)data, len, body_key, &raw, &vlen) == 0) {
		cJSON *body = cJSON_ParseWithLength(raw, vlen);
		const cJSON *issue = cJSON_GetObjectItemCaseSensitive(body, "issueDate");
		if (!cJSON_IsString(issue) || cb_parse_rfc3339(issue->valuestring, &t))
			t = 0;
		cJSON_Delete(body);
	}
	free(data);
	return t;
}

static time_t stored_crl_time(const char *dir, const char *name)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	mbedtls_x509_crl crl;
	time_t t = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    cb_read_file(path, 1024 * 1024, &data, &len))
		return 0;
	mbedtls_x509_crl_init(&crl);
	if (mbedtls_x509_crl_parse_der(&crl, data, len) == 0)
		t = cb_x509_time_to_time(&crl.this_update);
	mbedtls_x509_crl_free(&crl);
	free(data);
	return t;
}

/* TCB info (fmspc set) or the TD QE identity (fmspc NULL). */
static void fetch_signed_json(struct fetch_run *r, const mbedtls_x509_crt *root, const char *fmspc)
{
	const char *key = fmspc ? "tcbInfo" : "enclaveIdentity";
	char item[96], url[1024], name[96], chain_name[96], err[768];
	struct http_answer a;
	mbedtls_x509_crt chain;
	uint8_t *pem = NULL, fm[6], point[65];
	size_t pem_len, point_len;

	if (fmspc) {
		snprintf(item, sizeof item, "tdx tcb-info %s", fmspc);
		snprintf(url, sizeof url, "%s/tdx/certification/v4/tcb?fmspc=%s", r->fc->intel_pcs_url, fmspc);
		snprintf(name, sizeof name, "tcbinfo-%s-pcs.json", fmspc);
		snprintf(chain_name, sizeof chain_name, "tcb-signing-chain-tcbinfo-%s-pcs.pem", fmspc);
		hex_decode(fm, 6, fmspc);
	} else {
		snprintf(item, sizeof item, "tdx qe-identity");
		snprintf(url, sizeof url, "%s/tdx/certification/v4/qe/identity", r->fc->intel_pcs_url);
		snprintf(name, sizeof name, "qeidentity-tdqe-pcs.json");
		snprintf(chain_name, sizeof chain_name, "tcb-signing-chain-qeidentity-pcs.pem");
	}
	if (fetch_get(r, url, fmspc ? tcb_info_headers : qe_identity_headers, &a, err, sizeof err)) {
		fetch_item_done(r, FETCH_FAILED, item, "%s", err);
		return;
	}
	mbedtls_x509_crt_init(&chain);
	char why[256];
	if (header_chain(&a, &chain, &pem, &pem_len, why, sizeof why)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: %s", url, why);
		goto out;
	}
	const mbedtls_x509_crt *signer = signed_by_root(&chain, root, r->at, 0);
	if (!signer || cb_ec_point(&signer->pk, point, sizeof point, &point_len) != MBEDTLS_ECP_DP_SECP256R1) {
		fetch_item_done(r, FETCH_FAILED, item,
				"refused %s: no P-256 TCB signing certificate in its issuer chain signed by the pinned Intel "
				"root and valid at the fetch time", url);
		goto out;
	}
	struct collateral_json_want w = { .body_key = key, .signer_point = point, .signer_point_len = point_len,
					  .at = r->at, .fmspc = fmspc ? fm : NULL };
	time_t issued;
	int bad_signature = 0;
	cJSON *body = tdx_collateral_json_body(a.body, a.len, &w, &issued, &bad_signature);
	if (!body) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: %s", url,
				bad_signature ? "its signature does not verify with the TCB signing key"
				: fmspc ? "not a TDX TCB info for this FMSPC current at the fetch time"
					: "not a TD QE identity current at the fetch time");
		goto out;
	}
	cJSON_Delete(body);
	if (issued < stored_json_issue(r->tdx_dir, name, key)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: issued before the stored %s (a replayed older answer?)",
				url, name);
		goto out;
	}
	/* the chain first (the JSON is only usable with it), one per answer: a
	 * chain stored for one answer is never replaced by another answer's */
	enum fetch_result res = store_file(r->tdx_dir, chain_name, pem, pem_len, err, sizeof err);
	if (res != FETCH_FAILED)
		res = store_file(r->tdx_dir, name, a.body, a.len, err, sizeof err);
	fetch_item_done(r, res, item, "%s", res == FETCH_FAILED ? err : name);
out:
	free(pem);
	mbedtls_x509_crt_free(&chain);
	http_answer_free(&a);
}

/* DER, PEM, or (a PCCS) hex text of DER: one CRL parsed into crl. */
static int parse_crl(const struct http_answer *a, mbedtls_x509_crl *crl)
{
	size_t n = a->len;
	while (n && (a->body[n - 1] == '\n' || a->body[n - 1] == '\r'))
		n--;
	if (n && n % 2 == 0 && n / 2 <= HTTP_BODY_MAX) {
		uint8_t *der = malloc(n / 2);
		char *hex = malloc(n + 1);
		int ok = der && hex;
		if (ok) {
			memcpy(hex, a->body, n);
			hex[n] = 0;
			ok = hex_decode(der, n / 2, hex) == 0 && mbedtls_x509_crl_parse_der(crl, der, n / 2) == 0;
		}
		free(der);
		free(hex);
		if (ok)
			return crl->next ? -1 : 0;
		mbedtls_x509_crl_free(crl);
		mbedtls_x509_crl_init(crl);
	}
	uint8_t *copy = malloc(a->len + 1);
	if (!copy)
		return -1;
	memcpy(copy, a->body, a->len);
	copy[a->len] = 0;
	int pem = memmem(a->body, a->len, "-----BEGIN X509 CRL-----", 24) != NULL;
	int r = mbedtls_x509_crl_parse(crl, copy, pem ? a->len + 1 : a->len);
	free(copy);
	return r || crl->next ? -1 : 0;
}

/* The PCK CRL of one CA (ca set; its issuer chain in the header) or the
 * root CA CRL (ca NULL). */
static void fetch_crl(struct fetch_run *r, const mbedtls_x509_crt *root, const char *ca)
{
	char item[64], url[1024], name[64], err[768], why[256];
	struct http_answer a;
	mbedtls_x509_crt chain;
	mbedtls_x509_crl crl;
	uint8_t *pem = NULL;
	size_t pem_len;
	const mbedtls_x509_crt *issuer = root;

	if (ca) {
		snprintf(item, sizeof item, "tdx pck-crl %s", ca);
		snprintf(url, sizeof url, "%s/sgx/certification/v4/pckcrl?ca=%s&encoding=der", r->fc->intel_pcs_url, ca);
		snprintf(name, sizeof name, "pckcrl-%s-pcs.der", ca);
	} else {
		snprintf(item, sizeof item, "tdx root-crl");
		snprintf(url, sizeof url, "%s", r->fc->intel_root_crl_url);
		snprintf(name, sizeof name, "rootcrl-pcs.der");
	}
	if (fetch_get(r, url, ca ? pck_crl_headers : NULL, &a, err, sizeof err)) {
		fetch_item_done(r, FETCH_FAILED, item, "%s", err);
		return;
	}
	mbedtls_x509_crt_init(&chain);
	mbedtls_x509_crl_init(&crl);
	if (ca) {
		if (header_chain(&a, &chain, &pem, &pem_len, why, sizeof why)) {
			fetch_item_done(r, FETCH_FAILED, item, "refused %s: %s", url, why);
			goto out;
		}
		if (!(issuer = signed_by_root(&chain, root, r->at, 1))) {
			fetch_item_done(r, FETCH_FAILED, item,
					"refused %s: no PCK CA in its issuer chain signed by the pinned Intel root and valid "
					"at the fetch time", url);
			goto out;
		}
	}
	if (parse_crl(&a, &crl)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: not one CRL (DER, PEM or hex)", url);
		goto out;
	}
	if (cb_crl_signed_by(&crl, issuer)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: its signature does not verify with the %s", url,
				ca ? "PCK CA of its issuer chain" : "pinned Intel root");
		goto out;
	}
	if (cb_time_within(&crl.this_update, &crl.next_update, r->at)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: not current at the fetch time", url);
		goto out;
	}
	if (cb_x509_time_to_time(&crl.this_update) < stored_crl_time(r->tdx_dir, name)) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: issued before the stored %s (a replayed older CRL?)", url,
				name);
		goto out;
	}
	enum fetch_result res = store_file(r->tdx_dir, name, crl.raw.p, crl.raw.len, err, sizeof err);
	fetch_item_done(r, res, item, "%s", res == FETCH_FAILED ? err : name);
out:
	free(pem);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&chain);
	http_answer_free(&a);
}

void fetch_tdx(struct fetch_run *r)
{
	const mbedtls_x509_crt *root = pinned_root(r->trust);

	if (!root) {
		fetch_item_done(r, FETCH_FAILED, "tdx", "no pinned Intel SGX root in the vendor directory");
		return;
	}
	for (size_t i = 0; i < r->fc->n_tdx_fmspcs; i++)
		fetch_signed_json(r, root, r->fc->tdx_fmspcs[i]);
	fetch_signed_json(r, root, NULL);
	for (size_t i = 0; i < r->fc->n_pck_crl_cas; i++)
		fetch_crl(r, root, r->fc->pck_crl_cas[i]);
	fetch_crl(r, root, NULL);
}
