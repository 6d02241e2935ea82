/*
 * Launch measurements computed offline from the launch inputs, so a policy
 * can pin them before anything boots.
 *
 * SEV-SNP: the launch digest (MEASUREMENT of the attestation report) is the
 * SHA-384 chain over the PAGE_INFO of every SNP_LAUNCH_UPDATE the VMM issues:
 * the firmware image, the sections its SEV metadata declares (with QEMU's
 * kernel-hashes page for measured direct boot), and one VMSA per vCPU.
 * The order and contents follow QEMU (and the EC2 VMM) so the result equals
 * what the AMD-SP computes at launch.
 */
#ifndef COCOBOOT_MEASURE_H
#define COCOBOOT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_LD_LEN    48
#define SNP_PAGE_SIZE 4096u

/* ---- firmware: the OVMF GUIDed footer table and the SEV metadata ---- */

/* SEV metadata section types (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm). */
enum ovmf_section_type {
	OVMF_SEC_SNP_SEC_MEM = 0x01,       /* pre-validated zero pages */
	OVMF_SEC_SNP_SECRETS = 0x02,       /* the secrets page, filled by the AMD-SP */
	OVMF_SEC_CPUID = 0x03,             /* the CPUID page, filled by the VMM */
	OVMF_SEC_SVSM_CAA = 0x04,          /* the SVSM calling area, zero pages */
	OVMF_SEC_SNP_KERNEL_HASHES = 0x10, /* the page that holds the SEV hashes table */
};

struct ovmf_section {
	uint32_t gpa, size, type;
};

/* Far more than any firmware declares (AmdSev: 6); bounds the parse. */
#define OVMF_MAX_SECTIONS 32
/* The firmware is mapped so that it ends at 4 GiB; real images are 2-4 MiB. */
#define OVMF_MAX_SIZE (64u * 1024 * 1024)
/* The memory all sections of a firmware's SEV or TDX metadata may declare
 * together. Real firmware declares well under 16 MiB; the bound keeps the
 * work per page (one hash each) small for any input. */
#define FW_MAX_SECTION_MEMORY (1ull << 30)

struct ovmf_info {
	uint64_t gpa;                 /* 4 GiB - image size */
	int has_reset_eip;            /* SEV-ES reset block present */
	uint32_t reset_eip;           /* where the APs start */
	int has_hashes_table;         /* SEV hash table reserved area present */
	uint32_t hashes_table_gpa, hashes_table_size;
	int has_metadata;             /* SEV metadata present */
	int has_tdx_metadata;         /* TDX metadata offset entry present */
	uint32_t tdx_metadata_offset; /* of the TDVF descriptor, from the end of the image */
	size_t n_sections;
	struct ovmf_section sections[OVMF_MAX_SECTIONS];
};

/*
 * Parse the footer table at the end of fw[0..len) and the SEV metadata it
 * points to. Strict: a missing footer, entries or metadata that do not fit,
 * duplicate entries, unknown or misaligned sections, sections that overlap
 * each other or the firmware image are errors. Returns 0, or -1 with a
 * message in err.
 */
int ovmf_parse(const uint8_t *fw, size_t len, struct ovmf_info *out, char *err, size_t errlen);

int ovmf_has_section(const struct ovmf_info *o, uint32_t type);

/* ---- SNP launch digest chaining (SNP firmware ABI, PAGE_INFO) ---- */

enum snp_page_type {
	SNP_PAGE_NORMAL = 0x01,
	SNP_PAGE_VMSA = 0x02,
	SNP_PAGE_ZERO = 0x03,
	SNP_PAGE_UNMEASURED = 0x04,
	SNP_PAGE_SECRETS = 0x05,
	SNP_PAGE_CPUID = 0x06,
};

struct snp_ld {
	uint8_t digest[SNP_LD_LEN];
};

void snp_ld_init(struct snp_ld *ld);
/* One PAGE_UPDATE: digest = SHA-384(PAGE_INFO{digest, contents, type, gpa}). */
void snp_ld_update(struct snp_ld *ld, uint8_t page_type, uint64_t gpa, const uint8_t contents[SNP_LD_LEN]);
/* len must be a multiple of 4096 (callers check). */
void snp_ld_normal_pages(struct snp_ld *ld, uint64_t gpa, const uint8_t *data, size_t len);
void snp_ld_zero_pages(struct snp_ld *ld, uint64_t gpa, uint64_t len);
/* UNMEASURED pages: the type and address are measured, not the contents. */
void snp_ld_unmeasured_pages(struct snp_ld *ld, uint64_t gpa, uint64_t len);
void snp_ld_vmsa_page(struct snp_ld *ld, const uint8_t page[SNP_PAGE_SIZE]);

/* ---- SEV hashes table (QEMU's layout for measured direct boot) ---- */

#define SEV_HASHES_TABLE_LEN        168  /* header + 3 entries */
#define SEV_HASHES_TABLE_PADDED_LEN 176  /* rounded up to 16, as QEMU measures it */

struct sev_hashes {
	uint8_t kernel[32], initrd[32], cmdline[32];
};

/*
 * Hash the direct-boot inputs as QEMU does: SHA-256 of the kernel file, of the
 * initrd file (of nothing when initrd is NULL) and of the command line with its
 * terminating NUL ("\0" when append is NULL). Returns 0 or -1 (err set).
 */
int sev_hashes_compute(struct sev_hashes *h, const char *kernel, const char *initrd, const char *append,
		       char *err, size_t errlen);
/* The padded table, SEV_HASHES_TABLE_PADDED_LEN bytes. */
void sev_hashes_table(const struct sev_hashes *h, uint8_t out[SEV_HASHES_TABLE_PADDED_LEN]);

/* ---- vCPU types and the VMSA ---- */

/* The VMM that sets up the launch: QEMU/KVM, Amazon EC2, Google Compute
 * Engine. They differ in the initial vCPU state and in how a few metadata
 * sections are added (docs/measure.md). */
enum vmm_type { VMM_QEMU = 1, VMM_EC2 = 2, VMM_GCE = 3 };
/* Versions of a VMM's launch state: EC2 changed its initial RDX in 2026
 * (version 2, the default); version 1 is the state before that. QEMU and
 * GCE have one version. 0 means the latest. */
#define VMM_VERSION_LATEST 0
int vmm_version_valid(enum vmm_type vmm, unsigned version);

/* CPUID Fn0000_0001_EAX for family/model/stepping (AMD pub. 25481). */
uint32_t cpu_sig(unsigned family, unsigned model, unsigned stepping);
/* QEMU's CPU model name (case-insensitive) -> signature; -1 when unknown. */
int cpu_type_sig(const char *name, uint32_t *sig);
/* The known names, NULL-terminated, for messages. */
const char *const *cpu_type_names(void);

/* The initial VMSA of a vCPU starting at eip, as the VMM sets it up.
 * vcpu_sig reaches the VMSA only under QEMU. */
void vmsa_build(uint8_t page[SNP_PAGE_SIZE], uint32_t eip, uint64_t sev_features, uint32_t vcpu_sig,
		enum vmm_type vmm, unsigned vmm_version);

/* ---- the whole launch ---- */

struct snp_launch {
	const uint8_t *fw;       /* firmware image (its SEV metadata is always read from it) */
	size_t fw_len;
	/* NULL, or the digest after the firmware pages, given instead of
	 * hashing them (sev-snp-measure --snp-ovmf-hash; snp_firmware_digest). */
	const uint8_t *fw_digest;
	const struct sev_hashes *hashes; /* NULL: no kernel (not measured direct boot) */
	unsigned vcpus;
	uint32_t vcpu_sig;
	uint64_t guest_features;
	enum vmm_type vmm;
	unsigned vmm_version;    /* VMM_VERSION_LATEST or a valid version */
};

#define SNP_MAX_VCPUS 4096

/* Compute the launch digest. Returns 0, or -1 with a message in err. */
int snp_launch_digest(const struct snp_launch *l, uint8_t out[SNP_LD_LEN], char *err, size_t errlen);
/* The digest after the firmware pages alone (the reference tool's "ovmf hash"). */
int snp_firmware_digest(const uint8_t *fw, size_t len, uint8_t out[SNP_LD_LEN], char *err, size_t errlen);

/* ---- TDX: MRTD from the TDVF metadata ---- */

/* TDVF section types QEMU accepts (TDX Virtual Firmware Design Guide, 11). */
enum tdvf_section_type {
	TDVF_SEC_BFV = 0,      /* boot firmware volume: code, copied from the image */
	TDVF_SEC_CFV = 1,      /* configuration firmware volume (variables), copied */
	TDVF_SEC_TD_HOB = 2,   /* the TD HOB, built by the VMM */
	TDVF_SEC_TEMP_MEM = 3, /* zero pages */
};
#define TDVF_ATTR_MR_EXTEND 0x1u /* measure the contents with TDH.MR.EXTEND */

struct tdvf_section {
	uint32_t data_offset, raw_size;
	uint64_t addr, size;
	uint32_t type, attributes;
};

#define TDVF_MAX_SECTIONS 32

struct tdvf_info {
	size_t n;
	struct tdvf_section s[TDVF_MAX_SECTIONS];
};

/*
 * The TDVF descriptor the footer table's TDX metadata offset entry points to,
 * checked as strictly as the SEV metadata (and the footer table with it).
 */
int tdvf_parse(const uint8_t *fw, size_t len, struct tdvf_info *out, char *err, size_t errlen);

/* The order in which the VMM issues TDH.MEM.PAGE.ADD and TDH.MR.EXTEND for a
 * section: per page (upstream KVM, Linux >= 6.16) or all pages first, then
 * all extensions (earlier TDX host stacks). */
enum mrtd_order { MRTD_SINGLE_PASS, MRTD_TWO_PASS };

int tdx_mrtd(const uint8_t *fw, size_t len, enum mrtd_order order, uint8_t out[SNP_LD_LEN], char *err,
	     size_t errlen);

/* ---- TDX: what the boot path extends into RTMR1/RTMR2 ---- */

/* The PE/COFF Authenticode digest (SHA-384) of an EFI image, as the firmware
 * measures an EFI application it loads. Strict bounds checks. */
int pe_authenticode_sha384(const uint8_t *img, size_t len, uint8_t out[SNP_LD_LEN], char *err, size_t errlen);

/* SHA-384 of the kernel's load options as OVMF's QEMU loader builds them and
 * the Linux EFI stub measures them: UTF-16LE of the command line, plus
 * " initrd=initrd" when an initrd is loaded, plus a NUL. */
void tdx_cmdline_digest(const char *append, int with_initrd, uint8_t out[SNP_LD_LEN]);

#endif
