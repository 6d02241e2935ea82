/*
 * Volume keys at rest: AES-256-GCM under the master key.
 *   wrapped = nonce (12, random) || ciphertext || tag (16)
 * The additional data is "cocoboot-wrap-v1:" || context. For a volume key the
 * context is its UUID and the hash of its policy (seal.h, store schema 2;
 * schema 1 used the UUID alone), so a wrapped key copied to another row, or
 * left beside an edited policy, does not unwrap.
 */
#ifndef COCOBOOT_BROKER_WRAP_H
#define COCOBOOT_BROKER_WRAP_H

#include <stddef.h>
#include <stdint.h>

#define MASTER_KEY_LEN   32
#define WRAP_NONCE_LEN   12
#define WRAP_TAG_LEN     16
#define WRAP_OVERHEAD    (WRAP_NONCE_LEN + WRAP_TAG_LEN)

/* 0, or -1 (crypto or randomness failure). out holds len + WRAP_OVERHEAD bytes. */
int wrap_seal(const uint8_t master[MASTER_KEY_LEN], const char *context,
	      const uint8_t *plain, size_t len, uint8_t *out);

/* 0, or -1 when the tag does not verify (wrong master key, tampering). */
int wrap_open(const uint8_t master[MASTER_KEY_LEN], const char *context,
	      const uint8_t *wrapped, size_t wrapped_len, uint8_t *plain, size_t plain_cap,
	      size_t *plain_len);

#endif
