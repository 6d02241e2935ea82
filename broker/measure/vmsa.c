/*
 * The initial VMSA (SEV-ES save area, AMD APM vol. 2 table B-4; Linux
 * struct sev_es_save_area) of each vCPU, as the VMM sets it up before
 * SNP_LAUNCH_UPDATE: the x86 reset state, with CS:IP at the reset vector for
 * the BSP and at the firmware's SEV-ES AP reset address for the others.
 * Only the fields the VMM sets are written; the rest of the page is zero.
 */
#include <string.h>

#include "measure.h"

/* Offsets in the save area. */
enum {
	VMSA_ES = 0x000, VMSA_CS = 0x010, VMSA_SS = 0x020, VMSA_DS = 0x030, VMSA_FS = 0x040,
	VMSA_GS = 0x050, VMSA_GDTR = 0x060, VMSA_LDTR = 0x070, VMSA_IDTR = 0x080, VMSA_TR = 0x090,
	VMSA_EFER = 0x0d0, VMSA_CR4 = 0x148, VMSA_CR0 = 0x158, VMSA_DR7 = 0x160, VMSA_DR6 = 0x168,
	VMSA_RFLAGS = 0x170, VMSA_RIP = 0x178, VMSA_G_PAT = 0x268, VMSA_RDX = 0x310,
	VMSA_SEV_FEATURES = 0x3b0, VMSA_XCR0 = 0x3e8, VMSA_MXCSR = 0x408, VMSA_X87_FCW = 0x410,
};

#define BSP_EIP 0xfffffff0u

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* struct vmcb_seg { u16 selector; u16 attrib; u32 limit; u64 base; } */
static void seg(uint8_t *page, int off, uint16_t selector, uint16_t attrib, uint32_t limit, uint64_t base)
{
	put16(page + off, selector);
	put16(page + off + 2, attrib);
	put32(page + off + 4, limit);
	put64(page + off + 8, base);
}

int vmm_version_valid(enum vmm_type vmm, unsigned version)
{
	unsigned latest = vmm == VMM_EC2 ? 2 : 1;
	return version <= latest;
}

void vmsa_build(uint8_t page[SNP_PAGE_SIZE], uint32_t eip, uint64_t sev_features, uint32_t vcpu_sig,
		enum vmm_type vmm, unsigned vmm_version)
{
	/* QEMU (KVM_SEV_INIT2) sets MXCSR and FCW to their architectural
	 * reset values and RDX to the CPUID signature of the vCPU model. */
	uint16_t cs_attr = 0x9b, ss_attr = 0x93, tr_attr = 0x8b, fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	uint64_t rdx = vcpu_sig, g_pat = 0x0007040600070406ull; /* PAT reset value, APM vol. 2 A.3 */
	if (vmm == VMM_EC2) {
		/* EC2: the CS accessed bit clear on the BSP, SS/TR without it,
		 * a zero FPU state, and RDX = 0x600 (family 6) since the 2026
		 * hypervisor update; 0 before it (VMM version 1). */
		cs_attr = eip == BSP_EIP ? 0x9a : 0x9b;
		ss_attr = 0x92;
		tr_attr = 0x83;
		rdx = vmm_version == 1 ? 0 : 0x600;
		mxcsr = 0;
		fcw = 0;
	} else if (vmm == VMM_GCE) {
		/* GCE: QEMU's segments, but RDX = 0x600, a zero FPU state and
		 * the hypervisor's own PAT. */
		rdx = 0x600;
		mxcsr = 0;
		fcw = 0;
		g_pat = 0x00070106;
	}
	memset(page, 0, SNP_PAGE_SIZE);
	seg(page, VMSA_ES, 0, 0x93, 0xffff, 0);
	seg(page, VMSA_CS, 0xf000, cs_attr, 0xffff, eip & 0xffff0000u);
	seg(page, VMSA_SS, 0, ss_attr, 0xffff, 0);
	seg(page, VMSA_DS, 0, 0x93, 0xffff, 0);
	seg(page, VMSA_FS, 0, 0x93, 0xffff, 0);
	seg(page, VMSA_GS, 0, 0x93, 0xffff, 0);
	seg(page, VMSA_GDTR, 0, 0, 0xffff, 0);
	seg(page, VMSA_LDTR, 0, 0x82, 0xffff, 0);
	seg(page, VMSA_IDTR, 0, 0, 0xffff, 0);
	seg(page, VMSA_TR, 0, tr_attr, 0xffff, 0);
	put64(page + VMSA_EFER, 0x1000);            /* EFER.SVME, set by KVM */
	put64(page + VMSA_CR4, 0x40);               /* CR4.MCE, set by KVM */
	put64(page + VMSA_CR0, 0x10);               /* CR0.ET */
	put64(page + VMSA_DR7, 0x400);
	put64(page + VMSA_DR6, 0xffff0ff0);
	put64(page + VMSA_RFLAGS, 0x2);
	put64(page + VMSA_RIP, eip & 0xffff);
	put64(page + VMSA_G_PAT, g_pat);
	put64(page + VMSA_RDX, rdx);
	put64(page + VMSA_SEV_FEATURES, sev_features);
	put64(page + VMSA_XCR0, 0x1);
	put32(page + VMSA_MXCSR, mxcsr);
	put16(page + VMSA_X87_FCW, fcw);
}
