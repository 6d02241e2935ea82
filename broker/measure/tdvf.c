/*
 * TDX: the TDVF metadata and MRTD.
 *
 * The TDVF descriptor ("TDVF", u32 length, u32 version = 1, u32 count) is
 * followed by 32-byte section entries {u32 DataOffset, u32 RawDataSize,
 * u64 MemoryAddress, u64 MemoryDataSize, u32 Type, u32 Attributes}. The VMM
 * adds every page of every section with TDH.MEM.PAGE.ADD and, for sections
 * with the MR.EXTEND attribute, measures their contents with TDH.MR.EXTEND
 * in 256-byte chunks. MRTD is one SHA-384 over the 128-byte records the TDX
 * module hashes for these calls:
 *   PAGE.ADD:  "MEM.PAGE.ADD" (12 bytes), zero to 16, GPA (u64), zero to 128
 *   MR.EXTEND: "MR.EXTEND" (9 bytes), zero to 16, GPA (u64), zero to 128,
 *              then the 256 bytes of the chunk.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>

#include "measure.h"
#include "bytes.h"

#define DESC_HDR_LEN    16
#define SECTION_LEN     32
#define EXTEND_CHUNK    256
#define GPA_LIMIT       (1ull << 52)


static const char *type_name(uint32_t t)
{
	switch (t) {
	case TDVF_SEC_BFV: return "BFV";
	case TDVF_SEC_CFV: return "CFV";
	case TDVF_SEC_TD_HOB: return "TD_HOB";
	case TDVF_SEC_TEMP_MEM: return "TEMP_MEM";
	default: return NULL;
	}
}

static int cmp_addr(const void *a, const void *b)
{
	const struct tdvf_section *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int check_section(const struct tdvf_section *s, size_t i, size_t len, char *err, size_t errlen)
{
	const char *name = type_name(s->type);
	if (!name) {
		measure_fail(err, errlen, "TDVF section %zu has type %u, which QEMU does not load", i, s->type);
		return -1;
	}
	if (s->attributes & ~TDVF_ATTR_MR_EXTEND) {
		measure_fail(err, errlen, "TDVF section %zu (%s) has unknown attributes 0x%x", i, name, s->attributes);
		return -1;
	}
	if (s->size == 0 || s->addr % SNP_PAGE_SIZE || s->size % SNP_PAGE_SIZE || s->addr >= GPA_LIMIT ||
	    s->size > GPA_LIMIT - s->addr) {
		measure_fail(err, errlen, "TDVF section %zu (%s, gpa 0x%llx, size 0x%llx) is empty, not page-aligned or out of range",
		     i, name, (unsigned long long)s->addr, (unsigned long long)s->size);
		return -1;
	}
	if (s->raw_size > s->size) {
		measure_fail(err, errlen, "TDVF section %zu (%s) has 0x%x bytes of data for 0x%llx bytes of memory", i, name,
		     s->raw_size, (unsigned long long)s->size);
		return -1;
	}
	if ((uint64_t)s->data_offset + s->raw_size > len) {
		measure_fail(err, errlen, "TDVF section %zu (%s) data at 0x%x+0x%x lies outside the %zu-byte image", i, name,
		     s->data_offset, s->raw_size, len);
		return -1;
	}
	int from_image = s->type == TDVF_SEC_BFV || s->type == TDVF_SEC_CFV;
	if (from_image != (s->raw_size != 0)) {
		measure_fail(err, errlen, "TDVF section %zu (%s) must %s data in the image", i, name,
		     from_image ? "have" : "not have");
		return -1;
	}
	/* What the VMM extends is the image's bytes; a section measured beyond
	 * its data would depend on how the VMM fills the rest. */
	if ((s->attributes & TDVF_ATTR_MR_EXTEND) && s->raw_size != s->size) {
		measure_fail(err, errlen, "TDVF section %zu (%s) asks for MR.EXTEND but has 0x%x bytes of data for 0x%llx bytes",
		     i, name, s->raw_size, (unsigned long long)s->size);
		return -1;
	}
	return 0;
}

int tdvf_parse(const uint8_t *fw, size_t len, struct tdvf_info *t, char *err, size_t errlen)
{
	struct ovmf_info o;
	memset(t, 0, sizeof *t);
	if (ovmf_parse(fw, len, &o, err, errlen) != 0)
		return -1;
	if (!o.has_tdx_metadata) {
		measure_fail(err, errlen, "firmware has no TDX metadata offset in its footer table: it is not a TDX firmware (TDVF)");
		return -1;
	}
	uint32_t off = o.tdx_metadata_offset;
	if (off < DESC_HDR_LEN || off > len) {
		measure_fail(err, errlen, "TDVF descriptor offset 0x%x (from the end) is outside the %zu-byte image", off, len);
		return -1;
	}
	const uint8_t *d = fw + (len - off);
	if (memcmp(d, "TDVF", 4) != 0) {
		measure_fail(err, errlen, "TDVF descriptor at 0x%x bytes from the end lacks the \"TDVF\" signature", off);
		return -1;
	}
	uint32_t dlen = le32(d + 4), version = le32(d + 8), count = le32(d + 12);
	if (version != 1) {
		measure_fail(err, errlen, "TDVF descriptor version %u is not supported (only 1)", version);
		return -1;
	}
	if (dlen < DESC_HDR_LEN || dlen > off) {
		measure_fail(err, errlen, "TDVF descriptor length %u does not fit the %u bytes left in the image", dlen, off);
		return -1;
	}
	if (count == 0 || count > (dlen - DESC_HDR_LEN) / SECTION_LEN || count > TDVF_MAX_SECTIONS) {
		measure_fail(err, errlen, "TDVF descriptor declares %u sections; its %u bytes hold %u (at most %d accepted)", count,
		     dlen, (dlen - DESC_HDR_LEN) / SECTION_LEN, TDVF_MAX_SECTIONS);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = d + DESC_HDR_LEN + (size_t)i * SECTION_LEN;
		struct tdvf_section *s = &t->s[i];
		*s = (struct tdvf_section){ le32(e), le32(e + 4), le64(e + 8), le64(e + 16), le32(e + 24), le32(e + 28) };
		if (check_section(s, i, len, err, errlen) != 0)
			return -1;
	}
	t->n = count;
	uint64_t total = 0;
	for (uint32_t i = 0; i < count; i++)
		total += t->s[i].size; /* each < 2^52: no overflow */
	if (total > FW_MAX_SECTION_MEMORY) {
		measure_fail(err, errlen, "TDVF sections declare 0x%llx bytes of memory (more than 1 GiB)", (unsigned long long)total);
		return -1;
	}
	struct tdvf_section sorted[TDVF_MAX_SECTIONS];
	memcpy(sorted, t->s, count * sizeof sorted[0]);
	qsort(sorted, count, sizeof sorted[0], cmp_addr);
	for (uint32_t i = 1; i < count; i++)
		if (sorted[i - 1].addr + sorted[i - 1].size > sorted[i].addr) {
			measure_fail(err, errlen, "TDVF sections overlap: %s at 0x%llx+0x%llx and %s at 0x%llx",
			     type_name(sorted[i - 1].type), (unsigned long long)sorted[i - 1].addr,
			     (unsigned long long)sorted[i - 1].size, type_name(sorted[i].type),
			     (unsigned long long)sorted[i].addr);
			return -1;
		}
	return 0;
}

static void record(mbedtls_sha512_context *c, const char *op, uint64_t gpa)
{
	uint8_t r[128] = { 0 };
	memcpy(r, op, strlen(op));
	for (int i = 0; i < 8; i++)
		r[16 + i] = (uint8_t)(gpa >> (8 * i));
	mbedtls_sha512_update(c, r, sizeof r);
}

static void page_add(mbedtls_sha512_context *c, uint64_t gpa)
{
	record(c, "MEM.PAGE.ADD", gpa);
}

static void page_extend(mbedtls_sha512_context *c, const uint8_t *page, uint64_t gpa)
{
	for (unsigned k = 0; k < SNP_PAGE_SIZE; k += EXTEND_CHUNK) {
		record(c, "MR.EXTEND", gpa + k);
		mbedtls_sha512_update(c, page + k, EXTEND_CHUNK);
	}
}

int tdx_mrtd(const uint8_t *fw, size_t len, enum mrtd_order order, uint8_t out[SNP_LD_LEN], char *err,
	     size_t errlen)
{
	struct tdvf_info t;
	if (tdvf_parse(fw, len, &t, err, errlen) != 0)
		return -1;
	mbedtls_sha512_context c;
	mbedtls_sha512_init(&c);
	mbedtls_sha512_starts(&c, 1);
	for (size_t i = 0; i < t.n; i++) {
		const struct tdvf_section *s = &t.s[i];
		int extend = (s->attributes & TDVF_ATTR_MR_EXTEND) != 0;
		uint64_t pages = s->size / SNP_PAGE_SIZE;
		/* MR.EXTEND sections have all their bytes in the image (checked). */
		for (uint64_t p = 0; p < pages; p++) {
			page_add(&c, s->addr + p * SNP_PAGE_SIZE);
			if (extend && order == MRTD_SINGLE_PASS)
				page_extend(&c, fw + s->data_offset + p * SNP_PAGE_SIZE, s->addr + p * SNP_PAGE_SIZE);
		}
		if (extend && order == MRTD_TWO_PASS)
			for (uint64_t p = 0; p < pages; p++)
				page_extend(&c, fw + s->data_offset + p * SNP_PAGE_SIZE, s->addr + p * SNP_PAGE_SIZE);
	}
	mbedtls_sha512_finish(&c, out);
	mbedtls_sha512_free(&c);
	return 0;
}
