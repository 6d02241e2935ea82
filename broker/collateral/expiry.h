/*
 * When the stored collateral stops being current: the nextUpdate of every
 * TDX TCB info (per FMSPC), TD QE identity, PCK CRL (per CA), root CA CRL,
 * and of the AMD KDS CRLs (per ARK).  A TDX verifier refuses every guest
 * once no current file of a kind is left, so this is reported days ahead:
 * `cocobroker collateral status`, a log line from `serve`, and the metric
 * cocobroker_collateral_expiry_seconds{kind,id}.
 *
 * The files are read as stored, their signatures not checked again:
 * `collateral fetch` only stores what verified, and a file that would not
 * verify shows here as current but is refused by the verifier all the same.
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_EXPIRY_H
#define COCOBOOT_BROKER_COLLATERAL_EXPIRY_H

#include <stddef.h>
#include <time.h>

#define EXPIRY_MAX 64

struct expiry_entry {
	char kind[16];             /* tcb_info, qe_identity, pck_crl, root_crl, snp_crl */
	char id[24];               /* the FMSPC, "platform"/"processor", the ARK's CN; "" */
	time_t next_update;        /* the latest nextUpdate among the files of (kind, id) */
};

/* Scan the directories (either may be NULL); the number of entries. */
size_t expiry_scan(const char *tdx_dir, const char *snp_dir, struct expiry_entry *out, size_t cap);

enum expiry_state { EXPIRY_OK, EXPIRY_SOON, EXPIRY_EXPIRED };
/* Judge one entry at now; a one-line description in line. */
enum expiry_state expiry_judge(const struct expiry_entry *e, time_t now, int warn_days, char *line, size_t cap);

/* The metric's state (set by the refresher, read by /metrics). */
void expiry_metrics_set(const struct expiry_entry *e, size_t n);
/* Append cocobroker_collateral_expiry_seconds (seconds from now to each
 * entry's nextUpdate; negative once expired; NaN with kind="none" while
 * nothing is known) to buf; returns the bytes written. */
size_t expiry_metrics_render(char *buf, size_t cap);

#endif
