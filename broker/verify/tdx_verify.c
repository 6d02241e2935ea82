/*
 * TDX: quote signature by the attestation key, the key bound into the QE
 * report, the QE report signed by the PCK, the PCK chain to a pinned root,
 * the QE is Intel's TD QE (pinned identity); then, with a collateral
 * directory, TCB info / QE identity / CRLs.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/sha256.h>

#include "ccel.h"
#include "crypto.h"
#include "internal.h"
#include "tdx_collateral.h"
#include "tdx_quote.h"
#include "trust_internal.h"
#include "verify_internal.h"

static int copy_serial(const mbedtls_x509_crt *c, uint8_t *out, size_t *len)
{
	if (c->serial.len > 32)
		return -1;
	memcpy(out, c->serial.p, c->serial.len);
	*len = c->serial.len;
	return 0;
}

static void narrow(struct chain_entry *e, const mbedtls_x509_crt *c)
{
	time_t nb = cb_x509_time_to_time(&c->valid_from), na = cb_x509_time_to_time(&c->valid_to);
	if (nb > e->not_before)
		e->not_before = nb;
	if (na < e->not_after)
		e->not_after = na;
}

/* The certificate of chain (other than c itself) whose subject is c's
 * issuer: the first one only, so the path is built by name in one pass. */
static const mbedtls_x509_crt *issuer_of(const mbedtls_x509_crt *chain, const mbedtls_x509_crt *c)
{
	for (const mbedtls_x509_crt *i = chain; i && i->raw.p; i = i->next)
		if (i != c && i->subject_raw.len == c->issuer_raw.len &&
		    memcmp(i->subject_raw.p, c->issuer_raw.p, c->issuer_raw.len) == 0)
			return i;
	return NULL;
}

/* leaf <- PCK CA <- pinned root, built linearly from the leaf (the quote's
 * first certificate): at most one signature per link and one per pinned root
 * of the right name, whatever the chain holds (tdx_quote_parse bounds it to
 * TDX_PCK_CHAIN_MAX certificates).  The root the quote carries is never
 * trusted; only the pinned one is used. */
static int pck_chain_verify(cb_trust *t, const uint8_t *pem, size_t len, struct chain_entry *e, cb_refusal *why)
{
	mbedtls_x509_crt chain;
	mbedtls_x509_crt_init(&chain);
	int ret = -1;
	if (tdx_pem_cert_count(pem, len) > TDX_PCK_CHAIN_MAX) { /* also bounded by the parser */
		cb_refuse(why, CB_REASON_MALFORMED, "TDX PCK chain has more than %d certificates", TDX_PCK_CHAIN_MAX);
		goto out;
	}
	if (cb_certs_parse(&chain, pem, len) != 0) {
		cb_refuse(why, CB_REASON_MALFORMED, "TDX PCK certificate chain does not parse");
		goto out;
	}
	const mbedtls_x509_crt *leaf = &chain, *ca = issuer_of(&chain, leaf);
	int root = -1;
	if (cb_cert_is_ca(leaf) == 0) {
		cb_refuse(why, CB_REASON_CHAIN_INVALID, "the first certificate of the TDX PCK chain is a CA, not a PCK");
		goto out;
	}
	if (!ca || cb_cert_is_ca(ca) != 0 || cb_cert_signed_by(leaf, ca) != 0) {
		cb_refuse(why, CB_REASON_CHAIN_INVALID, "the TDX PCK is not signed by a PCK CA of its chain");
		goto out;
	}
	for (size_t r = 0; r < t->n_tdx && root < 0; r++)
		if (cb_cert_signed_by(ca, t->tdx[r].root) == 0)
			root = (int)r;
	if (root < 0) {
		cb_refuse(why, CB_REASON_CHAIN_INVALID, "TDX PCK chain does not lead to a pinned root");
		goto out;
	}
	memset(e, 0, sizeof *e);
	char err[128];
	if (sgx_ext_parse(leaf, &e->sgx, err, sizeof err) != 0) {
		cb_refuse(why, CB_REASON_MALFORMED, "%s", err);
		goto out;
	}
	e->gid = cb_ec_point(&leaf->pk, e->point, sizeof e->point, &e->point_len);
	if (e->gid != MBEDTLS_ECP_DP_SECP256R1 ||
	    cb_ec_point(&ca->pk, e->ca_point, sizeof e->ca_point, &e->ca_point_len) != MBEDTLS_ECP_DP_SECP256R1) {
		cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX PCK or PCK CA key is not ECDSA P-256");
		goto out;
	}
	if (copy_serial(leaf, e->pck_serial, &e->pck_serial_len) || copy_serial(ca, e->pck_ca_serial, &e->pck_ca_serial_len)) {
		cb_refuse(why, CB_REASON_MALFORMED, "TDX PCK certificate serial too long");
		goto out;
	}
	cb_sha256(ca->subject_raw.p, ca->subject_raw.len, e->ca_subject_hash);
	e->root_index = root;
	e->product = t->tdx[root].product;
	e->test = t->tdx[root].test;
	e->not_before = 0;
	e->not_after = (time_t)INT64_MAX;
	narrow(e, leaf);
	narrow(e, ca);
	narrow(e, t->tdx[root].root);
	ret = 0;
out:
	mbedtls_x509_crt_free(&chain);
	return ret;
}

static int masked_equal(const uint8_t *a, const uint8_t *b, const uint8_t *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((a[i] & mask[i]) != (b[i] & mask[i]))
			return 0;
	return 1;
}

/* The QE report (already verified under the PCK) must come from Intel's TD
 * quoting enclave: the PCK certifies any enclave with the PROVISIONKEY.
 * Every difference is named, DEBUG first. */
static int qe_identity_check(const struct td_qe_identity *id, const struct sgx_report_body *qe, cb_refusal *why)
{
	char detail[200] = "", hex[65];
	size_t n = 0;
#define NOTE(...)                                                                      \
	do {                                                                           \
		if (n < sizeof detail)                                                 \
			n += (size_t)snprintf(detail + n, sizeof detail - n, __VA_ARGS__); \
	} while (0)
	if (qe->attributes[0] & 0x02)
		NOTE("; DEBUG attribute set");
	if (memcmp(qe->mr_signer, id->mrsigner, 32) != 0) {
		hex_encode(hex, qe->mr_signer, 32);
		NOTE("; MRSIGNER %.16s... is not Intel's", hex);
	}
	if (qe->isv_prod_id != id->isvprodid)
		NOTE("; ISVPRODID 0x%x (%u expected)", qe->isv_prod_id, id->isvprodid);
	if ((qe->misc_select & id->miscselect_mask) != (id->miscselect & id->miscselect_mask))
		NOTE("; MISCSELECT 0x%08x", qe->misc_select);
	uint8_t attr[16];
	memcpy(attr, qe->attributes, 16);
	attr[0] &= (uint8_t)~0x02; /* DEBUG is named above */
	if (!masked_equal(attr, id->attributes, id->attributes_mask, 16)) {
		hex_encode(hex, qe->attributes, 16);
		NOTE("; ATTRIBUTES %s", hex);
	}
#undef NOTE
	if (n == 0)
		return 0;
	return cb_refuse(why, CB_REASON_TCB_MISMATCH, "the quoting enclave is not Intel's TD QE: %s", detail + 2);
}

int cb_verify_tdx(cb_trust *t, const cb_evidence *ev, time_t at, cb_claims *out, cb_refusal *why)
{
	cb_tdx_claims *c = &out->tdx;
	struct tdx_quote q;
	if (tdx_quote_parse(ev->outblob, ev->outblob_len, &q, c, why))
		return -1;

	uint8_t hash[32], point[65];
	point[0] = 0x04;
	memcpy(point + 1, q.attest_key, 64);
	mbedtls_sha256(q.signed_part, q.signed_len, hash, 0);
	if (cb_ecdsa_verify_raw(MBEDTLS_ECP_DP_SECP256R1, point, sizeof point, hash, 32, q.signature,
				q.signature + 32, 32))
		return cb_refuse(why, CB_REASON_SIGNATURE_INVALID, "TDX quote signature does not verify with its attestation key");

	struct sgx_report_body qe;
	sgx_report_body_parse(q.qe_report, &qe);
	mbedtls_sha256_context sha;
	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	mbedtls_sha256_update(&sha, q.attest_key, 64);
	mbedtls_sha256_update(&sha, q.qe_auth, q.qe_auth_len);
	mbedtls_sha256_finish(&sha, hash);
	mbedtls_sha256_free(&sha);
	if (memcmp(hash, qe.report_data, 32) != 0 || !cb_all_zero(qe.report_data + 32, 32))
		return cb_refuse(why, CB_REASON_SIGNATURE_INVALID,
				 "QE report data does not bind the attestation key (SHA-256(key || auth data) || zeros)");

	struct chain_entry e;
	uint8_t key[32];
	cb_sha256(q.pck_chain, q.pck_chain_len, key);
	if (!chain_cache_get(t, CB_PROVIDER_TDX, key, &e)) {
		if (pck_chain_verify(t, q.pck_chain, q.pck_chain_len, &e, why))
			return -1;
		memcpy(e.key, key, 32);
		e.provider = CB_PROVIDER_TDX;
		chain_cache_put(t, &e);
	}
	if (at < e.not_before || at > e.not_after)
		return chain_time_refusal("TDX PCK chain", at, e.not_before, e.not_after, why);
	mbedtls_sha256(q.qe_report, SGX_REPORT_BODY_SIZE, hash, 0);
	if (cb_ecdsa_verify_raw(MBEDTLS_ECP_DP_SECP256R1, e.point, e.point_len, hash, 32, q.qe_report_sig,
				q.qe_report_sig + 32, 32))
		return cb_refuse(why, CB_REASON_SIGNATURE_INVALID, "QE report signature does not verify with the PCK");
	if (qe_identity_check(&t->td_qe, &qe, why))
		return -1;

	memcpy(c->fmspc, e.sgx.fmspc, 6);
	memcpy(c->pceid, e.sgx.pceid, 2);
	c->pcesvn = e.sgx.pcesvn;
	memcpy(c->sgx_tcb_comp, e.sgx.comp_svn, 16);
	c->product = e.product;
	out->test_root = e.test;
	/* Without collateral the quote is genuine but its TCB status, the
	 * revocation of its PCK and the QE's SVN are unknown: collateral_checked
	 * stays false and the policy decides (allow_no_collateral). */
	if (ev->collateral_dir) {
		if (tdx_collateral_check(t, ev->collateral_dir, at, &e, &qe, c, why))
			return -1;
		out->collateral_checked = true;
	}
	/* Last: the RTMRs it is replayed against are now the signed quote's. */
	if (ev->event_log && ccel_replay(ev->event_log, ev->event_log_len, c, why))
		return -1;
	return 0;
}
