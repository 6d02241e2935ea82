#include "presign.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

struct presign {
	EC_GROUP *group;
	BIGNUM *d;            /* the VCEK's private scalar */
	BN_CTX *ctx;
	size_t count, next, late;
	BIGNUM **r, **kinv;   /* per future signature */
};

static int prepare_one(struct presign *p, size_t i)
{
	const BIGNUM *n = EC_GROUP_get0_order(p->group);
	BIGNUM *k = BN_new(), *x = BN_new();
	EC_POINT *pt = EC_POINT_new(p->group);
	int ok = 0;

	p->r[i] = BN_new();
	p->kinv[i] = BN_new();
	if (!k || !x || !pt || !p->r[i] || !p->kinv[i])
		goto out;
	do {
		if (!BN_priv_rand_range(k, n))
			goto out;
	} while (BN_is_zero(k));
	if (EC_POINT_mul(p->group, pt, k, NULL, NULL, p->ctx) &&
	    EC_POINT_get_affine_coordinates(p->group, pt, x, NULL, p->ctx) &&
	    BN_nnmod(p->r[i], x, n, p->ctx) && !BN_is_zero(p->r[i]) &&
	    BN_mod_inverse(p->kinv[i], k, n, p->ctx))
		ok = 1;
out:
	BN_clear_free(k);
	BN_free(x);
	EC_POINT_free(pt);
	return ok ? 0 : -1;
}

struct presign *presign_new(const char *keyfile, size_t count)
{
	struct presign *p = calloc(1, sizeof(*p));
	EVP_PKEY *pk = NULL;
	FILE *f = fopen(keyfile, "r");

	if (!p || !f) {
		perror(keyfile);
		goto fail;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	p->group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	p->ctx = BN_CTX_new();
	p->count = count;
	p->r = calloc(count ? count : 1, sizeof(*p->r));
	p->kinv = calloc(count ? count : 1, sizeof(*p->kinv));
	if (!pk || !p->group || !p->ctx || !p->r || !p->kinv ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &p->d)) {
		fprintf(stderr, "%s: not a P-384 private key\n", keyfile);
		goto fail;
	}
	for (size_t i = 0; i < count; i++)
		if (prepare_one(p, i)) {
			fprintf(stderr, "presign: nonce %zu failed\n", i);
			goto fail;
		}
	EVP_PKEY_free(pk);
	fclose(f);
	return p;
fail:
	EVP_PKEY_free(pk);
	if (f)
		fclose(f);
	presign_free(p);
	return NULL;
}

int presign_sign(struct presign *p, const uint8_t digest[48], uint8_t r[48], uint8_t s[48])
{
	const BIGNUM *n = EC_GROUP_get0_order(p->group);
	BIGNUM *z, *t;
	size_t i = p->next;
	int ok = 0;

	if (i == p->count) {
		/* used up: one more slot, its nonce made now (the generator pays a whole signature) */
		BIGNUM **r2 = realloc(p->r, (p->count + 1) * sizeof(*p->r));
		if (r2)
			p->r = r2;
		BIGNUM **k2 = r2 ? realloc(p->kinv, (p->count + 1) * sizeof(*p->kinv)) : NULL;
		if (!k2)
			return -1;
		p->kinv = k2;
		p->r[i] = p->kinv[i] = NULL;
		p->count++;
		p->late++;
		if (prepare_one(p, i))
			return -1;
	}
	p->next++;
	z = BN_bin2bn(digest, 48, NULL);
	t = BN_new();

	/* s = k^-1 (z + r d) mod n; SHA-384 is as wide as n, so z is the digest itself */
	if (p->kinv[i] && z && t &&
	    BN_mod_mul(t, p->r[i], p->d, n, p->ctx) && BN_mod_add(t, t, z, n, p->ctx) &&
	    BN_mod_mul(t, t, p->kinv[i], n, p->ctx) && !BN_is_zero(t) &&
	    BN_bn2binpad(p->r[i], r, 48) == 48 && BN_bn2binpad(t, s, 48) == 48)
		ok = 1;
	/* a nonce signs once */
	BN_clear_free(p->kinv[i]);
	p->kinv[i] = NULL;
	BN_free(z);
	BN_clear_free(t);
	return ok ? 0 : -1;
}

size_t presign_late(const struct presign *p)
{
	return p->late;
}

void presign_free(struct presign *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->r && i < p->count; i++) {
		BN_free(p->r[i]);
		BN_clear_free(p->kinv ? p->kinv[i] : NULL);
	}
	free(p->r);
	free(p->kinv);
	BN_clear_free(p->d);
	BN_CTX_free(p->ctx);
	EC_GROUP_free(p->group);
	free(p);
}
