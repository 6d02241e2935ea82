/*
 * Unit tests of broker/measure: the SEV-SNP launch digest against the
 * published test vectors of the independent implementation
 * (virtee/sev-snp-measure, tests/test_guest.py, over its OVMF fixtures, which
 * ../shared/snp-measure holds when present), and the firmware parser against
 * synthetic images that are broken in one way each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/lib/check.h"
#include "broker/measure/measure.h"

static int skipped;

static uint8_t *load(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", SNP_MEASURE_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static uint8_t bufs[2][1 << 16];
	static int which;
	uint8_t *b = bufs[which++ & 1];
	*len = fread(b, 1, sizeof bufs[0], f);
	fclose(f);
	return b;
}

/* ---- cpu types ---- */
static void test_cpu_types(void)
{
	uint32_t s = 0;
	CHECK(cpu_sig(14, 1, 2) == 0x0e12, "low family signature 0x%x", cpu_sig(14, 1, 2));
	CHECK(cpu_sig(23, 1, 2) == 0x800f12, "high family signature 0x%x", cpu_sig(23, 1, 2));
	CHECK(cpu_type_sig("EPYC-v4", &s) == 0 && s == 0x800f12, "EPYC-v4 0x%x", s);
	CHECK(cpu_type_sig("EPYC-Milan", &s) == 0 && s == 0xa00f11, "EPYC-Milan 0x%x", s);
	CHECK(cpu_type_sig("EPYC-Genoa", &s) == 0 && s == 0xa10f10, "EPYC-Genoa 0x%x", s);
	CHECK(cpu_type_sig("EPYC-Rome", &s) == 0 && s == 0x830f10, "EPYC-Rome 0x%x", s);
	CHECK(cpu_type_sig("EPYC-Turin", &s) == 0 && s == 0xb00f00, "EPYC-Turin 0x%x", s);
	CHECK(cpu_type_sig("epyc-milan-v2", &s) == 0 && s == 0xa00f11, "names are case-insensitive");
	CHECK(cpu_type_sig("EPYC-v9", &s) != 0, "unknown type accepted");
	CHECK(cpu_type_sig("", &s) != 0, "empty type accepted");
	CHECK(cpu_type_sig("Skylake-Server", &s) != 0, "an Intel model is no SEV vCPU type");
}

/* ---- VMSA ---- */
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void test_vmsa(void)
{
	uint8_t p[SNP_PAGE_SIZE];
	vmsa_build(p, 0xfffffff0, 0x21, 0x800f12, VMM_QEMU, 0);
	CHECK(rd64(p + 0x310) == 0x800f12, "QEMU RDX holds the CPUID signature");
	CHECK(rd64(p + 0x3b0) == 0x21, "sev_features");
	CHECK(rd64(p + 0x178) == 0xfff0, "BSP RIP");
	CHECK(rd64(p + 0x18) == 0xffff0000, "BSP CS base");
	CHECK(p[0x12] == 0x9b && p[0x408] == 0x80 && p[0x409] == 0x1f && p[0x410] == 0x7f, "QEMU CS attr/MXCSR/FCW");
	CHECK(rd64(p + 0x268) == 0x0007040600070406ull, "QEMU PAT");
	vmsa_build(p, 0xfffffff0, 0x1, 0x800f12, VMM_EC2, 1);
	CHECK(rd64(p + 0x310) == 0 && p[0x12] == 0x9a && p[0x408] == 0 && p[0x410] == 0, "EC2 v1 BSP VMSA");
	vmsa_build(p, 0xfffffff0, 0x1, 0x800f12, VMM_EC2, 0);
	CHECK(rd64(p + 0x310) == 0x600 && p[0x12] == 0x9a, "EC2 (latest) RDX 0x600, not the signature");
	vmsa_build(p, 0xfffffff0, 0x1, 0x800f12, VMM_GCE, 0);
	CHECK(rd64(p + 0x310) == 0x600 && p[0x12] == 0x9b && p[0x22] == 0x93 && p[0x92] == 0x8b &&
		      rd64(p + 0x268) == 0x00070106 && p[0x408] == 0 && p[0x410] == 0,
	      "GCE VMSA: QEMU segments, RDX 0x600, its PAT, zero FPU state");
	CHECK(vmm_version_valid(VMM_EC2, 2) && vmm_version_valid(VMM_EC2, 1) && !vmm_version_valid(VMM_EC2, 3) &&
		      vmm_version_valid(VMM_QEMU, 1) && !vmm_version_valid(VMM_QEMU, 2) && !vmm_version_valid(VMM_GCE, 2),
	      "VMM versions");
	vmsa_build(p, 0xffffe000, 0x1, 0x800f12, VMM_EC2, 0);
	CHECK(p[0x12] == 0x9b && rd64(p + 0x178) == 0xe000 && rd64(p + 0x310) == 0x600, "EC2 AP VMSA");
	int nonzero = 0;
	for (unsigned i = 0x670; i < SNP_PAGE_SIZE; i++)
		nonzero |= p[i];
	CHECK(!nonzero, "the tail of the VMSA page is zero");
}

/* ---- the published vectors ---- */
struct vector {
	const char *name, *fw;
	unsigned vcpus;
	const char *kernel, *initrd, *append; /* kernel NULL: no direct boot */
	uint64_t features;
	enum vmm_type vmm;
	const char *want;
	unsigned vmm_version; /* 0: the latest */
};

static const struct vector vectors[] = {
	{ "snp_default (kernel, append)", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "console=ttyS0 loglevel=7",
	  0x21, VMM_QEMU, "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977", 0 },
	{ "snp_guest_feature_snp_only", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "console=ttyS0 loglevel=7",
	  0x1, VMM_QEMU, "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa", 0 },
	{ "snp_ovmf_hash_gen_default (empty append)", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x21, VMM_QEMU, "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198", 0 },
	{ "snp_ovmf_hash_gen_feature_snp_only", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x1, VMM_QEMU, "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5", 0 },
	/* EC2 since its 2026 VMSA change (sev-snp-measure 0.0.13, PR #60: RDX 0x600)... */
	{ "snp_ec2_default", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x21, VMM_EC2, "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb", 0 },
	{ "snp_ec2_feature_snp_only", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x1, VMM_EC2, "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056", 0 },
	/* ... and before it (--vmm-version 1; sev-snp-measure 0.0.12 and earlier) */
	{ "snp_ec2_v1_default", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x21, VMM_EC2, "6ae80856486b1396af8c82a40351d6ed76a20c785e9c7fa4ffa27c22d5d6313b4b3b458cd3c9968e6f89fb5d8450d7a6", 1 },
	{ "snp_ec2_v1_feature_snp_only", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x1, VMM_EC2, "7d3756157c805bf6adf617064c8552e8c1688fa1c8756f11cbf56ba5d25c9270fb69c0505c1cbe1c5c66c0e34c6ed3be", 1 },
	/* GCE (sev-snp-measure 0.0.12, PR #56): SNP_SEC_MEM as UNMEASURED pages, its own VMSA */
	{ "snp_gce_default", "ovmf_AmdSev_suffix.bin", 1, "/dev/null", "/dev/null", "",
	  0x1, VMM_GCE, "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e", 0 },
	{ "snp_gce_with_multiple_vcpus_default", "ovmf_AmdSev_suffix.bin", 4, "/dev/null", "/dev/null", "",
	  0x1, VMM_GCE, "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d", 0 },
	{ "snp_without_kernel_default", "ovmf_AmdSev_suffix.bin", 1, NULL, NULL, NULL,
	  0x21, VMM_QEMU, "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b", 0 },
	{ "snp_without_kernel_feature_snp_only", "ovmf_AmdSev_suffix.bin", 1, NULL, NULL, NULL,
	  0x1, VMM_QEMU, "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d", 0 },
	{ "snp_with_multiple_vcpus_default", "ovmf_AmdSev_suffix.bin", 4, "/dev/null", "/dev/null", "",
	  0x21, VMM_QEMU, "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942", 0 },
	{ "snp_with_multiple_vcpus_feature_snp_only", "ovmf_AmdSev_suffix.bin", 4, "/dev/null", "/dev/null", "",
	  0x1, VMM_QEMU, "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5", 0 },
	{ "snp_with_ovmfx64_without_default", "ovmf_OvmfX64_suffix.bin", 1, NULL, NULL, NULL,
	  0x21, VMM_QEMU, "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385", 0 },
	{ "snp_with_ovmfx64_without_kernel_feature_snp_only", "ovmf_OvmfX64_suffix.bin", 1, NULL, NULL, NULL,
	  0x1, VMM_QEMU, "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005", 0 },
};

static void test_vectors(void)
{
	size_t amd_len, x64_len;
	uint8_t *amd = load("ovmf_AmdSev_suffix.bin", &amd_len);
	uint8_t *x64 = load("ovmf_OvmfX64_suffix.bin", &x64_len);
	if (!amd || !x64) {
		printf("SKIP published vectors: firmware fixtures not found in %s\n", SNP_MEASURE_DIR);
		/* as many as the checks below: 4 for the firmware digest, one per
		 * vector (two with a kernel), 3 after the loop */
		skipped += 7;
		for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
			skipped += vectors[i].kernel ? 2 : 1;
		return;
	}
	char err[512], got[2 * SNP_LD_LEN + 1];
	uint8_t ld[SNP_LD_LEN];

	/* The digest after the firmware pages: the reference's "ovmf hash". */
	CHECK(snp_firmware_digest(amd, amd_len, ld, err, sizeof err) == 0, "firmware digest: %s", err);
	hex_encode(got, ld, SNP_LD_LEN);
	CHECK(strcmp(got, "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74") == 0,
	      "AmdSev firmware digest %s", got);

	/* The same digest given instead of the firmware pages (--snp-ovmf-hash):
	 * test_snp_ovmf_hash_gen_default. */
	{
		uint8_t fwd[SNP_LD_LEN];
		struct sev_hashes h;
		memcpy(fwd, ld, SNP_LD_LEN);
		sev_hashes_compute(&h, "/dev/null", "/dev/null", "", err, sizeof err);
		struct snp_launch l = { .fw = amd, .fw_len = amd_len, .fw_digest = fwd, .vcpus = 1, .vcpu_sig = 0x800f12,
					.guest_features = 0x21, .vmm = VMM_QEMU, .hashes = &h };
		CHECK(snp_launch_digest(&l, ld, err, sizeof err) == 0, "%s", err);
		hex_encode(got, ld, SNP_LD_LEN);
		CHECK(strcmp(got, "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198") == 0,
		      "launch from the firmware digest: %s", got);
	}

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const struct vector *v = &vectors[i];
		int is_amd = strcmp(v->fw, "ovmf_AmdSev_suffix.bin") == 0;
		struct sev_hashes h;
		struct snp_launch l = { .fw = is_amd ? amd : x64, .fw_len = is_amd ? amd_len : x64_len,
					.vcpus = v->vcpus, .guest_features = v->features, .vmm = v->vmm,
					.vmm_version = v->vmm_version };
		cpu_type_sig("EPYC-v4", &l.vcpu_sig);
		if (v->kernel) {
			CHECK(sev_hashes_compute(&h, v->kernel, v->initrd, v->append, err, sizeof err) == 0, "%s", err);
			l.hashes = &h;
		}
		err[0] = 0;
		int rc = snp_launch_digest(&l, ld, err, sizeof err);
		hex_encode(got, ld, SNP_LD_LEN);
		CHECK(rc == 0 && strcmp(got, v->want) == 0, "vector %s: rc %d %s got %s", v->name, rc, err, got);
	}

	/* A kernel with a firmware that has no kernel-hashes section is refused. */
	struct sev_hashes h;
	sev_hashes_compute(&h, "/dev/null", "/dev/null", "", err, sizeof err);
	struct snp_launch l = { .fw = x64, .fw_len = x64_len, .vcpus = 1, .vcpu_sig = 0x800f12,
				.guest_features = 1, .vmm = VMM_QEMU, .hashes = &h };
	CHECK(snp_launch_digest(&l, ld, err, sizeof err) != 0 && strstr(err, "SNP_KERNEL_HASHES"),
	      "OvmfX64 with a kernel: %s", err);

	struct ovmf_info o;
	CHECK(ovmf_parse(amd, amd_len, &o, err, sizeof err) == 0 && o.has_hashes_table && o.has_reset_eip &&
		      ovmf_has_section(&o, OVMF_SEC_SNP_KERNEL_HASHES),
	      "AmdSev fixture metadata: %s", err);
	CHECK(ovmf_parse(x64, x64_len, &o, err, sizeof err) == 0 && !ovmf_has_section(&o, OVMF_SEC_SNP_KERNEL_HASHES),
	      "OvmfX64 fixture metadata: %s", err);
}

/* ---- synthetic firmware ---- */
static int hv(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }
static void guid_le(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	int n = 0;
	for (; *s && n < 16; s++)
		if (*s != '-') {
			b[n++] = (uint8_t)(hv(s[0]) << 4 | hv(s[1]));
			s++;
		}
	static const int ord[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (int i = 0; i < 16; i++)
		out[i] = b[ord[i]];
}
static void w16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

#define FW_LEN 8192
struct synth {
	uint8_t fw[FW_LEN];
	size_t footer, meta, first_entry; /* offsets */
};

/* A small but well-formed AmdSev-like image: footer table with the SEV
 * metadata, the SEV hash table area and the SEV-ES reset block, and sections
 * SEC_MEM, SECRETS, CPUID, KERNEL_HASHES, SVSM_CAA. */
static const struct ovmf_section good_sections[] = {
	{ 0x800000, 0x9000, OVMF_SEC_SNP_SEC_MEM }, { 0x809000, 0x1000, OVMF_SEC_SNP_SECRETS },
	{ 0x80a000, 0x1000, OVMF_SEC_CPUID },       { 0x80b000, 0x1000, OVMF_SEC_SVSM_CAA },
	{ 0x80c000, 0x1000, OVMF_SEC_SNP_KERNEL_HASHES },
};

static void synth_build(struct synth *s, const struct ovmf_section *secs, size_t n)
{
	memset(s, 0, sizeof *s);
	uint8_t *fw = s->fw;
	/* metadata block at 0x1000 */
	s->meta = 0x1000;
	memcpy(fw + s->meta, "ASEV", 4);
	w32(fw + s->meta + 4, (uint32_t)(16 + 12 * n));
	w32(fw + s->meta + 8, 1);
	w32(fw + s->meta + 12, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		w32(fw + s->meta + 16 + 12 * i, secs[i].gpa);
		w32(fw + s->meta + 20 + 12 * i, secs[i].size);
		w32(fw + s->meta + 24 + 12 * i, secs[i].type);
	}
	/* footer table, built from the footer backwards */
	size_t foot = FW_LEN - 32 - 18, end = foot;
	s->footer = foot;
	struct { const char *guid; uint32_t d[2]; size_t dlen; } entries[] = {
		{ "dc886566-984a-4798-a75e-5585a7bf67cc", { (uint32_t)(FW_LEN - s->meta) }, 4 },
		{ "7255371f-3a3b-4b04-927b-1da6efa8d454", { 0x80c000 + 0x10, 0x400 }, 8 },
		{ "00f771de-1a7e-4fcb-890e-68c77e2fb44e", { 0xffffe000 }, 4 },
		{ "4c2eb361-7d2c-4d1b-b5d5-bbb54ff7a5a0", { 0x1234 }, 4 }, /* someone else's entry */
	};
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		size_t esize = entries[i].dlen + 18;
		uint8_t *e = fw + end - esize;
		for (size_t k = 0; k < entries[i].dlen / 4; k++)
			w32(e + 4 * k, entries[i].d[k]);
		w16(e + entries[i].dlen, (uint32_t)esize);
		guid_le(entries[i].guid, e + entries[i].dlen + 2);
		end -= esize;
	}
	s->first_entry = foot; /* the first entry (metadata) ends at the footer */
	w16(fw + foot, (uint32_t)(foot - end + 18));
	guid_le("96b582de-1fb2-45f7-baea-a366c55a082d", fw + foot + 2);
}

static int launch(const uint8_t *fw, size_t len, int with_kernel, unsigned vcpus, char *err, size_t errlen,
		  uint8_t ld[SNP_LD_LEN])
{
	struct sev_hashes h;
	memset(&h, 0x11, sizeof h);
	struct snp_launch l = { .fw = fw, .fw_len = len, .vcpus = vcpus, .vcpu_sig = 0x800f12,
				.guest_features = 1, .vmm = VMM_QEMU, .hashes = with_kernel ? &h : NULL };
	err[0] = 0;
	return snp_launch_digest(&l, ld, err, errlen);
}

/* Expect the parse (and the launch) of s to fail with a message naming `why`. */
static void expect_bad(const char *name, const uint8_t *fw, size_t len, const char *why)
{
	char err[512] = "";
	struct ovmf_info o;
	uint8_t ld[SNP_LD_LEN];
	int p = ovmf_parse(fw, len, &o, err, sizeof err);
	CHECK(p != 0 && strstr(err, why), "%s: parse rc %d, message \"%s\" lacks \"%s\"", name, p, err, why);
	CHECK(launch(fw, len, 0, 1, err, sizeof err, ld) != 0, "%s: launch accepted", name);
}

static void test_synthetic(void)
{
	struct synth *s = malloc(sizeof *s), *t = malloc(sizeof *t);
	char err[512];
	uint8_t ld[SNP_LD_LEN], ld2[SNP_LD_LEN];
	struct ovmf_info o;
	size_t n = sizeof good_sections / sizeof good_sections[0];

	synth_build(s, good_sections, n);
	CHECK(ovmf_parse(s->fw, FW_LEN, &o, err, sizeof err) == 0, "good synthetic image: %s", err);
	CHECK(o.n_sections == n && o.reset_eip == 0xffffe000 && o.hashes_table_gpa == 0x80c010 &&
		      o.gpa == 0x100000000ull - FW_LEN,
	      "parsed values");
	CHECK(launch(s->fw, FW_LEN, 0, 2, err, sizeof err, ld) == 0, "launch without kernel: %s", err);
	CHECK(launch(s->fw, FW_LEN, 1, 2, err, sizeof err, ld2) == 0, "launch with kernel: %s", err);
	CHECK(memcmp(ld, ld2, SNP_LD_LEN) != 0, "the kernel hashes change the digest");
	CHECK(launch(s->fw, FW_LEN, 1, 3, err, sizeof err, ld) == 0 && memcmp(ld, ld2, SNP_LD_LEN) != 0,
	      "the vCPU count changes the digest");

	/* not a firmware / truncated */
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	expect_bad("random bytes", junk, sizeof junk, "no GUIDed footer table");
	expect_bad("40 bytes", s->fw + FW_LEN - 40, 40, "too short");
	expect_bad("empty", s->fw, 0, "too short");
	/* the tail only (footer present, table runs past the start) */
	expect_bad("truncated before the table", s->fw + FW_LEN - 80, 80, "does not fit the image");
	/* truncated before the metadata block: the offset points outside */
	expect_bad("truncated before the metadata", s->fw + 0x1800, FW_LEN - 0x1800, "outside");

	*t = *s; w16(t->fw + t->footer, 17);
	expect_bad("footer size below its header", t->fw, FW_LEN, "footer table size");
	*t = *s; w16(t->fw + t->footer, 0xffff);
	expect_bad("footer size beyond the image", t->fw, FW_LEN, "does not fit");
	*t = *s; w16(t->fw + t->first_entry - 18, 5);
	expect_bad("entry size below its header", t->fw, FW_LEN, "bad size");
	*t = *s; w16(t->fw + t->first_entry - 18, 4000);
	expect_bad("entry size beyond the table", t->fw, FW_LEN, "bad size");
	{
		/* table size one byte larger than its entries: a stray byte */
		*t = *s;
		uint16_t ts = (uint16_t)(t->fw[t->footer] | t->fw[t->footer + 1] << 8);
		w16(t->fw + t->footer, ts + 1u);
		expect_bad("stray byte in the table", t->fw, FW_LEN, "stray");
	}
	{
		/* the metadata entry twice: make the hash-table entry carry the metadata GUID */
		*t = *s;
		guid_le("dc886566-984a-4798-a75e-5585a7bf67cc", t->fw + t->first_entry - 22 - 16);
		expect_bad("duplicate entry", t->fw, FW_LEN, "twice");
	}
	*t = *s; w32(t->fw + t->first_entry - 22, FW_LEN + 16);
	expect_bad("metadata offset past the start", t->fw, FW_LEN, "outside");
	*t = *s; w32(t->fw + t->first_entry - 22, 8);
	expect_bad("metadata offset too small", t->fw, FW_LEN, "outside");
	*t = *s; memcpy(t->fw + t->meta, "ASEX", 4);
	expect_bad("metadata signature", t->fw, FW_LEN, "ASEV");
	*t = *s; w32(t->fw + t->meta + 8, 2);
	expect_bad("metadata version", t->fw, FW_LEN, "version 2");
	*t = *s; w32(t->fw + t->meta + 4, FW_LEN);
	expect_bad("metadata size past the end", t->fw, FW_LEN, "does not fit");
	*t = *s; w32(t->fw + t->meta + 12, (uint32_t)n + 1);
	expect_bad("more sections than the block holds", t->fw, FW_LEN, "hold at most");
	*t = *s; w32(t->fw + t->meta + 12, 0xffffffff);
	expect_bad("section count overflow", t->fw, FW_LEN, "hold at most");

	struct ovmf_section bad[8];
	memcpy(bad, good_sections, sizeof good_sections);
	bad[1].type = 7;
	synth_build(t, bad, n);
	expect_bad("unknown section type", t->fw, FW_LEN, "unknown type 0x7");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[0].gpa = 0x800800;
	synth_build(t, bad, n);
	expect_bad("unaligned section", t->fw, FW_LEN, "not page-aligned");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[0].size = 0;
	synth_build(t, bad, n);
	expect_bad("empty section", t->fw, FW_LEN, "empty");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[0].size = 0xa000; /* SEC_MEM runs into SECRETS */
	synth_build(t, bad, n);
	expect_bad("overlapping sections", t->fw, FW_LEN, "overlap");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[3].gpa = 0x809000; /* SVSM_CAA on the secrets page */
	synth_build(t, bad, n);
	expect_bad("two sections on one page", t->fw, FW_LEN, "overlap");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[0].gpa = 0xffffe000; /* inside the firmware image */
	bad[0].size = 0x1000;
	synth_build(t, bad, n);
	expect_bad("section inside the firmware", t->fw, FW_LEN, "overlaps the firmware");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[0].gpa = 0x40000000; /* 1 GiB + 36 KiB of zero pages in all */
	bad[0].size = 0x40000000;
	synth_build(t, bad, n);
	expect_bad("sections larger than 1 GiB", t->fw, FW_LEN, "more than 1 GiB");
	memcpy(bad, good_sections, sizeof good_sections);
	bad[1].size = 0x2000;
	synth_build(t, bad, n);
	expect_bad("two-page secrets", t->fw, FW_LEN, "one page");

	/* launch-level refusals */
	CHECK(launch(s->fw + 100, FW_LEN - 100, 0, 1, err, sizeof err, ld) != 0 && strstr(err, "4 KiB pages"),
	      "image not page-sized: %s", err);
	CHECK(launch(s->fw, FW_LEN, 0, 0, err, sizeof err, ld) != 0 && strstr(err, "vCPU count"), "zero vCPUs: %s", err);
	CHECK(launch(s->fw, FW_LEN, 0, SNP_MAX_VCPUS + 1, err, sizeof err, ld) != 0, "too many vCPUs");
	{
		/* Features without SNPActive: no KVM launch has them, but the digest
		 * is what sev-snp-measure computes for them (the CLI warns). */
		struct snp_launch l = { .fw = s->fw, .fw_len = FW_LEN, .vcpus = 1, .vcpu_sig = 1, .guest_features = 0x20,
					.vmm = VMM_QEMU };
		CHECK(snp_launch_digest(&l, ld, err, sizeof err) == 0, "features 0x20: %s", err);
		l.guest_features = 0x21;
		CHECK(snp_launch_digest(&l, ld2, err, sizeof err) == 0 && memcmp(ld, ld2, SNP_LD_LEN) != 0,
		      "SNPActive reaches the digest: %s", err);
	}
	synth_build(t, good_sections, n - 1); /* no KERNEL_HASHES */
	CHECK(launch(t->fw, FW_LEN, 0, 1, err, sizeof err, ld) == 0, "no kernel, no hashes section: %s", err);
	CHECK(launch(t->fw, FW_LEN, 1, 1, err, sizeof err, ld) != 0 && strstr(err, "no SNP_KERNEL_HASHES section"),
	      "kernel without a hashes section: %s", err);
	*t = *s; w32(t->fw + t->first_entry - 22 - 18 - 8, 0x80cf80); /* table runs off the page */
	CHECK(launch(t->fw, FW_LEN, 1, 1, err, sizeof err, ld) != 0 && strstr(err, "does not hold"),
	      "hash table off its page: %s", err);
	CHECK(launch(t->fw, FW_LEN, 0, 1, err, sizeof err, ld) == 0, "no kernel: the hash table is not used: %s", err);
	*t = *s; w32(t->fw + t->first_entry - 22 - 18 - 4, 0x40); /* area too small */
	CHECK(launch(t->fw, FW_LEN, 1, 1, err, sizeof err, ld) != 0 && strstr(err, "does not hold"),
	      "hash table area too small: %s", err);
	*t = *s; w32(t->fw + t->first_entry - 22 - 26 - 22, 0); /* AP reset address 0 */
	CHECK(launch(t->fw, FW_LEN, 0, 1, err, sizeof err, ld) == 0, "AP reset 0, one vCPU: %s", err);
	CHECK(launch(t->fw, FW_LEN, 0, 2, err, sizeof err, ld) != 0 && strstr(err, "one vCPU"), "AP reset 0: %s", err);
	free(s);
	free(t);
}

/* ---- the hashes table ---- */
static void test_hashes(void)
{
	struct sev_hashes h;
	char err[256];
	uint8_t t[SEV_HASHES_TABLE_PADDED_LEN];
	CHECK(sev_hashes_compute(&h, "/nonexistent/vmlinuz", NULL, NULL, err, sizeof err) != 0 &&
		      strstr(err, "/nonexistent/vmlinuz"),
	      "missing kernel: %s", err);
	CHECK(sev_hashes_compute(&h, "/dev/null", NULL, NULL, err, sizeof err) == 0, "%s", err);
	sev_hashes_table(&h, t);
	char got[65];
	hex_encode(got, h.cmdline, 32);
	/* sha256("\0") */
	CHECK(strcmp(got, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d") == 0, "cmdline %s", got);
	hex_encode(got, h.initrd, 32);
	CHECK(strcmp(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "initrd %s", got);
	CHECK(t[16] == 168 && t[17] == 0 && t[18 + 16] == 50 && t[168] == 0 && t[175] == 0, "table layout");
	CHECK(memcmp(t + 18 + 18, h.cmdline, 32) == 0 && memcmp(t + 18 + 50 + 18, h.initrd, 32) == 0 &&
		      memcmp(t + 18 + 100 + 18, h.kernel, 32) == 0,
	      "entry order cmdline, initrd, kernel");
}

int main(void)
{
	test_cpu_types();
	test_vmsa();
	test_hashes();
	test_vectors();
	test_synthetic();
	printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed, skipped);
	return check_failed ? 1 : 0;
}
