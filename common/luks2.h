/*
 * The one LUKS2 header reader, both sides: header validation against
 * cocoboot's allowlist (the guest, before any key is requested, and
 * `cocoboot check-volume`: a host that swaps the disk must not get the guest
 * to unlock, and trust, a volume with a null cipher, a second segment or a
 * weaker key) and the key digest check (`cocobroker volume confirm --device`:
 * does this header hold the key the store has?). On-disk format: the LUKS2
 * On-Disk Format Specification (cryptsetup docs). Files: luks2_header.c
 * (binary header, both copies, the device), luks2_json.c (the allowlist on
 * the JSON metadata), luks2_digest.c (the key digest, both sides).
 */
#ifndef COCOBOOT_COMMON_LUKS2_H
#define COCOBOOT_COMMON_LUKS2_H

#include <stddef.h>
#include <stdint.h>

#include "volume_key.h"

#define LUKS2_BIN_HDR_SIZE 4096
#define LUKS2_MAX_HDR_SIZE (4u << 20)
#define LUKS2_MAX_KEYSLOTS 32
/* cryptsetup's bound on config.keyslots_size (LUKS2_MAX_KEYSLOTS_SIZE). */
#define LUKS2_MAX_KEYSLOTS_SIZE (128u << 20)

/* Why a header is refused: the class (each side maps it to its own codes) and one line. */
enum luks2_fault {
	LUKS2_OK = 0,
	LUKS2_INVALID,     /* unreadable, bad magic/checksum/JSON, or what cryptsetup itself refuses */
	LUKS2_FORBIDDEN,   /* well-formed, outside the allowlist */
	LUKS2_NO_MEMORY,
};
struct luks2_err {
	enum luks2_fault fault;
	char detail[240];
};

/* Record a refusal (printf-style detail) in ERR; returns -1. For the module's own files. */
int luks2_fail(struct luks2_err *err, enum luks2_fault fault, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The digest that covers the data segment, as the header states it (checked
 * for shape by the allowlist, for meaning only by luks2_key_matches); a text
 * longer than its field is left empty.
 */
struct luks2_digest {
	char hash[16];           /* PBKDF2's hash, e.g. "sha256" */
	long long iterations;
	char salt[176];          /* base64, up to 128 bytes */
	char digest[92];         /* base64, up to 64 bytes */
};

struct luks2_info {
	char uuid[37];           /* canonical (lowercase): common/uuid.h */
	uint64_t hdr_size;       /* binary header + JSON area */
	uint64_t seqid;
	uint64_t data_offset;    /* bytes, of the one crypt segment */
	uint64_t data_size;      /* bytes of the crypt segment, 0 = "dynamic" (to the end of the device) */
	uint64_t keyslots_size;  /* config.keyslots_size: the binary keyslots area after both headers */
	uint64_t device_size;    /* bytes, filled by luks2_validate_fd */
	uint32_t keyslots;       /* bit N set: keyslot N exists */
	unsigned sector_size;
	unsigned key_bytes;
	struct luks2_digest digest;  /* of segment 0 */
};

/*
 * Check one binary header copy in BUF[0..LEN) read from byte OFFSET of the
 * device: magic (primary or secondary by OFFSET), version 2, size, checksum
 * algorithm sha256, the SHA-256 checksum over hdr_size bytes with the checksum
 * field zeroed, a canonical UUID, NUL-terminated JSON followed only by zeros.
 * LEN must be at least the header's hdr_size (call with 4096 bytes first and
 * read the rest after luks2_peek_hdr_size()). Fills INFO (uuid, sizes, seqid).
 */
int luks2_check_binary(const uint8_t *buf, size_t len, uint64_t offset, struct luks2_info *info, struct luks2_err *err);

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
int luks2_check_json(char *json, size_t len, uint64_t hdr_size, struct luks2_info *info, struct luks2_err *err);

/*
 * Both header copies of the device open on FD, each checked and allowlisted,
 * and equal; the device (block device or image file) large enough for the
 * keyslots area and the data segment. This is the one validation both the
 * boot flow and `cocoboot check-volume` run.
 */
int luks2_validate_fd(int fd, struct luks2_info *info, struct luks2_err *err);

/* Whether the 4096 bytes at BUF start like a LUKS2 primary header (for device discovery). */
int luks2_looks_like(const uint8_t *buf, size_t len);
/* The UUID field of such a header (a copy, NUL-terminated, not yet checked). */
void luks2_peek_uuid(const uint8_t *buf, char uuid[37]);

/*
 * Whether KEY is the volume key of a header luks2_validate_fd accepted (the
 * broker's `volume confirm --device`): PBKDF2(hash, KEY, salt, iterations)
 * equals the digest of the data segment, as cryptsetup checks it. 1 it is,
 * 0 it is not, -1 the digest is not one this checks (ERR says why, for 0 and
 * -1): pbkdf2
 * with sha1, sha256 or sha512, a salt, a digest of 16..64 bytes, at most
 * LUKS2_MAX_ITERATIONS iterations (a hostile header must not stall confirm).
 */
#ifndef LUKS2_MAX_ITERATIONS
#define LUKS2_MAX_ITERATIONS 20000000L
#endif
int luks2_key_matches(const struct luks2_info *info, const uint8_t *key, size_t key_len, struct luks2_err *err);

#endif
