/*
 * SEV-SNP: report signature by a VCEK/VLEK whose chain reaches a pinned
 * ASK/ASVK and ARK, with the certificate's TCB and hwID bound to the report.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/sha512.h>

#include "crypto.h"
#include "evidence_certs.h"
#include "internal.h"
#include "snp_certtable.h"
#include "snp_crl.h"
#include "snp_report.h"
#include "trust_internal.h"
#include "verify_internal.h"

static time_t max_t(time_t a, time_t b) { return a > b ? a : b; }
static time_t min_t(time_t a, time_t b) { return a < b ? a : b; }

static void narrow_window(struct chain_entry *e, const mbedtls_x509_crt *c)
{
	e->not_before = max_t(e->not_before, cb_x509_time_to_time(&c->valid_from));
	e->not_after = min_t(e->not_after, cb_x509_time_to_time(&c->valid_to));
}

/* Find the ASK/ASVK that signed leaf; for a test chain without a pinned ASK
 * take it from the evidence, provided the test ARK signed it. */
static const struct snp_signer *find_signer(cb_trust *t, const mbedtls_x509_crt *leaf,
					    struct evidence_certs *ec, const mbedtls_x509_crt **ask_out)
{
	for (size_t i = 0; i < t->n_snp; i++) {
		const struct snp_signer *s = &t->snp[i];
		if (s->ask) {
			if (cb_cert_signed_by(leaf, s->ask) == 0) {
				*ask_out = s->ask;
				return s;
			}
			continue;
		}
		for (const mbedtls_x509_crt *c = evidence_certs_pool(ec); c && c->raw.p; c = c->next)
			if (cb_cert_is_ca(c) == 0 && cb_cert_signed_by(c, s->ark) == 0 &&
			    cb_cert_signed_by(leaf, c) == 0) {
				*ask_out = c;
				return s;
			}
	}
	return NULL;
}

/* Verify one candidate as a VCEK/VLEK chain.  rank 0: not even a P-384
 * leaf (an ASK or ARK in the table), 1: a leaf that failed. */
static int chain_from_candidate(cb_trust *t, const uint8_t *der, size_t len, struct evidence_certs *ec,
				struct chain_entry *e, int *rank, cb_refusal *why)
{
	mbedtls_x509_crt leaf;
	mbedtls_x509_crt_init(&leaf);
	int ret = -1;
	*rank = 0;
	if (mbedtls_x509_crt_parse_der(&leaf, der, len) != 0) {
		cb_refuse(why, CB_REASON_MALFORMED, "a supplied certificate does not parse");
		goto out;
	}
	memset(e, 0, sizeof *e);
	e->gid = cb_ec_point(&leaf.pk, e->point, sizeof e->point, &e->point_len);
	if (e->gid != MBEDTLS_ECP_DP_SECP384R1) {
		cb_refuse(why, CB_REASON_CHAIN_INVALID, "no VCEK/VLEK (EC P-384) certificate was supplied");
		goto out;
	}
	*rank = 1;
	char err[160];
	if (amd_ext_parse(&leaf, &e->amd, err, sizeof err) != 0) {
		cb_refuse(why, CB_REASON_MALFORMED, "VCEK/VLEK: %s", err);
		goto out;
	}
	const mbedtls_x509_crt *ask = NULL;
	const struct snp_signer *s = find_signer(t, &leaf, ec, &ask);
	if (!s) {
		cb_refuse(why, CB_REASON_CHAIN_INVALID,
			  "VCEK/VLEK is not signed by any trusted ASK/ASVK (issuer does not match or bad signature)");
		goto out;
	}
	if (leaf.serial.len > sizeof e->leaf_serial || ask->serial.len > sizeof e->ask_serial) {
		cb_refuse(why, CB_REASON_MALFORMED, "VCEK/VLEK or ASK serial number longer than 32 bytes");
		goto out;
	}
	memcpy(e->leaf_serial, leaf.serial.p, leaf.serial.len);
	e->leaf_serial_len = leaf.serial.len;
	memcpy(e->ask_serial, ask->serial.p, ask->serial.len);
	e->ask_serial_len = ask->serial.len;
	e->snp_index = (int)(s - t->snp);
	e->product = s->product;
	e->test = s->test;
	e->vlek = s->vlek;
	e->not_before = 0;
	e->not_after = (time_t)INT64_MAX;
	narrow_window(e, &leaf);
	narrow_window(e, ask);
	narrow_window(e, s->ark);
	ret = 0;
out:
	mbedtls_x509_crt_free(&leaf);
	return ret;
}

static int product_of_cpuid(const cb_snp_claims *c, cb_product *p)
{
	if (c->cpuid_family == 0x19 && c->cpuid_model < 0x10)
		*p = CB_PRODUCT_MILAN;
	else if (c->cpuid_family == 0x19 && ((c->cpuid_model >= 0x10 && c->cpuid_model < 0x20) ||
					     (c->cpuid_model >= 0xA0 && c->cpuid_model < 0xB0)))
		*p = CB_PRODUCT_GENOA;
	else if (c->cpuid_family == 0x1A)
		*p = CB_PRODUCT_TURIN;
	else
		return -1;
	return 0;
}

static int tcb_equals_cert(const cb_snp_tcb *t, const struct amd_cert_ext *a)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(t->raw >> (8 * i));
	/* bytes the layout leaves reserved must be zero */
	if (t->has_fmc ? (b[4] | b[5] | b[6]) : (b[2] | b[3] | b[4] | b[5]))
		return 0;
	if (t->has_fmc != a->has_fmc || (t->has_fmc && t->fmc != a->fmc))
		return 0;
	return t->bootloader == a->bootloader && t->tee == a->tee && t->snp == a->snp &&
	       t->microcode == a->microcode;
}

/* Is this verified chain the one for this report, at this time? */
static int leaf_matches_report(cb_snp_claims *c, const struct chain_entry *e, time_t at, cb_refusal *why)
{
	if (at < e->not_before || at > e->not_after)
		return chain_time_refusal("VCEK/VLEK chain", at, e->not_before, e->not_after, why);
	if (c->signed_by_vlek != e->vlek)
		return cb_refuse(why, CB_REASON_CHAIN_INVALID, "report is signed by a %s but the certificate is a %s",
				 c->signed_by_vlek ? "VLEK" : "VCEK", e->vlek ? "VLEK" : "VCEK");
	int turin = 0;
	if (e->product == CB_PRODUCT_SNP_TEST) {
		turin = c->has_cpuid && c->cpuid_family == 0x1A;
	} else {
		cb_product by_cpuid;
		if (c->has_cpuid && (product_of_cpuid(c, &by_cpuid) != 0 || by_cpuid != e->product))
			return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH,
					 "report CPUID family 0x%02x model 0x%02x is not %s, whose root signed the key",
					 c->cpuid_family, c->cpuid_model, cb_product_name(e->product));
		const char *want = cb_product_name(e->product);
		if (strncmp(e->amd.product_name, want, strlen(want)) != 0)
			return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "certificate productName \"%s\" is not %s",
					 e->amd.product_name, want);
		turin = e->product == CB_PRODUCT_TURIN;
	}
	snp_tcb_decode(c->reported_tcb.raw, turin, &c->reported_tcb);
	snp_tcb_decode(c->current_tcb.raw, turin, &c->current_tcb);
	snp_tcb_decode(c->committed_tcb.raw, turin, &c->committed_tcb);
	snp_tcb_decode(c->launch_tcb.raw, turin, &c->launch_tcb);
	if (!tcb_equals_cert(&c->reported_tcb, &e->amd))
		return cb_refuse(why, CB_REASON_TCB_MISMATCH,
				 "reported_tcb 0x%016llx does not equal the certificate's TCB (bl %u tee %u snp %u ucode %u)",
				 (unsigned long long)c->reported_tcb.raw, e->amd.bootloader, e->amd.tee, e->amd.snp,
				 e->amd.microcode);
	if (!e->vlek) {
		size_t n = e->amd.hwid_len;
		if (n == 0 || (n == 8 && !turin) || memcmp(e->amd.hwid, c->chip_id, n) != 0)
			return cb_refuse(why, CB_REASON_TCB_MISMATCH,
					 "VCEK hwID does not equal the report's chip_id (a VCEK of another chip)");
	}
	c->product = e->product;
	return 0;
}

static int gather_certs(const cb_evidence *ev, struct evidence_certs *ec, cb_refusal *why)
{
	if (ev->auxblob && ev->auxblob_len) {
		struct snp_cert_entry ent[SNP_CERTTABLE_MAX];
		size_t n;
		if (snp_certtable_parse(ev->auxblob, ev->auxblob_len, ent, &n, why))
			return -1;
		for (size_t i = 0; i < n; i++)
			if (evidence_certs_add_der(ec, ent[i].der, ent[i].len, why))
				return -1;
	}
	for (size_t i = 0; i < ev->n_certs; i++)
		if (evidence_certs_add_buf(ec, ev->certs[i].data, ev->certs[i].len, why))
			return -1;
	return 0;
}

int cb_verify_snp(cb_trust *t, const cb_evidence *ev, time_t at, cb_claims *out, cb_refusal *why)
{
	cb_snp_claims *c = &out->snp;
	if (snp_report_parse(ev->outblob, ev->outblob_len, c, why))
		return -1;
	uint8_t r[48], s[48];
	if (snp_report_signature(ev->outblob, r, s) != 0)
		return cb_refuse(why, CB_REASON_SIGNATURE_INVALID, "SNP signature has bits set above 384");

	struct evidence_certs *ec = malloc(sizeof *ec);
	if (!ec)
		return cb_refuse(why, CB_REASON_INTERNAL, "out of memory");
	evidence_certs_init(ec);
	int ret = -1;
	if (gather_certs(ev, ec, why))
		goto out;
	/* the directory as indexed (dir_index.h): one stat, no file read */
	struct dir_snapshot *dir = NULL;
	if (ev->snp_cert_dir) {
		if (dir_snapshot_get(&t->dirs, ev->snp_cert_dir, &dir) != 0) {
			cb_refuse(why, CB_REASON_INTERNAL, "cannot open certificate directory %s", ev->snp_cert_dir);
			goto out;
		}
		evidence_certs_add_dir(ec, dir); /* ec holds the reference */
	}

	struct chain_entry e;
	cb_refusal best = { CB_REASON_CHAIN_INVALID, "no VCEK/VLEK certificate was supplied (auxblob, --cert or cache dir)" };
	int best_rank = -1, found = 0;
	for (size_t i = 0; i < ec->n && !found; i++) {
		uint8_t key[32];
		cb_refusal err;
		int rank = 1;
		cb_sha256(ec->c[i].der, ec->c[i].len, key);
		if (!chain_cache_get(t, CB_PROVIDER_SNP, key, &e)) {
			if (chain_from_candidate(t, ec->c[i].der, ec->c[i].len, ec, &e, &rank, &err)) {
				if (rank > best_rank) {
					best = err;
					best_rank = rank;
				}
				continue;
			}
			memcpy(e.key, key, 32);
			e.provider = CB_PROVIDER_SNP;
			chain_cache_put(t, &e);
		}
		if (leaf_matches_report(c, &e, at, &err)) {
			if (best_rank < 2) {
				best = err;
				best_rank = 2;
			}
			continue;
		}
		found = 1;
	}
	if (!found) {
		if (why)
			*why = best;
		goto out;
	}

	uint8_t hash[48];
	mbedtls_sha512(ev->outblob, SNP_SIGNED_SIZE, hash, 1 /* SHA-384 */);
	if (cb_ecdsa_verify_raw(MBEDTLS_ECP_DP_SECP384R1, e.point, e.point_len, hash, sizeof hash, r, s, 48)) {
		cb_refuse(why, CB_REASON_SIGNATURE_INVALID, "SNP report signature does not verify with the %s",
			  e.vlek ? "VLEK" : "VCEK");
		goto out;
	}
	if (dir) {
		struct snp_crl_want w = { .ark = t->snp[e.snp_index].ark, .at = at,
					  .serial = { e.leaf_serial, e.ask_serial },
					  .serial_len = { e.leaf_serial_len, e.ask_serial_len } };
		bool checked;
		if (snp_crl_check(dir, &w, &checked, why))
			goto out;
		out->crl_checked = checked;
	}
	out->test_root = e.test;
	ret = 0;
out:
	evidence_certs_free(ec);
	free(ec);
	return ret;
}
