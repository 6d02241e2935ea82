/* The guest's certificate rule (guest_chain.h), for both sides. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "guest_chain.h"

static const char *key_problem(const mbedtls_pk_context *pk)
{
	mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);

	if (type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_ECDSA)
		return "its key is not an elliptic-curve key (RSA?)";
	if (mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) != MBEDTLS_ECP_DP_SECP256R1)
		return "its key is on a curve other than P-256";
	return NULL;
}

int coco_guest_chain_check(const mbedtls_x509_crt *chain, char *why, size_t whylen)
{
	int pos = 1;

	for (const mbedtls_x509_crt *c = chain; c && c->raw.len; c = c->next, pos++) {
		const char *problem = key_problem(&c->pk);

		if (!problem && MBEDTLS_OID_CMP(MBEDTLS_OID_ECDSA_SHA256, &c->sig_oid))
			problem = "its signature is not ecdsa-with-SHA256";
		if (problem) {
			snprintf(why, whylen, "certificate %d: %s; %s", pos, problem, COCO_GUEST_CHAIN_RULE);
			return -1;
		}
	}
	return 0;
}
