/*
 * LUKS2 header validation against cocoboot's allowlist, done before any key
 * is requested: a host that swaps the disk must not get the guest to unlock
 * (and trust) a volume with a null cipher, a second segment or a weaker key.
 * On-disk format: the LUKS2 On-Disk Format Specification (cryptsetup docs).
 */
#ifndef COCOBOOT_LUKS2_H
#define COCOBOOT_LUKS2_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define LUKS2_BIN_HDR_SIZE 4096
#define LUKS2_MAX_HDR_SIZE (4u << 20)
#define LUKS2_KEY_BYTES 64   /* aes-xts-plain64 with two 256-bit keys */
#define LUKS2_MAX_KEYSLOTS 32
/* cryptsetup's bound on config.keyslots_size (LUKS2_MAX_KEYSLOTS_SIZE). */
#define LUKS2_MAX_KEYSLOTS_SIZE (128u << 20)

struct luks2_info {
	char uuid[37];
	uint64_t hdr_size;       /* binary header + JSON area */
	uint64_t seqid;
	uint64_t data_offset;    /* bytes, of the one crypt segment */
	uint64_t data_size;      /* bytes of the crypt segment, 0 = "dynamic" (to the end of the device) */
	uint64_t keyslots_size;  /* config.keyslots_size: the binary keyslots area after both headers */
	uint64_t device_size;    /* bytes, filled by luks2_validate_fd */
	uint32_t keyslots;       /* bit N set: keyslot N exists */
	unsigned sector_size;
	unsigned key_bytes;
	/*
	 * The pbkdf2 digest covering segment 0, as the JSON has it (strings
	 * that did not fit are left empty), for luks2_digest.h.
	 */
	char digest_hash[16];
	char digest_salt[96];     /* base64 */
	char digest_value[96];    /* base64 */
	uint32_t digest_iterations;
};

/*
 * Check one binary header copy in BUF[0..LEN) read from byte OFFSET of the
 * device: magic (primary or secondary by OFFSET), version 2, size, checksum
 * algorithm sha256, the SHA-256 checksum over hdr_size bytes with the checksum
 * field zeroed, UUID syntax, NUL-terminated JSON followed only by zeros.
 * LEN must be at least the header's hdr_size (call with 4096 bytes first and
 * read the rest after luks2_peek_hdr_size()). Fills INFO (uuid, sizes, seqid).
 */
int luks2_check_binary(const uint8_t *buf, size_t len, uint64_t offset, struct luks2_info *info, struct cb_err *err);

/* hdr_size announced by a 4096-byte binary header, 0 when not a sane LUKS2 header. */
uint64_t luks2_peek_hdr_size(const uint8_t *buf, size_t len);

/*
 * Apply the allowlist to the JSON area JSON[0..LEN) (the text up to the
 * first NUL; modified in place). HDR_SIZE is the binary header's, to
 * cross-check config.json_size. Fills INFO's segment and key fields.
 * Everything cryptsetup's own validation (lib/luks2/luks2_json_metadata.c)
 * refuses is refused here too, so that no header passes this check and then
 * fails at `cryptsetup open`, after the key was requested: object types,
 * references between keyslots, digests, segments and tokens, keyslot area
 * bounds and overlaps, config sizes.
 */
int luks2_check_json(char *json, size_t len, uint64_t hdr_size, struct luks2_info *info, struct cb_err *err);

/*
 * Both header copies of the device open on FD, each checked and allowlisted,
 * and equal; the device (block device or image file) large enough for the
 * keyslots area and the data segment. This is the one validation both the
 * boot flow and `cocoboot check-volume` run.
 */
int luks2_validate_fd(int fd, struct luks2_info *info, struct cb_err *err);

/* Whether the 4096 bytes at BUF start like a LUKS2 primary header (for device discovery). */
int luks2_looks_like(const uint8_t *buf, size_t len);

#endif
