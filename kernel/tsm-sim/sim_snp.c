// SPDX-License-Identifier: GPL-2.0-only
/*
 * SEV-SNP ATTESTATION_REPORT, version 3 (SEV-SNP Firmware ABI 1.55+, Table
 * "ATTESTATION_REPORT Structure"), 1184 bytes, signed with ECDSA P-384 SHA-384
 * over bytes [0, 0x2A0); R and S stored little-endian in 72-byte fields.
 * The auxblob is the GHCB certificate table (GHCB spec 2.03, 4.1.8.1).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/random.h>
#include "sim.h"

#define SNP_REPORT_SIZE		0x4A0
#define SNP_SIGNED_SIZE		0x2A0
#define SNP_SIG_FIELD		72

/* Field offsets used here (little-endian integers). */
#define OFF_VERSION		0x000
#define OFF_GUEST_SVN		0x004
#define OFF_POLICY		0x008
#define OFF_VMPL		0x030
#define OFF_SIG_ALGO		0x034
#define OFF_CURRENT_TCB		0x038
#define OFF_PLATFORM_INFO	0x040
#define OFF_FLAGS		0x048	/* bits 4:2 SIGNING_KEY: 0 = VCEK */
#define OFF_REPORT_DATA		0x050
#define OFF_MEASUREMENT		0x090
#define OFF_HOST_DATA		0x0C0
#define OFF_REPORT_ID		0x140
#define OFF_REPORT_ID_MA	0x160
#define OFF_REPORTED_TCB	0x180
#define OFF_CPUID_FAM		0x188
#define OFF_CPUID_MOD		0x189
#define OFF_CPUID_STEP		0x18A
#define OFF_CHIP_ID		0x1A0
#define OFF_COMMITTED_TCB	0x1E0
#define OFF_CURRENT_BUILD	0x1E8	/* build, minor, major */
#define OFF_COMMITTED_BUILD	0x1EC
#define OFF_LAUNCH_TCB		0x1F0
#define OFF_SIGNATURE		0x2A0

/* Milan B0: family 0x19, model 0x01, stepping 1; firmware 1.55 build 21. */
#define SNP_CPUID_FAMILY	0x19
#define SNP_CPUID_MODEL		0x01
#define SNP_CPUID_STEPPING	0x01
#define SNP_FW_MAJOR		1
#define SNP_FW_MINOR		55
#define SNP_FW_BUILD		21
#define SNP_PLATFORM_INFO	0x3	/* SMT_EN | TSME_EN */

/*
 * Certificate table GUIDs in the byte order the table carries them: the
 * RFC 4122 order of the textual form, as the hypervisor tools and verifiers
 * (AMD sev-tool, virtee/sev) read them.
 */
static const u8 guid_vcek[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				  0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
static const u8 guid_ask[16] = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
				 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
static const u8 guid_ark[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
				 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };

#define CERT_ENTRY_SIZE 24	/* GUID, u32 offset, u32 length */

static bool contains(const u8 *hay, size_t hay_len, const u8 *needle, size_t len)
{
	size_t i;

	for (i = 0; i + len <= hay_len; i++)
		if (!memcmp(hay + i, needle, len))
			return true;
	return false;
}

static void put_entry(u8 *table, int i, const u8 *guid, u32 off, u32 len)
{
	u8 *e = table + i * CERT_ENTRY_SIZE;

	memcpy(e, guid, 16);
	put_unaligned_le32(off, e + 16);
	put_unaligned_le32(len, e + 20);
}

int sim_snp_certs(struct sim_snp *snp, const u8 *vcek, size_t vcek_len,
		  const u8 *ask, size_t ask_len, const u8 *ark, size_t ark_len)
{
	size_t head = 4 * CERT_ENTRY_SIZE;	/* three entries and the zero terminator */
	size_t total = head + vcek_len + ask_len + ark_len;
	u8 *t;

	/*
	 * The VCEK must carry the public half of the key we sign with, or every
	 * report would fail verification for a reason far from its cause.
	 */
	{
		u8 point[1 + 2 * 48];

		point[0] = 0x04;
		memcpy(point + 1, snp->vcek.pub, 2 * 48);
		if (!contains(vcek, vcek_len, point, sizeof(point))) {
			pr_err("tsm_sim: snp_vcek does not hold the public key of snp_vcek_key\n");
			return -EINVAL;
		}
	}
	t = kzalloc(total, GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	put_entry(t, 0, guid_vcek, head, vcek_len);
	put_entry(t, 1, guid_ask, head + vcek_len, ask_len);
	put_entry(t, 2, guid_ark, head + vcek_len + ask_len, ark_len);
	memcpy(t + head, vcek, vcek_len);
	memcpy(t + head + vcek_len, ask, ask_len);
	memcpy(t + head + vcek_len + ask_len, ark, ark_len);
	snp->certs = t;
	snp->certs_len = total;
	return 0;
}

/* Write a big-endian ECDSA value as the report's little-endian 72-byte field. */
static void put_le_field(u8 *field, const u8 *be, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		field[i] = be[len - 1 - i];
}

int sim_snp_report(struct sim_state *st, struct tsm_report *report)
{
	struct sim_snp *snp = &st->snp;
	u8 digest[48], r[48], s[48];
	u8 *rep, *aux;
	int rc;

	rep = kvzalloc(SNP_REPORT_SIZE, GFP_KERNEL);
	aux = kvmemdup(snp->certs, snp->certs_len, GFP_KERNEL);
	if (!rep || !aux) {
		rc = -ENOMEM;
		goto fail;
	}
	put_unaligned_le32(3, rep + OFF_VERSION);
	put_unaligned_le32(snp->guest_svn, rep + OFF_GUEST_SVN);
	put_unaligned_le64(snp->policy, rep + OFF_POLICY);
	put_unaligned_le32(report->desc.privlevel, rep + OFF_VMPL);
	put_unaligned_le32(1, rep + OFF_SIG_ALGO);	/* ECDSA P-384 with SHA-384 */
	put_unaligned_le64(snp->tcb, rep + OFF_CURRENT_TCB);
	put_unaligned_le64(SNP_PLATFORM_INFO, rep + OFF_PLATFORM_INFO);
	put_unaligned_le32(0, rep + OFF_FLAGS);
	memcpy(rep + OFF_REPORT_DATA, report->desc.inblob, report->desc.inblob_len);
	memcpy(rep + OFF_MEASUREMENT, snp->measurement, sizeof(snp->measurement));
	memcpy(rep + OFF_HOST_DATA, snp->host_data, sizeof(snp->host_data));
	get_random_bytes(rep + OFF_REPORT_ID, 32);
	memset(rep + OFF_REPORT_ID_MA, 0xff, 32);	/* no migration agent, as on hardware */
	put_unaligned_le64(snp->tcb, rep + OFF_REPORTED_TCB);
	rep[OFF_CPUID_FAM] = SNP_CPUID_FAMILY;
	rep[OFF_CPUID_MOD] = SNP_CPUID_MODEL;
	rep[OFF_CPUID_STEP] = SNP_CPUID_STEPPING;
	memcpy(rep + OFF_CHIP_ID, snp->chip_id, sizeof(snp->chip_id));
	put_unaligned_le64(snp->tcb, rep + OFF_COMMITTED_TCB);
	rep[OFF_CURRENT_BUILD] = SNP_FW_BUILD;
	rep[OFF_CURRENT_BUILD + 1] = SNP_FW_MINOR;
	rep[OFF_CURRENT_BUILD + 2] = SNP_FW_MAJOR;
	memcpy(rep + OFF_COMMITTED_BUILD, rep + OFF_CURRENT_BUILD, 3);
	put_unaligned_le64(snp->tcb, rep + OFF_LAUNCH_TCB);

	rc = sim_digest(st->sha384, rep, SNP_SIGNED_SIZE, digest);
	if (!rc)
		rc = sim_ecdsa_sign(&snp->vcek, digest, r, s);
	if (rc)
		goto fail;
	if (st->bad_signature)
		s[47] ^= 0x01;
	put_le_field(rep + OFF_SIGNATURE, r, sizeof(r));
	put_le_field(rep + OFF_SIGNATURE + SNP_SIG_FIELD, s, sizeof(s));

	report->outblob = rep;
	report->outblob_len = SNP_REPORT_SIZE;
	report->auxblob = aux;
	report->auxblob_len = snp->certs_len;
	return 0;
fail:
	kvfree(rep);
	kvfree(aux);
	return rc;
}
