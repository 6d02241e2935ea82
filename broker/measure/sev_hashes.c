/*
 * The SEV hashes table QEMU writes into the firmware's kernel-hashes page for
 * measured direct boot (-kernel/-initrd/-append with kernel-hashes=on), which
 * the firmware checks the loaded files against. Layout (QEMU target/i386/sev.c,
 * all little-endian, packed):
 *
 *   SevHashTable       { GUID 9438d606-...; u16 len = 168;
 *                        entry cmdline, entry initrd, entry kernel }
 *   SevHashTableEntry  { GUID; u16 len = 50; u8 sha256[32] }
 *
 * padded with zeros to a multiple of 16 (176 bytes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "measure.h"
#include "bytes.h"

/* EFI byte order of the GUIDs (first three fields little-endian). */
static const uint8_t GUID_TABLE[16] = { 0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
					0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21 };
static const uint8_t GUID_KERNEL[16] = { 0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42,
					 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b };
static const uint8_t GUID_INITRD[16] = { 0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b,
					 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d };
static const uint8_t GUID_CMDLINE[16] = { 0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c,
					  0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a };

#define ENTRY_LEN 50

/* Kernels and initrds can be large: stream them. */
static int sha256_file(const char *path, uint8_t out[32], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		measure_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	mbedtls_sha256_context c;
	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		mbedtls_sha256_update(&c, buf, n);
	int bad = ferror(f);
	int saved = errno;
	fclose(f);
	if (bad) {
		mbedtls_sha256_free(&c);
		measure_fail(err, errlen, "cannot read %s: %s", path, strerror(saved));
		return -1;
	}
	mbedtls_sha256_finish(&c, out);
	mbedtls_sha256_free(&c);
	return 0;
}

int sev_hashes_compute(struct sev_hashes *h, const char *kernel, const char *initrd, const char *append,
		       char *err, size_t errlen)
{
	if (sha256_file(kernel, h->kernel, err, errlen) != 0)
		return -1;
	if (initrd) {
		if (sha256_file(initrd, h->initrd, err, errlen) != 0)
			return -1;
	} else {
		mbedtls_sha256((const uint8_t *)"", 0, h->initrd, 0);
	}
	/* QEMU hashes the command line with its terminating NUL. */
	const char *cmd = append ? append : "";
	mbedtls_sha256((const uint8_t *)cmd, strlen(cmd) + 1, h->cmdline, 0);
	return 0;
}

static uint8_t *put_entry(uint8_t *p, const uint8_t guid[16], const uint8_t hash[32])
{
	memcpy(p, guid, 16);
	p[16] = ENTRY_LEN;
	p[17] = 0;
	memcpy(p + 18, hash, 32);
	return p + ENTRY_LEN;
}

void sev_hashes_table(const struct sev_hashes *h, uint8_t out[SEV_HASHES_TABLE_PADDED_LEN])
{
	memset(out, 0, SEV_HASHES_TABLE_PADDED_LEN);
	memcpy(out, GUID_TABLE, 16);
	out[16] = SEV_HASHES_TABLE_LEN & 0xff;
	out[17] = SEV_HASHES_TABLE_LEN >> 8;
	uint8_t *p = out + 18;
	p = put_entry(p, GUID_CMDLINE, h->cmdline);
	p = put_entry(p, GUID_INITRD, h->initrd);
	put_entry(p, GUID_KERNEL, h->kernel);
}
