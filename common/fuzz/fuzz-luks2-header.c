/*
 * libFuzzer target: the binary LUKS2 header (common/luks2_header.c). The input
 * is the start of a device: the header area as the host lays it out, primary
 * copy at 0 (binary header + JSON area, hdr_size bytes), secondary copy at
 * hdr_size. Seeds are real headers made by cryptsetup (common/fuzz/seed-luks2-header.sh).
 *
 * Two passes per input:
 *  1. as given: luks2_looks_like, luks2_peek_hdr_size and luks2_check_binary
 *     on the primary copy (mutations mostly end at the checksum here);
 *  2. with the SHA-256 checksum of each copy recomputed (a hostile host can
 *     do that too): the bytes go to a memfd and luks2_validate_fd reads and
 *     checks both copies, their JSON allowlist and their equality.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "common/luks2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OFF_HDR_SIZE 8
#define OFF_CSUM 448

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int err_code_ok(const struct luks2_err *err)
{
	return err->fault == LUKS2_INVALID || err->fault == LUKS2_FORBIDDEN || err->fault == LUKS2_NO_MEMORY;
}

/* Recompute the checksum of the copy at OFF if its hdr_size is sane and it fits; returns that hdr_size or 0. */
static uint64_t fix_checksum(uint8_t *buf, size_t size, uint64_t off)
{
	uint64_t hs;

	if (off > size || size - off < LUKS2_BIN_HDR_SIZE)
		return 0;
	hs = luks2_peek_hdr_size(buf + off, size - off);
	if (!hs || hs > size - off)
		return 0;
	memset(buf + off + OFF_CSUM, 0, 32); /* the 32 bytes after the digest stay as the input has them */
	if (mbedtls_sha256(buf + off, hs, buf + off + OFF_CSUM, 0) != 0)
		abort();
	return hs;
}

static void check_accepted(const struct luks2_info *info, size_t size)
{
	if (strlen(info->uuid) != 36 || info->hdr_size < 16384 || info->hdr_size > LUKS2_MAX_HDR_SIZE ||
	    info->hdr_size > size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct luks2_info info;
	struct luks2_err err = { 0 };
	uint64_t peek, hs;
	size_t devsize;
	uint8_t *copy;

	/* 1. as given */
	(void)luks2_looks_like(data, size);
	peek = luks2_peek_hdr_size(data, size);
	if (luks2_check_binary(data, size, 0, &info, &err) == 0) {
		check_accepted(&info, size);
		if (info.hdr_size != peek)
			abort();
	} else if (!err_code_ok(&err)) {
		abort();
	}

	/* 2. checksums fixed, read from a file descriptor like a device */
	if (fd < 0) {
		fd = memfd_create("luks2-header", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	hs = fix_checksum(copy, size, 0);
	if (hs)
		fix_checksum(copy, size, hs);
	/*
	 * The device is as large as the data segment of a 32 MiB seed image
	 * (sparse beyond the input), so that the accepted path stays reachable
	 * now that the device size is checked too.
	 */
	devsize = size > (32 << 20) ? size : (32 << 20);
	if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, copy, size, 0) != (ssize_t)size) || ftruncate(fd, (off_t)devsize) != 0)
		abort();
	memset(&err, 0, sizeof(err));
	if (luks2_validate_fd(fd, &info, &err) == 0) {
		/* Both copies present (zeros past the input count), checked and identical: the one allowed shape. */
		check_accepted(&info, devsize);
		if (info.hdr_size * 2 > devsize || info.device_size != devsize || info.key_bytes != VOLUME_KEY_LEN || info.data_offset < 2 * info.hdr_size ||
		    info.sector_size < 512 || info.data_offset < 2 * info.hdr_size + info.keyslots_size ||
		    info.device_size < info.data_offset + info.sector_size || !info.keyslots)
			abort();
	} else if (!err_code_ok(&err)) {
		abort();
	}
	free(copy);
	return 0;
}
