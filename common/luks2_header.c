/*
 * LUKS2 binary header checks and reading both header copies from a device.
 * Layout (LUKS2 On-Disk Format Specification, all integers big-endian):
 *   0 magic[6]  6 version u16  8 hdr_size u64  16 seqid u64  24 label[48]
 *   72 checksum_alg[32]  104 salt[64]  168 uuid[40]  208 subsystem[48]
 *   256 hdr_offset u64  264 padding[184]  448 csum[64]  512 padding[3584]
 * followed by the JSON area (hdr_size - 4096 bytes). The secondary copy
 * starts at hdr_size with magic "SKUL\xba\xbe".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "luks2.h"
#include "uuid.h"

/* <linux/fs.h>'s value; musl's headers do not include the kernel's. */
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

#define OFF_MAGIC 0
#define OFF_VERSION 6
#define OFF_HDR_SIZE 8
#define OFF_SEQID 16
#define OFF_LABEL 24
#define OFF_CSUM_ALG 72
#define OFF_UUID 168
#define OFF_SUBSYSTEM 208
#define OFF_HDR_OFFSET 256
#define OFF_CSUM 448
#define CSUM_FIELD_LEN 64

static const uint8_t magic_primary[6] = { 'L', 'U', 'K', 'S', 0xba, 0xbe };
static const uint8_t magic_secondary[6] = { 'S', 'K', 'U', 'L', 0xba, 0xbe };

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int valid_hdr_size(uint64_t s)
{
	/* The specification's allowed sizes: 16 KiB .. 4 MiB, powers of two. */
	for (uint64_t v = 16384; v <= LUKS2_MAX_HDR_SIZE; v <<= 1)
		if (s == v)
			return 1;
	return 0;
}

/* A fixed-size text field must be NUL-terminated inside the field. */
static int field_terminated(const uint8_t *p, size_t n)
{
	return memchr(p, '\0', n) != NULL;
}

int luks2_fail(struct luks2_err *err, enum luks2_fault fault, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->fault = fault;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return -1;
}

int luks2_looks_like(const uint8_t *buf, size_t len)
{
	return len >= LUKS2_BIN_HDR_SIZE && !memcmp(buf, magic_primary, 6) && buf[OFF_VERSION] == 0 &&
	       buf[OFF_VERSION + 1] == 2;
}

void luks2_peek_uuid(const uint8_t *buf, char uuid[37])
{
	memcpy(uuid, buf + OFF_UUID, 36);
	uuid[36] = '\0';
}

uint64_t luks2_peek_hdr_size(const uint8_t *buf, size_t len)
{
	uint64_t s;

	if (len < LUKS2_BIN_HDR_SIZE)
		return 0;
	s = be64(buf + OFF_HDR_SIZE);
	return valid_hdr_size(s) ? s : 0;
}

static int checksum_ok(const uint8_t *buf, uint64_t hdr_size)
{
	uint8_t zero_csum[CSUM_FIELD_LEN] = { 0 };
	uint8_t digest[32];
	mbedtls_sha256_context ctx;
	int ok;

	mbedtls_sha256_init(&ctx);
	ok = mbedtls_sha256_starts(&ctx, 0) == 0 &&
	     mbedtls_sha256_update(&ctx, buf, OFF_CSUM) == 0 &&
	     mbedtls_sha256_update(&ctx, zero_csum, CSUM_FIELD_LEN) == 0 &&
	     mbedtls_sha256_update(&ctx, buf + OFF_CSUM + CSUM_FIELD_LEN, hdr_size - OFF_CSUM - CSUM_FIELD_LEN) == 0 &&
	     mbedtls_sha256_finish(&ctx, digest) == 0;
	mbedtls_sha256_free(&ctx);
	/* The field is 64 bytes; a 32-byte SHA-256 leaves the rest zero. */
	return ok && !memcmp(digest, buf + OFF_CSUM, 32) && !memcmp(buf + OFF_CSUM + 32, zero_csum, 32);
}

int luks2_check_binary(const uint8_t *buf, size_t len, uint64_t offset, struct luks2_info *info, struct luks2_err *err)
{
	const char *which = offset ? "secondary" : "primary";
	uint64_t hdr_size;
	const uint8_t *json, *nul;

	memset(info, 0, sizeof(*info));
	if (len < LUKS2_BIN_HDR_SIZE)
		return luks2_fail(err, LUKS2_INVALID, "%s header: short read", which);
	if (memcmp(buf + OFF_MAGIC, offset ? magic_secondary : magic_primary, 6))
		return luks2_fail(err, LUKS2_INVALID, "%s header: no LUKS2 magic", which);
	if (buf[OFF_VERSION] != 0 || buf[OFF_VERSION + 1] != 2)
		return luks2_fail(err, LUKS2_INVALID, "%s header: version %u, only 2 is supported", which,
			       (unsigned)buf[OFF_VERSION] << 8 | buf[OFF_VERSION + 1]);
	hdr_size = be64(buf + OFF_HDR_SIZE);
	if (!valid_hdr_size(hdr_size))
		return luks2_fail(err, LUKS2_INVALID, "%s header: invalid hdr_size %llu", which,
			       (unsigned long long)hdr_size);
	if (len < hdr_size)
		return luks2_fail(err, LUKS2_INVALID, "%s header: short read", which);
	if (be64(buf + OFF_HDR_OFFSET) != offset)
		return luks2_fail(err, LUKS2_INVALID, "%s header: hdr_offset %llu, found at %llu", which,
			       (unsigned long long)be64(buf + OFF_HDR_OFFSET), (unsigned long long)offset);
	if (!field_terminated(buf + OFF_LABEL, 48) || !field_terminated(buf + OFF_SUBSYSTEM, 48) ||
	    !field_terminated(buf + OFF_UUID, 40) || !field_terminated(buf + OFF_CSUM_ALG, 32))
		return luks2_fail(err, LUKS2_INVALID, "%s header: unterminated text field", which);
	if (strcmp((const char *)buf + OFF_CSUM_ALG, "sha256"))
		return luks2_fail(err, LUKS2_FORBIDDEN, "%s header: checksum algorithm '%.31s', only sha256 is allowed",
			       which, (const char *)buf + OFF_CSUM_ALG);
	if (!checksum_ok(buf, hdr_size))
		return luks2_fail(err, LUKS2_INVALID, "%s header: checksum mismatch", which);
	/* cryptsetup writes the canonical form only (common/uuid.h) */
	if (!uuid_is_canonical((const char *)buf + OFF_UUID))
		return luks2_fail(err, LUKS2_INVALID, "%s header: malformed UUID", which);

	json = buf + LUKS2_BIN_HDR_SIZE;
	nul = memchr(json, '\0', hdr_size - LUKS2_BIN_HDR_SIZE);
	if (!nul)
		return luks2_fail(err, LUKS2_INVALID, "%s header: JSON area not NUL-terminated", which);
	for (const uint8_t *p = nul; p < buf + hdr_size; p++)
		if (*p)
			return luks2_fail(err, LUKS2_INVALID, "%s header: data after the JSON text", which);

	luks2_peek_uuid(buf, info->uuid);
	info->hdr_size = hdr_size;
	info->seqid = be64(buf + OFF_SEQID);
	return 0;
}

static int read_exact(int fd, uint8_t *buf, size_t len, uint64_t offset)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Read and fully check the copy at OFFSET; on success *COPY holds hdr_size bytes. */
static int load_copy(int fd, uint64_t offset, uint64_t expect_size, uint8_t **copy, struct luks2_info *info,
		     struct luks2_err *err)
{
	uint8_t first[LUKS2_BIN_HDR_SIZE];
	uint64_t hdr_size;
	uint8_t *buf;
	char *json;

	*copy = NULL;
	if (read_exact(fd, first, sizeof(first), offset) < 0)
		return luks2_fail(err, LUKS2_INVALID, "cannot read the LUKS2 header at %llu: %s",
			       (unsigned long long)offset, errno ? strerror(errno) : "device too small");
	hdr_size = luks2_peek_hdr_size(first, sizeof(first));
	if (!hdr_size) {
		/* Let the full check name the first thing that is wrong. */
		if (luks2_check_binary(first, sizeof(first), offset, info, err) < 0)
			return -1;
		return luks2_fail(err, LUKS2_INVALID, "invalid LUKS2 header size");
	}
	if (expect_size && hdr_size != expect_size)
		return luks2_fail(err, LUKS2_INVALID, "LUKS2 header copies disagree on the header size");
	buf = malloc(hdr_size);
	if (!buf)
		return luks2_fail(err, LUKS2_NO_MEMORY, "out of memory reading the LUKS2 header");
	if (read_exact(fd, buf, hdr_size, offset) < 0) {
		free(buf);
		return luks2_fail(err, LUKS2_INVALID, "cannot read the LUKS2 header at %llu",
			       (unsigned long long)offset);
	}
	if (luks2_check_binary(buf, hdr_size, offset, info, err) < 0) {
		free(buf);
		return -1;
	}
	/* The allowlist parses a scratch copy: parsing decodes in place. */
	json = strdup((const char *)buf + LUKS2_BIN_HDR_SIZE);
	if (!json) {
		free(buf);
		return luks2_fail(err, LUKS2_NO_MEMORY, "out of memory reading the LUKS2 header");
	}
	if (luks2_check_json(json, strlen(json), hdr_size, info, err) < 0) {
		free(json);
		free(buf);
		return -1;
	}
	free(json);
	*copy = buf;
	return 0;
}

/* Size in bytes of the block device or image file open on FD. */
static int fd_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size);
	if (!S_ISREG(st.st_mode)) {
		errno = ENOTBLK;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

/*
 * The device must hold what the header describes, or cryptsetup refuses to
 * open it (after the key was fetched): the keyslots area, and the data
 * segment of at least one sector, a whole number of sectors when "dynamic".
 */
static int check_device_size(int fd, struct luks2_info *info, struct luks2_err *err)
{
	uint64_t size, end;

	if (fd_size(fd, &size) < 0)
		return luks2_fail(err, LUKS2_INVALID, "cannot get the device size: %s", strerror(errno));
	info->device_size = size;
	end = info->data_offset + (info->data_size ? info->data_size : info->sector_size);
	if (size < end || size < 2 * info->hdr_size + info->keyslots_size)
		return luks2_fail(err, LUKS2_INVALID, "device of %llu bytes too small: the header describes %llu",
			       (unsigned long long)size, (unsigned long long)end);
	if (!info->data_size && (size - info->data_offset) % info->sector_size)
		return luks2_fail(err, LUKS2_INVALID, "data area of %llu bytes is not a whole number of %u-byte sectors",
			       (unsigned long long)(size - info->data_offset), info->sector_size);
	return 0;
}

int luks2_validate_fd(int fd, struct luks2_info *info, struct luks2_err *err)
{
	struct luks2_info second;
	uint8_t *primary, *secondary;
	int same;

	if (load_copy(fd, 0, 0, &primary, info, err) < 0)
		return -1;
	if (load_copy(fd, info->hdr_size, info->hdr_size, &secondary, &second, err) < 0) {
		char detail[sizeof(err->detail)];

		free(primary);
		/* cryptsetup would fall back to (or prefer) the other copy: both must pass. */
		memcpy(detail, err->detail, sizeof(detail));
		snprintf(err->detail, sizeof(err->detail), "secondary copy: %.*s", (int)sizeof(detail) - 20, detail);
		return -1;
	}
	/* Equal seqid and identical metadata leave cryptsetup no choice to make. */
	same = info->seqid == second.seqid && !strcmp(info->uuid, second.uuid) &&
	       !strcmp((const char *)primary + LUKS2_BIN_HDR_SIZE, (const char *)secondary + LUKS2_BIN_HDR_SIZE);
	free(primary);
	free(secondary);
	if (!same)
		return luks2_fail(err, LUKS2_INVALID, "primary and secondary LUKS2 headers differ");
	return check_device_size(fd, info, err);
}
