/*
 * libFuzzer: the OVMF footer table / SEV metadata parser, and the whole SNP
 * launch digest over whatever it accepts (every section type, with and
 * without a kernel-hashes table, both VMM types, several vCPUs); the TDVF
 * descriptor parser and MRTD over the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "broker/measure/measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovmf_info o;
	char err[256];
	uint8_t ld[SNP_LD_LEN];
	if (ovmf_parse(data, size, &o, err, sizeof err) != 0)
		return 0;
	(void)tdx_mrtd(data, size, MRTD_SINGLE_PASS, ld, err, sizeof err);
	(void)tdx_mrtd(data, size, MRTD_TWO_PASS, ld, err, sizeof err);
	/* The digest wants whole pages: measure the input padded in front, as
	 * a firmware tail would sit at the end of a real image. */
	size_t len = (size + SNP_PAGE_SIZE - 1) / SNP_PAGE_SIZE * SNP_PAGE_SIZE;
	static uint8_t fw[16384 + SNP_PAGE_SIZE];
	if (len > sizeof fw)
		return 0;
	memset(fw, 0, len - size);
	memcpy(fw + (len - size), data, size);
	struct sev_hashes h;
	memset(&h, 0x5a, sizeof h);
	struct snp_launch l = { .fw = fw, .fw_len = len, .vcpus = 3, .vcpu_sig = cpu_sig(25, 1, 1),
				.guest_features = 0x1, .vmm = VMM_QEMU };
	(void)snp_launch_digest(&l, ld, err, sizeof err);
	l.hashes = &h;
	l.vmm = VMM_EC2;
	(void)snp_launch_digest(&l, ld, err, sizeof err);
	l.vmm = VMM_GCE; /* SNP_SEC_MEM as UNMEASURED pages */
	(void)snp_launch_digest(&l, ld, err, sizeof err);
	(void)snp_firmware_digest(fw, len, ld, err, sizeof err);
	return 0;
}
