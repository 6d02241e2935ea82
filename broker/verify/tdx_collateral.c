/* TDX collateral: signatures, CRLs and Intel's TCB status matching. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>

#include "crypto.h"
#include "internal.h"
#include "tdx_collateral.h"

#define MAX_COLLATERAL_FILE (512 * 1024)

/* ---- raw JSON extraction ------------------------------------------------ */

int json_raw_value(const char *text, size_t len, const char *key, const char **start, size_t *vlen)
{
	char pat[64];
	int n = snprintf(pat, sizeof pat, "\"%s\"", key);
	if (n < 0 || (size_t)n >= sizeof pat)
		return -1;
	const char *p = memmem(text, len, pat, (size_t)n), *end = text + len;
	if (!p)
		return -1;
	p += n;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p == end || *p++ != ':')
		return -1;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p == end || *p != '{')
		return -1;
	const char *s = p;
	int depth = 0, in_str = 0;
	for (; p < end; p++) {
		if (in_str) {
			if (*p == '\\' && ++p == end)
				break;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"') {
			in_str = 1;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			*start = s;
			*vlen = (size_t)(p + 1 - s);
			return 0;
		}
	}
	return -1;
}

/* ---- directory scan ------------------------------------------------------ */

/* Signature checks over the indexed files, each done once per change. */
static int memo_cert_signed_by(struct dir_snapshot *memo, const mbedtls_x509_crt *c, const mbedtls_x509_crt *parent)
{
	uint8_t key[32];
	dir_memo_key(key, "tdx-cert", c->raw.p, c->raw.len, parent->raw.p, parent->raw.len, NULL, 0);
	if (dir_memo_has(memo, key))
		return 0;
	if (cb_cert_signed_by(c, parent) != 0)
		return -1;
	dir_memo_add(memo, key);
	return 0;
}

/* ---- TCB signing key ----------------------------------------------------- */

struct signer_search {
	struct dir_snapshot *memo;
	const mbedtls_x509_crt *root;
	time_t at;
	int found;
	uint8_t point[65];
	size_t point_len;
	uint8_t serial[32];
	size_t serial_len;
};

static void signer_eval(struct signer_search *s, const mbedtls_x509_crt *chain)
{
	if (s->found)
		return;
	for (const mbedtls_x509_crt *c = chain; c; c = c->next)
		if (cb_cert_is_ca(c) != 0 && c->serial.len <= 32 && memo_cert_signed_by(s->memo, c, s->root) == 0 &&
		    cb_cert_valid_at(c, s->at) == 0 && cb_cert_valid_at(s->root, s->at) == 0 &&
		    cb_ec_point(&c->pk, s->point, sizeof s->point, &s->point_len) == MBEDTLS_ECP_DP_SECP256R1) {
			memcpy(s->serial, c->serial.p, c->serial.len);
			s->serial_len = c->serial.len;
			s->found = 1;
			break;
		}
}

/* ---- CRLs ---------------------------------------------------------------- */

struct crl_search {
	struct dir_snapshot *memo;
	const uint8_t *issuer_point;
	size_t issuer_point_len;
	const uint8_t *issuer_subject_hash;   /* NULL: the root */
	const mbedtls_x509_crt *root;
	time_t at;
	time_t best_this_update;
	int found;
	/* serials to look up and whether the best CRL revokes them */
	const uint8_t *serial[2];
	size_t serial_len[2];
	int revoked[2];
};

/* One parsed CRL against the search: the issuer's, signed, current, and
 * issued after the best so far. */
static void crl_eval(struct crl_search *s, const mbedtls_x509_crl *c)
{
	const mbedtls_x509_crl *crl = c;
	uint8_t h[32];
	cb_sha256(crl->issuer_raw.p, crl->issuer_raw.len, h);
	if (s->issuer_subject_hash ? memcmp(h, s->issuer_subject_hash, 32) != 0
				   : (crl->issuer_raw.len != s->root->subject_raw.len ||
				      memcmp(crl->issuer_raw.p, s->root->subject_raw.p, crl->issuer_raw.len) != 0))
		return;
	uint8_t key[32];
	dir_memo_key(key, "tdx-crl", crl->raw.p, crl->raw.len, s->issuer_point, s->issuer_point_len, NULL, 0);
	if (!dir_memo_has(s->memo, key)) {
		const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crl->sig_md);
		uint8_t hash[MBEDTLS_MD_MAX_SIZE];
		if (!md || crl->sig_pk != MBEDTLS_PK_ECDSA || mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash) != 0 ||
		    cb_ecdsa_verify_der(MBEDTLS_ECP_DP_SECP256R1, s->issuer_point, s->issuer_point_len, hash,
					mbedtls_md_get_size(md), crl->sig.p, crl->sig.len) != 0)
			return;
		dir_memo_add(s->memo, key);
	}
	if (cb_time_within(&crl->this_update, &crl->next_update, s->at) != 0)
		return;
	time_t tu = cb_x509_time_to_time(&crl->this_update);
	if (s->found && tu <= s->best_this_update)
		return;
	s->found = 1;
	s->best_this_update = tu;
	for (int i = 0; i < 2; i++) {
		s->revoked[i] = 0;
		if (!s->serial[i])
			continue;
		for (const mbedtls_x509_crl_entry *e = &crl->entry; e && e->serial.len; e = e->next)
			if (e->serial.len == s->serial_len[i] && memcmp(e->serial.p, s->serial[i], e->serial.len) == 0)
				s->revoked[i] = 1;
	}
}

/* ---- signed JSON (TCB info, QE identity) --------------------------------- */

struct json_search {
	struct collateral_json_want want;
	int bad_signature;
	time_t best_issue;
	const cJSON *best;                     /* the body object of the chosen file */
};

/* One collateral JSON file, parsed: what does not depend on the request. */
struct parsed_json {
	cJSON *body;               /* the signed body; NULL: unusable for any request */
	const char *id;            /* into body */
	time_t issue, next;
	int has_fmspc;
	uint8_t fmspc[6];
	int rs_ok;
	uint8_t rs[64];
	uint8_t hash[32];          /* SHA-256 over the body's exact bytes */
};

static void json_parse(const uint8_t *data, size_t len, const char *body_key, struct parsed_json *pj)
{
	memset(pj, 0, sizeof *pj);
	cJSON *root = cJSON_ParseWithLength((const char *)data, len), *body = NULL;
	const char *raw;
	size_t rawlen;
	if (!root || json_raw_value((const char *)data, len, body_key, &raw, &rawlen) != 0)
		goto out;
	/* Evaluate exactly the bytes the signature covers: a second, unsigned
	 * copy of the key elsewhere in the file must not be what is used. */
	body = cJSON_ParseWithLength(raw, rawlen);
	const cJSON *sig = cJSON_GetObjectItemCaseSensitive(root, "signature");
	const cJSON *id = body ? cJSON_GetObjectItemCaseSensitive(body, "id") : NULL;
	const cJSON *issue = body ? cJSON_GetObjectItemCaseSensitive(body, "issueDate") : NULL;
	const cJSON *next = body ? cJSON_GetObjectItemCaseSensitive(body, "nextUpdate") : NULL;
	if (!cJSON_IsObject(body) || !cJSON_IsString(sig) || !cJSON_IsString(id) || !cJSON_IsString(issue) ||
	    !cJSON_IsString(next) || cb_parse_rfc3339(issue->valuestring, &pj->issue) ||
	    cb_parse_rfc3339(next->valuestring, &pj->next)) {
		cJSON_Delete(body);
		goto out;
	}
	pj->body = body;
	pj->id = id->valuestring;
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(body, "fmspc");
	pj->has_fmspc = cJSON_IsString(f) && hex_decode(pj->fmspc, 6, f->valuestring) == 0;
	pj->rs_ok = hex_decode(pj->rs, 64, sig->valuestring) == 0;
	mbedtls_sha256((const uint8_t *)raw, rawlen, pj->hash, 0);
out:
	cJSON_Delete(root);
}

/* A parsed file against one request's wants: its body (owned by pj) or NULL. */
static const cJSON *json_judge(const struct parsed_json *pj, const struct collateral_json_want *w, time_t *issued,
			       int *bad_signature)
{
	if (!pj->body || strcmp(pj->id, w->fmspc ? "TDX" : "TD_QE") != 0)
		return NULL;
	if (w->fmspc && (!pj->has_fmspc || memcmp(pj->fmspc, w->fmspc, 6)))
		return NULL;
	if (w->at < pj->issue || w->at > pj->next || (w->newer_than && pj->issue <= *w->newer_than))
		return NULL;
	if (!pj->rs_ok)
		return NULL;
	uint8_t key[32];
	dir_memo_key(key, "tdx-json", pj->hash, 32, w->signer_point, w->signer_point_len, pj->rs, 64);
	if (!dir_memo_has(w->memo, key)) {
		if (cb_ecdsa_verify_raw(MBEDTLS_ECP_DP_SECP256R1, w->signer_point, w->signer_point_len, pj->hash, 32,
					pj->rs, pj->rs + 32, 32)) {
			*bad_signature = 1;
			return NULL;
		}
		dir_memo_add(w->memo, key);
	}
	*issued = pj->issue;
	return pj->body;
}

cJSON *tdx_collateral_json_body(const uint8_t *data, size_t len, const struct collateral_json_want *w,
				time_t *issued, int *bad_signature)
{
	struct parsed_json pj;
	json_parse(data, len, w->body_key, &pj);
	if (!json_judge(&pj, w, issued, bad_signature)) {
		cJSON_Delete(pj.body);
		return NULL;
	}
	return pj.body;
}

static void json_eval(struct json_search *s, const struct parsed_json *pj)
{
	s->want.newer_than = s->best ? &s->best_issue : NULL;
	time_t issued;
	const cJSON *body = json_judge(pj, &s->want, &issued, &s->bad_signature);
	if (body) {
		s->best = body;
		s->best_issue = issued;
	}
}

/* ---- the directory, parsed once per snapshot ------------------------------ */

struct parsed_chain {
	mbedtls_x509_crt chain;
	int ok;                    /* the whole file parsed */
};

struct parsed_crl {
	mbedtls_x509_crl crl;
	int ok;
};

enum { ROOT_CRL, PCK_CRL };
enum { TCB_INFO, QE_IDENTITY };

struct collateral_set {
	struct parsed_chain *signer;
	size_t n_signer;
	struct parsed_crl *crl[2];
	size_t n_crl[2];
	struct parsed_json *json[2];
	size_t n_json[2];
};

static int name_is(const char *name, const char *prefix, const char *suffix)
{
	size_t nl = strlen(name), pl = strlen(prefix), sl = strlen(suffix);
	return nl >= pl + sl && !strncmp(name, prefix, pl) && !strcmp(name + nl - sl, suffix);
}

static void collateral_set_free(void *p)
{
	struct collateral_set *cs = p;
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n_signer; i++)
		mbedtls_x509_crt_free(&cs->signer[i].chain);
	free(cs->signer);
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < cs->n_crl[k]; i++)
			mbedtls_x509_crl_free(&cs->crl[k][i].crl);
		free(cs->crl[k]);
		for (size_t i = 0; i < cs->n_json[k]; i++)
			cJSON_Delete(cs->json[k][i].body);
		free(cs->json[k]);
	}
	free(cs);
}

/* Every collateral file of the snapshot parsed, in the directory's order. */
static void *collateral_set_build(const struct dir_snapshot *d)
{
	static const char *const crl_prefix[2] = { "rootcrl", "pckcrl" };
	static const char *const json_prefix[2] = { "tcbinfo", "qeidentity" };
	static const char *const json_key[2] = { "tcbInfo", "enclaveIdentity" };
	struct collateral_set *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	/* arrays sized once: parsed structures are never moved */
	cs->signer = calloc(d->n_files + 1, sizeof *cs->signer);
	for (int k = 0; k < 2; k++) {
		cs->crl[k] = calloc(d->n_files + 1, sizeof *cs->crl[k]);
		cs->json[k] = calloc(d->n_files + 1, sizeof *cs->json[k]);
	}
	if (!cs->signer || !cs->crl[0] || !cs->crl[1] || !cs->json[0] || !cs->json[1]) {
		collateral_set_free(cs);
		return NULL;
	}
	for (size_t i = 0; i < d->n_files; i++) {
		const struct dir_file *f = &d->files[i];
		if (!f->data || f->len > MAX_COLLATERAL_FILE)
			continue;
		if (name_is(f->name, "tcb-signing-chain", ".pem")) {
			struct parsed_chain *pc = &cs->signer[cs->n_signer++];
			mbedtls_x509_crt_init(&pc->chain);
			pc->ok = cb_certs_parse(&pc->chain, f->data, f->len) == 0;
		}
		for (int k = 0; k < 2; k++) {
			if (name_is(f->name, crl_prefix[k], ".der")) {
				struct parsed_crl *pc = &cs->crl[k][cs->n_crl[k]++];
				mbedtls_x509_crl_init(&pc->crl);
				pc->ok = mbedtls_x509_crl_parse_der(&pc->crl, f->data, f->len) == 0;
			}
			if (name_is(f->name, json_prefix[k], ".json"))
				json_parse(f->data, f->len, json_key[k], &cs->json[k][cs->n_json[k]++]);
		}
	}
	return cs;
}

/* ---- TCB status ---------------------------------------------------------- */

static const char *const status_order[] = {
	"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
	"OutOfDate", "OutOfDateConfigurationNeeded", "Revoked",
};

static int status_rank(const char *s)
{
	for (size_t i = 0; i < sizeof status_order / sizeof status_order[0]; i++)
		if (!strcmp(s, status_order[i]))
			return (int)i;
	return -1;
}

static int svn_at(const cJSON *arr, int i, int *out)
{
	const cJSON *item = cJSON_GetArrayItem(arr, i);
	const cJSON *svn = item ? cJSON_GetObjectItemCaseSensitive(item, "svn") : NULL;
	if (!cJSON_IsNumber(svn))
		return -1;
	*out = svn->valueint;
	return 0;
}

static int masked_hex_equal(const cJSON *obj, const char *val_key, const char *mask_key, const uint8_t *actual, size_t n)
{
	uint8_t v[48], m[48];
	const cJSON *jv = cJSON_GetObjectItemCaseSensitive(obj, val_key);
	const cJSON *jm = mask_key ? cJSON_GetObjectItemCaseSensitive(obj, mask_key) : NULL;
	if (!cJSON_IsString(jv) || hex_decode(v, n, jv->valuestring))
		return 0;
	if (mask_key) {
		if (!cJSON_IsString(jm) || hex_decode(m, n, jm->valuestring))
			return 0;
	} else {
		memset(m, 0xff, n);
	}
	for (size_t i = 0; i < n; i++)
		if ((actual[i] & m[i]) != (v[i] & m[i]))
			return 0;
	return 1;
}

/* Intel's matching: the first level whose SGX components and PCESVN (from
 * the PCK) and TDX components (TEE_TCB_SVN) are all >=.  NULL: none. */
static const char *platform_status(const cJSON *tcbinfo, const struct chain_entry *pck, const cb_tdx_claims *c)
{
	const cJSON *levels = cJSON_GetObjectItemCaseSensitive(tcbinfo, "tcbLevels"), *lvl;
	int skip = c->tee_tcb_svn[1] > 0 ? 2 : 0;
	cJSON_ArrayForEach(lvl, levels) {
		const cJSON *tcb = cJSON_GetObjectItemCaseSensitive(lvl, "tcb");
		const cJSON *sgx = cJSON_GetObjectItemCaseSensitive(tcb, "sgxtcbcomponents");
		const cJSON *tdx = cJSON_GetObjectItemCaseSensitive(tcb, "tdxtcbcomponents");
		const cJSON *pcesvn = cJSON_GetObjectItemCaseSensitive(tcb, "pcesvn");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(lvl, "tcbStatus");
		if (!cJSON_IsArray(sgx) || !cJSON_IsArray(tdx) || !cJSON_IsNumber(pcesvn) || !cJSON_IsString(st))
			return NULL;
		int ok = pck->sgx.pcesvn >= pcesvn->valueint;
		for (int i = 0; i < 16 && ok; i++) {
			int v;
			if (svn_at(sgx, i, &v) || pck->sgx.comp_svn[i] < v)
				ok = 0;
		}
		for (int i = skip; i < 16 && ok; i++) {
			int v;
			if (svn_at(tdx, i, &v) || c->tee_tcb_svn[i] < v)
				ok = 0;
		}
		if (ok)
			return st->valuestring;
	}
	return NULL;
}

/* TDX module identity TDX_<major>: its first level with isvsvn <= minor SVN. */
static const char *module_status(const cJSON *tcbinfo, const cb_tdx_claims *c, cb_refusal *why)
{
	if (c->tee_tcb_svn[1] == 0)
		return "UpToDate"; /* TDX 1.0 module: covered by the platform levels */
	char id[16];
	snprintf(id, sizeof id, "TDX_%02X", c->tee_tcb_svn[1]);
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(tcbinfo, "tdxModuleIdentities"), *m;
	cJSON_ArrayForEach(m, ids) {
		const cJSON *jid = cJSON_GetObjectItemCaseSensitive(m, "id");
		if (!cJSON_IsString(jid) || strcasecmp(jid->valuestring, id))
			continue;
		if (!masked_hex_equal(m, "mrsigner", NULL, c->mrsignerseam, 48) ||
		    !masked_hex_equal(m, "attributes", "attributesMask", c->seam_attributes, 8)) {
			cb_refuse(why, CB_REASON_TCB_MISMATCH, "TDX module does not match identity %s in TCB info", id);
			return NULL;
		}
		const cJSON *lvl;
		cJSON_ArrayForEach(lvl, cJSON_GetObjectItemCaseSensitive(m, "tcbLevels")) {
			const cJSON *svn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lvl, "tcb"), "isvsvn");
			const cJSON *st = cJSON_GetObjectItemCaseSensitive(lvl, "tcbStatus");
			if (cJSON_IsNumber(svn) && cJSON_IsString(st) && c->tee_tcb_svn[0] >= svn->valueint)
				return st->valuestring;
		}
		cb_refuse(why, CB_REASON_TCB_TOO_OLD, "TDX module %s SVN %u is below every TCB level", id, c->tee_tcb_svn[0]);
		return NULL;
	}
	cb_refuse(why, CB_REASON_TCB_MISMATCH, "TCB info has no TDX module identity %s", id);
	return NULL;
}

static const char *qe_status(const cJSON *qeid, const struct sgx_report_body *qe, cb_refusal *why)
{
	uint8_t misc[4] = { (uint8_t)qe->misc_select, (uint8_t)(qe->misc_select >> 8),
			    (uint8_t)(qe->misc_select >> 16), (uint8_t)(qe->misc_select >> 24) };
	/* miscselect is a big-endian hex u32 in the JSON */
	uint8_t misc_be[4] = { misc[3], misc[2], misc[1], misc[0] };
	const cJSON *prod = cJSON_GetObjectItemCaseSensitive(qeid, "isvprodid");
	if (!masked_hex_equal(qeid, "mrsigner", NULL, qe->mr_signer, 32) ||
	    !masked_hex_equal(qeid, "miscselect", "miscselectMask", misc_be, 4) ||
	    !masked_hex_equal(qeid, "attributes", "attributesMask", qe->attributes, 16) ||
	    !cJSON_IsNumber(prod) || prod->valueint != qe->isv_prod_id) {
		cb_refuse(why, CB_REASON_TCB_MISMATCH, "the quoting enclave does not match Intel's TD QE identity");
		return NULL;
	}
	const cJSON *lvl;
	cJSON_ArrayForEach(lvl, cJSON_GetObjectItemCaseSensitive(qeid, "tcbLevels")) {
		const cJSON *svn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(lvl, "tcb"), "isvsvn");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(lvl, "tcbStatus");
		if (cJSON_IsNumber(svn) && cJSON_IsString(st) && qe->isv_svn >= svn->valueint)
			return st->valuestring;
	}
	cb_refuse(why, CB_REASON_TCB_TOO_OLD, "QE ISVSVN %u is below every QE identity level", qe->isv_svn);
	return NULL;
}

static const char *worse(const char *a, const char *b)
{
	int ra = status_rank(a), rb = status_rank(b);
	if (ra < 0)
		return a;
	if (rb < 0)
		return b;
	return rb > ra ? b : a;
}

static int collateral_eval(struct dir_snapshot *snap, const struct collateral_set *cs, const mbedtls_x509_crt *root,
			   const uint8_t *root_point, size_t root_point_len, time_t at, const struct chain_entry *pck,
			   const struct sgx_report_body *qe, cb_tdx_claims *c, cb_refusal *why);

int tdx_collateral_check(cb_trust *t, const char *dir, time_t at, const struct chain_entry *pck,
			 const struct sgx_report_body *qe, cb_tdx_claims *c, cb_refusal *why)
{
	const mbedtls_x509_crt *root = t->tdx[pck->root_index].root;
	uint8_t root_point[65];
	size_t root_point_len;
	if (cb_ec_point(&root->pk, root_point, sizeof root_point, &root_point_len) != MBEDTLS_ECP_DP_SECP256R1)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX root key is not P-256");

	struct dir_snapshot *snap;
	if (dir_snapshot_get(&t->dirs, dir, &snap) != 0)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID, "cannot read collateral directory %s", dir);
	const struct collateral_set *cs = dir_snapshot_derived(snap, collateral_set_build, collateral_set_free);
	int ret = cs ? collateral_eval(snap, cs, root, root_point, root_point_len, at, pck, qe, c, why)
		     : cb_refuse(why, CB_REASON_INTERNAL, "out of memory reading collateral directory %s", dir);
	dir_snapshot_release(snap);
	return ret;
}

static int collateral_eval(struct dir_snapshot *snap, const struct collateral_set *cs, const mbedtls_x509_crt *root,
			   const uint8_t *root_point, size_t root_point_len, time_t at, const struct chain_entry *pck,
			   const struct sgx_report_body *qe, cb_tdx_claims *c, cb_refusal *why)
{
	struct signer_search signer = { .memo = snap, .root = root, .at = at };
	for (size_t i = 0; i < cs->n_signer; i++)
		if (cs->signer[i].ok)
			signer_eval(&signer, &cs->signer[i].chain);
	if (!signer.found)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID,
				 "no TCB signing certificate signed by the pinned root and valid at the verification time");

	struct crl_search rootcrl = { .memo = snap, .issuer_point = root_point, .issuer_point_len = root_point_len, .root = root,
				      .at = at, .serial = { pck->pck_ca_serial, signer.serial },
				      .serial_len = { pck->pck_ca_serial_len, signer.serial_len } };
	for (size_t i = 0; i < cs->n_crl[ROOT_CRL]; i++)
		if (cs->crl[ROOT_CRL][i].ok)
			crl_eval(&rootcrl, &cs->crl[ROOT_CRL][i].crl);
	if (!rootcrl.found)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID, "no root CRL signed by the root and current at the verification time");
	if (rootcrl.revoked[0] || rootcrl.revoked[1])
		return cb_refuse(why, CB_REASON_REVOKED, "the %s is revoked by the root CRL",
				 rootcrl.revoked[0] ? "PCK CA" : "TCB signing certificate");

	struct crl_search pckcrl = { .memo = snap, .issuer_point = pck->ca_point, .issuer_point_len = pck->ca_point_len,
				     .issuer_subject_hash = pck->ca_subject_hash, .root = root, .at = at,
				     .serial = { pck->pck_serial, NULL }, .serial_len = { pck->pck_serial_len, 0 } };
	for (size_t i = 0; i < cs->n_crl[PCK_CRL]; i++)
		if (cs->crl[PCK_CRL][i].ok)
			crl_eval(&pckcrl, &cs->crl[PCK_CRL][i].crl);
	if (!pckcrl.found)
		return cb_refuse(why, CB_REASON_COLLATERAL_INVALID, "no PCK CRL signed by the PCK CA and current at the verification time");
	if (pckcrl.revoked[0])
		return cb_refuse(why, CB_REASON_REVOKED, "the PCK certificate is revoked");

	struct json_search ti = { .want = { .body_key = "tcbInfo", .signer_point = signer.point,
					    .signer_point_len = signer.point_len, .at = at, .fmspc = pck->sgx.fmspc,
					    .memo = snap } };
	struct json_search qi = { .want = { .body_key = "enclaveIdentity", .signer_point = signer.point,
					    .signer_point_len = signer.point_len, .at = at, .memo = snap } };
	for (size_t i = 0; i < cs->n_json[TCB_INFO]; i++)
		json_eval(&ti, &cs->json[TCB_INFO][i]);
	for (size_t i = 0; i < cs->n_json[QE_IDENTITY]; i++)
		json_eval(&qi, &cs->json[QE_IDENTITY][i]);
	int ret = -1;
	char fm[13];
	hex_encode(fm, pck->sgx.fmspc, 6);
	if (!ti.best) {
		cb_refuse(why, CB_REASON_COLLATERAL_INVALID, "no %sTCB info for FMSPC %s current at the verification time",
			  ti.bad_signature ? "correctly signed " : "", fm);
		goto out;
	}
	if (!qi.best) {
		cb_refuse(why, CB_REASON_COLLATERAL_INVALID, "no %sTD QE identity current at the verification time",
			  qi.bad_signature ? "correctly signed " : "");
		goto out;
	}
	const cJSON *mod = cJSON_GetObjectItemCaseSensitive(ti.best, "tdxModule");
	if (mod && (!masked_hex_equal(mod, "mrsigner", NULL, c->mrsignerseam, 48) ||
		    !masked_hex_equal(mod, "attributes", "attributesMask", c->seam_attributes, 8))) {
		cb_refuse(why, CB_REASON_TCB_MISMATCH, "TDX module MRSIGNER/attributes do not match TCB info");
		goto out;
	}
	const char *qs = qe_status(qi.best, qe, why);
	if (!qs)
		goto out;
	const char *ps = platform_status(ti.best, pck, c);
	if (!ps) {
		cb_refuse(why, CB_REASON_TCB_TOO_OLD, "platform TCB is below every level of the TCB info for FMSPC %s (not supported)", fm);
		goto out;
	}
	const char *ms = module_status(ti.best, c, why);
	if (!ms)
		goto out;
	const char *status = worse(worse(ps, ms), qs);
	if (!strcmp(status, "Revoked")) {
		cb_refuse(why, CB_REASON_REVOKED, "TCB status is Revoked");
		goto out;
	}
	snprintf(c->tcb_status, sizeof c->tcb_status, "%s", status);
	snprintf(c->qe_tcb_status, sizeof c->qe_tcb_status, "%s", qs);
	c->has_tcb_status = true;
	ret = 0;
out:
	return ret;
}
