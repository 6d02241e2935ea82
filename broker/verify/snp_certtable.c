/* GHCB certificate table parsing. */
#include "internal.h"
#include "snp_certtable.h"

struct known_guid {
	const char *text;
	enum snp_cert_kind kind;
};

/* GHCB spec GUIDs.  The table stores them in RFC 4122 byte order (as AMD's
 * tools write them); the mixed-endian EFI order is also accepted because
 * some hosts write the structure with EFI GUID types. */
static const struct known_guid known[] = {
	{ "63da758de6644564adc5f4b93be8accd", SNP_CERT_VCEK },
	{ "a8074bc2a25a483eaae639c045a0b8a1", SNP_CERT_VLEK },
	{ "4ab7b379bbac4fe4a02f05aef327c782", SNP_CERT_ASK },
	{ "c0b406a4a803495297433fb6014cd0ae", SNP_CERT_ARK },
};

static enum snp_cert_kind guid_kind(const uint8_t g[16])
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		uint8_t rfc[16], efi[16];
		if (hex_decode(rfc, 16, known[i].text) != 0)
			continue;
		memcpy(efi, rfc, 16);
		efi[0] = rfc[3]; efi[1] = rfc[2]; efi[2] = rfc[1]; efi[3] = rfc[0];
		efi[4] = rfc[5]; efi[5] = rfc[4];
		efi[6] = rfc[7]; efi[7] = rfc[6];
		if (memcmp(g, rfc, 16) == 0 || memcmp(g, efi, 16) == 0)
			return known[i].kind;
	}
	return SNP_CERT_OTHER;
}

int snp_certtable_parse(const uint8_t *buf, size_t len, struct snp_cert_entry *out, size_t *n,
			cb_refusal *why)
{
	size_t count = 0;
	for (size_t off = 0;; off += 24) {
		if (len < 24 || off > len - 24)
			return cb_refuse(why, CB_REASON_MALFORMED,
					 "auxblob: certificate table has no terminating entry");
		const uint8_t *e = buf + off;
		uint32_t eoff = cb_le32(e + 16), elen = cb_le32(e + 20);
		if (cb_all_zero(e, 24))
			break;
		if (count == SNP_CERTTABLE_MAX)
			return cb_refuse(why, CB_REASON_MALFORMED, "auxblob: more than %d certificate entries",
					 SNP_CERTTABLE_MAX);
		if (elen == 0 || eoff > len || elen > len - eoff)
			return cb_refuse(why, CB_REASON_MALFORMED,
					 "auxblob: entry %zu (offset %u, length %u) outside the %zu-byte blob",
					 count, eoff, elen, len);
		if (eoff < off + 48) /* must not overlap the table itself */
			return cb_refuse(why, CB_REASON_MALFORMED, "auxblob: entry %zu overlaps the table", count);
		out[count].kind = guid_kind(e);
		out[count].der = buf + eoff;
		out[count].len = elen;
		count++;
	}
	*n = count;
	return 0;
}
