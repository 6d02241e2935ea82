/*
 * The LUKS2 volume-key digest, checked by cocoboot itself before it loads a
 * dm-crypt table: the one pbkdf2 digest covering segment 0 must equal
 * PBKDF2(hash, key, salt, iterations). cryptsetup runs the same check inside
 * `cryptsetup open`; activating through device-mapper directly would
 * otherwise map any key the broker sends, and a wrong key decrypts to noise.
 */
#ifndef COCOBOOT_LUKS2_DIGEST_H
#define COCOBOOT_LUKS2_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "common/luks2.h"

/*
 * Upper bound on the digest's iterations. cryptsetup benchmarks them to
 * 125 ms (LUKS_MKD_ITERATIONS_MS) at format time, minimum 1000: with
 * OpenSSL on a fast host that is ~0.2-0.6 M iterations of PBKDF2-SHA256.
 * mbedTLS in the guest does ~0.6-1 M/s natively (SEV-SNP and TDX guests run
 * at native speed), so 2,000,000 costs at most a few seconds there, while a
 * hostile header asking for 2^32-1 would take over an hour. Headers over the
 * cap are refused before any key is requested.
 */
#define LUKS2_DIGEST_MAX_ITERATIONS 2000000u

/*
 * The digest's parameters in INFO are usable: hash sha256 or sha512,
 * iterations 1000..LUKS2_DIGEST_MAX_ITERATIONS, a 32-byte salt and a digest
 * of the hash's size (both base64). Cheap: run before the key is fetched.
 * Refusals are CB_ERR_LUKS2_FORBIDDEN (outside the allowlist).
 */
int luks2_digest_check_params(const struct luks2_info *info, struct cb_err *err);

/*
 * KEY[0..LEN) against the digest (after luks2_digest_check_params), with
 * the one PBKDF2 check both sides use (common/luks2_digest.c,
 * luks2_key_matches). Returns 0 when it matches, -1 with CB_ERR_KEY_DIGEST
 * when it does not (or with the parameter error).
 */
int luks2_digest_verify(const struct luks2_info *info, const uint8_t *key, size_t len, struct cb_err *err);

#endif
