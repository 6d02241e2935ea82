/*
 * Unit tests of the key store (broker/store): key wrapping, the master key
 * file rules, volumes, the master key check and the append-only audit log.
 * usage: test-store WORKDIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "store/master_key.h"
#include "store/secure_mem.h"
#include "store/store.h"
#include "store/wrap.h"

static char dir[512];

static const char *path_of(const char *name)
{
	static char p[4][600];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void test_wrap(void)
{
	uint8_t master[MASTER_KEY_LEN], other[MASTER_KEY_LEN], key[64], wrapped[64 + WRAP_OVERHEAD],
		again[64 + WRAP_OVERHEAD], plain[64];
	size_t len = 0;

	memset(master, 1, sizeof(master));
	memset(other, 2, sizeof(other));
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	CHECK(wrap_seal(master, "vol-a", key, 64, wrapped) == 0, "seal");
	CHECK(memmem(wrapped, sizeof(wrapped), key + 8, 16) == NULL, "ciphertext does not contain the key");
	CHECK(wrap_open(master, "vol-a", wrapped, sizeof(wrapped), plain, sizeof(plain), &len) == 0 &&
	      len == 64 && !memcmp(plain, key, 64), "open");
	CHECK(wrap_open(other, "vol-a", wrapped, sizeof(wrapped), plain, sizeof(plain), &len) != 0,
	      "wrong master key does not open");
	CHECK(wrap_open(master, "vol-b", wrapped, sizeof(wrapped), plain, sizeof(plain), &len) != 0,
	      "record moved to another volume does not open");
	wrapped[20] ^= 1;
	CHECK(wrap_open(master, "vol-a", wrapped, sizeof(wrapped), plain, sizeof(plain), &len) != 0,
	      "tampered ciphertext does not open");
	CHECK(wrap_open(master, "vol-a", wrapped, 10, plain, sizeof(plain), &len) != 0, "truncated");
	wrap_seal(master, "vol-a", key, 64, again);
	wrapped[20] ^= 1;
	CHECK(memcmp(again, wrapped, WRAP_NONCE_LEN) != 0, "fresh nonce per seal");
}

static void test_master_key(void)
{
	uint8_t k1[MASTER_KEY_LEN], k2[MASTER_KEY_LEN];
	char err[256];
	int created = 0;
	struct stat st;
	const char *p = path_of("master.key");

	unlink(p);
	CHECK(master_key_load(p, 0, k1, &created, err, sizeof(err)) != 0, "missing key without create fails");
	CHECK(master_key_load(p, 1, k1, &created, err, sizeof(err)) == 0 && created == 1, "created");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == MASTER_KEY_LEN, "0600, 32 bytes");
	CHECK(master_key_load(p, 1, k2, &created, err, sizeof(err)) == 0 && created == 0 &&
	      !memcmp(k1, k2, sizeof(k1)), "loaded again, same key");
	chmod(p, 0640);
	CHECK(master_key_load(p, 1, k2, &created, err, sizeof(err)) != 0 && strstr(err, "0640"),
	      "group-readable refused: %s", err);
	chmod(p, 0604);
	CHECK(master_key_load(p, 1, k2, &created, err, sizeof(err)) != 0, "world-readable refused");
	chmod(p, 0600);
	truncate(p, 31);
	CHECK(master_key_load(p, 1, k2, &created, err, sizeof(err)) != 0 && strstr(err, "exactly"),
	      "short file refused");
	truncate(p, 33);
	CHECK(master_key_load(p, 1, k2, &created, err, sizeof(err)) != 0, "long file refused");
	unlink(p);
	CHECK(symlink("/etc/hostname", p) == 0 && master_key_load(p, 1, k2, &created, err, sizeof(err)) != 0,
	      "symlink refused");
	unlink(p);
}

static int listed;
static void count(void *ctx, const char *uuid, const char *created, const char *policy)
{
	(void)ctx;
	(void)created;
	if (uuid && policy)
		listed++;
}

static void test_store(void)
{
	uint8_t master[MASTER_KEY_LEN], other[MASTER_KEY_LEN], key[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN];
	const char *db = path_of("store.db");
	const char *uuid = "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b";
	struct store *s = NULL, *t = NULL;
	char err[256], *policy = NULL;
	struct audit_record rec = { .time = time(NULL), .volume = uuid, .client_key = "ab", .provider = "sev_guest",
				    .measurement = "cd", .decision = "release", .reason = "" };
	sqlite3 *raw;

	unlink(db);
	memset(master, 7, sizeof(master));
	memset(other, 8, sizeof(other));
	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0xa0 + i);
	CHECK(store_open(&s, db, master, err, sizeof(err)) == STORE_OK, "open new: %s", err);
	if (!s)
		return;
	CHECK(store_volume_add(s, uuid, "{\"snp\":{}}", key) == STORE_OK, "add");
	CHECK(store_volume_add(s, uuid, "{}", key) == STORE_EXISTS, "duplicate add");
	CHECK(store_volume_policy(s, uuid, &policy) == STORE_OK && policy && !strcmp(policy, "{\"snp\":{}}"), "policy");
	free(policy);
	CHECK(store_volume_key(s, uuid, got) == STORE_OK && !memcmp(got, key, sizeof(key)), "key unwraps");
	CHECK(store_volume_key(s, "11111111-2222-4333-8444-555555555555", got) == STORE_NOT_FOUND, "unknown");
	CHECK(store_volume_set_policy(s, uuid, "{\"tdx\":{}}") == STORE_OK, "set policy");
	CHECK(store_volume_policy(s, uuid, &policy) == STORE_OK && policy && !strcmp(policy, "{\"tdx\":{}}"),
	      "policy changed");
	free(policy);
	CHECK(store_volume_set_policy(s, "11111111-2222-4333-8444-555555555555", "{}") == STORE_NOT_FOUND,
	      "set policy of unknown volume");
	listed = 0;
	CHECK(store_volume_list(s, count, NULL) == STORE_OK && listed == 1, "list");
	CHECK(store_audit_append(s, &rec) == STORE_OK, "audit append");
	rec.decision = "maybe";
	CHECK(store_audit_append(s, &rec) != STORE_OK, "audit refuses an unknown decision");
	store_close(s);
	s = NULL;

	CHECK(store_open(&t, db, other, err, sizeof(err)) == STORE_BAD_KEY && !t && strstr(err, "does not match"),
	      "wrong master key refused: %s", err);
	CHECK(store_open(&s, db, master, err, sizeof(err)) == STORE_OK, "reopen with the right key");
	if (!s)
		return;
	CHECK(store_volume_key(s, uuid, got) == STORE_OK && !memcmp(got, key, sizeof(key)), "key survives reopen");

	/* append-only, even for someone with SQL access */
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK, "raw open");
	CHECK(sqlite3_exec(raw, "DELETE FROM audit", NULL, NULL, NULL) != SQLITE_OK, "audit delete refused");
	CHECK(sqlite3_exec(raw, "UPDATE audit SET decision='refuse'", NULL, NULL, NULL) != SQLITE_OK,
	      "audit update refused");
	/* a wrapped key copied to another volume's row does not unwrap there */
	CHECK(sqlite3_exec(raw, "INSERT INTO volumes (uuid, policy, wrapped_key) SELECT "
				"'22222222-3333-4444-8555-666666666666', policy, wrapped_key FROM volumes",
			   NULL, NULL, NULL) == SQLITE_OK, "copy row");
	CHECK(store_volume_key(s, "22222222-3333-4444-8555-666666666666", got) == STORE_BAD_KEY,
	      "copied wrapped key refused");
	sqlite3_close(raw);

	CHECK(store_volume_remove(s, uuid) == STORE_OK, "remove");
	CHECK(store_volume_remove(s, uuid) == STORE_NOT_FOUND, "remove twice");
	CHECK(store_volume_key(s, uuid, got) == STORE_NOT_FOUND, "removed volume gone");
	store_close(s);
}

static void test_secure_mem(void)
{
	uint8_t *p = secure_alloc(4096);

	CHECK(p != NULL, "secure_alloc");
	if (p) {
		memset(p, 0x55, 4096);
		secure_free(p, 4096);
	}
}

int main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : "/tmp/test-store");
	mkdir(dir, 0700);
	test_wrap();
	test_master_key();
	test_store();
	test_secure_mem();
	return check_done();
}
