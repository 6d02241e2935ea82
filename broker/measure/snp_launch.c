/*
 * The SEV-SNP launch digest of a QEMU (or EC2, or GCE) launch, in the order the VMM
 * issues SNP_LAUNCH_UPDATE:
 *   1. the firmware image, NORMAL pages, mapped to end at 4 GiB (or, given
 *      the digest after those pages, that digest);
 *   2. the SEV metadata sections in the order the firmware lists them:
 *      SNP_SEC_MEM (GCE: UNMEASURED pages) and SVSM_CAA as ZERO pages,
 *      SNP_SECRETS as the SECRETS page, CPUID as the CPUID page (EC2: after
 *      all other sections), and SNP_KERNEL_HASHES as a NORMAL page holding
 *      the SEV hashes table at its offset when a kernel is given, else as
 *      ZERO pages;
 *   3. one VMSA per vCPU: the BSP at the reset vector, the APs at the
 *      firmware's SEV-ES reset address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "measure.h"
#include "bytes.h"

#define BSP_EIP 0xfffffff0u

static int check_image(size_t len, char *err, size_t errlen)
{
	if (len == 0 || len % SNP_PAGE_SIZE) {
		measure_fail(err, errlen, "firmware image is %zu bytes, not a whole number of 4 KiB pages", len);
		return -1;
	}
	return 0;
}

int snp_firmware_digest(const uint8_t *fw, size_t len, uint8_t out[SNP_LD_LEN], char *err, size_t errlen)
{
	struct ovmf_info o;
	if (ovmf_parse(fw, len, &o, err, errlen) != 0 || check_image(len, err, errlen) != 0)
		return -1;
	struct snp_ld ld;
	snp_ld_init(&ld);
	snp_ld_normal_pages(&ld, o.gpa, fw, len);
	memcpy(out, ld.digest, SNP_LD_LEN);
	return 0;
}

/* The kernel-hashes section as one NORMAL page with the table at the offset
 * the firmware's hash table entry names. */
static int hashes_page(const struct ovmf_info *o, const struct ovmf_section *s, const struct sev_hashes *h,
		       uint8_t page[SNP_PAGE_SIZE], char *err, size_t errlen)
{
	if (!o->has_hashes_table) {
		measure_fail(err, errlen, "firmware has an SNP_KERNEL_HASHES section but no SEV hash table entry in its footer table");
		return -1;
	}
	if (s->size != SNP_PAGE_SIZE) {
		measure_fail(err, errlen, "SNP_KERNEL_HASHES section is 0x%x bytes; QEMU fills exactly one page", s->size);
		return -1;
	}
	uint32_t off = o->hashes_table_gpa - s->gpa;
	if (o->hashes_table_gpa < s->gpa || off > SNP_PAGE_SIZE - SEV_HASHES_TABLE_PADDED_LEN ||
	    o->hashes_table_size < SEV_HASHES_TABLE_PADDED_LEN) {
		measure_fail(err, errlen,
		     "SEV hash table area (gpa 0x%x, 0x%x bytes) does not hold the %u-byte table inside the "
		     "SNP_KERNEL_HASHES page at 0x%x",
		     o->hashes_table_gpa, o->hashes_table_size, SEV_HASHES_TABLE_PADDED_LEN, s->gpa);
		return -1;
	}
	memset(page, 0, SNP_PAGE_SIZE);
	sev_hashes_table(h, page + off);
	return 0;
}

static void measure_cpuid(struct snp_ld *ld, const struct ovmf_info *o)
{
	static const uint8_t zeros[SNP_LD_LEN];
	for (size_t i = 0; i < o->n_sections; i++)
		if (o->sections[i].type == OVMF_SEC_CPUID)
			snp_ld_update(ld, SNP_PAGE_CPUID, o->sections[i].gpa, zeros);
}

int snp_launch_digest(const struct snp_launch *l, uint8_t out[SNP_LD_LEN], char *err, size_t errlen)
{
	static const uint8_t zeros[SNP_LD_LEN];
	struct ovmf_info o;
	if (l->vcpus == 0 || l->vcpus > SNP_MAX_VCPUS) {
		measure_fail(err, errlen, "vCPU count %u is out of range (1..%d)", l->vcpus, SNP_MAX_VCPUS);
		return -1;
	}
	if (l->vmm != VMM_QEMU && l->vmm != VMM_EC2 && l->vmm != VMM_GCE) {
		measure_fail(err, errlen, "unknown VMM type %d", (int)l->vmm);
		return -1;
	}
	if (!vmm_version_valid(l->vmm, l->vmm_version)) {
		measure_fail(err, errlen, "VMM version %u does not exist for this VMM", l->vmm_version);
		return -1;
	}
	if (ovmf_parse(l->fw, l->fw_len, &o, err, errlen) != 0 || check_image(l->fw_len, err, errlen) != 0)
		return -1;
	if (!o.has_metadata) {
		measure_fail(err, errlen, "firmware has no SEV metadata in its footer table: it cannot launch as SEV-SNP");
		return -1;
	}
	if (!o.has_reset_eip) {
		measure_fail(err, errlen, "firmware has no SEV-ES reset block in its footer table: its APs cannot start");
		return -1;
	}
	if (l->vcpus > 1 && o.reset_eip == 0) {
		measure_fail(err, errlen, "firmware's SEV-ES AP reset address is 0: it supports one vCPU only");
		return -1;
	}
	if (l->hashes && !ovmf_has_section(&o, OVMF_SEC_SNP_KERNEL_HASHES)) {
		measure_fail(err, errlen,
		     "a kernel was given but the firmware's SEV metadata has no SNP_KERNEL_HASHES section: it does not "
		     "measure direct boot (use an AmdSev build, OvmfPkg/AmdSev/AmdSevX64.dsc)");
		return -1;
	}

	struct snp_ld ld;
	snp_ld_init(&ld);
	if (l->fw_digest)
		memcpy(ld.digest, l->fw_digest, SNP_LD_LEN);
	else
		snp_ld_normal_pages(&ld, o.gpa, l->fw, l->fw_len);

	for (size_t i = 0; i < o.n_sections; i++) {
		const struct ovmf_section *s = &o.sections[i];
		switch (s->type) {
		case OVMF_SEC_SNP_SEC_MEM:
			/* GCE accepts the pre-validated memory as UNMEASURED pages. */
			if (l->vmm == VMM_GCE)
				snp_ld_unmeasured_pages(&ld, s->gpa, s->size);
			else
				snp_ld_zero_pages(&ld, s->gpa, s->size);
			break;
		case OVMF_SEC_SVSM_CAA:
			snp_ld_zero_pages(&ld, s->gpa, s->size);
			break;
		case OVMF_SEC_SNP_SECRETS:
			snp_ld_update(&ld, SNP_PAGE_SECRETS, s->gpa, zeros);
			break;
		case OVMF_SEC_CPUID:
			/* EC2 adds the CPUID page after every other section. */
			if (l->vmm != VMM_EC2)
				snp_ld_update(&ld, SNP_PAGE_CPUID, s->gpa, zeros);
			break;
		case OVMF_SEC_SNP_KERNEL_HASHES:
			if (l->hashes) {
				uint8_t page[SNP_PAGE_SIZE];
				if (hashes_page(&o, s, l->hashes, page, err, errlen) != 0)
					return -1;
				snp_ld_normal_pages(&ld, s->gpa, page, sizeof page);
			} else {
				snp_ld_zero_pages(&ld, s->gpa, s->size);
			}
			break;
		}
	}
	if (l->vmm == VMM_EC2)
		measure_cpuid(&ld, &o);

	uint8_t bsp[SNP_PAGE_SIZE], ap[SNP_PAGE_SIZE];
	vmsa_build(bsp, BSP_EIP, l->guest_features, l->vcpu_sig, l->vmm, l->vmm_version);
	vmsa_build(ap, o.reset_eip, l->guest_features, l->vcpu_sig, l->vmm, l->vmm_version);
	for (unsigned i = 0; i < l->vcpus; i++)
		snp_ld_vmsa_page(&ld, i == 0 ? bsp : ap);
	memcpy(out, ld.digest, SNP_LD_LEN);
	return 0;
}
