/* Candidate certificates of one verification. */
#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"
#include "evidence_certs.h"
#include "internal.h"

void evidence_certs_init(struct evidence_certs *ec)
{
	memset(ec, 0, sizeof *ec);
	mbedtls_x509_crt_init(&ec->parsed);
	mbedtls_x509_crt_init(&ec->pool);
}

void evidence_certs_free(struct evidence_certs *ec)
{
	mbedtls_x509_crt_free(&ec->parsed);
	mbedtls_x509_crt_free(&ec->pool);
	dir_snapshot_release(ec->dir);
}

int evidence_certs_add_der(struct evidence_certs *ec, const uint8_t *der, size_t len, cb_refusal *why)
{
	if (ec->n == EVIDENCE_MAX_CERTS)
		return cb_refuse(why, CB_REASON_MALFORMED, "more than %d certificates", EVIDENCE_MAX_CERTS);
	ec->c[ec->n].der = der;
	ec->c[ec->n].len = len;
	ec->n++;
	return 0;
}

/* Parse into ec->parsed and register the new certificates as candidates. */
static int add_parsed(struct evidence_certs *ec, const uint8_t *buf, size_t len, cb_refusal *why)
{
	mbedtls_x509_crt *last = NULL;
	if (ec->parsed.raw.p)
		for (last = &ec->parsed; last->next; last = last->next)
			;
	if (cb_certs_parse(&ec->parsed, buf, len) != 0)
		return cb_refuse(why, CB_REASON_MALFORMED, "certificate does not parse (PEM or DER expected)");
	for (mbedtls_x509_crt *c = last ? last->next : &ec->parsed; c && c->raw.p; c = c->next)
		if (evidence_certs_add_der(ec, c->raw.p, c->raw.len, why))
			return -1;
	return 0;
}

int evidence_certs_add_buf(struct evidence_certs *ec, const uint8_t *buf, size_t len, cb_refusal *why)
{
	return add_parsed(ec, buf, len, why);
}

void evidence_certs_add_dir(struct evidence_certs *ec, struct dir_snapshot *dir)
{
	ec->dir = dir;
	cb_refusal ignored; /* past EVIDENCE_MAX_CERTS the rest is left out, as before */
	for (size_t i = 0; i < dir->n_certs; i++)
		if (evidence_certs_add_der(ec, dir->cert[i].der, dir->cert[i].len, &ignored))
			break;
}

const mbedtls_x509_crt *evidence_certs_pool(struct evidence_certs *ec)
{
	if (!ec->pool_built) {
		ec->pool_built = 1;
		for (size_t i = 0; i < ec->n; i++)
			(void)mbedtls_x509_crt_parse_der(&ec->pool, ec->c[i].der, ec->c[i].len);
	}
	return ec->pool.raw.p ? &ec->pool : NULL;
}
