#include "evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "proto/binding.h"
#include "proto/http_client.h"
#include "proto/request.h"
#include "tests/broker/sim_snp.h"
#include "presign.h"

/* where the report data and the signature sit (AMD SEV-SNP ABI, sim_snp.c) */
#define REPORT_DATA_OFF 0x50
#define SIGNED_LEN      0x2A0
#define SIG_R_OFF       0x2A0
#define SIG_S_OFF       (0x2A0 + 72)

/* a volume no broker has: refused with 404 before any evidence work */
#define UNKNOWN_VOLUME "00000000-0000-4000-8000-000000000000"

struct evidence {
	uint8_t report[SNP_REPORT_LEN];   /* the template: everything but report data and signature */
	uint8_t certtable[8192];
	size_t certtable_len;
	struct presign *sign;
	char *body;                       /* scratch for the JSON body */
	size_t body_cap;
};

struct evidence *evidence_new(const char *keydir, size_t nonces)
{
	struct evidence *e = calloc(1, sizeof(*e));
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct sim_snp sim;
	uint8_t zero[64] = { 0 };
	char path[1024];
	int ok = 0;

	if (!e)
		return NULL;
	psa_crypto_init();
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) == 0 &&
	    sim_snp_load(&sim, keydir, mbedtls_ctr_drbg_random, &drbg) == 0) {
		ok = sim_snp_report(&sim, NULL, zero, e->report, mbedtls_ctr_drbg_random, &drbg) == 0 &&
		     (e->certtable_len = sim_snp_certtable(&sim, e->certtable, sizeof(e->certtable))) > 0;
		sim_snp_free(&sim);
	}
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	snprintf(path, sizeof(path), "%s/snp/vcek.key", keydir);
	e->body_cap = coco_request_encoded_max(SNP_REPORT_LEN, e->certtable_len) + 1;
	if (!ok || !(e->body = malloc(e->body_cap)) || !(e->sign = presign_new(path, nonces))) {
		fprintf(stderr, "evidence: cannot prepare the simulated SNP report from %s\n", keydir);
		evidence_free(e);
		return NULL;
	}
	return e;
}

/* a big-endian 48-byte scalar into a little-endian 72-byte field */
static void put_le72(uint8_t *field, const uint8_t be[48])
{
	memset(field, 0, 72);
	for (int i = 0; i < 48; i++)
		field[i] = be[47 - i];
}

int evidence_request(struct evidence *e, enum evidence_kind kind, const char *volume,
		     const uint8_t *spki, size_t spki_len, const uint8_t ekm[32],
		     char *out, size_t cap, size_t *len)
{
	uint8_t report[SNP_REPORT_LEN], digest[64], r[48], s[48];
	struct coco_unlock_request req;
	size_t body_len;
	int head;

	memcpy(report, e->report, sizeof(report));
	if (coco_binding_compute(spki, spki_len, ekm, report + REPORT_DATA_OFF) ||
	    mbedtls_sha512(report, SIGNED_LEN, digest, 1) ||         /* SHA-384 */
	    presign_sign(e->sign, digest, r, s))
		return -1;
	put_le72(report + SIG_R_OFF, r);
	put_le72(report + SIG_S_OFF, s);
	if (kind == EVIDENCE_BAD_SIGNATURE)
		report[SIG_R_OFF] ^= 1;
	req = (struct coco_unlock_request){
		.volume = kind == EVIDENCE_UNKNOWN_VOLUME ? UNKNOWN_VOLUME : volume, .provider = COCO_PROVIDER_SNP,
		.outblob = report, .outblob_len = sizeof(report), .auxblob = e->certtable, .auxblob_len = e->certtable_len,
	};
	if (coco_request_encode(&req, e->body, e->body_cap, &body_len))
		return -1;
	head = coco_http_request_head(out, cap, "localhost", body_len);
	if (head < 0 || (size_t)head + body_len > cap)
		return -1;
	memcpy(out + head, e->body, body_len);
	*len = (size_t)head + body_len;
	return 0;
}

size_t evidence_late_nonces(const struct evidence *e)
{
	return presign_late(e->sign);
}

void evidence_free(struct evidence *e)
{
	if (!e)
		return;
	presign_free(e->sign);
	free(e->body);
	free(e);
}
