/*
 * `cocobroker collateral fetch` and the refresher in `serve`: get the
 * endorsements, verify every answer against the pinned vendor roots with the
 * broker's own verification code, and store what verified atomically where
 * the verifiers read it (snp_cert_dir, collateral_dir; see docs/broker.md
 * "Collateral").  Each item is fetched, verified and stored on its own: an
 * item that fails (transport, HTTP status, signature, not current, older
 * than the stored one) stores nothing and leaves its old file as it was;
 * the others still refresh.
 *
 * Files written (fixed names, replaced in place by rename):
 *   snp_cert_dir:   kds-{vcek,vlek}-cert_chain-<Product>.pem   (ASK/ASVK, ARK)
 *                   kds-{vcek,vlek}-<Product>.crl              (ARK-signed CRL)
 *                   vcek-<Product>-<hwid 16 hex>-<tcb 16 hex>.der
 *   collateral_dir: tcbinfo-<fmspc>-pcs.json, qeidentity-tdqe-pcs.json,
 *                   tcb-signing-chain-{tcbinfo-<fmspc>,qeidentity}-pcs.pem (each answer's
 *                   issuer chain), pckcrl-<ca>-pcs.der, rootcrl-pcs.der
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_FETCH_H
#define COCOBOOT_BROKER_COLLATERAL_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fetch_config.h"
#include "http_get.h"
#include "broker/verify/verify.h"

enum fetch_result { FETCH_STORED, FETCH_UNCHANGED, FETCH_FAILED };

struct fetch_run {
	const struct collateral_fetch_config *fc;
	cb_trust *trust;           /* the pinned vendor roots */
	const char *snp_dir;       /* NULL: no SNP fetching */
	const char *tdx_dir;       /* NULL: no TDX fetching */
	time_t at;                 /* "current" means at this time (tests: --at) */
	struct http_opts http;
	struct http_session session;   /* opened and closed by fetch_all */
	/* called once per item */
	void (*report)(void *arg, enum fetch_result r, const char *item, const char *detail);
	void *arg;
	/* totals */
	unsigned stored, unchanged, failed;
	size_t bytes;              /* bytes of the answers received */
};

/* Everything the configuration and the directories name (fetch_plan_*
 * below add what is on disk); 0 when every item stored or was unchanged,
 * -1 when any failed. */
int fetch_all(struct fetch_run *r);

/* What the broker has already seen, from its own directories: the FMSPC of
 * every tcbinfo-<fmspc>*.json in tdx_dir, the product of every certificate
 * with AMD's extensions in snp_dir.  Added to fc (duplicates ignored). */
void fetch_plan_from_disk(struct collateral_fetch_config *fc, const char *snp_dir, const char *tdx_dir);

/* The parts (fetch_snp.c, fetch_tdx.c) */
void fetch_snp(struct fetch_run *r);
void fetch_tdx(struct fetch_run *r);

/* One item's outcome: counted and reported; FETCH_FAILED's detail is the reason. */
void fetch_item_done(struct fetch_run *r, enum fetch_result res, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* GET url (with its issuer-chain header when headers is not NULL): 0, or -1
 * with err set (transport error or a status other than 200). */
int fetch_get(struct fetch_run *r, const char *url, const char *const *headers, struct http_answer *a, char *err,
	      size_t errlen);

/* Store data as dir/name: unchanged when the file holds exactly these bytes,
 * else a temporary file in dir written, fsync'd and renamed over name, and
 * the directory fsync'd.  FETCH_STORED / FETCH_UNCHANGED, or FETCH_FAILED
 * with err set (nothing changed then). */
enum fetch_result store_file(const char *dir, const char *name, const uint8_t *data, size_t len, char *err,
			     size_t errlen);

#endif
