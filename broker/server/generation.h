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

#include <openssl/ssl.h>

#include "broker/verify/verify.h"
#include "config.h"

struct generation {
	atomic_int refs;
	SSL_CTX *tls;            /* OpenSSL: TLS 1.3 server, certificate and key loaded */
	cb_trust *trust;
	char *snp_cert_dir, *collateral_dir;
};

/* 0 or -1 with err. */
int generation_new(struct generation **out, const struct broker_config *cfg, char *err, size_t errlen);
struct generation *generation_ref(struct generation *g);
void generation_unref(struct generation *g);

#endif
