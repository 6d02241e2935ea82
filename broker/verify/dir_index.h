/*
 * Directories the verifiers read (snp_cert_dir, collateral_dir), indexed
 * once and kept in memory per trust store instead of scanned per request.
 *
 * A snapshot holds the bytes of every file whose name a verifier may want
 * (in readdir order), the certificates of the certificate files parsed once,
 * and a memo of the signatures already verified over its bytes.  It is
 * immutable apart from that memo and reference-counted: a request takes a
 * reference, a rescan swaps in a new snapshot, the old one goes with its
 * last reference.
 *
 * Freshness costs one stat() of the directory per request: a snapshot is
 * rebuilt when the directory's device, inode or mtime (st_mtim) differ from
 * the ones seen before the scan, so a file added, removed or renamed into
 * place is seen at the next request.  Rewriting a file in place (or the
 * target of a symlink) does not change the directory: that needs a rename
 * or SIGHUP (a new generation, a new trust store).  A directory modified
 * within DIR_RACY_SECONDS of its scan is scanned again at the next request
 * (the mtime clock is coarser than the scan).
 */
#ifndef COCOBOOT_BROKER_DIR_INDEX_H
#define COCOBOOT_BROKER_DIR_INDEX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

#include "verify.h"

#define DIR_INDEX_SLOTS 4          /* distinct directories per trust store */
#define DIR_MAX_FILES 1024         /* files kept per directory (readdir order) */
#define DIR_MAX_FILE (1024 * 1024) /* larger files are listed without bytes */
#define DIR_CERT_FILE_MAX (256 * 1024)
#define DIR_MAX_CERTS 128          /* certificates kept from the certificate files */
#define DIR_MEMO 64                /* verified signatures remembered per snapshot */
#define DIR_RACY_SECONDS 2

struct dir_file {
	char *name;
	uint8_t *data;             /* NULL: unreadable or above DIR_MAX_FILE */
	size_t len;
};

struct dir_index;

struct dir_snapshot {
	struct dir_index *index;   /* whose lock guards refs and the memo */
	int refs;
	char *path;
	dev_t dev;
	ino_t ino;
	struct timespec mtim;
	int racy;                  /* modified too close to the scan: rescan next time */
	struct dir_file *files;
	size_t n_files;
	/* .pem/.der/.crt/.cer files up to DIR_CERT_FILE_MAX, parsed; a file that
	 * does not parse contributes nothing (it is a cache, not evidence) */
	mbedtls_x509_crt certs;
	struct {
		const uint8_t *der;
		size_t len;
	} cert[DIR_MAX_CERTS];
	size_t n_certs;
	uint8_t memo[DIR_MEMO][32];
	size_t n_memo;
	/* what one verifier derives from the files (TDX: the collateral parsed),
	 * built once by the first request that asks, read-only afterwards */
	pthread_mutex_t derived_lock;
	void *derived;
	void (*derived_free)(void *);
};

struct dir_index {
	pthread_mutex_t lock;
	struct dir_snapshot *slot[DIR_INDEX_SLOTS];
	size_t next_victim;
	unsigned long scans;       /* directory scans so far (tests) */
	unsigned long file_reads;  /* files opened by those scans (tests) */
};

void dir_index_init(struct dir_index *ix);
void dir_index_free(struct dir_index *ix);

/* The current snapshot of path, rescanned when it changed: 0 with *out
 * referenced (release it), -1 when the directory cannot be read. */
int dir_snapshot_get(struct dir_index *ix, const char *path, struct dir_snapshot **out);
void dir_snapshot_release(struct dir_snapshot *s);
/* The snapshot's derived data, built by build(s) at the first call (under
 * the snapshot's own lock, so a slow build holds up no other directory);
 * freed with free_fn along with the snapshot.  NULL when build fails (it is
 * tried again at the next call).  One kind per snapshot: a directory used
 * for something else as well gets NULL. */
void *dir_snapshot_derived(struct dir_snapshot *s, void *(*build)(const struct dir_snapshot *),
			   void (*free_fn)(void *));

/* Signature memo: a key names one verification over the snapshot's bytes
 * (dir_memo_key: a tag and the byte strings it depends on); only successes
 * are remembered.  s may be NULL (nothing remembered: the fuzz targets). */
void dir_memo_key(uint8_t key[32], const char *tag, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  const uint8_t *c, size_t clen);
int dir_memo_has(struct dir_snapshot *s, const uint8_t key[32]);
void dir_memo_add(struct dir_snapshot *s, const uint8_t key[32]);

#endif
