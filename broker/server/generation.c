#include "generation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/x509_crt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "log.h"
#include "proto/guest_chain.h"

/* The OpenSSL error queue's oldest entry, as one line. */
static void tls_error(char *msg, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, msg, len);
	else
		snprintf(msg, len, "unknown error");
	ERR_clear_error();
}

/* Any client certificate passes the chain check: it is not chained to
 * anything, the evidence, which binds its SPKI, is what makes it
 * trustworthy. Possession of its key is still proven (CertificateVerify),
 * which OpenSSL checks whatever this callback says. */
static int accept_any_client_chain(int preverify_ok, X509_STORE_CTX *ctx)
{
	(void)preverify_ok;
	(void)ctx;
	return 1;
}

/* An encrypted key file is refused, never prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/*
 * TLS 1.3 only, what the guest's trimmed mbedTLS offers
 * (init/mbedtls_config_guest.h): key exchange on P-256 (P-384 too), the
 * broker's ECDSA P-256 certificate; a client certificate is requested but
 * optional (a request without one is answered no-client-certificate). No
 * session tickets or resumption: every unlock is a full handshake with a
 * fresh client key; no early data.
 */
static int setup_tls(struct generation *g, const struct broker_config *cfg, char *err, size_t errlen)
{
	char msg[160];
	EVP_PKEY *pkey = NULL;
	FILE *f;
	int ret = 0;

	if (!(g->tls = SSL_CTX_new(TLS_server_method())) ||
	    !SSL_CTX_set_min_proto_version(g->tls, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(g->tls, TLS1_3_VERSION) ||
	    !SSL_CTX_set1_groups_list(g->tls, "P-256:P-384") ||
	    !SSL_CTX_set_num_tickets(g->tls, 0)) {
		tls_error(msg, sizeof(msg));
		return broker_fail(err, errlen, "TLS configuration: %s", msg);
	}
	SSL_CTX_set_options(g->tls, SSL_OP_NO_TICKET | SSL_OP_CLEANSE_PLAINTEXT);
	SSL_CTX_set_session_cache_mode(g->tls, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(g->tls, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(g->tls, SSL_VERIFY_PEER, accept_any_client_chain);
	if (SSL_CTX_use_certificate_chain_file(g->tls, cfg->cert) != 1) {
		tls_error(msg, sizeof(msg));
		return broker_fail(err, errlen, "%s: %s", cfg->cert, msg);
	}
	if (!(f = fopen(cfg->key, "r")) || !(pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL))) {
		if (f) {
			fclose(f);
			tls_error(msg, sizeof(msg));
		} else {
			snprintf(msg, sizeof(msg), "%s", strerror(errno));
		}
		return broker_fail(err, errlen, "%s: %s", cfg->key, msg);
	}
	fclose(f);
	if (!EVP_PKEY_is_a(pkey, "EC"))
		ret = broker_fail(err, errlen, "%s: the broker key must be ECDSA", cfg->key);
	else if (X509_check_private_key(SSL_CTX_get0_certificate(g->tls), pkey) != 1)
		ret = broker_fail(err, errlen, "%s does not belong to the certificate %s", cfg->key, cfg->cert);
	else if (SSL_CTX_use_PrivateKey(g->tls, pkey) != 1) {
		tls_error(msg, sizeof(msg));
		ret = broker_fail(err, errlen, "%s: %s", cfg->key, msg);
	}
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ret;
}

/* A chain the guest cannot verify would fail every boot: refuse it here,
 * with the guest's own rule over the guest's own parser. */
static int check_guest_can_verify(const char *path, char *err, size_t errlen)
{
	mbedtls_x509_crt chain;
	char msg[128], why[200];
	int ret;

	mbedtls_x509_crt_init(&chain);
	if ((ret = mbedtls_x509_crt_parse_file(&chain, path))) {
		mbedtls_strerror(ret, msg, sizeof(msg));
		broker_fail(err, errlen, "%s: %s", path, msg);
	} else if (coco_guest_chain_check(&chain, why, sizeof why)) {
		broker_fail(err, errlen, "%s: the guest cannot verify this chain: %s", path, why);
		ret = -1;
	}
	mbedtls_x509_crt_free(&chain);
	return ret ? -1 : 0;
}

int generation_new(struct generation **out, const struct broker_config *cfg, char *err, size_t errlen)
{
	struct generation *g = calloc(1, sizeof(*g));
	cb_refusal why = { 0 };

	*out = NULL;
	if (!g)
		return broker_fail(err, errlen, "out of memory");
	atomic_init(&g->refs, 1);
	if (check_guest_can_verify(cfg->cert, err, errlen) || setup_tls(g, cfg, err, errlen))
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
	SSL_CTX_free(g->tls);
	cb_trust_free(g->trust);
	free(g->snp_cert_dir);
	free(g->collateral_dir);
	free(g);
}
