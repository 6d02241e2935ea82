#include "generation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "log.h"
#include "proto/guest_chain.h"

/* TLS 1.3 only; a client certificate is requested and its possession proven
 * (CertificateVerify), but it is not chained to anything: the evidence, which
 * binds its SPKI, is what makes it trustworthy. */
static int setup_tls(struct generation *g, mbedtls_ctr_drbg_context *rng, char *err, size_t errlen)
{
	int ret;
	char msg[128];

	mbedtls_ssl_config_init(&g->tls);
	if ((ret = mbedtls_ssl_config_defaults(&g->tls, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					       MBEDTLS_SSL_PRESET_DEFAULT))) {
		mbedtls_strerror(ret, msg, sizeof(msg));
		return broker_fail(err, errlen, "TLS configuration: %s", msg);
	}
	mbedtls_ssl_conf_min_tls_version(&g->tls, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&g->tls, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_rng(&g->tls, mbedtls_ctr_drbg_random, rng);
	mbedtls_ssl_conf_authmode(&g->tls, MBEDTLS_SSL_VERIFY_OPTIONAL);
	if ((ret = mbedtls_ssl_conf_own_cert(&g->tls, &g->cert, &g->key))) {
		mbedtls_strerror(ret, msg, sizeof(msg));
		return broker_fail(err, errlen, "TLS certificate: %s", msg);
	}
	return 0;
}

int generation_new(struct generation **out, const struct broker_config *cfg,
		   mbedtls_ctr_drbg_context *rng, char *err, size_t errlen)
{
	struct generation *g = calloc(1, sizeof(*g));
	cb_refusal why = { 0 };
	char msg[128], chain_why[200];
	int ret;

	*out = NULL;
	if (!g)
		return broker_fail(err, errlen, "out of memory");
	atomic_init(&g->refs, 1);
	mbedtls_x509_crt_init(&g->cert);
	mbedtls_pk_init(&g->key);
	mbedtls_ssl_config_init(&g->tls);
	if ((ret = mbedtls_x509_crt_parse_file(&g->cert, cfg->cert))) {
		mbedtls_strerror(ret, msg, sizeof(msg));
		broker_fail(err, errlen, "%s: %s", cfg->cert, msg);
		goto fail;
	}
	/* A chain the guest cannot verify would fail every boot: refuse it here. */
	if (coco_guest_chain_check(&g->cert, chain_why, sizeof chain_why)) {
		broker_fail(err, errlen, "%s: the guest cannot verify this chain: %s", cfg->cert, chain_why);
		goto fail;
	}
	if ((ret = mbedtls_pk_parse_keyfile(&g->key, cfg->key, NULL, mbedtls_ctr_drbg_random, rng))) {
		mbedtls_strerror(ret, msg, sizeof(msg));
		broker_fail(err, errlen, "%s: %s", cfg->key, msg);
		goto fail;
	}
	if (!mbedtls_pk_can_do(&g->key, MBEDTLS_PK_ECKEY)) {
		broker_fail(err, errlen, "%s: the broker key must be ECDSA", cfg->key);
		goto fail;
	}
	if (mbedtls_pk_check_pair(&g->cert.pk, &g->key, mbedtls_ctr_drbg_random, rng)) {
		broker_fail(err, errlen, "%s does not belong to the certificate %s", cfg->key, cfg->cert);
		goto fail;
	}
	if (setup_tls(g, rng, err, errlen))
		goto fail;
	if (cb_trust_new(&g->trust, cfg->vendor_dir, &why)) {
		broker_fail(err, errlen, "trust store: %s", why.detail);
		goto fail;
	}
	if (cfg->test_snp_ark &&
	    cb_trust_add_test_snp(g->trust, cfg->test_snp_ark, cfg->test_snp_ask, &why)) {
		broker_fail(err, errlen, "test SNP roots: %s", why.detail);
		goto fail;
	}
	if (cfg->test_tdx_root && cb_trust_add_test_tdx(g->trust, cfg->test_tdx_root, &why)) {
		broker_fail(err, errlen, "test TDX root: %s", why.detail);
		goto fail;
	}
	if (cb_trust_has_test_roots(g->trust)) {
		for (int i = 0; i < 3; i++)
			log_event("warning", "test-roots-trusted",
				  "detail", "THIS BROKER TRUSTS TEST ROOTS: evidence from the simulated provider "
					    "releases keys. Never use this configuration in production.",
				  "test_snp_ark", cfg->test_snp_ark ? cfg->test_snp_ark : "",
				  "test_tdx_root", cfg->test_tdx_root ? cfg->test_tdx_root : "", NULL);
	}
	if ((cfg->snp_cert_dir && !(g->snp_cert_dir = strdup(cfg->snp_cert_dir))) ||
	    (cfg->collateral_dir && !(g->collateral_dir = strdup(cfg->collateral_dir)))) {
		broker_fail(err, errlen, "out of memory");
		goto fail;
	}
	*out = g;
	return 0;
fail:
	generation_unref(g);
	return -1;
}

struct generation *generation_ref(struct generation *g)
{
	atomic_fetch_add(&g->refs, 1);
	return g;
}

void generation_unref(struct generation *g)
{
	if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	mbedtls_ssl_config_free(&g->tls);
	mbedtls_x509_crt_free(&g->cert);
	mbedtls_pk_free(&g->key);
	cb_trust_free(g->trust);
	free(g->snp_cert_dir);
	free(g->collateral_dir);
	free(g);
}
