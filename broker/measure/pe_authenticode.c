/*
 * The Authenticode digest of a PE/COFF image (Microsoft "Windows Authenticode
 * Portable Executable Signature Format"; edk2 Tcg2MeasurePeImage), SHA-384:
 * the headers without the checksum and the certificate-table directory entry,
 * then each section's raw data in file order, then whatever follows the
 * sections except the certificate table at the end.
 *
 * The image is untrusted: every offset is checked against its length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>

#include "measure.h"
#include "bytes.h"

#define MAX_SECTIONS 96 /* the PE/COFF limit */
#define DIR_SECURITY 4


struct span {
	uint32_t off, size;
};

static int cmp_off(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

int pe_authenticode_sha384(const uint8_t *img, size_t len, uint8_t out[SNP_LD_LEN], char *err, size_t errlen)
{
	if (len < 0x40 || img[0] != 'M' || img[1] != 'Z') {
		measure_fail(err, errlen, "not a PE image: no MZ header");
		return -1;
	}
	size_t pe = le32(img + 0x3c);
	if (pe > len || len - pe < 4 + 20 || memcmp(img + pe, "PE\0\0", 4) != 0) {
		measure_fail(err, errlen, "not a PE image: no PE signature at the offset the MZ header names (0x%zx)", pe);
		return -1;
	}
	size_t coff = pe + 4, opt = coff + 20;
	unsigned nsec = le16(img + coff + 2), optsize = le16(img + coff + 16);
	if (optsize < 2 || opt + optsize > len) {
		measure_fail(err, errlen, "PE optional header (%u bytes) does not fit the image", optsize);
		return -1;
	}
	unsigned magic = le16(img + opt);
	size_t nrva_off, dirs;
	if (magic == 0x10b) {
		nrva_off = 92, dirs = 96;
	} else if (magic == 0x20b) {
		nrva_off = 108, dirs = 112;
	} else {
		measure_fail(err, errlen, "PE optional header magic 0x%x is neither PE32 nor PE32+", magic);
		return -1;
	}
	if (optsize < dirs) {
		measure_fail(err, errlen, "PE optional header (%u bytes) is too short for its magic 0x%x", optsize, magic);
		return -1;
	}
	uint32_t nrva = le32(img + opt + nrva_off);
	if (nrva > (optsize - dirs) / 8) {
		measure_fail(err, errlen, "PE optional header declares %u data directories but holds %zu", nrva, (optsize - dirs) / 8);
		return -1;
	}
	uint32_t hdr_size = le32(img + opt + 60);
	size_t sec_table = opt + optsize;
	if (nsec > MAX_SECTIONS || sec_table + (size_t)nsec * 40 > len) {
		measure_fail(err, errlen, "PE section table (%u sections) does not fit the image", nsec);
		return -1;
	}
	size_t checksum = opt + 64, certdir = opt + dirs + DIR_SECURITY * 8;
	int has_certdir = nrva > DIR_SECURITY;
	size_t hdr_end_min = has_certdir ? certdir + 8 : checksum + 4;
	if (hdr_size > len || hdr_size < hdr_end_min) {
		measure_fail(err, errlen, "PE SizeOfHeaders 0x%x is outside the image or inside the optional header", hdr_size);
		return -1;
	}
	uint32_t cert_off = 0, cert_size = 0;
	if (has_certdir) {
		cert_off = le32(img + certdir);
		cert_size = le32(img + certdir + 4);
		if (cert_size && ((uint64_t)cert_off + cert_size > len || cert_off < hdr_size)) {
			measure_fail(err, errlen, "PE certificate table 0x%x+0x%x lies outside the image", cert_off, cert_size);
			return -1;
		}
	}

	mbedtls_sha512_context c;
	mbedtls_sha512_init(&c);
	mbedtls_sha512_starts(&c, 1);
	mbedtls_sha512_update(&c, img, checksum);
	if (has_certdir) {
		mbedtls_sha512_update(&c, img + checksum + 4, certdir - (checksum + 4));
		mbedtls_sha512_update(&c, img + certdir + 8, hdr_size - (certdir + 8));
	} else {
		mbedtls_sha512_update(&c, img + checksum + 4, hdr_size - (checksum + 4));
	}

	struct span s[MAX_SECTIONS];
	size_t n = 0;
	for (unsigned i = 0; i < nsec; i++) {
		const uint8_t *h = img + sec_table + (size_t)i * 40;
		uint32_t size = le32(h + 16), off = le32(h + 20);
		if (size == 0)
			continue;
		if ((uint64_t)off + size > len) {
			measure_fail(err, errlen, "PE section %u raw data 0x%x+0x%x lies outside the %zu-byte image", i, off, size, len);
			mbedtls_sha512_free(&c);
			return -1;
		}
		s[n++] = (struct span){ off, size };
	}
	qsort(s, n, sizeof s[0], cmp_off);
	uint64_t hashed = hdr_size;
	for (size_t i = 0; i < n; i++) {
		mbedtls_sha512_update(&c, img + s[i].off, s[i].size);
		hashed += s[i].size;
	}
	/* Data after the sections (but not the certificate table) counts too. */
	if (len > hashed) {
		if (len < hashed + cert_size) {
			measure_fail(err, errlen, "PE certificate table (0x%x bytes) overlaps the section data", cert_size);
			mbedtls_sha512_free(&c);
			return -1;
		}
		mbedtls_sha512_update(&c, img + hashed, len - hashed - cert_size);
	}
	mbedtls_sha512_finish(&c, out);
	mbedtls_sha512_free(&c);
	return 0;
}
