/*
 * The verify path's caches at fleet size: the LRU of verified chains
 * (chain_cache.c) through the trust store's get/put, and the directories
 * indexed once per change (dir_index.c): a file renamed in is seen, a
 * request reads no file.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "broker/verify/crypto.h"
#include "broker/verify/internal.h"
#include "testutil.h"
#include "broker/verify/trust_internal.h"

/* A key for chain number n: SHA-256 of n, with byte 0 forced when asked
 * (the old direct-mapped cache indexed by key[0] alone). */
static void key_of(uint32_t n, int first_byte, uint8_t key[32])
{
	uint8_t b[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
	cb_sha256(b, sizeof b, key);
	if (first_byte >= 0)
		key[0] = (uint8_t)first_byte;
}

static void put(cb_trust *t, cb_provider p, const uint8_t key[32], uint32_t tag)
{
	struct chain_entry e;
	memset(&e, 0, sizeof e);
	memcpy(e.key, key, 32);
	e.provider = p;
	e.not_before = tag; /* what a lookup must give back */
	chain_cache_put(t, &e);
}

/* 1 when (p, key) is cached with this tag */
static int has(cb_trust *t, cb_provider p, const uint8_t key[32], uint32_t tag)
{
	struct chain_entry e;
	return chain_cache_get(t, p, key, &e) && e.provider == p && !memcmp(e.key, key, 32) && e.not_before == (time_t)tag;
}

static cb_trust *fresh_trust(void)
{
	cb_trust *t;
	cb_refusal why;
	if (cb_trust_new(&t, NULL, &why) != 0) {
		printf("FAIL trust: %s\n0 passed, 1 failed\n", why.detail);
		exit(1);
	}
	return t;
}

/* two chains whose keys share the first byte both stay (on main, with 256
 * slots indexed by key[0], the second evicted the first) */
static void same_first_byte(void)
{
	cb_trust *t = fresh_trust();
	uint8_t a[32], b[32];
	key_of(1, 0x42, a);
	key_of(2, 0x42, b);
	put(t, CB_PROVIDER_SNP, a, 1);
	put(t, CB_PROVIDER_SNP, b, 2);
	CHECK(has(t, CB_PROVIDER_SNP, a, 1), "a chain is evicted by another whose key has the same first byte\n");
	CHECK(has(t, CB_PROVIDER_SNP, b, 2), "the second chain of the same first byte is cached\n");
	cb_trust_free(t);
}

/* a fleet: CHAIN_CACHE_ENTRIES chips (16 times the old slot count) all stay */
static void fleet_stays(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		put(t, i % 2 ? CB_PROVIDER_TDX : CB_PROVIDER_SNP, k, i);
	}
	uint32_t missing = 0;
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		missing += !has(t, i % 2 ? CB_PROVIDER_TDX : CB_PROVIDER_SNP, k, i);
	}
	CHECK(missing == 0, "%u of %d chains were not cached\n", missing, CHAIN_CACHE_ENTRIES);
	CHECK(chain_cache_count(t->cache) == CHAIN_CACHE_ENTRIES, "count %zu\n", chain_cache_count(t->cache));
	cb_trust_free(t);
}

/* full: the least recently used goes first, a lookup counts as a use, and a
 * refresh of a cached key takes no second entry */
static void lru_order(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	for (uint32_t i = 0; i < CHAIN_CACHE_ENTRIES; i++) {
		key_of(i, -1, k);
		put(t, CB_PROVIDER_SNP, k, i);
	}
	/* use 0 (a lookup) and 1 (a refresh with a new tag): 2 is now the oldest */
	key_of(0, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 0), "entry 0 before eviction\n");
	key_of(1, -1, k);
	put(t, CB_PROVIDER_SNP, k, 1001);
	CHECK(chain_cache_count(t->cache) == CHAIN_CACHE_ENTRIES, "a refresh took a second entry\n");
	key_of(CHAIN_CACHE_ENTRIES, -1, k);
	put(t, CB_PROVIDER_SNP, k, CHAIN_CACHE_ENTRIES);
	key_of(2, -1, k);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 2), "the least recently used entry was not evicted\n");
	key_of(0, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 0), "the entry just looked up was evicted\n");
	key_of(1, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 1001), "the refreshed entry was evicted or not refreshed\n");
	key_of(3, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 3), "more than one entry was evicted\n");
	key_of(CHAIN_CACHE_ENTRIES, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, CHAIN_CACHE_ENTRIES), "the new entry is cached\n");
	/* next eviction: 4 (3 was just used) */
	key_of(CHAIN_CACHE_ENTRIES + 1, -1, k);
	put(t, CB_PROVIDER_SNP, k, 0);
	key_of(4, -1, k);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 4), "the second eviction is not the next oldest\n");
	key_of(3, -1, k);
	CHECK(has(t, CB_PROVIDER_SNP, k, 3), "a recently used entry was evicted\n");
	cb_trust_free(t);
}

/* the same key under the other provider is another entry, never a hit */
static void providers_apart(void)
{
	cb_trust *t = fresh_trust();
	uint8_t k[32];
	key_of(7, -1, k);
	put(t, CB_PROVIDER_SNP, k, 1);
	CHECK(!has(t, CB_PROVIDER_TDX, k, 1), "an SNP chain served a TDX lookup\n");
	put(t, CB_PROVIDER_TDX, k, 2);
	CHECK(has(t, CB_PROVIDER_SNP, k, 1), "the TDX entry replaced the SNP one\n");
	CHECK(has(t, CB_PROVIDER_TDX, k, 2), "the TDX entry is cached\n");
	/* disabling empties the cache and stops it serving */
	cb_trust_set_cache(t, false);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 1), "a disabled cache served\n");
	cb_trust_set_cache(t, true);
	CHECK(!has(t, CB_PROVIDER_SNP, k, 1), "re-enabling kept old entries\n");
	cb_trust_free(t);
}


/* ---- directories ------------------------------------------------------------ */

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("FAIL cannot write %s\n0 passed, 1 failed\n", p);
		exit(1);
	}
}

/* The directory's mtime an hour back: not "racy", so an unchanged directory
 * is not scanned again (dir_index.h). */
static void age_dir(const char *dir)
{
	struct timespec ts[2] = { { time(NULL) - 3600, 0 }, { time(NULL) - 3600, 0 } };
	if (utimensat(AT_FDCWD, dir, ts, 0) != 0) {
		printf("FAIL utimensat %s\n0 passed, 1 failed\n", dir);
		exit(1);
	}
}

static unsigned long reads_of(cb_trust *t)
{
	pthread_mutex_lock(&t->dirs.lock);
	unsigned long n = t->dirs.file_reads;
	pthread_mutex_unlock(&t->dirs.lock);
	return n;
}

static unsigned long scans_of(cb_trust *t)
{
	pthread_mutex_lock(&t->dirs.lock);
	unsigned long n = t->dirs.scans;
	pthread_mutex_unlock(&t->dirs.lock);
	return n;
}

static int snapshot_has(cb_trust *t, const char *dir, const char *name)
{
	struct dir_snapshot *s;
	if (dir_snapshot_get(&t->dirs, dir, &s) != 0)
		return -1;
	int found = 0;
	for (size_t i = 0; i < s->n_files; i++)
		found |= !strcmp(s->files[i].name, name) && s->files[i].data != NULL;
	dir_snapshot_release(s);
	return found;
}

/* The index alone: one scan per change, a rename is a change, an in-place
 * rewrite is not (documented: it needs a rename or SIGHUP). */
static void dir_index_changes(void)
{
	cb_trust *t = fresh_trust();
	char dir[] = "/tmp/cb-verify-index-XXXXXX";
	if (!mkdtemp(dir))
		exit(1);
	write_file(dir, "a.pem", (const uint8_t *)"x", 1);
	write_file(dir, "notes.txt", (const uint8_t *)"ignored", 7);
	age_dir(dir);
	CHECK(snapshot_has(t, dir, "a.pem") == 1, "a.pem indexed\n");
	CHECK(snapshot_has(t, dir, "notes.txt") == 0, "notes.txt is not a name any verifier reads\n");
	unsigned long scans = scans_of(t), reads = reads_of(t);
	CHECK(scans == 1 && reads == 1, "one scan, one file read (%lu, %lu)\n", scans, reads);
	for (int i = 0; i < 100; i++)
		snapshot_has(t, dir, "a.pem");
	CHECK(scans_of(t) == 1 && reads_of(t) == 1, "100 more lookups scanned %lu times, read %lu files\n",
	      scans_of(t) - 1, reads_of(t) - 1);
	/* an operator adds a file by atomic rename */
	write_file(dir, ".b.pem.tmp", (const uint8_t *)"y", 1);
	CHECK(sh("mv %s/.b.pem.tmp %s/b.pem", dir, dir) == 0, "rename\n");
	CHECK(snapshot_has(t, dir, "b.pem") == 1, "a file renamed into the directory is seen without SIGHUP\n");
	CHECK(scans_of(t) == 2, "the rename caused one scan (%lu)\n", scans_of(t));
	/* removed */
	CHECK(sh("rm %s/a.pem%s", dir, "") == 0, "rm\n");
	CHECK(snapshot_has(t, dir, "a.pem") == 0, "a removed file is gone\n");
	/* a reference outlives a rescan that replaces its snapshot */
	age_dir(dir);
	struct dir_snapshot *held;
	CHECK(dir_snapshot_get(&t->dirs, dir, &held) == 0, "hold\n");
	write_file(dir, "c.pem", (const uint8_t *)"z", 1);
	CHECK(snapshot_has(t, dir, "c.pem") == 1, "c.pem seen\n");
	int still = 0;
	for (size_t i = 0; i < held->n_files; i++)
		still |= !strcmp(held->files[i].name, "b.pem") && held->files[i].len == 1 && held->files[i].data[0] == 'y';
	CHECK(still, "a held snapshot stays intact after a rescan\n");
	dir_snapshot_release(held);
	/* missing directory: an error, nothing cached */
	CHECK(sh("rm -rf %s%s", dir, "") == 0, "cleanup\n");
	CHECK(snapshot_has(t, dir, "b.pem") == -1, "a directory that is gone is an error\n");
	cb_trust_free(t);
}

/* SEV-SNP with snp_cert_dir (real vector): the VCEK arrives by rename and is
 * used at once; then requests read no file. */
static void snp_dir_requests(void)
{
	cJSON *v = td_vectors();
	struct snp_case sc;
	snp_case_load(&sc, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "snp"), "genoa-2"));
	cb_trust *t = fresh_trust();
	char dir[] = "/tmp/cb-verify-snpdir-XXXXXX";
	if (!mkdtemp(dir))
		exit(1);
	sc.ev.n_certs = 0;
	sc.ev.snp_cert_dir = dir;
	cb_claims c;
	cb_refusal why;
	CHECK(cb_verify(t, &sc.ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_CHAIN_INVALID),
	      "empty directory: no VCEK (%s)\n", why.code);
	write_file(dir, ".vcek.tmp", sc.cert, sc.cert_len);
	CHECK(sh("mv %s/.vcek.tmp %s/genoa-vcek-2.pem", dir, dir) == 0, "rename\n");
	int r = cb_verify(t, &sc.ev, &c, &why);
	CHECK(r == 0, "the VCEK renamed into the directory is used without SIGHUP: %s\n", r ? why.detail : "");
	age_dir(dir);
	CHECK(cb_verify(t, &sc.ev, &c, &why) == 0, "verify after aging\n");
	unsigned long reads = reads_of(t), scans = scans_of(t);
	for (int i = 0; i < 20; i++)
		CHECK(cb_verify(t, &sc.ev, &c, &why) == 0, "request %d\n", i);
	CHECK(reads_of(t) == reads && scans_of(t) == scans, "20 SNP requests read %lu files in %lu scans\n",
	      reads_of(t) - reads, scans_of(t) - scans);
	CHECK(sh("rm -rf %s%s", dir, "") == 0, "cleanup\n");
	CHECK(cb_verify(t, &sc.ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_INTERNAL),
	      "directory gone: refused (%s)\n", why.code);
	cb_trust_free(t);
	snp_case_free(&sc);
}

struct tdx_job {
	cb_trust *t;
	cb_evidence ev;
	int failures;
};

static void *tdx_worker(void *p)
{
	struct tdx_job *j = p;
	for (int i = 0; i < 30; i++) {
		cb_claims c;
		cb_refusal why;
		if (cb_verify(j->t, &j->ev, &c, &why) != 0 || !c.collateral_checked)
			j->failures++;
	}
	return NULL;
}

/* TDX with collateral (real quote and collateral): requests read no file;
 * several threads verify while the directory changes under them. */
static void tdx_collateral_requests(void)
{
	cJSON *v = td_vectors();
	struct tdx_case tc;
	tdx_case_load(&tc, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "tdx"), "v4-2-debug"));
	cb_trust *t = fresh_trust();
	char dir[] = "/tmp/cb-verify-colldir-XXXXXX", src[4096];
	if (!mkdtemp(dir))
		exit(1);
	snprintf(src, sizeof src, "%s/tdx/collateral", testdata_dir());
	CHECK(sh("cp %s/* %s/", src, dir) == 0, "copy the collateral\n");
	age_dir(dir);
	tc.ev.collateral_dir = dir;
	cb_parse_rfc3339("2026-03-20T00:00:00Z", &tc.ev.at);
	cb_claims c;
	cb_refusal why;
	int r = cb_verify(t, &tc.ev, &c, &why);
	CHECK(r == 0 && c.collateral_checked && !strcmp(c.tdx.tcb_status, "OutOfDate"), "collateral: %s\n",
	      r ? why.detail : c.tdx.tcb_status);
	unsigned long reads = reads_of(t), scans = scans_of(t);
	for (int i = 0; i < 20; i++)
		CHECK(cb_verify(t, &tc.ev, &c, &why) == 0 && c.collateral_checked, "request %d\n", i);
	CHECK(reads_of(t) == reads && scans_of(t) == scans, "20 TDX requests read %lu files in %lu scans\n",
	      reads_of(t) - reads, scans_of(t) - scans);
	/* without the TCB info the same request is refused: the index is what
	 * decides, not a result remembered from before */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "mkdir -p %s.away && mv %s/tcbinfo-* %s.away/", dir, dir, dir);
	CHECK(system(cmd) == 0, "move the TCB info away\n");
	CHECK(cb_verify(t, &tc.ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_COLLATERAL_INVALID),
	      "TCB info renamed away: collateral-invalid (%s)\n", why.code ? why.code : "accepted");
	snprintf(cmd, sizeof cmd, "mv %s.away/* %s/ && rmdir %s.away", dir, dir, dir);
	CHECK(system(cmd) == 0, "move it back\n");
	CHECK(cb_verify(t, &tc.ev, &c, &why) == 0 && c.collateral_checked, "TCB info renamed back: accepted\n");
	/* threads verify while files come and go (ASan build: no use after free) */
	struct tdx_job jobs[3];
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		jobs[i] = (struct tdx_job){ t, tc.ev, 0 };
		pthread_create(&th[i], NULL, tdx_worker, &jobs[i]);
	}
	for (int i = 0; i < 20; i++) {
		char name[64];
		snprintf(name, sizeof name, "unrelated-%d.json", i);
		write_file(dir, name, (const uint8_t *)"{}", 2);
	}
	int failures = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		failures += jobs[i].failures;
	}
	CHECK(failures == 0, "%d of 90 concurrent requests failed while the directory changed\n", failures);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0, "cleanup\n");
	cb_trust_free(t);
	tdx_case_free(&tc);
}

int main(void)
{
	same_first_byte();
	fleet_stays();
	lru_order();
	providers_apart();
	dir_index_changes();
	TD_GROUP(snp_dir_requests());
	TD_GROUP(tdx_collateral_requests());
	cJSON_Delete(td_vectors());
	return check_done();
}
