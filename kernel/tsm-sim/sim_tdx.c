// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDX quote version 4 (Intel TDX DCAP Quote Generation Library, Appendix A):
 * 48-byte header, 584-byte TD report body, then the ECDSA P-256 signature
 * data: quote signature (r||s, big-endian), attestation public key (X||Y),
 * and certification data type 6 = QE report, its PCK signature, QE auth data
 * and, nested, type 5 = the PCK certificate chain (PEM, leaf first).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include "sim.h"

#define QUOTE_HEADER_SIZE	48
#define TD_REPORT_SIZE		584
#define QUOTE_SIGNED_SIZE	(QUOTE_HEADER_SIZE + TD_REPORT_SIZE)
#define QE_REPORT_SIZE		384
#define QE_AUTH_SIZE		32

/* TD report body offsets (relative to its start at byte 48). */
#define TD_TEE_TCB_SVN		0
#define TD_MRSEAM		16
#define TD_ATTRIBUTES		120
#define TD_XFAM			128
#define TD_MRTD			136
#define TD_MRCONFIGID		184
#define TD_RTMR0		328	/* RTMR0..3, 48 bytes each */
#define TD_REPORT_DATA		520

/* QE report (SGX REPORT body) offsets. */
#define QE_CPUSVN		0
#define QE_ATTRIBUTES		48
#define QE_MRENCLAVE		64
#define QE_MRSIGNER		128
#define QE_ISVPRODID		256
#define QE_ISVSVN		258
#define QE_REPORT_DATA		320

#define CERT_TYPE_PCK_CHAIN	5
#define CERT_TYPE_QE_REPORT	6

static const u8 intel_qe_vendor_id[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };
/* TDX module SVN 1.3 as a current platform reports it (minor, major, ...). */
static const u8 tee_tcb_svn[16] = { 0x03, 0x01, 0x02 };
/* QE attributes as real TD quoting enclaves show them. */
static const u8 qe_attributes[16] = { 0x15, [8] = 0xe7 };
/* Intel's TD QE MRSIGNER (Intel PCS QE identity "TD_QE"): the verifier pins
 * it, so the simulated QE report must carry it to verify at all. */
static const u8 qe_mrsigner_intel[32] = {
	0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed, 0x03,
	0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 };
#define QE_ISVPRODID_TD_QE	2
#define QE_ISVSVN_DEFAULT	8

int sim_tdx_quote(struct sim_state *st, struct tsm_report *report)
{
	struct sim_tdx *q = &st->tdx_q;
	size_t cert6_len = QE_REPORT_SIZE + 64 + 2 + QE_AUTH_SIZE + 2 + 4 + q->pck_chain_len;
	size_t sig_len = 64 + 64 + 2 + 4 + cert6_len;
	size_t total = QUOTE_SIGNED_SIZE + 4 + sig_len;
	u8 digest[32], bind[64 + QE_AUTH_SIZE];
	u8 *quote, *td, *p, *qe;
	int rc, i;

	quote = kvzalloc(total, GFP_KERNEL);
	if (!quote)
		return -ENOMEM;

	/* header */
	put_unaligned_le16(4, quote + 0);
	put_unaligned_le16(2, quote + 2);		/* ECDSA-256 with P-256 */
	put_unaligned_le32(0x81, quote + 4);		/* TEE type TDX */
	memcpy(quote + 12, intel_qe_vendor_id, 16);

	/* TD report body */
	td = quote + QUOTE_HEADER_SIZE;
	memcpy(td + TD_TEE_TCB_SVN, tee_tcb_svn, sizeof(tee_tcb_svn));
	memset(td + TD_MRSEAM, 0x5e, 48);		/* a visibly fake TDX module hash */
	put_unaligned_le64(q->td_attributes, td + TD_ATTRIBUTES);
	put_unaligned_le64(q->xfam, td + TD_XFAM);
	memcpy(td + TD_MRTD, q->mrtd, 48);
	memcpy(td + TD_MRCONFIGID, q->mrconfigid, 48);
	memcpy(td + TD_RTMR0, q->rtmr, sizeof(q->rtmr));
	memcpy(td + TD_REPORT_DATA, report->desc.inblob, report->desc.inblob_len);

	put_unaligned_le32(sig_len, quote + QUOTE_SIGNED_SIZE);
	p = quote + QUOTE_SIGNED_SIZE + 4;

	/* quote signature by the attestation key */
	rc = sim_digest(st->sha256, quote, QUOTE_SIGNED_SIZE, digest);
	if (!rc)
		rc = sim_ecdsa_sign(&q->ak, digest, p, p + 32);
	if (rc)
		goto fail;
	if (st->bad_signature)
		p[63] ^= 0x01;
	memcpy(p + 64, q->ak.pub, 64);
	p += 128;

	/* certification data type 6 */
	put_unaligned_le16(CERT_TYPE_QE_REPORT, p);
	put_unaligned_le32(cert6_len, p + 2);
	qe = p + 6;
	memcpy(qe + QE_CPUSVN, q->cpusvn, 16);
	memcpy(qe + QE_ATTRIBUTES, qe_attributes, 16);
	memset(qe + QE_MRENCLAVE, 0x9e, 32);		/* a fake QE build, Intel's signer */
	memcpy(qe + QE_MRSIGNER, qe_mrsigner_intel, 32);
	put_unaligned_le16(QE_ISVPRODID_TD_QE, qe + QE_ISVPRODID);
	put_unaligned_le16(QE_ISVSVN_DEFAULT, qe + QE_ISVSVN);
	/* QE REPORTDATA = SHA-256(attestation key || QE auth data) || 32 zero bytes */
	memcpy(bind, q->ak.pub, 64);
	for (i = 0; i < QE_AUTH_SIZE; i++)
		bind[64 + i] = i;
	rc = sim_digest(st->sha256, bind, sizeof(bind), qe + QE_REPORT_DATA);
	if (rc)
		goto fail;
	p = qe + QE_REPORT_SIZE;
	rc = sim_digest(st->sha256, qe, QE_REPORT_SIZE, digest);
	if (!rc)
		rc = sim_ecdsa_sign(&q->pck, digest, p, p + 32);
	if (rc)
		goto fail;
	p += 64;
	put_unaligned_le16(QE_AUTH_SIZE, p);
	memcpy(p + 2, bind + 64, QE_AUTH_SIZE);
	p += 2 + QE_AUTH_SIZE;
	put_unaligned_le16(CERT_TYPE_PCK_CHAIN, p);
	put_unaligned_le32(q->pck_chain_len, p + 2);
	memcpy(p + 6, q->pck_chain, q->pck_chain_len);

	report->outblob = quote;
	report->outblob_len = total;
	return 0;
fail:
	kvfree(quote);
	return rc;
}
