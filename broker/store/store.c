#include "store_internal.h"
#include "secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

/* Sealed under the master key at creation; unsealing it proves the key. */
#define KEY_CHECK_PLAIN   "cocoboot master key check"
#define KEY_CHECK_CONTEXT "key-check"

static const char schema_tables[] =
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	/* wrapped_key is sealed with the UUID and the SHA-256 of policy (seal.h) */
	"CREATE TABLE IF NOT EXISTS volumes ("
	"  uuid TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL,"
	"  wrapped_key BLOB NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	/* mac chains each row to the one before it (seal.h); the head is meta 'audit_head' */
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time TEXT NOT NULL,"
	"  volume TEXT NOT NULL,"
	"  client_key TEXT NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  measurement TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK (decision IN ('release','refuse')),"
	"  reason TEXT NOT NULL,"
	"  mac BLOB);";

/* append-only: rows can be added, never changed or removed through SQL. This
 * stops mistakes; someone who can drop the triggers is caught by the chain. */
static const char schema_triggers[] =
	"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

int store_fail(struct store *s, int code, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
	return code;
}

int store_exec(struct store *s, const char *sql, const char *what)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : store_fail(s, STORE_ERROR, what);
}

const char *store_last_error(const struct store *s)
{
	return s->err;
}

const char *store_notice(const struct store *s)
{
	return s->notice;
}

/* One integer or blob from a query with no parameters; 1 found, 0 none, <0 error. */
static int query_one(struct store *s, const char *sql, int64_t *num, uint8_t *blob, size_t cap, size_t *len)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read meta");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret = 1;
		if (num)
			*num = sqlite3_column_type(st, 0) == SQLITE_INTEGER ? sqlite3_column_int64(st, 0) : -1;
		if (blob) {
			const void *b = sqlite3_column_blob(st, 0);
			size_t n = (size_t)sqlite3_column_bytes(st, 0);
			*len = n;
			if (b && n <= cap)
				memcpy(blob, b, n);
			else
				*len = cap + 1;   /* too long or absent: never matches */
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, STORE_ERROR, "read meta");
	}
	sqlite3_finalize(st);
	return ret;
}

/*
 * The schema version: 2 (current), 1 (a store made before seals and chain: it
 * has a key check but no version), 0 (empty: a new store), or a newer number.
 */
static int schema_version(struct store *s, int64_t *version)
{
	int64_t v = 0, used = 0;
	int has_check, has_version;

	if ((has_check = query_one(s, "SELECT 1 FROM meta WHERE name='key_check'", NULL, NULL, 0, NULL)) < 0 ||
	    (has_version = query_one(s, "SELECT value FROM meta WHERE name='schema_version'", &v, NULL, 0, NULL)) < 0 ||
	    query_one(s, "SELECT (SELECT count(*) FROM volumes) + (SELECT count(*) FROM audit) + "
			 "(SELECT count(*) FROM meta)", &used, NULL, 0, NULL) < 0)
		return STORE_ERROR;
	if (!has_check && !has_version && used == 0) {
		*version = 0;
		return STORE_OK;
	}
	if (!has_check) {
		snprintf(s->err, sizeof(s->err), "the store has no master key check value "
			 "(its meta table was edited outside cocobroker); restore it from a backup");
		return STORE_TAMPERED;
	}
	if (has_version && v < 2) {
		snprintf(s->err, sizeof(s->err), "the store's schema_version is not a valid number");
		return STORE_TAMPERED;
	}
	*version = has_version ? v : 1;
	return STORE_OK;
}

static int check_master_key(struct store *s)
{
	uint8_t sealed[sizeof(KEY_CHECK_PLAIN) + WRAP_OVERHEAD], plain[sizeof(KEY_CHECK_PLAIN)];
	size_t n = 0, plain_len;
	int rc = query_one(s, "SELECT value FROM meta WHERE name='key_check'", NULL, sealed, sizeof(sealed), &n);

	if (rc < 0)
		return rc;
	if (rc == 1 && n <= sizeof(sealed) &&
	    wrap_open(s->keys->master, KEY_CHECK_CONTEXT, sealed, n, plain, sizeof(plain), &plain_len) == 0 &&
	    plain_len == sizeof(KEY_CHECK_PLAIN) && !memcmp(plain, KEY_CHECK_PLAIN, plain_len))
		return STORE_OK;
	snprintf(s->err, sizeof(s->err), "the master key does not match this database (wrong or replaced key file)");
	return STORE_BAD_KEY;
}

/* A new database: the key check value, the version, and the head of an empty chain. */
static int initialise(struct store *s)
{
	uint8_t sealed[sizeof(KEY_CHECK_PLAIN) + WRAP_OVERHEAD], zero[AUDIT_MAC_LEN] = { 0 };
	sqlite3_stmt *st;
	int rc;

	if (wrap_seal(s->keys->master, KEY_CHECK_CONTEXT, (const uint8_t *)KEY_CHECK_PLAIN,
		      sizeof(KEY_CHECK_PLAIN), sealed)) {
		snprintf(s->err, sizeof(s->err), "cannot seal the key check value");
		return STORE_ERROR;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "write key check");
	sqlite3_bind_blob(st, 1, sealed, sizeof(sealed), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, STORE_ERROR, "write key check");
	if ((rc = store_exec(s, "INSERT INTO meta (name, value) VALUES ('schema_version', 2)", "write version")))
		return rc;
	return store_audit_set_head(s, 0, zero);
}

static struct store *store_new(const uint8_t master[MASTER_KEY_LEN], char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s || !(s->keys = secure_alloc(sizeof(*s->keys)))) {
		snprintf(err, errlen, "cannot allocate locked memory for the master key");
		free(s);
		return NULL;
	}
	memcpy(s->keys->master, master, MASTER_KEY_LEN);
	if (seal_audit_key(master, s->keys->audit)) {
		snprintf(err, errlen, "cannot derive the audit key");
		store_close(s);
		return NULL;
	}
	return s;
}

static int finish_open(struct store *s, int ret, struct store **out, char *err, size_t errlen)
{
	if (ret != STORE_OK) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return ret;
	}
	*out = s;
	return STORE_OK;
}

/* Everything that may write, in one IMMEDIATE transaction: a second broker opening
 * the same new or old file at the same time waits instead of racing. */
static int prepare(struct store *s)
{
	int64_t version;
	int ret;

	if ((ret = store_exec(s, "BEGIN IMMEDIATE", "lock the store")))
		return ret;
	if (!(ret = store_exec(s, schema_tables, "create schema")))
		ret = schema_version(s, &version);
	if (!ret && version == 0) {
		ret = initialise(s);
	} else if (!ret && !(ret = check_master_key(s))) {
		if (version == 1) {
			ret = store_migrate_v1(s);
		} else if (version != STORE_SCHEMA_VERSION) {
			snprintf(s->err, sizeof(s->err), "the store has schema version %lld, newer than this cocobroker "
				 "(%d): use the cocobroker that wrote it", (long long)version, STORE_SCHEMA_VERSION);
			ret = STORE_ERROR;
		}
	}
	if (!ret)
		ret = store_exec(s, schema_triggers, "create triggers");
	if (!ret)
		ret = store_exec(s, "COMMIT", "commit the schema");
	if (ret)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int store_open(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
	       char *err, size_t errlen)
{
	struct store *s = store_new(master, err, errlen);
	int ret = STORE_ERROR;

	*out = NULL;
	if (!s)
		return STORE_ERROR;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_fail(s, STORE_ERROR, path);
		return finish_open(s, ret, out, err, errlen);
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL: readers never block the audit writer; FULL: a committed audit row survives power loss */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL)) {
		store_fail(s, STORE_ERROR, path);
	} else if ((ret = prepare(s)) == STORE_ERROR) {
		/* name the file: "lock the store: attempt to write a readonly database" alone does not say which */
		char what[sizeof(s->err)];
		snprintf(what, sizeof(what), "%s", s->err);
		snprintf(s->err, sizeof(s->err), "%s: %.200s", path, what);
	}
	return finish_open(s, ret, out, err, errlen);
}

int store_open_readonly(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
			char *err, size_t errlen)
{
	struct store *s = store_new(master, err, errlen);
	int64_t version = 0;
	int ret = STORE_ERROR;

	*out = NULL;
	if (!s)
		return STORE_ERROR;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		store_fail(s, STORE_ERROR, path);
		return finish_open(s, ret, out, err, errlen);
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (query_one(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('meta','volumes','audit')",
		      &version, NULL, 0, NULL) < 0)
		return finish_open(s, ret, out, err, errlen);
	if (version != 3) {
		snprintf(s->err, sizeof(s->err), "%s is not a cocobroker store (no meta, volumes and audit tables)", path);
		return finish_open(s, ret, out, err, errlen);
	}
	if ((ret = schema_version(s, &version)) == STORE_OK && (ret = check_master_key(s)) == STORE_OK &&
	    version != STORE_SCHEMA_VERSION) {
		if (version < STORE_SCHEMA_VERSION)
			snprintf(s->err, sizeof(s->err), "the store has schema version %lld: its audit is not chained yet. "
				 "Any cocobroker command that opens it for writing (serve, volume list) migrates it "
				 "to version %d", (long long)version, STORE_SCHEMA_VERSION);
		else
			snprintf(s->err, sizeof(s->err), "the store has schema version %lld, newer than this "
				 "cocobroker (%d)", (long long)version, STORE_SCHEMA_VERSION);
		ret = STORE_ERROR;
	}
	return finish_open(s, ret, out, err, errlen);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	secure_free(s->keys, sizeof(*s->keys));
	free(s);
}

/* Runs a statement with text parameters; returns the number of rows changed or a store_result. */
static int exec_text(struct store *s, const char *sql, const char *what, int n, const char **args)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return store_fail(s, STORE_ERROR, what);
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return STORE_EXISTS;
	if (rc != SQLITE_DONE)
		return store_fail(s, STORE_ERROR, what);
	return sqlite3_changes(s->db);
}

static int seal_key(struct store *s, const char *uuid, const char *policy, const uint8_t key[VOLUME_KEY_LEN],
		    uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD])
{
	char ctx[SEAL_CONTEXT_LEN];

	if (seal_volume_context(ctx, uuid, policy, strlen(policy)) ||
	    wrap_seal(s->keys->master, ctx, key, VOLUME_KEY_LEN, wrapped)) {
		snprintf(s->err, sizeof(s->err), "cannot wrap the volume key");
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* Open a wrapped key sealed with (uuid, policy) into key; STORE_TAMPERED if it does not open. */
static int open_key(struct store *s, const char *uuid, const char *policy, const void *wrapped, int n,
		    uint8_t key[VOLUME_KEY_LEN])
{
	char ctx[SEAL_CONTEXT_LEN];
	size_t len = 0;

	if (wrapped && n > 0 && seal_volume_context(ctx, uuid, policy, strlen(policy)) == 0 &&
	    wrap_open(s->keys->master, ctx, wrapped, (size_t)n, key, VOLUME_KEY_LEN, &len) == 0 &&
	    len == VOLUME_KEY_LEN)
		return STORE_OK;
	mbedtls_platform_zeroize(key, VOLUME_KEY_LEN);
	snprintf(s->err, sizeof(s->err), "the sealed record of volume %s does not open: its policy or wrapped key "
		 "was changed outside cocobroker", uuid);
	return STORE_TAMPERED;
}

int store_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN])
{
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	sqlite3_stmt *st;
	int rc;

	if ((rc = seal_key(s, uuid, policy_json, key, wrapped)))
		return rc;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO volumes (uuid, policy, wrapped_key) VALUES (?, ?, ?)",
			       -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "add volume");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, policy_json, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, wrapped, sizeof(wrapped), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "volume %s already exists", uuid);
		return STORE_EXISTS;
	}
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "add volume");
}

/* Read a volume's policy (malloc'd) and check its seal, leaving the key wiped. */
static int read_sealed(struct store *s, const char *uuid, char **policy_json)
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	*policy_json = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT policy, wrapped_key FROM volumes WHERE uuid = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read policy");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_text(st, 0);
		*policy_json = strdup(text ? (const char *)text : "");
		ret = *policy_json ? open_key(s, uuid, *policy_json, sqlite3_column_blob(st, 1),
					      sqlite3_column_bytes(st, 1), s->keys->scratch)
				   : STORE_ERROR;
		mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
		if (ret != STORE_OK) {
			free(*policy_json);
			*policy_json = NULL;
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, STORE_ERROR, "read policy");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json)
{
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	sqlite3_stmt *st = NULL;
	int rc;

	/* read, check the old seal, re-seal and write in one transaction: a
	 * concurrent set-policy cannot slip in between */
	if ((rc = store_exec(s, "BEGIN IMMEDIATE", "set policy")))
		return rc;
	if (sqlite3_prepare_v2(s->db, "SELECT policy, wrapped_key FROM volumes WHERE uuid = ?", -1, &st, NULL)) {
		rc = store_fail(s, STORE_ERROR, "set policy");
		goto out;
	}
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, STORE_ERROR, "set policy");
		goto out;
	}
	if ((rc = open_key(s, uuid, sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "",
			   sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), s->keys->scratch)) ||
	    (rc = seal_key(s, uuid, policy_json, s->keys->scratch, wrapped)))
		goto out;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "UPDATE volumes SET policy = ?, wrapped_key = ? WHERE uuid = ?", -1, &st, NULL)) {
		st = NULL;
		rc = store_fail(s, STORE_ERROR, "set policy");
		goto out;
	}
	sqlite3_bind_text(st, 1, policy_json, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, wrapped, sizeof(wrapped), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1 ? STORE_OK
									     : store_fail(s, STORE_ERROR, "set policy");
	if (rc == STORE_OK)
		rc = store_exec(s, "COMMIT", "set policy");
out:
	sqlite3_finalize(st);
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc != STORE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_volume_remove(struct store *s, const char *uuid)
{
	const char *args[] = { uuid };
	int n = exec_text(s, "DELETE FROM volumes WHERE uuid = ?", "remove volume", 1, args);

	return n < 0 ? n : n == 0 ? STORE_NOT_FOUND : STORE_OK;
}

int store_volume_policy(struct store *s, const char *uuid, char **policy_json)
{
	return read_sealed(s, uuid, policy_json);
}

int store_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN])
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	if (sqlite3_prepare_v2(s->db, "SELECT wrapped_key FROM volumes WHERE uuid = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read volume key");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = open_key(s, uuid, policy_json, sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), key);
	else if (rc != SQLITE_DONE)
		ret = store_fail(s, STORE_ERROR, "read volume key");
	sqlite3_finalize(st);
	return ret;
}

int store_volume_list(struct store *s, store_list_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT uuid, created, policy, wrapped_key FROM volumes ORDER BY uuid", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "list volumes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *uuid = (const char *)sqlite3_column_text(st, 0);
		const char *policy = (const char *)sqlite3_column_text(st, 2);
		int sealed = uuid && policy && open_key(s, uuid, policy, sqlite3_column_blob(st, 3),
							sqlite3_column_bytes(st, 3), s->keys->scratch) == STORE_OK;

		mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
		fn(ctx, uuid, (const char *)sqlite3_column_text(st, 1), policy, sealed);
	}
	s->err[0] = '\0';   /* a broken seal is reported through sealed, not as an error */
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "list volumes");
}
