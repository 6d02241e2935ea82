/* AMD KDS: VCEK/VLEK certificate chains, CRLs and VCEKs (see fetch.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "broker/verify/amd_ext.h"
#include "broker/verify/crypto.h"
#include "fetch.h"
#include "broker/verify/internal.h"
#include "broker/verify/snp_crl.h"
#include "broker/verify/snp_report.h"
#include "broker/verify/trust_internal.h"

/* The pinned (not test) signer of a product: its ARK and ASK/ASVK. */
static const struct snp_signer *pinned_signer(const cb_trust *t, const char *product, int vlek)
{
	for (size_t i = 0; i < t->n_snp; i++)
		if (!t->snp[i].test && t->snp[i].vlek == (vlek != 0) && !strcmp(cb_product_name(t->snp[i].product), product))
			return &t->snp[i];
	return NULL;
}

/* cert_chain: exactly ASK/ASVK then ARK, each byte-equal to the pinned one
 * and valid at r->at. */
static int check_chain(struct fetch_run *r, const struct snp_signer *sg, const struct http_answer *a, char *err,
		       size_t errlen)
{
	mbedtls_x509_crt chain;
	int ok = -1;

	mbedtls_x509_crt_init(&chain);
	if (cb_certs_parse(&chain, a->body, a->len) || !chain.next || chain.next->next) {
		snprintf(err, errlen, "not a PEM chain of two certificates (ASK, ARK)");
		goto out;
	}
	const mbedtls_x509_crt *ask = &chain, *ark = chain.next;
	if (ark->raw.len != sg->ark->raw.len || memcmp(ark->raw.p, sg->ark->raw.p, ark->raw.len)) {
		snprintf(err, errlen, "its ARK is not the pinned ARK-%s", cb_product_name(sg->product));
		goto out;
	}
	/* the ASK/ASVK is pinned as well (trust.c): a new one from AMD comes
	 * with a new vendor directory, not over the network */
	if (!sg->ask || ask->raw.len != sg->ask->raw.len || memcmp(ask->raw.p, sg->ask->raw.p, ask->raw.len)) {
		snprintf(err, errlen, "its %s is not the pinned %s-%s", sg->vlek ? "ASVK" : "ASK",
			 sg->vlek ? "SEV-VLEK" : "SEV", cb_product_name(sg->product));
		goto out;
	}
	if (cb_cert_valid_at(ask, r->at) || cb_cert_valid_at(ark, r->at)) {
		snprintf(err, errlen, "a certificate is not valid at the fetch time");
		goto out;
	}
	ok = 0;
out:
	mbedtls_x509_crt_free(&chain);
	return ok;
}

static time_t crl_this_update(const uint8_t *data, size_t len)
{
	mbedtls_x509_crl crl;
	time_t t = 0;
	uint8_t *copy = malloc(len + 1);

	if (!copy)
		return 0;
	memcpy(copy, data, len);
	copy[len] = 0;
	mbedtls_x509_crl_init(&crl);
	if (mbedtls_x509_crl_parse(&crl, copy, memmem(data, len, "-----BEGIN", 10) ? len + 1 : len) == 0)
		t = cb_x509_time_to_time(&crl.this_update);
	mbedtls_x509_crl_free(&crl);
	free(copy);
	return t;
}

/* The stored file's issue time (0: none, or unreadable). */
static time_t stored_crl_time(const char *dir, const char *name)
{
	char path[4096];
	uint8_t *data;
	size_t len;
	time_t t;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    cb_read_file(path, 1024 * 1024, &data, &len))
		return 0;
	t = crl_this_update(data, len);
	free(data);
	return t;
}

static void fetch_chain_and_crl(struct fetch_run *r, const char *product, int vlek)
{
	const char *kind = vlek ? "vlek" : "vcek";
	const struct snp_signer *sg = pinned_signer(r->trust, product, vlek);
	char item[128], url[1024], name[128], err[768];
	struct http_answer a;

	/* the chain */
	snprintf(item, sizeof item, "snp %s cert_chain %s", kind, product);
	snprintf(url, sizeof url, "%s/%s/v1/%s/cert_chain", r->fc->amd_kds_url, kind, product);
	if (!sg) {
		fetch_item_done(r, FETCH_FAILED, item, "no pinned %s chain for %s in the vendor directory",
				vlek ? "ASVK" : "ASK", product);
		return;
	}
	if (fetch_get(r, url, NULL, &a, err, sizeof err)) {
		fetch_item_done(r, FETCH_FAILED, item, "%s", err);
	} else {
		char why[256];
		if (check_chain(r, sg, &a, why, sizeof why)) {
			fetch_item_done(r, FETCH_FAILED, item, "refused %s: %s", url, why);
		} else {
			snprintf(name, sizeof name, "kds-%s-cert_chain-%s.pem", kind, product);
			enum fetch_result res = store_file(r->snp_dir, name, a.body, a.len, err, sizeof err);
			fetch_item_done(r, res, item, "%s", res == FETCH_FAILED ? err : name);
		}
		http_answer_free(&a);
	}

	/* the CRL */
	snprintf(item, sizeof item, "snp %s crl %s", kind, product);
	snprintf(url, sizeof url, "%s/%s/v1/%s/crl", r->fc->amd_kds_url, kind, product);
	snprintf(name, sizeof name, "kds-%s-%s.crl", kind, product);
	if (fetch_get(r, url, NULL, &a, err, sizeof err)) {
		fetch_item_done(r, FETCH_FAILED, item, "%s", err);
		return;
	}
	struct snp_crl_want w = { .ark = sg->ark, .at = r->at };
	time_t tu, old = stored_crl_time(r->snp_dir, name);
	int revoked[2];
	if (snp_crl_eval(a.body, a.len, &w, &tu, revoked) != 1) {
		fetch_item_done(r, FETCH_FAILED, item,
				"refused %s: not a CRL signed by the pinned ARK-%s and current at the fetch time", url, product);
	} else if (tu < old) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: issued before the stored %s (a replayed older CRL?)", url,
				name);
	} else {
		enum fetch_result res = store_file(r->snp_dir, name, a.body, a.len, err, sizeof err);
		fetch_item_done(r, res, item, "%s", res == FETCH_FAILED ? err : name);
	}
	http_answer_free(&a);
}

/* The VCEK of one chip at one TCB: signed by the pinned ASK, with that hwID
 * and those SPLs, valid at r->at.  A VCEK never changes for a (chip, TCB):
 * one already stored is not asked for again. */
static void fetch_vcek(struct fetch_run *r, const struct snp_chip *chip)
{
	const struct snp_signer *sg = pinned_signer(r->trust, chip->product, 0);
	int turin = !strcmp(chip->product, "Turin");
	size_t idlen = turin ? 8 : 64;
	char hwid[129], item[192], url[1024], name[96], err[768], path[4096];
	cb_snp_tcb tcb;
	struct http_answer a;
	mbedtls_x509_crt crt;
	struct amd_cert_ext ext;

	hex_encode(hwid, chip->chip_id, idlen);
	snp_tcb_decode(chip->reported_tcb, turin, &tcb);
	snprintf(name, sizeof name, "vcek-%s-%.16s-%016llx.der", chip->product, hwid,
		 (unsigned long long)chip->reported_tcb);
	snprintf(item, sizeof item, "snp vcek %s", name);
	snprintf(path, sizeof path, "%s/%s", r->snp_dir, name);
	if (!sg) {
		fetch_item_done(r, FETCH_FAILED, item, "no pinned ASK for %s in the vendor directory", chip->product);
		return;
	}
	if (access(path, F_OK) == 0) {
		fetch_item_done(r, FETCH_UNCHANGED, item, "%s (already stored)", name);
		return;
	}
	int n = snprintf(url, sizeof url, "%s/vcek/v1/%s/%s?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", r->fc->amd_kds_url,
			 chip->product, hwid, tcb.bootloader, tcb.tee, tcb.snp, tcb.microcode);
	if (turin && n > 0 && (size_t)n < sizeof url)
		snprintf(url + n, sizeof url - (size_t)n, "&fmcSPL=%u", tcb.fmc);
	if (fetch_get(r, url, NULL, &a, err, sizeof err)) {
		fetch_item_done(r, FETCH_FAILED, item, "%s", err);
		return;
	}
	mbedtls_x509_crt_init(&crt);
	const char *why = NULL;
	char ext_err[128];
	if (mbedtls_x509_crt_parse_der(&crt, a.body, a.len) || crt.next)
		why = "not one DER certificate";
	else if (cb_cert_signed_by(&crt, sg->ask))
		why = "not signed by the pinned ASK";
	else if (amd_ext_parse(&crt, &ext, ext_err, sizeof ext_err))
		why = "no AMD extensions";
	else if (ext.hwid_len != idlen || memcmp(ext.hwid, chip->chip_id, idlen))
		why = "its hwID is not the chip's";
	else if (ext.bootloader != tcb.bootloader || ext.tee != tcb.tee || ext.snp != tcb.snp ||
		 ext.microcode != tcb.microcode || (turin && ext.fmc != tcb.fmc))
		why = "its TCB is not the one asked for";
	else if (cb_cert_valid_at(&crt, r->at))
		why = "not valid at the fetch time";
	if (why) {
		fetch_item_done(r, FETCH_FAILED, item, "refused %s: %s", url, why);
	} else {
		enum fetch_result res = store_file(r->snp_dir, name, a.body, a.len, err, sizeof err);
		fetch_item_done(r, res, item, "%s", res == FETCH_FAILED ? err : name);
	}
	mbedtls_x509_crt_free(&crt);
	http_answer_free(&a);
}

void fetch_snp(struct fetch_run *r)
{
	for (size_t i = 0; i < r->fc->n_snp_products; i++) {
		fetch_chain_and_crl(r, r->fc->snp_products[i], 0);
		if (r->fc->snp_vlek)
			fetch_chain_and_crl(r, r->fc->snp_products[i], 1);
	}
	for (size_t i = 0; i < r->fc->n_snp_chips; i++)
		fetch_vcek(r, &r->fc->snp_chips[i]);
}
