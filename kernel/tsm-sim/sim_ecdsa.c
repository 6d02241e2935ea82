// SPDX-License-Identifier: GPL-2.0-only
/*
 * ECDSA signing over the exported primitives of crypto/ecc.c: the kernel's
 * ecdsa.c only verifies, so the signing equation is done here:
 *   k random in [1, n-1], (x, y) = k*G, r = x mod n, s = k^-1 (z + r*d) mod n.
 * The nonce comes from get_random_bytes() with rejection sampling, so it is
 * uniform and never reused.
 *
 * k*G is the signature's one scalar multiplication. Real hardware makes it
 * on its own processor (AMD's PSP, Intel's quoting enclave) while the guest's
 * vCPU waits; done here, in emulated code under TCG, it cost the guest 20 ms
 * or more per report, which every boot timing then billed to the guest.
 * So each key gets SIM_PRESIGN nonces with their r when the module loads;
 * each is used once and wiped, and later signatures make their own.
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/string.h>
#include <crypto/ecc_curve.h>
#include "sim.h"

/* The ECDSA signing loop gives up after this many unlucky draws (never seen). */
#define SIM_NONCE_TRIES 64

/* Guards every key's nonce pool: a nonce must never be taken twice. */
static DEFINE_MUTEX(sim_presign_lock);

static void be_to_vli(const u8 *be, unsigned int ndigits, u64 *vli)
{
	ecc_digits_from_bytes(be, ndigits * 8, vli, ndigits);
}

static void vli_to_be(const u64 *vli, unsigned int ndigits, u8 *be)
{
	u64 tmp[ECC_MAX_DIGITS];

	/* ecc_swap_digits() is its own inverse: native digits -> big-endian bytes */
	ecc_swap_digits(vli, tmp, ndigits);
	memcpy(be, tmp, ndigits * 8);
}

/* result = (a + b) mod n, for a, b < n. */
static void vli_mod_add_n(u64 *result, const u64 *a, const u64 *b,
			  const u64 *n, unsigned int ndigits)
{
	u64 carry = 0;
	unsigned int i;

	for (i = 0; i < ndigits; i++) {
		u64 sum = a[i] + b[i] + carry;

		if (sum != a[i])
			carry = sum < a[i];
		result[i] = sum;
	}
	if (carry || vli_cmp(result, n, ndigits) >= 0)
		vli_sub(result, result, n, ndigits);
}

/*
 * A fresh nonce K in [1, n-1] and R = (K*G).x mod n, non-zero: 0, or -EAGAIN
 * after SIM_NONCE_TRIES unlucky draws.
 */
static int make_nonce(const struct sim_key *key, u64 *k, u64 *r)
{
	const struct ecc_curve *curve = ecc_get_curve(key->curve_id);
	unsigned int nd = key->ndigits;
	u64 point[2 * ECC_MAX_DIGITS];
	u8 rnd[ECC_MAX_BYTES];
	int tries, rc = -EAGAIN;

	for (tries = 0; tries < SIM_NONCE_TRIES; tries++) {
		get_random_bytes(rnd, nd * 8);
		be_to_vli(rnd, nd, k);
		if (vli_is_zero(k, nd) || vli_cmp(k, curve->n, nd) >= 0)
			continue;
		if (ecc_make_pub_key(key->curve_id, nd, k, point))
			continue;
		ecc_swap_digits(point, r, nd);		/* X, big-endian -> native */
		if (vli_cmp(r, curve->n, nd) >= 0)
			vli_sub(r, r, curve->n, nd);
		if (vli_is_zero(r, nd))
			continue;
		rc = 0;
		break;
	}
	memzero_explicit(rnd, sizeof(rnd));
	return rc;
}

int sim_key_load(const char *name, const char *hex, unsigned int curve_id,
		 unsigned int ndigits, struct sim_key *key)
{
	const struct ecc_curve *curve = ecc_get_curve(curve_id);
	u8 be[ECC_MAX_BYTES];
	int rc;

	if (!hex || !*hex) {
		pr_err("tsm_sim: %s: no key given (see docs/simulated-provider.md)\n", name);
		return -EINVAL;
	}
	rc = sim_hex_exact(name, hex, be, ndigits * 8);
	if (rc)
		return rc;
	key->curve_id = curve_id;
	key->ndigits = ndigits;
	be_to_vli(be, ndigits, key->d);
	memzero_explicit(be, sizeof(be));
	if (vli_is_zero(key->d, ndigits) || vli_cmp(key->d, curve->n, ndigits) >= 0) {
		pr_err("tsm_sim: %s: private scalar out of range for %s\n", name, curve->name);
		return -EINVAL;
	}
	rc = ecc_make_pub_key(curve_id, ndigits, key->d, (u64 *)key->pub);
	if (rc) {
		pr_err("tsm_sim: %s: cannot derive the public key (%d)\n", name, rc);
		return rc;
	}
	for (key->pre_left = 0; key->pre_left < SIM_PRESIGN; key->pre_left++) {
		rc = make_nonce(key, key->pre_k[key->pre_left], key->pre_r[key->pre_left]);
		if (rc) {
			pr_err("tsm_sim: %s: cannot make a nonce (%d)\n", name, rc);
			return rc;
		}
	}
	return 0;
}

/* A nonce from KEY's pool if one is left, else a new one. */
static int take_nonce(struct sim_key *key, u64 *k, u64 *r)
{
	unsigned int i;

	mutex_lock(&sim_presign_lock);
	if (key->pre_left) {
		i = --key->pre_left;
		memcpy(k, key->pre_k[i], sizeof(key->pre_k[i]));
		memcpy(r, key->pre_r[i], sizeof(key->pre_r[i]));
		memzero_explicit(key->pre_k[i], sizeof(key->pre_k[i]));
		mutex_unlock(&sim_presign_lock);
		return 0;
	}
	mutex_unlock(&sim_presign_lock);
	return make_nonce(key, k, r);
}

/*
 * Sign a digest as long as the curve's order (SHA-256 for P-256, SHA-384 for
 * P-384, so no truncation is needed); r and s come out big-endian, ndigits*8
 * bytes each.
 */
int sim_ecdsa_sign(struct sim_key *key, const u8 *digest, u8 *r_be, u8 *s_be)
{
	const struct ecc_curve *curve = ecc_get_curve(key->curve_id);
	unsigned int nd = key->ndigits;
	u64 z[ECC_MAX_DIGITS], k[ECC_MAX_DIGITS];
	u64 r[ECC_MAX_DIGITS], s[ECC_MAX_DIGITS], t[ECC_MAX_DIGITS];
	int tries, rc = -EAGAIN;

	be_to_vli(digest, nd, z);
	if (vli_cmp(z, curve->n, nd) >= 0)
		vli_sub(z, z, curve->n, nd);

	for (tries = 0; tries < SIM_NONCE_TRIES; tries++) {
		rc = take_nonce(key, k, r);
		if (rc)
			break;
		vli_mod_mult_slow(t, r, key->d, curve->n, nd);	/* r*d */
		vli_mod_add_n(t, t, z, curve->n, nd);		/* z + r*d */
		vli_mod_inv(s, k, curve->n, nd);		/* k^-1 */
		vli_mod_mult_slow(s, s, t, curve->n, nd);
		rc = -EAGAIN;
		if (vli_is_zero(s, nd))
			continue;
		vli_to_be(r, nd, r_be);
		vli_to_be(s, nd, s_be);
		rc = 0;
		break;
	}
	memzero_explicit(k, sizeof(k));
	memzero_explicit(t, sizeof(t));
	return rc;
}
