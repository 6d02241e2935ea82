/* TDX quote v4/v5 layout; every length is checked against the buffer and
 * must enclose exactly what it announces.  Bytes after the last length field
 * (padding of the provider's buffer) are outside the quote and never read. */
#include "internal.h"
#include "tdx_quote.h"

#define ATT_KEY_ECDSA_P256 2
#define TEE_TYPE_TDX 0x81
#define CERT_TYPE_PCK_CHAIN 5
#define CERT_TYPE_QE_REPORT 6
#define BODY_TYPE_TD10 2
#define BODY_TYPE_TD15 3

/* Bounds-checked cursor over the quote. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
	if (n > c->left)
		return NULL;
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static void td_report_parse(const uint8_t *b, size_t body_len, cb_tdx_claims *c)
{
	memcpy(c->tee_tcb_svn, b + 0, 16);
	memcpy(c->mrseam, b + 16, 48);
	memcpy(c->mrsignerseam, b + 64, 48);
	memcpy(c->seam_attributes, b + 112, 8);
	memcpy(c->td_attributes, b + 120, 8);
	memcpy(c->xfam, b + 128, 8);
	memcpy(c->mrtd, b + 136, 48);
	memcpy(c->mrconfigid, b + 184, 48);
	memcpy(c->mrowner, b + 232, 48);
	memcpy(c->mrownerconfig, b + 280, 48);
	for (int i = 0; i < 4; i++)
		memcpy(c->rtmr[i], b + 328 + 48 * i, 48);
	memcpy(c->report_data, b + 520, 64);
	c->debug = (c->td_attributes[0] & 1) != 0;
	if (body_len == TDX_TD15_SIZE) {
		c->has_td15 = true;
		memcpy(c->tee_tcb_svn2, b + 584, 16);
		memcpy(c->mrservicetd, b + 600, 48);
	}
}

int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *q, cb_tdx_claims *c, cb_refusal *why)
{
	struct cursor cur = { buf, len };
	memset(q, 0, sizeof *q);
	const uint8_t *hdr = take(&cur, TDX_HEADER_SIZE);
	if (!hdr)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX quote shorter than its header (%zu bytes)", len);
	c->version = cb_le16(hdr);
	uint16_t key_type = cb_le16(hdr + 2);
	uint32_t tee_type = cb_le32(hdr + 4);
	if (c->version != 4 && c->version != 5)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX quote version %u (4 or 5 supported)", c->version);
	if (key_type != ATT_KEY_ECDSA_P256)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX attestation key type %u (2 = ECDSA P-256 expected)",
				 key_type);
	if (tee_type != TEE_TYPE_TDX)
		return cb_refuse(why, CB_REASON_PRODUCT_MISMATCH, "quote TEE type 0x%x is not TDX", tee_type);

	size_t body_len = TDX_TD10_SIZE;
	c->body_type = BODY_TYPE_TD10;
	if (c->version == 5) {
		const uint8_t *desc = take(&cur, 6);
		if (!desc)
			return cb_refuse(why, CB_REASON_MALFORMED, "TDX v5 quote truncated in the body descriptor");
		c->body_type = cb_le16(desc);
		uint32_t size = cb_le32(desc + 2);
		if (!((c->body_type == BODY_TYPE_TD10 && size == TDX_TD10_SIZE) ||
		      (c->body_type == BODY_TYPE_TD15 && size == TDX_TD15_SIZE)))
			return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX v5 body type %u size %u not supported",
					 c->body_type, size);
		body_len = size;
	}
	const uint8_t *body = take(&cur, body_len);
	if (!body)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX quote truncated in the TD report");
	td_report_parse(body, body_len, c);
	q->signed_part = buf;
	q->signed_len = (size_t)(cur.p - buf);

	const uint8_t *p = take(&cur, 4);
	if (!p)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX quote truncated before the signature data");
	uint32_t sig_len = cb_le32(p);
	struct cursor sig = { cur.p, sig_len };
	if (!take(&cur, sig_len))
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX signature data (%u bytes) runs past the %zu-byte quote",
				 sig_len, len);
	q->quote_len = (size_t)(cur.p - buf);

	q->signature = take(&sig, 64);
	q->attest_key = take(&sig, 64);
	const uint8_t *cd = take(&sig, 6);
	if (!q->signature || !q->attest_key || !cd)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX signature data truncated");
	uint16_t cd_type = cb_le16(cd);
	uint32_t cd_size = cb_le32(cd + 2);
	if (cd_type != CERT_TYPE_QE_REPORT)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX certification data type %u (6 expected)", cd_type);
	struct cursor qe = { sig.p, cd_size };
	if (!take(&sig, cd_size))
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX certification data runs past the signature data");
	/* Every size field must account for exactly the bytes it encloses:
	 * unused bytes would be unsigned room an attacker could fill. */
	if (sig.left)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "TDX signature data size %u leaves %zu unused bytes after the certification data",
				 sig_len, sig.left);
	q->qe_report = take(&qe, SGX_REPORT_BODY_SIZE);
	q->qe_report_sig = take(&qe, 64);
	const uint8_t *al = take(&qe, 2);
	if (!q->qe_report || !q->qe_report_sig || !al)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX QE report certification data truncated");
	q->qe_auth_len = cb_le16(al);
	q->qe_auth = take(&qe, q->qe_auth_len);
	const uint8_t *inner = take(&qe, 6);
	if (!q->qe_auth || !inner)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX QE authentication data truncated");
	if (cb_le16(inner) != CERT_TYPE_PCK_CHAIN)
		return cb_refuse(why, CB_REASON_UNSUPPORTED, "TDX inner certification data type %u (5 expected)",
				 cb_le16(inner));
	uint32_t chain_len = cb_le32(inner + 2);
	q->pck_chain = take(&qe, chain_len);
	if (!q->pck_chain)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX PCK chain runs past the certification data");
	if (qe.left)
		return cb_refuse(why, CB_REASON_MALFORMED,
				 "TDX certification data size %u leaves %zu unused bytes after the PCK chain", cd_size,
				 qe.left);
	q->pck_chain_len = chain_len;
	/* The QGS writes the PEM with its terminating NUL inside the length. */
	while (q->pck_chain_len && q->pck_chain[q->pck_chain_len - 1] == 0)
		q->pck_chain_len--;
	size_t n = tdx_pem_cert_count(q->pck_chain, q->pck_chain_len);
	if (n > TDX_PCK_CHAIN_MAX)
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX PCK chain has %zu certificates (at most %d)", n,
				 TDX_PCK_CHAIN_MAX);
	return 0;
}

size_t tdx_pem_cert_count(const uint8_t *pem, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	size_t n = 0;
	const uint8_t *p = pem, *end = pem + len;
	while (p < end && (p = memmem(p, (size_t)(end - p), begin, sizeof begin - 1)) != NULL) {
		n++;
		p += sizeof begin - 1;
	}
	return n;
}

void sgx_report_body_parse(const uint8_t *p, struct sgx_report_body *r)
{
	memcpy(r->cpu_svn, p, 16);
	r->misc_select = cb_le32(p + 16);
	memcpy(r->attributes, p + 48, 16);
	memcpy(r->mr_enclave, p + 64, 32);
	memcpy(r->mr_signer, p + 128, 32);
	r->isv_prod_id = cb_le16(p + 256);
	r->isv_svn = cb_le16(p + 258);
	memcpy(r->report_data, p + 320, 64);
}
