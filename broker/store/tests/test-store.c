/*
 * Unit tests of the key store (broker/store): key wrapping, the master key
 * file rules, volumes, the master key check, the append-only audit log, and
 * the store's integrity (schema 2): policies sealed with their keys, the
 * HMAC-chained audit with its sealed head, tampering behind the store's back
 * through raw SQL, the schema-1 migration, and the audit append cost; the
 * two-step enrolment (schema 3): pending volumes, confirm, admin audit rows;
 * named policies and fleet first boots (schema 4).
 * usage: test-store WORKDIR
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tests/lib/check.h"
#include "broker/store/master_key.h"
#include "common/secret.h"
#include "broker/store/seal.h"
#include "broker/store/store.h"
#include "broker/store/wrap.h"

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

static int listed, listed_sealed, listed_pending;
static void count(void *ctx, const char *uuid, const char *created, const char *policy, int sealed, int pending)
{
	(void)ctx;
	listed_pending += pending;
	(void)created;
	if (uuid && policy)
		listed++;
	listed_sealed += sealed;
}

/* confirm's check: the key must be the one the test holds (ctx) */
static int holds(void *ctx, const uint8_t key[VOLUME_KEY_LEN], char *err, size_t errlen)
{
	if (!memcmp(ctx, key, VOLUME_KEY_LEN))
		return 0;
	snprintf(err, errlen, "not the test's key");
	return -1;
}

static int confirm(struct store *s, const char *uuid, const uint8_t key[VOLUME_KEY_LEN])
{
	int was;

	return store_volume_confirm(s, uuid, holds, (void *)key, "test", &was);
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
	CHECK(confirm(s, uuid, key) == STORE_OK, "confirm");
	CHECK(store_volume_policy(s, uuid, &policy) == STORE_OK && policy && !strcmp(policy, "{\"snp\":{}}"), "policy");
	free(policy);
	CHECK(store_volume_key(s, uuid, "{\"snp\":{}}", got) == STORE_OK && !memcmp(got, key, sizeof(key)), "key unwraps");
	CHECK(store_volume_key(s, "11111111-2222-4333-8444-555555555555", "{}", got) == STORE_NOT_FOUND, "unknown");
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
	CHECK(store_volume_key(s, uuid, "{\"tdx\":{}}", got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "key survives reopen");

	/* append-only, even for someone with SQL access */
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK, "raw open");
	CHECK(sqlite3_exec(raw, "DELETE FROM audit", NULL, NULL, NULL) != SQLITE_OK, "audit delete refused");
	CHECK(sqlite3_exec(raw, "UPDATE audit SET decision='refuse'", NULL, NULL, NULL) != SQLITE_OK,
	      "audit update refused");
	/* a wrapped key copied to another volume's row does not unwrap there */
	CHECK(sqlite3_exec(raw, "INSERT INTO volumes (uuid, policy, wrapped_key) SELECT "
				"'22222222-3333-4444-8555-666666666666', policy, wrapped_key FROM volumes",
			   NULL, NULL, NULL) == SQLITE_OK, "copy row");
	CHECK(store_volume_key(s, "22222222-3333-4444-8555-666666666666", "{\"tdx\":{}}", got) == STORE_TAMPERED,
	      "copied wrapped key refused");
	sqlite3_close(raw);

	CHECK(store_volume_remove(s, uuid) == STORE_OK, "remove");
	CHECK(store_volume_remove(s, uuid) == STORE_NOT_FOUND, "remove twice");
	CHECK(store_volume_key(s, uuid, "{\"tdx\":{}}", got) == STORE_NOT_FOUND, "removed volume gone");
	store_close(s);
}

static const uint8_t tmaster[MASTER_KEY_LEN] = { 0x42, 0x17, 0x99, 0x01, 0x02, 0x03 };
static const char *VOL_A = "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", *VOL_B = "22222222-3333-4444-8555-666666666666";
static const char *STRICT = "{\"snp\": {\"measurements\": [\"a5\"]}}", *LOOSE = "{\"snp\": {}}";

/* Raw SQL behind the store's back, as someone with write access to the file would. */
static int raw(const char *db, const char *sql)
{
	sqlite3 *h;
	int rc;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/* A blob (hex) from raw SQL, for saving and restoring values. */
static void raw_hex(const char *db, const char *sql, char *out, size_t cap)
{
	sqlite3 *h;
	sqlite3_stmt *st;

	out[0] = '\0';
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
}

static int append(struct store *s, const char *decision, const char *reason)
{
	struct audit_record rec = { .time = 1700000000, .volume = VOL_A, .client_key = "ab", .provider = "sev_guest",
				    .measurement = "cd", .decision = decision, .reason = reason };
	return store_audit_append(s, &rec);
}

/* A fresh store with n audit rows (ids 1..n). */
static const char *chain_of(const char *name, int n)
{
	const char *db = path_of(name);
	char err[256], wal[700];
	struct store *s = NULL;

	unlink(db);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", db);
	unlink(wal);
	if (store_open(&s, db, tmaster, err, sizeof(err)) != STORE_OK) {
		CHECK(0, "open %s: %s", name, err);
		return db;
	}
	for (int i = 0; i < n; i++)
		append(s, i % 2 ? "refuse" : "release", i % 2 ? "debug-policy" : "");
	store_close(s);
	return db;
}

/* Verify read-only, as `cocobroker audit verify` does, optionally against an anchor. */
static int verify_anchored(const char *db, int64_t anchor_id, const uint8_t *anchor_mac, struct audit_verify_result *r)
{
	struct store *s = NULL;
	char err[256];
	int rc;

	memset(r, 0, sizeof(*r));
	if (store_open_readonly(&s, db, tmaster, err, sizeof(err)) != STORE_OK) {
		snprintf(r->what, sizeof(r->what), "open: %.200s", err);
		return STORE_ERROR;
	}
	rc = store_audit_verify(s, anchor_id, anchor_mac, r);
	store_close(s);
	return rc;
}

static int verify_db(const char *db, struct audit_verify_result *r)
{
	return verify_anchored(db, 0, NULL, r);
}

static void test_policy_seal(void)
{
	uint8_t key[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN];
	const char *db = path_of("seal.db");
	struct store *s = NULL;
	char err[256], *policy = NULL, sql[512];

	unlink(db);
	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0x10 + i);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK, "seal: open: %s", err);
	if (!s)
		return;
	CHECK(store_volume_add(s, VOL_A, STRICT, key) == STORE_OK && store_volume_add(s, VOL_B, LOOSE, key) == STORE_OK &&
	      confirm(s, VOL_A, key) == STORE_OK && confirm(s, VOL_B, key) == STORE_OK, "seal: two volumes added");

	/* the attack of issue 11 item 5: relax a policy with SQL */
	snprintf(sql, sizeof(sql), "UPDATE volumes SET policy = '%s' WHERE uuid = '%s'", LOOSE, VOL_A);
	CHECK(raw(db, sql) == SQLITE_OK, "seal: policy relaxed behind the store's back");
	listed = listed_sealed = 0;
	CHECK(store_volume_list(s, count, NULL) == STORE_OK && listed == 2 && listed_sealed == 1,
	      "seal: volume list marks the edited volume unsealed (%d of %d sealed)", listed_sealed, listed);
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_TAMPERED && policy == NULL &&
	      strstr(store_last_error(s), "changed outside cocobroker") && strstr(store_last_error(s), VOL_A),
	      "seal: edited policy is not returned (STORE_TAMPERED): %s", store_last_error(s));
	CHECK(store_volume_key(s, VOL_A, LOOSE, got) == STORE_TAMPERED, "seal: key does not open under the edited policy");
	CHECK(store_volume_set_policy(s, VOL_A, LOOSE) == STORE_TAMPERED, "seal: set-policy over a broken seal refused");
	/* the original text, byte for byte, opens again (how an operator repairs it) */
	snprintf(sql, sizeof(sql), "UPDATE volumes SET policy = '%s' WHERE uuid = '%s'", STRICT, VOL_A);
	raw(db, sql);
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_OK && policy && !strcmp(policy, STRICT),
	      "seal: the original policy text opens again");
	free(policy);
	policy = NULL;
	/* one byte of whitespace is an edit too */
	snprintf(sql, sizeof(sql), "UPDATE volumes SET policy = policy || ' ' WHERE uuid = '%s'", VOL_A);
	raw(db, sql);
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_TAMPERED, "seal: a trailing space breaks the seal");
	snprintf(sql, sizeof(sql), "UPDATE volumes SET policy = '%s' WHERE uuid = '%s'", STRICT, VOL_A);
	raw(db, sql);

	/* key opens only under the policy the caller evaluated */
	CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "seal: key opens under its sealed policy");
	CHECK(store_volume_key(s, VOL_A, LOOSE, got) == STORE_TAMPERED, "seal: not under another policy text");
	/* B's (loose policy, wrapped key) pair moved onto A */
	snprintf(sql, sizeof(sql), "UPDATE volumes SET (policy, wrapped_key) = (SELECT policy, wrapped_key FROM volumes "
		 "WHERE uuid = '%s') WHERE uuid = '%s'", VOL_B, VOL_A);
	CHECK(raw(db, sql) == SQLITE_OK && store_volume_policy(s, VOL_A, &policy) == STORE_TAMPERED,
	      "seal: another volume's policy and key, copied together, do not open");

	/* set-policy re-seals: the new policy opens, the old text does not */
	CHECK(store_volume_set_policy(s, VOL_B, STRICT) == STORE_OK, "seal: set-policy");
	CHECK(store_volume_policy(s, VOL_B, &policy) == STORE_OK && policy && !strcmp(policy, STRICT) &&
	      store_volume_key(s, VOL_B, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "seal: after set-policy the new policy and the same key open");
	free(policy);
	CHECK(store_volume_key(s, VOL_B, LOOSE, got) == STORE_TAMPERED, "seal: the replaced policy no longer opens the key");
	CHECK(store_volume_set_policy(s, "99999999-9999-4999-8999-999999999999", LOOSE) == STORE_NOT_FOUND,
	      "seal: set-policy of an unknown volume");
	store_close(s);
}

static void test_audit_chain(void)
{
	struct audit_verify_result r, anchor, anchor3;
	struct store *s = NULL;
	char err[256], head[200], sql[600];
	const char *db;
	int rc;

	db = chain_of("chain-ok.db", 5);
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 5 && r.last_id == 5 && r.broken_id == 0,
	      "chain: 5 rows intact (%s)", r.what);
	db = chain_of("chain-empty.db", 0);
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 0, "chain: empty store intact (%s)", r.what);

	/* the triggers stop plain SQL; whoever drops them is caught by the chain */
	db = chain_of("chain-update.db", 5);
	CHECK(raw(db, "UPDATE audit SET decision = 'refuse' WHERE id = 3") != SQLITE_OK, "chain: update refused by the trigger");
	CHECK(raw(db, "DROP TRIGGER audit_no_update; UPDATE audit SET decision = 'refuse', reason = 'x' WHERE id = 3") ==
	      SQLITE_OK, "chain: trigger dropped, row 3 changed");
	rc = verify_db(db, &r);
	CHECK(rc == STORE_TAMPERED && r.broken_id == 3 && r.rows == 2 && strstr(r.what, "does not match its contents"),
	      "chain: changed row 3 reported (%d, row %lld: %s)", rc, (long long)r.broken_id, r.what);

	db = chain_of("chain-mac.db", 5);
	raw(db, "DROP TRIGGER audit_no_update; UPDATE audit SET mac = (SELECT mac FROM audit WHERE id = 1) WHERE id = 2");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 2, "chain: a MAC copied from another row reported");

	db = chain_of("chain-delete.db", 5);
	CHECK(raw(db, "DELETE FROM audit WHERE id = 3") != SQLITE_OK, "chain: delete refused by the trigger");
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 3");
	rc = verify_db(db, &r);
	CHECK(rc == STORE_TAMPERED && r.broken_id == 4 && strstr(r.what, "row 3 is missing"),
	      "chain: deleted row 3 reported at row 4 (%s)", r.what);

	db = chain_of("chain-first.db", 5);
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id <= 2");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 3 && strstr(r.what, "rows 1..2 are missing"),
	      "chain: first rows deleted (%s)", r.what);

	db = chain_of("chain-trunc.db", 5);
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id >= 4");
	rc = verify_db(db, &r);
	CHECK(rc == STORE_TAMPERED && r.broken_id == 4 && strstr(r.what, "truncated") && strstr(r.what, "rows 4..5"),
	      "chain: last two rows deleted -> truncation reported (%s)", r.what);

	db = chain_of("chain-all.db", 5);
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 1 && strstr(r.what, "truncated"),
	      "chain: emptied audit reported (%s)", r.what);

	/* truncated, and then the broker appends: the new row chains from the sealed
	 * head, so the gap stays visible */
	db = chain_of("chain-trunc-append.db", 5);
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id >= 4");
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK && append(s, "release", "") == STORE_OK,
	      "chain: the broker appends after a truncation");
	store_close(s);
	s = NULL;
	rc = verify_db(db, &r);
	CHECK(rc == STORE_TAMPERED && r.broken_id == 6 && strstr(r.what, "rows 4..5 are missing"),
	      "chain: truncation still reported after the next append (%s)", r.what);

	db = chain_of("chain-head.db", 5);
	raw(db, "DELETE FROM meta WHERE name = 'audit_head'");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == -1 && strstr(r.what, "missing"),
	      "chain: removed head reported (%s)", r.what);
	db = chain_of("chain-forged-head.db", 5);
	raw(db, "UPDATE meta SET value = zeroblob(8) || substr(value, 9) WHERE name = 'audit_head'");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == -1 && strstr(r.what, "does not verify"),
	      "chain: forged head reported (%s)", r.what);
	/* a head that does not verify cannot be continued: no row, so no release */
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK && append(s, "release", "") == STORE_TAMPERED &&
	      strstr(store_last_error(s), "audit_head"), "chain: append refused under a forged head");
	store_close(s);
	s = NULL;
	raw_hex(db, "SELECT count(*) FROM audit", head, sizeof(head));
	CHECK(!strcmp(head, "5"), "chain: ...and nothing was written (%s rows)", head);

	/* rows added behind the store's back */
	db = chain_of("chain-insert.db", 3);
	raw(db, "INSERT INTO audit (id, time, volume, client_key, provider, measurement, decision, reason, mac) "
		"VALUES (4, 't', 'v', 'c', 'p', 'm', 'release', '', zeroblob(32))");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 4 && strstr(r.what, "after the sealed head"),
	      "chain: forged row appended reported (%s)", r.what);
	db = chain_of("chain-nomac.db", 3);
	raw(db, "INSERT INTO audit (time, volume, client_key, provider, measurement, decision, reason) "
		"VALUES ('t', 'v', 'c', 'p', 'm', 'release', '')");
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 4 && strstr(r.what, "no MAC"),
	      "chain: row without a MAC reported (%s)", r.what);

	/* The limit: a head saved earlier, restored together with a truncation to
	 * that point, is a consistent older state (a rollback). Only a head recorded
	 * outside the store catches it (docs/broker.md). Restoring only the head is caught. */
	db = chain_of("chain-rollback.db", 3);
	raw_hex(db, "SELECT hex(value) FROM meta WHERE name = 'audit_head'", head, sizeof(head));
	verify_db(db, &anchor3);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK && append(s, "release", "") == STORE_OK &&
	      append(s, "release", "") == STORE_OK, "chain: two more rows after saving the head");
	store_close(s);
	s = NULL;
	CHECK(verify_db(db, &anchor) == STORE_OK && anchor.last_id == 5, "chain: 5 rows, anchor taken");
	snprintf(sql, sizeof(sql), "UPDATE meta SET value = X'%s' WHERE name = 'audit_head'", head);
	raw(db, sql);
	CHECK(verify_db(db, &r) == STORE_TAMPERED && r.broken_id == 4 && strstr(r.what, "older copy"),
	      "chain: an older head restored is reported (%s)", r.what);
	raw(db, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id > 3");
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 3,
	      "chain: documented limit: rollback to a saved head (rows and head together) is not detectable inside the store");
	/* ...but an anchor kept outside (row 5 and its MAC, printed by an earlier verify) catches it */
	CHECK(verify_anchored(db, 5, anchor.head, &r) == STORE_TAMPERED && r.broken_id == 5 && strstr(r.what, "rolled back"),
	      "chain: an anchor from before the rollback reports it (%s)", r.what);
	CHECK(verify_anchored(db, 3, anchor3.head, &r) == STORE_OK, "chain: an anchor still in the chain verifies");
	anchor3.head[0] ^= 1;
	CHECK(verify_anchored(db, 3, anchor3.head, &r) == STORE_TAMPERED && r.broken_id == 3,
	      "chain: an anchor whose MAC differs is reported (%s)", r.what);
}

struct appender {
	const char *db;
	int n, failed;
};

static void *append_many(void *arg)
{
	struct appender *a = arg;
	struct store *s = NULL;
	char err[256];

	if (store_open(&s, a->db, tmaster, err, sizeof(err)) != STORE_OK) {
		a->failed = a->n;
		return NULL;
	}
	for (int i = 0; i < a->n; i++)
		a->failed += append(s, "refuse", "measurement-mismatch") != STORE_OK;
	store_close(s);
	return NULL;
}

static void test_audit_concurrent(void)
{
	struct audit_verify_result r;
	const char *db = chain_of("chain-threads.db", 0);
	struct appender a[3] = { { db, 40, 0 }, { db, 40, 0 }, { db, 40, 0 } };
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, append_many, &a[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK(a[0].failed + a[1].failed + a[2].failed == 0, "concurrent: 3 connections x 40 appends all committed");
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 120, "concurrent: one intact chain of 120 rows (%lld: %s)",
	      (long long)r.rows, r.what);
}

/* A schema-1 store as cocobroker wrote it before seals and chain. */
static const char v1_schema[] =
	"CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE volumes (uuid TEXT PRIMARY KEY, policy TEXT NOT NULL, wrapped_key BLOB NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, volume TEXT NOT NULL,"
	"  client_key TEXT NOT NULL, provider TEXT NOT NULL, measurement TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK (decision IN ('release','refuse')), reason TEXT NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"INSERT INTO audit (time, volume, client_key, provider, measurement, decision, reason) VALUES"
	"  ('2026-01-01T00:00:00Z', 'v', 'c', 'sev_guest', 'm', 'release', ''),"
	"  ('2026-01-01T00:00:01Z', 'v', 'c', 'sev_guest', 'm', 'refuse', 'debug-policy'),"
	"  ('2026-01-01T00:00:02Z', 'v', 'c', 'tdx_guest', '', 'refuse', 'unknown-volume');";

static void make_v1(const char *db, const uint8_t key[VOLUME_KEY_LEN])
{
	uint8_t check[26 + WRAP_OVERHEAD], wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	sqlite3 *h;
	sqlite3_stmt *st;

	unlink(db);
	wrap_seal(tmaster, "key-check", (const uint8_t *)"cocoboot master key check", 26, check);
	wrap_seal(tmaster, VOL_A, key, VOLUME_KEY_LEN, wrapped);
	sqlite3_open(db, &h);
	sqlite3_exec(h, v1_schema, NULL, NULL, NULL);
	sqlite3_prepare_v2(h, "INSERT INTO meta VALUES ('key_check', ?)", -1, &st, NULL);
	sqlite3_bind_blob(st, 1, check, sizeof(check), SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(h, "INSERT INTO volumes (uuid, policy, wrapped_key) VALUES (?, ?, ?), (?, ?, zeroblob(92))",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, VOL_A, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, STRICT, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, wrapped, sizeof(wrapped), SQLITE_STATIC);
	sqlite3_bind_text(st, 4, VOL_B, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, LOOSE, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void test_migration(void)
{
	uint8_t key[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN];
	const char *db = path_of("v1.db");
	struct audit_verify_result r;
	struct store *s = NULL;
	char err[256], *policy = NULL, n[32];

	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0x77 ^ i);
	make_v1(db, key);
	CHECK(store_open_readonly(&s, db, tmaster, err, sizeof(err)) != STORE_OK && strstr(err, "schema version 1") &&
	      strstr(err, "migrates"), "migration: verify of a schema-1 store says how to migrate: %s", err);
	s = NULL;
	raw_hex(db, "SELECT count(*) FROM meta", n, sizeof(n));
	CHECK(!strcmp(n, "1"), "migration: the read-only open changed nothing");
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK, "migration: schema-1 store opens: %s", err);
	if (!s)
		return;
	CHECK(strstr(store_notice(s), "schema 1 to 2") && strstr(store_notice(s), "1 volume key(s) sealed") &&
	      strstr(store_notice(s), "schema 2 -> 3") && strstr(store_notice(s), "schema 3 -> 4") &&
	      strstr(store_notice(s), "1 that did not open") && strstr(store_notice(s), "3 audit row(s) chained"),
	      "migration: notice: %s", store_notice(s));
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_OK && policy && !strcmp(policy, STRICT) &&
	      store_volume_key(s, VOL_A, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "migration: the volume key is sealed with its policy and still the same key");
	free(policy);
	CHECK(store_volume_policy(s, VOL_B, &policy) == STORE_TAMPERED, "migration: a key that did not open stays refused");
	CHECK(append(s, "release", "") == STORE_OK, "migration: append after migration");
	store_close(s);
	s = NULL;
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 4, "migration: 3 old rows + 1 new chained (%s)", r.what);
	CHECK(raw(db, "DELETE FROM audit") != SQLITE_OK && raw(db, "UPDATE audit SET reason = 'x'") != SQLITE_OK,
	      "migration: the append-only triggers are back");
	raw_hex(db, "SELECT value FROM meta WHERE name = 'schema_version'", n, sizeof(n));
	CHECK(!strcmp(n, "4"), "migration: schema_version 4 (%s)", n);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK && store_volume_set_policy(s, VOL_A, STRICT) == STORE_OK,
	      "migration: a migrated volume is active and takes an admin audit row");
	store_close(s);
	s = NULL;
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 5, "migration: the admin row chains on (%s)", r.what);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK && store_notice(s)[0] == '\0',
	      "migration: second open does nothing more");
	store_close(s);
	s = NULL;

	/* wrong master key: nothing is migrated */
	make_v1(db, key);
	{
		uint8_t other[MASTER_KEY_LEN];
		memset(other, 9, sizeof(other));
		CHECK(store_open(&s, db, other, err, sizeof(err)) == STORE_BAD_KEY, "migration: wrong master key refused");
	}
	s = NULL;
	raw_hex(db, "SELECT count(*) FROM meta", n, sizeof(n));
	CHECK(!strcmp(n, "1"), "migration: ...and the store is untouched");

	/* a newer schema is refused, not downgraded */
	raw(db, "INSERT INTO meta VALUES ('schema_version', 5)");
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_ERROR && strstr(err, "newer"),
	      "migration: newer schema refused: %s", err);
	s = NULL;
	/* key check removed from a used store: not mistaken for a new one */
	make_v1(db, key);
	raw(db, "DELETE FROM meta");
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_TAMPERED && strstr(err, "key check"),
	      "migration: a used store without its key check is refused: %s", err);
	s = NULL;
	CHECK(store_open_readonly(&s, path_of("does-not-exist.db"), tmaster, err, sizeof(err)) == STORE_ERROR &&
	      access(path_of("does-not-exist.db"), F_OK) != 0, "read-only open of a missing file fails and creates nothing");
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Not a pass/fail: the per-row cost of the chain, printed for docs/broker.md. */
static void bench_audit(void)
{
	const char *db = chain_of("bench.db", 0);
	struct audit_verify_result r;
	struct store *s = NULL;
	char err[256];
	uint8_t k[AUDIT_KEY_LEN] = { 1 }, prev[AUDIT_MAC_LEN] = { 0 };
	const char *f[AUDIT_FIELDS] = { "2026-01-01T00:00:00Z", VOL_A,
		"ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12", "sev_guest",
		"a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
		"release", "" };
	size_t len[AUDIT_FIELDS];
	int n = 200, m = 20000;
	double t0, t1;

	for (int i = 0; i < AUDIT_FIELDS; i++)
		len[i] = strlen(f[i]);
	t0 = now();
	for (int i = 0; i < m; i++)
		seal_audit_row(k, prev, i, f, len, prev);
	t1 = now();
	printf("bench: row MAC %.2f us\n", (t1 - t0) / m * 1e6);
	if (store_open(&s, db, tmaster, err, sizeof(err)) != STORE_OK)
		return;
	t0 = now();
	for (int i = 0; i < n; i++)
		append(s, "release", "");
	t1 = now();
	store_close(s);
	printf("bench: audit append (chained, synchronous=FULL, %s) %.1f us/row over %d rows\n", dir, (t1 - t0) / n * 1e6, n);
	t0 = now();
	verify_db(db, &r);
	t1 = now();
	printf("bench: verify %lld rows in %.1f ms\n", (long long)r.rows, (t1 - t0) * 1e3);
}

/* Two-step enrolment: a pending volume is listed, never released, confirmed only with its key; admin rows chain. */
static void test_enrolment(void)
{
	uint8_t key[VOLUME_KEY_LEN], other[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN];
	const char *db = path_of("enrol.db");
	struct audit_verify_result r;
	struct store *s = NULL;
	char err[256], *policy = NULL, n[160], created[32];
	int was = -1, pending = -1;

	unlink(db);
	for (int i = 0; i < VOLUME_KEY_LEN; i++) {
		key[i] = (uint8_t)(0x31 + i);
		other[i] = (uint8_t)(0x32 + i);
	}
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK, "enrol: open: %s", err);
	if (!s)
		return;
	store_set_operator(s, "alice");
	CHECK(store_volume_add(s, VOL_A, STRICT, key) == STORE_OK, "enrol: add");
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_PENDING && !policy &&
	      strstr(store_last_error(s), "pending"), "enrol: a pending volume's policy is not served: %s",
	      store_last_error(s));
	CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_PENDING, "enrol: a pending volume's key is not released");
	listed = listed_pending = 0;
	CHECK(store_volume_list(s, count, NULL) == STORE_OK && listed == 1 && listed_pending == 1,
	      "enrol: list shows it pending");
	CHECK(store_volume_state(s, VOL_A, &pending, created) == STORE_OK && pending == 1 && strlen(created) == 20,
	      "enrol: state pending, created %s", created);
	CHECK(store_volume_add(s, VOL_A, STRICT, other) == STORE_EXISTS && strstr(store_last_error(s), "pending") &&
	      strstr(store_last_error(s), "remove"), "enrol: add over a pending volume is refused: %s",
	      store_last_error(s));
	CHECK(store_volume_confirm(s, VOL_A, holds, other, "test", &was) == STORE_MISMATCH &&
	      strstr(store_last_error(s), "not the test's key"), "enrol: confirm with another key is refused");
	CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_PENDING, "enrol: ...and it stays pending");
	CHECK(store_volume_set_policy(s, VOL_A, LOOSE) == STORE_OK &&
	      store_volume_key(s, VOL_A, LOOSE, got) == STORE_PENDING, "enrol: set-policy on a pending volume keeps it pending");
	CHECK(store_volume_confirm(s, VOL_A, holds, key, "test", &was) == STORE_OK && was == 0, "enrol: confirm");
	CHECK(store_volume_key(s, VOL_A, LOOSE, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "enrol: the confirmed key is released");
	CHECK(store_volume_confirm(s, VOL_A, holds, key, "test", &was) == STORE_OK && was == 1,
	      "enrol: confirming again says it was active");
	CHECK(store_volume_add(s, VOL_B, LOOSE, key) == STORE_OK && store_volume_remove(s, VOL_B) == STORE_OK &&
	      store_volume_add(s, VOL_B, LOOSE, other) == STORE_OK, "enrol: a pending volume can be removed and added again");
	CHECK(store_volume_remove(s, VOL_A) == STORE_OK, "enrol: remove");
	store_close(s);
	s = NULL;
	/* add, set-policy, confirm, add, remove, add, remove: 7 admin rows, all chained */
	raw_hex(db, "SELECT count(*) FROM audit WHERE decision = 'admin' AND client_key = 'local-user:alice'", n, sizeof(n));
	CHECK(!strcmp(n, "7"), "enrol: 7 admin audit rows name the operator (%s)", n);
	raw_hex(db, "SELECT group_concat(reason, ',') FROM audit", n, sizeof(n));
	CHECK(!strcmp(n, "volume-add,volume-set-policy,volume-confirm,volume-add,volume-remove,volume-add,volume-remove"),
	      "enrol: the actions in order (%s)", n);
	raw_hex(db, "SELECT measurement FROM audit WHERE id = 1", n, sizeof(n));
	CHECK(!strncmp(n, "policy-sha256:", 14), "enrol: the add row records the policy hash (%s)", n);
	CHECK(verify_db(db, &r) == STORE_OK && r.rows == 7, "enrol: the chain verifies (%s)", r.what);
	/* a failed confirm wrote nothing: a rolled-back transaction leaves no row */
	CHECK(raw(db, "UPDATE volumes SET state = 'maybe'") != SQLITE_OK, "enrol: state is pending or active only");
}

/* Open db with master and walk its chain: STORE_OK, or what failed. */
static int verify_with(const char *db, const uint8_t *master, struct audit_verify_result *r)
{
	struct store *s = NULL;
	char err[256];
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_open_readonly(&s, db, master, err, sizeof(err))) != STORE_OK) {
		snprintf(r->what, sizeof(r->what), "open: %.200s", err);
		return rc;
	}
	rc = store_audit_verify(s, 0, NULL, r);
	store_close(s);
	return rc;
}

static void test_rotation(void)
{
	static const uint8_t nmaster[MASTER_KEY_LEN] = { 0x77, 0x01, 0x02 }, third[MASTER_KEY_LEN] = { 0x99 };
	uint8_t key[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN];
	const char *db = path_of("rotate.db");
	struct store_rotate_result rr;
	struct audit_verify_result r;
	struct store *s = NULL;
	char err[256], n[200], head[200], head2[200];

	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0x51 + i);
	db = chain_of("rotate.db", 5);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK, "rotate: open: %s", err);
	if (!s)
		return;
	CHECK(store_volume_add(s, VOL_A, STRICT, key) == STORE_OK && confirm(s, VOL_A, key) == STORE_OK &&
	      store_volume_add(s, VOL_B, LOOSE, key) == STORE_OK && store_policy_set(s, "web", STRICT, "") == STORE_OK,
	      "rotate: an active and a pending volume, a named policy");
	CHECK(store_rotate_master(s, nmaster, &rr) == STORE_OK, "rotate: rotates (%s)", store_last_error(s));
	CHECK(rr.volumes == 2 && rr.policies == 1 && rr.rows == 9 && rr.verified.rows == 9, "rotate: 2 keys rewrapped, "
	      "1 named policy sealed again, 9 rows re-chained (%lld, %lld, %lld)", (long long)rr.volumes,
	      (long long)rr.policies, (long long)rr.rows);
	CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "rotate: the open handle releases the same key under the new master key");
	CHECK(append(s, "release", "") == STORE_OK, "rotate: the open handle appends under the new audit key");
	store_close(s);
	s = NULL;
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_BAD_KEY, "rotate: the old key no longer opens it");
	store_close(s);
	s = NULL;
	CHECK(store_open(&s, db, nmaster, err, sizeof(err)) == STORE_OK, "rotate: the new key opens it: %s", err);
	if (s) {
		int pending = 0;
		char created[32];
		CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
		      "rotate: reopened, the same key");
		CHECK(store_volume_state(s, VOL_B, &pending, created) == STORE_OK && pending == 1 &&
		      store_volume_key(s, VOL_B, LOOSE, got) == STORE_PENDING, "rotate: the pending volume stays pending");
		{
			char *text = NULL, *inst = NULL;
			CHECK(store_policy_get(s, "web", &text, &inst) == STORE_OK && text && !strcmp(text, STRICT),
			      "rotate: the named policy opens under the new key (%s)", store_last_error(s));
			free(text);
			free(inst);
		}
		store_close(s);
		s = NULL;
	}
	CHECK(verify_with(db, nmaster, &r) == STORE_OK && r.rows == 11, "rotate: the chain verifies under the new key, "
	      "11 rows (%lld: %s)", (long long)r.rows, r.what);
	raw_hex(db, "SELECT reason || ' ' || measurement FROM audit WHERE id = 10", n, sizeof(n));
	CHECK(!strcmp(n, "master-key-rotate 2 volume key(s) rewrapped, 1 named policy sealed again, 9 audit row(s) re-chained"),
	      "rotate: its own admin row (%s)", n);
	CHECK(raw(db, "UPDATE audit SET reason = 'x' WHERE id = 1") != SQLITE_OK, "rotate: the audit is append-only again");

	/* a chain broken behind the store's back is not re-sealed as if whole: nothing changes */
	raw(db, "DROP TRIGGER audit_no_update; UPDATE audit SET reason = 'forged' WHERE id = 3;");
	raw_hex(db, "SELECT hex(value) FROM meta WHERE name = 'audit_head'", head, sizeof(head));
	CHECK(store_open(&s, db, nmaster, err, sizeof(err)) == STORE_OK, "rotate: open the forged store: %s", err);
	if (s) {
		CHECK(store_rotate_master(s, third, &rr) == STORE_TAMPERED && strstr(store_last_error(s), "row 3"),
		      "rotate: refused over a broken chain (%s)", store_last_error(s));
		store_close(s);
		s = NULL;
	}
	raw_hex(db, "SELECT hex(value) FROM meta WHERE name = 'audit_head'", head2, sizeof(head2));
	CHECK(head[0] && !strcmp(head, head2) && store_open(&s, db, third, err, sizeof(err)) == STORE_BAD_KEY,
	      "rotate: ...and the store is as it was");
	store_close(s);
	s = NULL;

	/* a volume whose policy was edited outside: refused at that volume, nothing changes */
	db = chain_of("rotate2.db", 2);
	if (store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK) {
		store_volume_add(s, VOL_A, STRICT, key);
		store_close(s);
		s = NULL;
	}
	raw(db, "UPDATE volumes SET policy = '{\"snp\": {}}'");
	raw_hex(db, "SELECT hex(value) FROM meta WHERE name = 'key_check'", head, sizeof(head));
	if (store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK) {
		CHECK(store_rotate_master(s, nmaster, &rr) == STORE_TAMPERED && strstr(store_last_error(s), VOL_A),
		      "rotate: refused at a volume edited outside (%s)", store_last_error(s));
		store_close(s);
		s = NULL;
	}
	raw_hex(db, "SELECT hex(value) FROM meta WHERE name = 'key_check'", head2, sizeof(head2));
	CHECK(!strcmp(head, head2) && verify_with(db, tmaster, &r) == STORE_OK && r.rows == 3,
	      "rotate: ...the key check and the chain unchanged (%s)", r.what);
}

static int policies_listed, policies_sealed;
static int64_t policy_users;
static void count_policy(void *ctx, const char *name, const char *created, const char *policy, const char *instances,
			 int sealed, int64_t volumes)
{
	(void)ctx;
	(void)created;
	(void)policy;
	(void)instances;
	policies_listed++;
	policies_sealed += sealed;
	if (!strcmp(name, "fleet"))
		policy_users = volumes;
}

#define HD_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define HD_B "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
#define HD_C "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"

/* schema 4: named policies, references, and the exactly-once first boot of an instance */
static void test_named_policies(void)
{
	static const char *VOL_C = "33333333-4444-4555-8666-777777777777";
	static const char *FLEET = "{\"snp\": {\"measurements\": [\"a5\"]}, \"tdx\": {\"mrtd\": [\"b6\"]}}";
	uint8_t key[VOLUME_KEY_LEN], got[VOLUME_KEY_LEN], again[VOLUME_KEY_LEN], b[VOLUME_KEY_LEN];
	const char *db = path_of("named.db");
	struct audit_verify_result r;
	struct store *s = NULL;
	char err[256], *policy = NULL, *rules = NULL, *eff = NULL, n[400];
	int reused = -1;

	unlink(db);
	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0x51 + i);
	CHECK(store_open(&s, db, tmaster, err, sizeof(err)) == STORE_OK, "named: open: %s", err);
	if (!s)
		return;
	store_set_operator(s, "bob");
	CHECK(store_policy_set(s, "Bad", STRICT, "") == STORE_ERROR, "named: an upper-case name is refused");
	CHECK(store_policy_set(s, "web", STRICT, "host_data=zz") == STORE_ERROR &&
	      strstr(store_last_error(s), "host_data=zz"), "named: a bad instance rule is refused: %s", store_last_error(s));
	CHECK(store_policy_set(s, "web", STRICT, "") == STORE_OK, "named: set web");
	CHECK(store_policy_get(s, "web", &policy, &rules) == STORE_OK && !strcmp(policy, STRICT) && !rules[0],
	      "named: get web");
	free(policy);
	free(rules);
	policy = rules = NULL;
	/* a volume that refers to it follows it: one edit for all */
	CHECK(store_volume_add(s, VOL_A, "@web", key) == STORE_OK && store_volume_confirm(s, VOL_A, holds, key, "t",
	      &reused) == STORE_OK, "named: a volume refers to web");
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_OK && !strcmp(policy, STRICT) &&
	      store_volume_key(s, VOL_A, STRICT, got) == STORE_OK && !memcmp(got, key, sizeof(key)),
	      "named: its policy is web's text, and its key opens under it");
	free(policy);
	policy = NULL;
	CHECK(store_policy_set(s, "web", LOOSE, "") == STORE_OK && store_volume_policy(s, VOL_A, &policy) == STORE_OK &&
	      !strcmp(policy, LOOSE), "named: policy set web changes the volume's policy");
	CHECK(store_volume_key(s, VOL_A, STRICT, got) == STORE_TAMPERED,
	      "named: a key is not released under the text the named policy had before");
	CHECK(store_volume_key(s, VOL_A, LOOSE, got) == STORE_OK, "named: ...but under the new one");
	free(policy);
	policy = NULL;
	CHECK(store_policy_remove(s, "web") == STORE_EXISTS && strstr(store_last_error(s), "1 volume"),
	      "named: remove is refused while a volume refers to it: %s", store_last_error(s));
	/* edited behind the store's back: every volume that refers to it is refused */
	CHECK(raw(db, "UPDATE policies SET policy = '{\"snp\": {\"allow_any_measurement\": true}}' WHERE name = 'web'") ==
	      SQLITE_OK, "named: raw edit");
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_TAMPERED && !policy && strstr(store_last_error(s), "web"),
	      "named: an edited named policy refuses its volumes: %s", store_last_error(s));
	CHECK(store_policy_set(s, "web", LOOSE, "") == STORE_OK && store_volume_policy(s, VOL_A, &policy) == STORE_OK,
	      "named: set again, it opens again");
	free(policy);
	policy = NULL;

	/* a fleet policy: first boots of the instances it lists */
	CHECK(store_policy_set(s, "fleet", FLEET, "host_data=a*\nmrconfigid=*") == STORE_OK, "fleet: set");
	CHECK(store_fleet_enrol(s, "web", VOL_B, "host_data", HD_A, 0, &eff, got, &reused) == STORE_NOT_FOUND &&
	      strstr(store_last_error(s), "not a fleet policy"), "fleet: a plain named policy enrols nobody");
	CHECK(store_fleet_enrol(s, "nope", VOL_B, "host_data", HD_A, 0, &eff, got, &reused) == STORE_NOT_FOUND,
	      "fleet: no such fleet");
	CHECK(store_fleet_enrol(s, "fleet", VOL_B, "host_data", HD_C, 0, &eff, got, &reused) == STORE_NOT_FOUND &&
	      strstr(store_last_error(s), "does not allow"), "fleet: HOST_DATA b1.. is not on the list: %s",
	      store_last_error(s));
	CHECK(store_fleet_enrol(s, "fleet", VOL_B, "host_data", HD_A, 0, &eff, got, &reused) == STORE_OK && eff &&
	      strstr(eff, "\"host_data\":\"" HD_A "\"") && !strstr(eff, "tdx"),
	      "fleet: the effective policy pins the instance, without the tdx section: %s", eff ? eff : "");
	CHECK(store_fleet_enrol(s, "fleet", VOL_B, "host_data", HD_A, 1, &eff, got, &reused) == STORE_OK && !reused,
	      "fleet: instance a1 enrols VOL_B");
	CHECK(store_fleet_enrol(s, "fleet", VOL_B, "host_data", HD_A, 1, &eff, again, &reused) == STORE_OK && reused &&
	      !memcmp(got, again, sizeof(got)), "fleet: the same instance and volume get the same pending key again");
	CHECK(store_fleet_enrol(s, "fleet", VOL_C, "host_data", HD_A, 1, &eff, again, &reused) == STORE_EXISTS &&
	      strstr(store_last_error(s), VOL_B), "fleet: the instance under another volume gets no second key: %s",
	      store_last_error(s));
	CHECK(store_volume_add(s, VOL_C, "@fleet host_data=" HD_A, again) == STORE_EXISTS,
	      "fleet: the database keeps one volume per instance (two first boots racing under two UUIDs): %s",
	      store_last_error(s));
	{
		char *stale = strdup("{\"snp\":{}}");

		CHECK(store_fleet_enrol(s, "fleet", VOL_C, "host_data", HD_B, 1, &stale, again, &reused) ==
		      STORE_TAMPERED, "fleet: decided under a text the fleet policy no longer has: nothing enrolled");
		free(stale);
	}
	{
		char *eff_b = NULL;

		CHECK(store_fleet_enrol(s, "fleet", VOL_C, "host_data", HD_B, 0, &eff_b, b, &reused) == STORE_OK &&
		      store_fleet_enrol(s, "fleet", VOL_A, "host_data", HD_B, 1, &eff_b, again, &reused) == STORE_EXISTS,
		      "fleet: another instance cannot take an enrolled volume");
		CHECK(store_fleet_enrol(s, "fleet", VOL_C, "host_data", HD_B, 1, &eff_b, b, &reused) == STORE_OK &&
		      !reused && memcmp(b, got, sizeof(b)), "fleet: instance a2 enrols VOL_C with another key");
		free(eff_b);
	}
	CHECK(store_volume_key(s, VOL_B, eff, again) == STORE_PENDING, "fleet: a pending first boot is not unlocked");
	free(eff);
	eff = NULL;
	CHECK(store_fleet_pending_policy(s, VOL_B, &eff) == STORE_OK && strstr(eff, HD_A),
	      "fleet: the pending volume's policy for its first unlock");
	CHECK(store_fleet_pending_policy(s, VOL_A, &policy) == STORE_PENDING && !policy,
	      "fleet: an active volume is not a pending first boot");
	CHECK(store_fleet_confirm(s, VOL_B, "first unlock") == STORE_OK &&
	      store_volume_key(s, VOL_B, eff, again) == STORE_OK && !memcmp(again, got, sizeof(got)),
	      "fleet: confirmed by its first unlock, its key is released under the pinned policy");
	CHECK(store_fleet_enrol(s, "fleet", VOL_B, "host_data", HD_A, 1, &eff, again, &reused) == STORE_EXISTS &&
	      strstr(store_last_error(s), "active"), "fleet: an active volume is never handed out by a first boot");
	free(eff);
	eff = NULL;
	policies_listed = policies_sealed = 0;
	policy_users = -1;
	CHECK(store_policy_list(s, count_policy, NULL) == STORE_OK && policies_listed == 2 && policies_sealed == 2 &&
	      policy_users == 2, "fleet: list: 2 policies, the fleet used by 2 volumes (%d, %d, %lld)", policies_listed,
	      policies_sealed, (long long)policy_users);
	CHECK(store_policy_set(s, "fleet", "{\"tdx\": {}}", "host_data=a*") == STORE_OK &&
	      store_volume_policy(s, VOL_B, &policy) == STORE_TAMPERED,
	      "fleet: a fleet policy without the instance's section leaves its volumes unopenable, never unpinned");
	free(policy);
	policy = NULL;
	store_close(s);
	s = NULL;
	raw_hex(db, "SELECT group_concat(reason, ',') FROM audit WHERE client_key = 'local-user:bob'", n, sizeof(n));
	CHECK(!strcmp(n, "policy-set,volume-add,volume-confirm,policy-set,policy-set,fleet-policy-set,fleet-policy-set"),
	      "fleet: the operator's actions in order (%s)", n);
	raw_hex(db, "SELECT count(*) FROM audit WHERE client_key = 'serve:fleet-first-boot'", n, sizeof(n));
	CHECK(!strcmp(n, "3"), "fleet: two first-boot adds and one confirm audited (%s)", n);
	CHECK(verify_db(db, &r) == STORE_OK, "fleet: the chain verifies (%s)", r.what);
}

static void test_secure_mem(void)
{
	struct secret p;

	CHECK(secret_alloc(&p, 4096) == 0, "secure_alloc");
	if (p.data) {
		memset(p.data, 0x55, 4096);
		secret_free(&p);
	}
}

int main(int argc, char **argv)
{
	snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : "/tmp/test-store");
	mkdir(dir, 0700);
	test_wrap();
	test_master_key();
	test_store();
	test_policy_seal();
	test_audit_chain();
	test_audit_concurrent();
	test_migration();
	test_enrolment();
	test_rotation();
	test_named_policies();
	test_secure_mem();
	if (!getenv("TEST_STORE_NO_BENCH"))
		bench_audit();
	return check_done();
}
