/*
 * SNP launch digest chaining. Each SNP_LAUNCH_UPDATE page extends the digest
 * with the PAGE_INFO structure of the SNP firmware ABI (Table "PAGE_INFO"):
 *
 *   0x00  DIGEST_CUR  48  the digest so far
 *   0x30  CONTENTS    48  SHA-384 of the page (NORMAL, VMSA) or zero
 *   0x60  LENGTH       2  0x70
 *   0x62  PAGE_TYPE    1
 *   0x63  IMI_PAGE     1  0 (not an incoming migration image)
 *   0x64  VMPL3/2/1    3  permissions, 0
 *   0x67  reserved     1
 *   0x68  GPA          8
 *
 * and the new digest is SHA-384 of those 0x70 bytes.
 */
#include <string.h>

#include <mbedtls/sha512.h>

#include "measure.h"

#define PAGE_INFO_LEN 0x70

/* A VMSA has no guest address; the AMD-SP records it at (u64)-1 cut to the
 * page-aligned 52-bit physical address space. */
#define VMSA_GPA 0xFFFFFFFFF000ull

static void sha384(const uint8_t *d, size_t n, uint8_t out[SNP_LD_LEN])
{
	mbedtls_sha512(d, n, out, 1);
}

void snp_ld_init(struct snp_ld *ld)
{
	memset(ld->digest, 0, sizeof ld->digest);
}

void snp_ld_update(struct snp_ld *ld, uint8_t page_type, uint64_t gpa, const uint8_t contents[SNP_LD_LEN])
{
	uint8_t pi[PAGE_INFO_LEN] = { 0 };
	memcpy(pi, ld->digest, SNP_LD_LEN);
	memcpy(pi + 0x30, contents, SNP_LD_LEN);
	pi[0x60] = PAGE_INFO_LEN & 0xff;
	pi[0x61] = PAGE_INFO_LEN >> 8;
	pi[0x62] = page_type;
	for (int i = 0; i < 8; i++)
		pi[0x68 + i] = (uint8_t)(gpa >> (8 * i));
	sha384(pi, sizeof pi, ld->digest);
}

void snp_ld_normal_pages(struct snp_ld *ld, uint64_t gpa, const uint8_t *data, size_t len)
{
	uint8_t h[SNP_LD_LEN];
	for (size_t off = 0; off + SNP_PAGE_SIZE <= len; off += SNP_PAGE_SIZE) {
		sha384(data + off, SNP_PAGE_SIZE, h);
		snp_ld_update(ld, SNP_PAGE_NORMAL, gpa + off, h);
	}
}

/* ZERO, SECRETS, CPUID and UNMEASURED pages contribute no contents. */
void snp_ld_zero_pages(struct snp_ld *ld, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[SNP_LD_LEN];
	for (uint64_t off = 0; off + SNP_PAGE_SIZE <= len; off += SNP_PAGE_SIZE)
		snp_ld_update(ld, SNP_PAGE_ZERO, gpa + off, zeros);
}

void snp_ld_unmeasured_pages(struct snp_ld *ld, uint64_t gpa, uint64_t len)
{
	static const uint8_t zeros[SNP_LD_LEN];
	for (uint64_t off = 0; off + SNP_PAGE_SIZE <= len; off += SNP_PAGE_SIZE)
		snp_ld_update(ld, SNP_PAGE_UNMEASURED, gpa + off, zeros);
}

void snp_ld_vmsa_page(struct snp_ld *ld, const uint8_t page[SNP_PAGE_SIZE])
{
	uint8_t h[SNP_LD_LEN];
	sha384(page, SNP_PAGE_SIZE, h);
	snp_ld_update(ld, SNP_PAGE_VMSA, VMSA_GPA, h);
}
