/*
 * What SIGHUP reloads: the broker's certificate and key (its TLS
 * configuration), the trust store, the certificate and collateral
 * directories. Connections and jobs hold a reference to the generation in
 * force when they started, so a reload never changes a session midway.
 */
#ifndef COCOBOOT_BROKER_GENERATION_H
#define COCOBOOT_BROKER_GENERATION_H

#include <stdatomic.h>
#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "broker/verify/verify.h"
#include "config.h"

struct generation {
	atomic_int refs;
	mbedtls_ssl_config tls;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	cb_trust *trust;
	char *snp_cert_dir, *collateral_dir;
};

/* rng: the event loop's DRBG (TLS runs on the event loop only). 0 or -1 with err. */
int generation_new(struct generation **out, const struct broker_config *cfg,
		   mbedtls_ctr_drbg_context *rng, char *err, size_t errlen);
struct generation *generation_ref(struct generation *g);
void generation_unref(struct generation *g);

#endif
