/* SEV-SNP attestation report layout; offsets follow the SNP ABI spec. */
#include "internal.h"
#include "snp_report.h"

enum {
	OFF_VERSION = 0x00, OFF_GUEST_SVN = 0x04, OFF_POLICY = 0x08, OFF_FAMILY_ID = 0x10,
	OFF_IMAGE_ID = 0x20, OFF_VMPL = 0x30, OFF_SIG_ALGO = 0x34, OFF_CURRENT_TCB = 0x38,
	OFF_PLATFORM_INFO = 0x40, OFF_FLAGS = 0x48, OFF_REPORT_DATA = 0x50,
	OFF_MEASUREMENT = 0x90, OFF_HOST_DATA = 0xC0, OFF_ID_KEY_DIGEST = 0xE0,
	OFF_AUTHOR_KEY_DIGEST = 0x110, OFF_REPORT_ID = 0x140, OFF_REPORTED_TCB = 0x180,
	OFF_CPUID_FAM = 0x188, OFF_CPUID_MOD = 0x189, OFF_CPUID_STEP = 0x18A,
	OFF_CHIP_ID = 0x1A0, OFF_COMMITTED_TCB = 0x1E0, OFF_CURRENT_BUILD = 0x1E8, OFF_COMMITTED_BUILD = 0x1EC,
	OFF_LAUNCH_TCB = 0x1F0,
};

#define SIG_ALGO_ECDSA_P384_SHA384 1
#define POLICY_SMT (1ull << 16)
#define POLICY_MIGRATE_MA (1ull << 18)
#define POLICY_DEBUG (1ull << 19)

int snp_report_parse(const uint8_t *b, size_t len, cb_snp_claims *c, cb_refusal *why)
{
	if (len != SNP_REPORT_SIZE)
		return cb_refuse(why, CB_REASON_MALFORMED, "SNP report is %zu bytes, expected %d", len,
				 SNP_REPORT_SIZE);
	c->version = cb_le32(b + OFF_VERSION);
	/* Versions 2, 3 and 5 are seen in the field; 4 shares their layout.
	 * Anything newer may move fields, so it is refused rather than guessed. */
	if (c->version < 2 || c->version > 5)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "SNP report version %u not supported (2..5)",
				 c->version);
	c->signature_algo = cb_le32(b + OFF_SIG_ALGO);
	if (c->signature_algo != SIG_ALGO_ECDSA_P384_SHA384)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "SNP signature algorithm %u not supported",
				 c->signature_algo);
	/* SIGNATURE is 512 bytes: R (72), S (72), then 368 reserved bytes that
	 * must be zero.  They are outside the signed part, so anything there is
	 * unauthenticated data riding along: refuse it. */
	for (size_t i = SNP_SIG_OFFSET + 144; i < SNP_REPORT_SIZE; i++)
		if (b[i])
			return cb_refuse(why, CB_REASON_MALFORMED,
					 "SNP signature field has a non-zero reserved byte at 0x%zx", i);
	c->guest_svn = cb_le32(b + OFF_GUEST_SVN);
	c->policy = cb_le64(b + OFF_POLICY);
	c->debug = (c->policy & POLICY_DEBUG) != 0;
	c->smt = (c->policy & POLICY_SMT) != 0;
	c->migrate_ma = (c->policy & POLICY_MIGRATE_MA) != 0;
	c->vmpl = cb_le32(b + OFF_VMPL);
	c->platform_info = cb_le64(b + OFF_PLATFORM_INFO);
	c->flags = cb_le32(b + OFF_FLAGS);
	unsigned signing_key = (c->flags >> 2) & 7;
	if (signing_key > 1)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "SNP report signing key %u (not VCEK or VLEK)",
				 signing_key);
	c->signed_by_vlek = signing_key == 1;
	memcpy(c->family_id, b + OFF_FAMILY_ID, 16);
	memcpy(c->image_id, b + OFF_IMAGE_ID, 16);
	memcpy(c->report_data, b + OFF_REPORT_DATA, 64);
	memcpy(c->measurement, b + OFF_MEASUREMENT, 48);
	memcpy(c->host_data, b + OFF_HOST_DATA, 32);
	memcpy(c->id_key_digest, b + OFF_ID_KEY_DIGEST, 48);
	memcpy(c->author_key_digest, b + OFF_AUTHOR_KEY_DIGEST, 48);
	memcpy(c->report_id, b + OFF_REPORT_ID, 32);
	memcpy(c->chip_id, b + OFF_CHIP_ID, 64);
	c->reported_tcb.raw = cb_le64(b + OFF_REPORTED_TCB);
	c->current_tcb.raw = cb_le64(b + OFF_CURRENT_TCB);
	c->committed_tcb.raw = cb_le64(b + OFF_COMMITTED_TCB);
	c->launch_tcb.raw = cb_le64(b + OFF_LAUNCH_TCB);
	/* Firmware version: build, minor, major (then a reserved byte). */
	c->current_build = b[OFF_CURRENT_BUILD];
	c->current_minor = b[OFF_CURRENT_BUILD + 1];
	c->current_major = b[OFF_CURRENT_BUILD + 2];
	c->committed_build = b[OFF_COMMITTED_BUILD];
	c->committed_minor = b[OFF_COMMITTED_BUILD + 1];
	c->committed_major = b[OFF_COMMITTED_BUILD + 2];
	c->has_cpuid = c->version >= 3;
	if (c->has_cpuid) {
		c->cpuid_family = b[OFF_CPUID_FAM];
		c->cpuid_model = b[OFF_CPUID_MOD];
		c->cpuid_stepping = b[OFF_CPUID_STEP];
	}
	return 0;
}

void snp_tcb_decode(uint64_t raw, int turin_layout, cb_snp_tcb *t)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(raw >> (8 * i));
	t->raw = raw;
	if (turin_layout) {
		t->fmc = b[0];
		t->bootloader = b[1];
		t->tee = b[2];
		t->snp = b[3];
		t->has_fmc = true;
	} else {
		t->bootloader = b[0];
		t->tee = b[1];
		t->snp = b[6];
		t->fmc = 0;
		t->has_fmc = false;
	}
	t->microcode = b[7];
}

int snp_report_signature(const uint8_t *report, uint8_t r[48], uint8_t s[48])
{
	const uint8_t *sig = report + SNP_SIG_OFFSET;
	if (!cb_all_zero(sig + 48, 24) || !cb_all_zero(sig + 72 + 48, 24))
		return -1;
	for (int i = 0; i < 48; i++) {
		r[i] = sig[47 - i];
		s[i] = sig[72 + 47 - i];
	}
	return 0;
}
