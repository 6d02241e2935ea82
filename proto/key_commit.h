/*
 * Key commitment (threat model T17): the measured kernel command line names
 * the volume key the guest may accept, so that whoever holds a broker's TLS
 * key (or runs a broker of their own) cannot hand the guest the key of a
 * volume they made.
 *
 *   commitment = SHA-256("cocoboot-keycommit-v1" || len(salt) || salt || key)
 *
 * with a random salt of 16 to 32 bytes (len(salt) one byte) and the 64-byte
 * volume key. The parameter is rd.cocoboot.keyhash=<salt hex>:<commitment hex>.
 * The key is 512 random bits: the commitment reveals nothing usable about it
 * and cannot be inverted; the salt makes commitments of one key on two
 * volumes unlinkable. `cocobroker volume add` prints it at enrolment, the
 * guest checks it: one implementation, shared by both (musl and host).
 */
#ifndef COCOBOOT_PROTO_KEY_COMMIT_H
#define COCOBOOT_PROTO_KEY_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#define COCO_KEYCOMMIT_DOMAIN "cocoboot-keycommit-v1"
#define COCO_KEYCOMMIT_PARAM "rd.cocoboot.keyhash"
#define COCO_KEYCOMMIT_SALT_MIN 16
#define COCO_KEYCOMMIT_SALT_MAX 32
#define COCO_KEYCOMMIT_SALT_LEN 32   /* what enrolment uses */
#define COCO_KEYCOMMIT_HASH_LEN 32
/* "<salt hex>:<hash hex>" at most, with its NUL */
#define COCO_KEYCOMMIT_TEXT_MAX (2 * COCO_KEYCOMMIT_SALT_MAX + 1 + 2 * COCO_KEYCOMMIT_HASH_LEN + 1)

struct coco_keycommit {
	uint8_t salt[COCO_KEYCOMMIT_SALT_MAX];
	size_t salt_len;
	uint8_t hash[COCO_KEYCOMMIT_HASH_LEN];
};

/* OUT = the commitment to KEY under SALT. Returns 0, or -1 on a bad length or a hash failure. */
int coco_keycommit_compute(const uint8_t *salt, size_t salt_len, const uint8_t *key, size_t key_len,
			   uint8_t out[COCO_KEYCOMMIT_HASH_LEN]);

/*
 * Parse "<salt hex>:<hash hex>" (hex digits of either case, salt 16-32
 * bytes, hash 32 bytes, nothing else). Returns 0, or -1 with *WHY naming
 * what is wrong (a static string).
 */
int coco_keycommit_parse(const char *text, struct coco_keycommit *c, const char **why);

/* Lowercase "<salt hex>:<hash hex>" into OUT (at least COCO_KEYCOMMIT_TEXT_MAX bytes). */
int coco_keycommit_format(const struct coco_keycommit *c, char *out, size_t cap);

/* 1 when KEY is the committed key, else 0. The comparison takes the same time wherever they differ. */
int coco_keycommit_matches(const struct coco_keycommit *c, const uint8_t *key, size_t key_len);

#endif
