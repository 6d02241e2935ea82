/* SEV-SNP CRL from the certificate directory (see snp_crl.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/x509_crl.h>

#include "crypto.h"
#include "internal.h"
#include "snp_crl.h"

#define MAX_CRL_FILE (1024 * 1024)
#define MAX_CRL_FILES 16   /* a directory is per product at most: Milan, Genoa, Turin, ... */

int snp_crl_eval(const uint8_t *data, size_t len, const struct snp_crl_want *w, time_t *this_update, int revoked[2])
{
	mbedtls_x509_crl crl;
	mbedtls_x509_crl_init(&crl);
	int ok = 0;
	/* mbedtls wants PEM NUL-terminated with the NUL counted */
	uint8_t *copy = malloc(len + 1);
	if (!copy)
		goto out;
	memcpy(copy, data, len);
	copy[len] = 0;
	int pem = len > 0 && memmem(data, len, "-----BEGIN X509 CRL-----", 24) != NULL;
	int r = mbedtls_x509_crl_parse(&crl, copy, pem ? len + 1 : len);
	free(copy);
	/* one CRL per file: a second one would be evaluated by nobody */
	if (r != 0 || crl.next)
		goto out;
	if (cb_time_within(&crl.this_update, &crl.next_update, w->at) != 0)
		goto out;
	/* the RSA-PSS signature once per CRL of the indexed directory */
	uint8_t memo[32];
	dir_memo_key(memo, "snp-crl", crl.raw.p, crl.raw.len, w->ark->raw.p, w->ark->raw.len, NULL, 0);
	if (!dir_memo_has(w->memo, memo)) {
		if (cb_crl_signed_by(&crl, w->ark) != 0)
			goto out;
		dir_memo_add(w->memo, memo);
	}
	*this_update = cb_x509_time_to_time(&crl.this_update);
	for (int i = 0; i < 2; i++) {
		revoked[i] = 0;
		if (!w->serial[i] || !w->serial_len[i])
			continue;
		for (const mbedtls_x509_crl_entry *e = &crl.entry; e && e->serial.len; e = e->next)
			if (e->serial.len == w->serial_len[i] && memcmp(e->serial.p, w->serial[i], e->serial.len) == 0)
				revoked[i] = 1;
	}
	ok = 1;
out:
	mbedtls_x509_crl_free(&crl);
	return ok;
}

int snp_crl_check(struct dir_snapshot *dir, const struct snp_crl_want *w, bool *checked, cb_refusal *why)
{
	*checked = false;
	time_t best = 0;
	int found = 0, revoked[2] = { 0, 0 }, files = 0;
	for (size_t i = 0; i < dir->n_files && files < MAX_CRL_FILES; i++) {
		const struct dir_file *f = &dir->files[i];
		size_t n = strlen(f->name);
		if (n <= 4 || strcmp(f->name + n - 4, ".crl") != 0)
			continue;
		files++;
		if (!f->data || f->len > MAX_CRL_FILE)
			continue;
		time_t tu;
		int rv[2];
		struct snp_crl_want wm = *w;
		wm.memo = dir;
		if (snp_crl_eval(f->data, f->len, &wm, &tu, rv) && (!found || tu > best)) {
			found = 1;
			best = tu;
			revoked[0] = rv[0];
			revoked[1] = rv[1];
		}
	}
	if (!found)
		return 0;
	*checked = true;
	if (revoked[0] || revoked[1])
		return cb_refuse(why, CB_REASON_REVOKED, "the %s is revoked by the ARK's CRL",
				 revoked[1] ? "ASK/ASVK" : "VCEK/VLEK");
	return 0;
}
