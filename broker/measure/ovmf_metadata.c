/*
 * The OVMF GUIDed footer table and the SEV metadata it points to.
 *
 * The last 32 bytes of an OVMF image are the reset vector; the 18 bytes
 * before them are the footer entry {u16 size, GUID} whose size covers the
 * whole table. Entries are laid out backwards from there, each ending in its
 * own {u16 size, GUID} with its data in front. The SEV metadata entry holds
 * the offset (from the end of the image) of an "ASEV" header followed by
 * {u32 gpa, u32 size, u32 type} section descriptors.
 *
 * The TDX metadata offset entry is recorded here and parsed by tdvf.c.
 *
 * Every length and offset comes from the file, so each is checked against
 * the bytes that are really there before it is used.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "measure.h"
#include "bytes.h"

#define FOUR_GB          0x100000000ull
#define ENTRY_HDR_LEN    18   /* u16 size + GUID */
#define RESET_VECTOR_LEN 32   /* after the footer entry */
#define METADATA_HDR_LEN 16   /* "ASEV", u32 size, u32 version, u32 count */
#define SECTION_DESC_LEN 12

static const char GUID_FOOTER[] = "96b582de-1fb2-45f7-baea-a366c55a082d";
static const char GUID_SEV_HASH_TABLE[] = "7255371f-3a3b-4b04-927b-1da6efa8d454";
static const char GUID_SEV_ES_RESET_BLOCK[] = "00f771de-1a7e-4fcb-890e-68c77e2fb44e";
static const char GUID_SEV_METADATA[] = "dc886566-984a-4798-a75e-5585a7bf67cc";
static const char GUID_TDX_METADATA_OFFSET[] = "e47a6535-984a-4798-865e-4685a7bf8ec2";


/* The on-disk (EFI, "bytes_le") form of a canonical GUID string: the first
 * three fields are little-endian. Kept as strings so they read like the spec. */
static void guid_le(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	size_t n = 0;
	for (const char *p = s; *p && n < 16; p++) {
		if (*p == '-')
			continue;
		b[n++] = (uint8_t)(hex_digit_value(p[0]) << 4 | hex_digit_value(p[1]));
		p++;
	}
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (int i = 0; i < 16; i++)
		out[i] = b[order[i]];
}

static int guid_is(const uint8_t *g, const char *s)
{
	uint8_t want[16];
	guid_le(s, want);
	return memcmp(g, want, 16) == 0;
}

int ovmf_has_section(const struct ovmf_info *o, uint32_t type)
{
	for (size_t i = 0; i < o->n_sections; i++)
		if (o->sections[i].type == type)
			return 1;
	return 0;
}

static const char *section_name(uint32_t type)
{
	switch (type) {
	case OVMF_SEC_SNP_SEC_MEM: return "SNP_SEC_MEM";
	case OVMF_SEC_SNP_SECRETS: return "SNP_SECRETS";
	case OVMF_SEC_CPUID: return "CPUID";
	case OVMF_SEC_SVSM_CAA: return "SVSM_CAA";
	case OVMF_SEC_SNP_KERNEL_HASHES: return "SNP_KERNEL_HASHES";
	default: return NULL;
	}
}

static int cmp_gpa(const void *a, const void *b)
{
	const struct ovmf_section *x = a, *y = b;
	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static int check_sections(const struct ovmf_info *o, char *err, size_t errlen)
{
	struct ovmf_section s[OVMF_MAX_SECTIONS];
	for (size_t i = 0; i < o->n_sections; i++) {
		const struct ovmf_section *d = &o->sections[i];
		const char *name = section_name(d->type);
		if (!name) {
			measure_fail(err, errlen, "SEV metadata section %zu has unknown type 0x%x", i, d->type);
			return -1;
		}
		if (d->size == 0 || d->gpa % SNP_PAGE_SIZE || d->size % SNP_PAGE_SIZE) {
			measure_fail(err, errlen, "SEV metadata section %zu (%s, gpa 0x%x, size 0x%x) is empty or not page-aligned",
			     i, name, d->gpa, d->size);
			return -1;
		}
		/* The VMM measures exactly one page for these two. */
		if ((d->type == OVMF_SEC_SNP_SECRETS || d->type == OVMF_SEC_CPUID) && d->size != SNP_PAGE_SIZE) {
			measure_fail(err, errlen, "SEV metadata section %zu (%s) is 0x%x bytes; it must be one page", i, name,
			     d->size);
			return -1;
		}
		if ((uint64_t)d->gpa + d->size > o->gpa) {
			measure_fail(err, errlen,
			     "SEV metadata section %zu (%s, gpa 0x%x, size 0x%x) overlaps the firmware image at 0x%llx",
			     i, name, d->gpa, d->size, (unsigned long long)o->gpa);
			return -1;
		}
	}
	uint64_t total = 0;
	for (size_t i = 0; i < o->n_sections; i++)
		total += o->sections[i].size;
	if (total > FW_MAX_SECTION_MEMORY) {
		measure_fail(err, errlen, "SEV metadata sections declare 0x%llx bytes of memory (more than 1 GiB)",
		     (unsigned long long)total);
		return -1;
	}
	memcpy(s, o->sections, o->n_sections * sizeof s[0]);
	qsort(s, o->n_sections, sizeof s[0], cmp_gpa);
	for (size_t i = 1; i < o->n_sections; i++)
		if ((uint64_t)s[i - 1].gpa + s[i - 1].size > s[i].gpa) {
			measure_fail(err, errlen, "SEV metadata sections overlap: %s at 0x%x+0x%x and %s at 0x%x",
			     section_name(s[i - 1].type), s[i - 1].gpa, s[i - 1].size, section_name(s[i].type), s[i].gpa);
			return -1;
		}
	return 0;
}

static int parse_metadata(const uint8_t *fw, size_t len, uint32_t offset, struct ovmf_info *o, char *err,
			  size_t errlen)
{
	if (offset < METADATA_HDR_LEN || offset > len) {
		measure_fail(err, errlen, "SEV metadata offset 0x%x (from the end) is outside the %zu-byte image", offset, len);
		return -1;
	}
	const uint8_t *h = fw + (len - offset);
	if (memcmp(h, "ASEV", 4) != 0) {
		measure_fail(err, errlen, "SEV metadata at 0x%x bytes from the end lacks the \"ASEV\" signature", offset);
		return -1;
	}
	uint32_t size = le32(h + 4), version = le32(h + 8), count = le32(h + 12);
	if (version != 1) {
		measure_fail(err, errlen, "SEV metadata version %u is not supported (only 1)", version);
		return -1;
	}
	if (size < METADATA_HDR_LEN || size > offset) {
		measure_fail(err, errlen, "SEV metadata size %u does not fit the %u bytes left in the image", size, offset);
		return -1;
	}
	if (count > (size - METADATA_HDR_LEN) / SECTION_DESC_LEN) {
		measure_fail(err, errlen, "SEV metadata declares %u sections but its %u bytes hold at most %u", count, size,
		     (size - METADATA_HDR_LEN) / SECTION_DESC_LEN);
		return -1;
	}
	if (count > OVMF_MAX_SECTIONS) {
		measure_fail(err, errlen, "SEV metadata declares %u sections (more than %d)", count, OVMF_MAX_SECTIONS);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d = h + METADATA_HDR_LEN + (size_t)i * SECTION_DESC_LEN;
		o->sections[i] = (struct ovmf_section){ le32(d), le32(d + 4), le32(d + 8) };
	}
	o->n_sections = count;
	o->has_metadata = 1;
	return check_sections(o, err, errlen);
}

/* The footer table entries this parser reads. */
enum entry_kind { OTHER, RESET, HASHES, META, TDX };

int ovmf_parse(const uint8_t *fw, size_t len, struct ovmf_info *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (len > OVMF_MAX_SIZE) {
		measure_fail(err, errlen, "firmware image is %zu bytes (more than %u)", len, OVMF_MAX_SIZE);
		return -1;
	}
	if (len < RESET_VECTOR_LEN + ENTRY_HDR_LEN) {
		measure_fail(err, errlen, "firmware image is %zu bytes, too short to hold an OVMF footer table", len);
		return -1;
	}
	o->gpa = FOUR_GB - len;

	size_t foot = len - RESET_VECTOR_LEN - ENTRY_HDR_LEN;
	if (!guid_is(fw + foot + 2, GUID_FOOTER)) {
		measure_fail(err, errlen, "not an OVMF image: no GUIDed footer table (GUID %s) 50 bytes before the end",
		     GUID_FOOTER);
		return -1;
	}
	uint16_t tsize = le16(fw + foot);
	if (tsize < ENTRY_HDR_LEN || (size_t)(tsize - ENTRY_HDR_LEN) > foot) {
		measure_fail(err, errlen, "OVMF footer table size %u does not fit the image", tsize);
		return -1;
	}
	size_t start = foot - (tsize - ENTRY_HDR_LEN), end = foot;
	unsigned seen = 0;
	uint32_t meta_offset = 0;
	while (end > start) {
		if (end - start < ENTRY_HDR_LEN) {
			measure_fail(err, errlen, "OVMF footer table has %zu stray bytes at offset 0x%zx", end - start, start);
			return -1;
		}
		uint16_t esize = le16(fw + end - ENTRY_HDR_LEN);
		const uint8_t *guid = fw + end - 16;
		if (esize < ENTRY_HDR_LEN || esize > end - start) {
			measure_fail(err, errlen, "OVMF footer table entry ending at offset 0x%zx has bad size %u", end, esize);
			return -1;
		}
		const uint8_t *data = fw + end - esize;
		size_t dlen = esize - ENTRY_HDR_LEN;
		enum entry_kind kind = OTHER;
		static const char *const what[] = { "", "SEV-ES reset block", "SEV hash table area", "SEV metadata",
						    "TDX metadata offset" };
		static const size_t need[] = { 0, 4, 8, 4, 4 };
		if (guid_is(guid, GUID_SEV_ES_RESET_BLOCK))
			kind = RESET;
		else if (guid_is(guid, GUID_SEV_HASH_TABLE))
			kind = HASHES;
		else if (guid_is(guid, GUID_SEV_METADATA))
			kind = META;
		else if (guid_is(guid, GUID_TDX_METADATA_OFFSET))
			kind = TDX;
		/* Other entries (TDX metadata, ...) are not ours to judge. */
		if (kind != OTHER) {
			if (seen & (1u << kind)) {
				measure_fail(err, errlen, "OVMF footer table holds the %s entry twice", what[kind]);
				return -1;
			}
			seen |= 1u << kind;
			if (dlen < need[kind]) {
				measure_fail(err, errlen, "OVMF footer table %s entry has %zu bytes of data (needs %zu)",
				     what[kind], dlen, need[kind]);
				return -1;
			}
		}
		if (kind == RESET) {
			o->has_reset_eip = 1;
			o->reset_eip = le32(data);
		} else if (kind == HASHES) {
			o->has_hashes_table = 1;
			o->hashes_table_gpa = le32(data);
			o->hashes_table_size = le32(data + 4);
		} else if (kind == META) {
			meta_offset = le32(data);
		} else if (kind == TDX) {
			o->has_tdx_metadata = 1;
			o->tdx_metadata_offset = le32(data);
		}
		end -= esize;
	}
	if (seen & (1u << META))
		return parse_metadata(fw, len, meta_offset, o, err, errlen);
	return 0;
}
