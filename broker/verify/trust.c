/*
 * Trust store: the pinned vendor roots, optional test roots, and the cache of
 * verified chains.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"
#include "internal.h"
#include "trust_internal.h"

#ifndef COCOBOOT_VENDOR_DIR
#define COCOBOOT_VENDOR_DIR "keys/vendor"
#endif

enum role { ROLE_ARK, ROLE_ASK, ROLE_ASVK, ROLE_INTEL_ROOT };

struct pinned {
	const char *file;
	cb_product product;
	enum role role;
	const char *sha256;   /* over the certificate's DER */
};

/* Fingerprints as published with the AMD KDS / Intel PCS roots; a file that
 * does not match is refused, so editing keys/vendor alone cannot add trust. */
static const struct pinned pinned[] = {
	{ "ark-milan.pem", CB_PRODUCT_MILAN, ROLE_ARK, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd" },
	{ "ask-milan.pem", CB_PRODUCT_MILAN, ROLE_ASK, "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b" },
	{ "asvk-milan.pem", CB_PRODUCT_MILAN, ROLE_ASVK, "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5" },
	{ "ark-genoa.pem", CB_PRODUCT_GENOA, ROLE_ARK, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1" },
	{ "ask-genoa.pem", CB_PRODUCT_GENOA, ROLE_ASK, "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521" },
	{ "asvk-genoa.pem", CB_PRODUCT_GENOA, ROLE_ASVK, "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372" },
	{ "ark-turin.pem", CB_PRODUCT_TURIN, ROLE_ARK, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a" },
	{ "ask-turin.pem", CB_PRODUCT_TURIN, ROLE_ASK, "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185" },
	{ "asvk-turin.pem", CB_PRODUCT_TURIN, ROLE_ASVK, "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c" },
	{ "intel-sgx-root-ca.pem", CB_PRODUCT_INTEL, ROLE_INTEL_ROOT, "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3" },
};

/*
 * Intel's TD quoting enclave, as Intel PCS publishes it
 * (GET /tdx/certification/v4/qe/identity, "id":"TD_QE"; unchanged in every
 * issue from 2023-06 to 2026-03).  Pinned here and checked on every quote, with
 * or without collateral: the PCK signs the report of ANY enclave that holds
 * the PROVISIONKEY, so without this check a host-run enclave (a debug one,
 * another signer's) could certify an attestation key of its own.  The
 * attributes mask keeps DEBUG (byte 0 bit 1) in, so a debug QE never matches.
 */
static const struct td_qe_identity intel_td_qe = {
	.mrsigner = { 0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
		      0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 },
	.isvprodid = 2,
	.miscselect = 0x00000000,
	.miscselect_mask = 0xffffffff,
	.attributes = { 0x11 },
	.attributes_mask = { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

const char *cb_product_name(cb_product p)
{
	switch (p) {
	case CB_PRODUCT_MILAN: return "Milan";
	case CB_PRODUCT_GENOA: return "Genoa";
	case CB_PRODUCT_TURIN: return "Turin";
	case CB_PRODUCT_SNP_TEST: return "test";
	case CB_PRODUCT_INTEL: return "Intel";
	case CB_PRODUCT_TDX_TEST: return "test";
	default: return "unknown";
	}
}

/* Load one certificate file into a trust-owned mbedtls_x509_crt. */
static mbedtls_x509_crt *load_one(cb_trust *t, const char *path, const char *want_sha256, cb_refusal *why)
{
	uint8_t *data;
	size_t len;
	if (cb_read_file(path, 64 * 1024, &data, &len) != 0) {
		cb_refuse(why, CB_REASON_INTERNAL, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (t->n_owned == TRUST_MAX_CERTS) {
		free(data);
		cb_refuse(why, CB_REASON_INTERNAL, "too many trust store certificates");
		return NULL;
	}
	mbedtls_x509_crt *c = calloc(1, sizeof *c);
	if (!c) {
		free(data);
		cb_refuse(why, CB_REASON_INTERNAL, "out of memory");
		return NULL;
	}
	mbedtls_x509_crt_init(c);
	if (cb_certs_parse(c, data, len) != 0 || c->next) {
		free(data);
		mbedtls_x509_crt_free(c);
		free(c);
		cb_refuse(why, CB_REASON_MALFORMED, "%s: not exactly one certificate", path);
		return NULL;
	}
	free(data);
	if (want_sha256) {
		uint8_t fp[32];
		char hex[65];
		cb_sha256(c->raw.p, c->raw.len, fp);
		hex_encode(hex, fp, 32);
		if (strcmp(hex, want_sha256) != 0) {
			mbedtls_x509_crt_free(c);
			free(c);
			cb_refuse(why, CB_REASON_CHAIN_INVALID, "%s: SHA-256 %s does not match the pinned %s",
				  path, hex, want_sha256);
			return NULL;
		}
	}
	cb_rsa_warm(&c->pk);
	t->owned[t->n_owned++] = c;
	return c;
}

static int add_snp_signer(cb_trust *t, cb_product product, bool vlek, bool test,
			  mbedtls_x509_crt *ark, mbedtls_x509_crt *ask, cb_refusal *why)
{
	if (t->n_snp == TRUST_MAX_SNP)
		return cb_refuse(why, CB_REASON_INTERNAL, "too many SNP signers");
	t->snp[t->n_snp++] = (struct snp_signer){ product, vlek, test, ark, ask };
	return 0;
}

static int check_root(mbedtls_x509_crt *root, const char *path, cb_refusal *why)
{
	if (cb_cert_signed_by(root, root) != 0 || cb_cert_is_ca(root) != 0)
		return cb_refuse(why, CB_REASON_CHAIN_INVALID, "%s: not a self-signed CA certificate", path);
	return 0;
}

static int check_intermediate(mbedtls_x509_crt *c, mbedtls_x509_crt *root, const char *path,
			      cb_refusal *why)
{
	if (cb_cert_signed_by(c, root) != 0 || cb_cert_is_ca(c) != 0)
		return cb_refuse(why, CB_REASON_CHAIN_INVALID, "%s: not a CA certificate signed by its root",
				 path);
	return 0;
}

int cb_trust_new(cb_trust **out, const char *vendor_dir, cb_refusal *why)
{
	*out = NULL;
	cb_trust *t = calloc(1, sizeof *t);
	if (!t)
		return cb_refuse(why, CB_REASON_INTERNAL, "out of memory");
	pthread_mutex_init(&t->lock, NULL);
	t->cache_enabled = true;
	dir_index_init(&t->dirs);
	t->cache = chain_cache_new(CHAIN_CACHE_ENTRIES);
	if (!t->cache) {
		cb_trust_free(t);
		return cb_refuse(why, CB_REASON_INTERNAL, "out of memory");
	}
	t->td_qe = intel_td_qe;
	if (!vendor_dir)
		vendor_dir = COCOBOOT_VENDOR_DIR;

	mbedtls_x509_crt *ark = NULL;
	for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", vendor_dir, pinned[i].file);
		mbedtls_x509_crt *c = load_one(t, path, pinned[i].sha256, why);
		if (!c)
			goto fail;
		switch (pinned[i].role) {
		case ROLE_ARK: /* the table lists each ARK before its ASK/ASVK */
			if (check_root(c, path, why))
				goto fail;
			ark = c;
			break;
		case ROLE_ASK:
		case ROLE_ASVK:
			if (check_intermediate(c, ark, path, why) ||
			    add_snp_signer(t, pinned[i].product, pinned[i].role == ROLE_ASVK, false, ark, c, why))
				goto fail;
			break;
		case ROLE_INTEL_ROOT:
			if (check_root(c, path, why))
				goto fail;
			t->tdx[t->n_tdx++] = (struct tdx_root){ CB_PRODUCT_INTEL, false, c };
			break;
		}
	}
	*out = t;
	return 0;
fail:
	cb_trust_free(t);
	return -1;
}

int cb_trust_add_test_snp(cb_trust *t, const char *ark_pem, const char *ask_pem, cb_refusal *why)
{
	size_t mark = t->n_owned;
	mbedtls_x509_crt *ark = load_one(t, ark_pem, NULL, why), *ask = NULL;
	if (!ark || check_root(ark, ark_pem, why))
		goto fail;
	if (ask_pem) {
		ask = load_one(t, ask_pem, NULL, why);
		if (!ask || check_intermediate(ask, ark, ask_pem, why))
			goto fail;
	}
	if (add_snp_signer(t, CB_PRODUCT_SNP_TEST, false, true, ark, ask, why))
		goto fail;
	t->has_test = true;
	return 0;
fail:
	while (t->n_owned > mark) {
		mbedtls_x509_crt *c = t->owned[--t->n_owned];
		mbedtls_x509_crt_free(c);
		free(c);
	}
	return -1;
}

int cb_trust_add_test_tdx(cb_trust *t, const char *root_pem, cb_refusal *why)
{
	size_t mark = t->n_owned;
	if (t->n_tdx == TRUST_MAX_TDX)
		return cb_refuse(why, CB_REASON_INTERNAL, "too many TDX roots");
	mbedtls_x509_crt *root = load_one(t, root_pem, NULL, why);
	if (!root || check_root(root, root_pem, why)) {
		while (t->n_owned > mark) {
			mbedtls_x509_crt *c = t->owned[--t->n_owned];
			mbedtls_x509_crt_free(c);
			free(c);
		}
		return -1;
	}
	t->tdx[t->n_tdx++] = (struct tdx_root){ CB_PRODUCT_TDX_TEST, true, root };
	t->has_test = true;
	return 0;
}

bool cb_trust_has_test_roots(const cb_trust *t)
{
	return t->has_test;
}

void cb_trust_set_cache(cb_trust *t, bool enabled)
{
	pthread_mutex_lock(&t->lock);
	t->cache_enabled = enabled;
	chain_cache_clear(t->cache);
	pthread_mutex_unlock(&t->lock);
}

void cb_trust_free(cb_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_owned; i++) {
		mbedtls_x509_crt_free(t->owned[i]);
		free(t->owned[i]);
	}
	chain_cache_free(t->cache);
	dir_index_free(&t->dirs);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int chain_cache_get(cb_trust *t, cb_provider provider, const uint8_t key[32], struct chain_entry *out)
{
	int hit = 0;
	pthread_mutex_lock(&t->lock);
	if (t->cache_enabled)
		hit = chain_cache_lookup(t->cache, provider, key, out);
	pthread_mutex_unlock(&t->lock);
	return hit;
}

void chain_cache_put(cb_trust *t, const struct chain_entry *e)
{
	pthread_mutex_lock(&t->lock);
	if (t->cache_enabled)
		chain_cache_insert(t->cache, e);
	pthread_mutex_unlock(&t->lock);
}
