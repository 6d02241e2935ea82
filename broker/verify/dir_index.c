/* Directories indexed once per change (dir_index.h). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <mbedtls/sha256.h>

#include "crypto.h"
#include "dir_index.h"
#include "internal.h"

void dir_index_init(struct dir_index *ix)
{
	memset(ix, 0, sizeof *ix);
	pthread_mutex_init(&ix->lock, NULL);
}

static void snapshot_free(struct dir_snapshot *s)
{
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].name);
		free(s->files[i].data);
	}
	free(s->files);
	if (s->derived)
		s->derived_free(s->derived);
	pthread_mutex_destroy(&s->derived_lock);
	mbedtls_x509_crt_free(&s->certs);
	free(s->path);
	free(s);
}

void dir_index_free(struct dir_index *ix)
{
	/* the trust store goes after every request on it: no references left */
	for (size_t i = 0; i < DIR_INDEX_SLOTS; i++)
		if (ix->slot[i])
			snapshot_free(ix->slot[i]);
	pthread_mutex_destroy(&ix->lock);
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), sl = strlen(suffix);
	return n > sl && strcmp(name + n - sl, suffix) == 0;
}

static int cert_file_name(const char *name)
{
	return has_suffix(name, ".pem") || has_suffix(name, ".der") || has_suffix(name, ".crt") ||
	       has_suffix(name, ".cer");
}

/* every name a verifier may read: certificates, CRLs, collateral JSON */
static int wanted(const char *name)
{
	return cert_file_name(name) || has_suffix(name, ".crl") || has_suffix(name, ".json");
}

/* The certificates of one file, appended to s->certs; registered only when
 * the whole file parses (as evidence_certs did per request). */
static void add_certs(struct dir_snapshot *s, const uint8_t *data, size_t len)
{
	mbedtls_x509_crt *last = NULL;
	if (s->certs.raw.p)
		for (last = &s->certs; last->next; last = last->next)
			;
	if (cb_certs_parse(&s->certs, data, len) != 0)
		return;
	for (mbedtls_x509_crt *c = last ? last->next : &s->certs; c && c->raw.p; c = c->next) {
		if (s->n_certs == DIR_MAX_CERTS)
			return;
		s->cert[s->n_certs].der = c->raw.p;
		s->cert[s->n_certs].len = c->raw.len;
		s->n_certs++;
	}
}

static struct dir_snapshot *scan(struct dir_index *ix, const char *path, const struct stat *st)
{
	struct dir_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	mbedtls_x509_crt_init(&s->certs);
	pthread_mutex_init(&s->derived_lock, NULL);
	s->index = ix;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->mtim = st->st_mtim;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s->racy = st->st_mtim.tv_sec >= now.tv_sec - DIR_RACY_SECONDS;
	s->path = strdup(path);
	DIR *d = opendir(path);
	if (!s->path || !d)
		goto fail;
	size_t cap = 0;
	unsigned long reads = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && s->n_files < DIR_MAX_FILES) {
		if (!wanted(de->d_name))
			continue;
		if (s->n_files == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct dir_file *nf = realloc(s->files, ncap * sizeof *nf);
			if (!nf)
				goto fail;
			s->files = nf;
			cap = ncap;
		}
		struct dir_file *f = &s->files[s->n_files];
		memset(f, 0, sizeof *f);
		if (!(f->name = strdup(de->d_name)))
			goto fail;
		s->n_files++;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, de->d_name);
		reads++;
		if (cb_read_file(p, DIR_MAX_FILE, &f->data, &f->len) != 0)
			f->data = NULL, f->len = 0;
		else if (cert_file_name(f->name) && f->len <= DIR_CERT_FILE_MAX)
			add_certs(s, f->data, f->len);
	}
	closedir(d);
	pthread_mutex_lock(&ix->lock);
	ix->scans++;
	ix->file_reads += reads;
	pthread_mutex_unlock(&ix->lock);
	return s;
fail:
	if (d)
		closedir(d);
	snapshot_free(s);
	return NULL;
}

static void unref_locked(struct dir_snapshot *s)
{
	if (--s->refs == 0)
		snapshot_free(s);
}

static int find_slot(struct dir_index *ix, const char *path)
{
	for (int i = 0; i < DIR_INDEX_SLOTS; i++)
		if (ix->slot[i] && strcmp(ix->slot[i]->path, path) == 0)
			return i;
	return -1;
}

int dir_snapshot_get(struct dir_index *ix, const char *path, struct dir_snapshot **out)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	pthread_mutex_lock(&ix->lock);
	int i = find_slot(ix, path);
	if (i >= 0) {
		struct dir_snapshot *s = ix->slot[i];
		if (!s->racy && s->dev == st.st_dev && s->ino == st.st_ino && s->mtim.tv_sec == st.st_mtim.tv_sec &&
		    s->mtim.tv_nsec == st.st_mtim.tv_nsec) {
			s->refs++;
			*out = s;
			pthread_mutex_unlock(&ix->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&ix->lock);

	/* scan outside the lock: other directories' requests go on meanwhile;
	 * two threads may both scan a changed directory, the later one wins */
	struct dir_snapshot *s = scan(ix, path, &st);
	if (!s)
		return -1;
	pthread_mutex_lock(&ix->lock);
	i = find_slot(ix, path);
	if (i < 0) {
		for (i = 0; i < DIR_INDEX_SLOTS && ix->slot[i]; i++)
			;
		if (i == DIR_INDEX_SLOTS) {
			i = (int)(ix->next_victim++ % DIR_INDEX_SLOTS);
		}
	}
	if (ix->slot[i])
		unref_locked(ix->slot[i]);
	ix->slot[i] = s;
	s->refs = 2; /* the slot's and the caller's */
	pthread_mutex_unlock(&ix->lock);
	*out = s;
	return 0;
}

void dir_snapshot_release(struct dir_snapshot *s)
{
	if (!s)
		return;
	struct dir_index *ix = s->index;
	pthread_mutex_lock(&ix->lock);
	unref_locked(s);
	pthread_mutex_unlock(&ix->lock);
}

void *dir_snapshot_derived(struct dir_snapshot *s, void *(*build)(const struct dir_snapshot *),
			   void (*free_fn)(void *))
{
	pthread_mutex_lock(&s->derived_lock);
	if (!s->derived && (s->derived = build(s)) != NULL)
		s->derived_free = free_fn;
	void *d = s->derived_free == free_fn ? s->derived : NULL;
	pthread_mutex_unlock(&s->derived_lock);
	return d;
}

void dir_memo_key(uint8_t key[32], const char *tag, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  const uint8_t *c, size_t clen)
{
	const uint8_t *part[3] = { a, b, c };
	size_t len[3] = { alen, blen, clen };
	mbedtls_sha256_context sha;
	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	mbedtls_sha256_update(&sha, (const uint8_t *)tag, strlen(tag) + 1);
	for (int i = 0; i < 3; i++) {
		uint8_t l[8];
		for (int j = 0; j < 8; j++)
			l[j] = (uint8_t)((uint64_t)len[i] >> (8 * j));
		mbedtls_sha256_update(&sha, l, sizeof l);
		if (len[i])
			mbedtls_sha256_update(&sha, part[i], len[i]);
	}
	mbedtls_sha256_finish(&sha, key);
	mbedtls_sha256_free(&sha);
}

int dir_memo_has(struct dir_snapshot *s, const uint8_t key[32])
{
	if (!s)
		return 0;
	int hit = 0;
	pthread_mutex_lock(&s->index->lock);
	for (size_t i = 0; i < s->n_memo && !hit; i++)
		hit = memcmp(s->memo[i], key, 32) == 0;
	pthread_mutex_unlock(&s->index->lock);
	return hit;
}

void dir_memo_add(struct dir_snapshot *s, const uint8_t key[32])
{
	if (!s)
		return;
	pthread_mutex_lock(&s->index->lock);
	/* a directory holds a handful of signed files; past DIR_MEMO the rest
	 * are verified per request as before */
	int have = 0;
	for (size_t i = 0; i < s->n_memo && !have; i++)
		have = memcmp(s->memo[i], key, 32) == 0;
	if (!have && s->n_memo < DIR_MEMO)
		memcpy(s->memo[s->n_memo++], key, 32);
	pthread_mutex_unlock(&s->index->lock);
}
