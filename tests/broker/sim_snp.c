#include "sim_snp.h"
#include "common/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha512.h>

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return -1;
	}
	*len = fread(buf, 1, cap, f);
	fclose(f);
	return *len == 0 || *len == cap ? -1 : 0;
}

/* tsm-sim.material: whitespace-separated name=value pairs (keys/gen-test-keys.sh). */
static int load_params(struct sim_snp *s, const char *path)
{
	static char text[65536];
	size_t len;
	int have = 0;

	if (read_file(path, (uint8_t *)text, sizeof(text) - 1, &len))
		return -1;
	text[len] = '\0';
	for (char *save, *tok = strtok_r(text, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!strcmp(tok, "chip_id") && strlen(eq + 1) == 128 && !hex_decode(s->chip_id, 64, eq + 1))
			have |= 1;
		else if (!strcmp(tok, "tcb_bl"))
			s->tcb_bl = (uint8_t)atoi(eq + 1), have |= 2;
		else if (!strcmp(tok, "tcb_tee"))
			s->tcb_tee = (uint8_t)atoi(eq + 1), have |= 4;
		else if (!strcmp(tok, "tcb_snp"))
			s->tcb_snp = (uint8_t)atoi(eq + 1), have |= 8;
		else if (!strcmp(tok, "tcb_ucode"))
			s->tcb_ucode = (uint8_t)atoi(eq + 1), have |= 16;
	}
	if (have != 31) {
		fprintf(stderr, "%s: chip_id and tcb_* missing\n", path);
		return -1;
	}
	return 0;
}

int sim_snp_load(struct sim_snp *s, const char *keydir,
		 int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	char path[1024];

	memset(s, 0, sizeof(*s));
	mbedtls_pk_init(&s->vcek);
	snprintf(path, sizeof(path), "%s/snp/vcek.key", keydir);
	if (mbedtls_pk_parse_keyfile(&s->vcek, path, NULL, rng, rng_ctx) ||
	    !mbedtls_pk_can_do(&s->vcek, MBEDTLS_PK_ECKEY)) {
		fprintf(stderr, "%s: not a private key\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/snp/vcek.der", keydir);
	if (read_file(path, s->vcek_der, sizeof(s->vcek_der), &s->vcek_der_len))
		return -1;
	/* the simulated provider's material file (keys/README.md); older trees called it sim-params */
	snprintf(path, sizeof(path), "%s/snp/tsm-sim.material", keydir);
	if (access(path, R_OK) != 0)
		snprintf(path, sizeof(path), "%s/snp/sim-params", keydir);
	return load_params(s, path);
}

void sim_snp_free(struct sim_snp *s)
{
	mbedtls_pk_free(&s->vcek);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Milan TCB layout: byte 0 BL, 1 TEE, 6 SNP, 7 microcode. */
static uint64_t tcb(const struct sim_snp *s, int ucode_delta)
{
	return (uint64_t)s->tcb_bl | (uint64_t)s->tcb_tee << 8 | (uint64_t)s->tcb_snp << 48 |
	       (uint64_t)(uint8_t)(s->tcb_ucode + ucode_delta) << 56;
}

/* A big-endian MPI into a little-endian field of n bytes. */
static int mpi_le(const mbedtls_mpi *x, uint8_t *out, size_t n)
{
	uint8_t be[72];

	if (mbedtls_mpi_write_binary(x, be, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = be[n - 1 - i];
	return 0;
}

int sim_snp_report(struct sim_snp *s, const struct sim_snp_opts *o, const uint8_t report_data[64],
		   uint8_t r[SNP_REPORT_LEN],
		   int (*rng)(void *, unsigned char *, size_t), void *rng_ctx)
{
	static const struct sim_snp_opts none;
	uint8_t hash[64];
	mbedtls_ecp_group grp;
	mbedtls_mpi d, sig_r, sig_s;
	mbedtls_ecp_point q;
	uint64_t policy = 1ull << 17 | 1ull << 16; /* reserved-1 bit, SMT allowed */
	int ret = -1;

	if (!o)
		o = &none;
	if (o->debug)
		policy |= 1ull << 19;
	memset(r, 0, SNP_REPORT_LEN);
	put_le32(r + 0x00, 3);                          /* version */
	put_le32(r + 0x04, 1);                          /* guest SVN */
	put_le64(r + 0x08, policy);
	put_le32(r + 0x30, o->vmpl);
	put_le32(r + 0x34, o->signature_algo ? o->signature_algo : 1); /* ECDSA P-384 with SHA-384 */
	put_le64(r + 0x38, tcb(s, 0));                  /* current TCB */
	put_le64(r + 0x40, 1);                          /* platform info: SMT enabled */
	memcpy(r + 0x50, report_data, 64);
	memset(r + 0x90, o->other_measurement ? 0x5b : SIM_SNP_MEASUREMENT_BYTE, 48);
	memset(r + 0xC0, o->host_data_byte, 32);
	if (rng(rng_ctx, r + 0x140, 32))                /* report ID */
		return -1;
	put_le64(r + 0x180, tcb(s, o->ucode_delta));    /* reported TCB */
	r[0x188] = 0x19;                                /* CPUID family: Milan */
	r[0x189] = 0x01;                                /* model */
	r[0x18A] = 0x01;                                /* stepping */
	memcpy(r + 0x1A0, s->chip_id, 64);
	put_le64(r + 0x1E0, tcb(s, 0));                 /* committed TCB */
	r[0x1E8] = 1; r[0x1EA] = 1;                     /* current build / major */
	r[0x1EC] = 1; r[0x1EE] = 1;                     /* committed build / major */
	put_le64(r + 0x1F0, tcb(s, 0));                 /* launch TCB */

	if (mbedtls_sha512(r, 0x2A0, hash, 1))          /* SHA-384 */
		return -1;
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&sig_r);
	mbedtls_mpi_init(&sig_s);
	mbedtls_ecp_point_init(&q);
	if (mbedtls_ecp_export(mbedtls_pk_ec(s->vcek), &grp, &d, &q) == 0 &&
	    mbedtls_ecdsa_sign(&grp, &sig_r, &sig_s, &d, hash, 48, rng, rng_ctx) == 0 &&
	    mpi_le(&sig_r, r + 0x2A0, 72) == 0 && mpi_le(&sig_s, r + 0x2A0 + 72, 72) == 0)
		ret = 0;
	if (o->bad_signature)
		r[0x2A0] ^= 1;
	mbedtls_ecp_group_free(&grp);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&sig_r);
	mbedtls_mpi_free(&sig_s);
	mbedtls_ecp_point_free(&q);
	return ret;
}

size_t sim_snp_certtable(const struct sim_snp *s, uint8_t *out, size_t cap)
{
	/* VCEK GUID 63da758d-e664-4564-adc5-f4b93be8accd, RFC 4122 byte order */
	static const uint8_t vcek_guid[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
					       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
	size_t header = 2 * 24; /* one entry and the all-zero terminator */

	if (header + s->vcek_der_len > cap)
		return 0;
	memset(out, 0, header);
	memcpy(out, vcek_guid, 16);
	put_le32(out + 16, (uint32_t)header);
	put_le32(out + 20, (uint32_t)s->vcek_der_len);
	memcpy(out + header, s->vcek_der, s->vcek_der_len);
	return header + s->vcek_der_len;
}
