/*
 * The SQLite backend (store_backend.h): the default, one file shared by the
 * workers and by brokers on the same machine (WAL, busy timeout).
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>


static const char schema_tables[] =
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	/* wrapped_key is sealed with the UUID and the SHA-256 of policy (seal.h);
	 * state: pending from add until confirm (store.h) */
	"CREATE TABLE IF NOT EXISTS volumes ("
	"  uuid TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL,"
	"  wrapped_key BLOB NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
	"  " STORE_STATE_COLUMN ");"
	/* mac chains each row to the one before it (seal.h); the head is meta 'audit_head' */
	STORE_AUDIT_TABLE("audit")
	STORE_POLICIES_TABLE;

/* append-only: rows can be added, never changed or removed through SQL. This
 * stops mistakes; someone who can drop the triggers is caught by the chain. */
static const char schema_triggers[] = STORE_SQLITE_AUDIT_TRIGGERS;

int store_fail(struct store *s, int code, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
	return code;
}

int store_exec(struct store *s, const char *sql, const char *what)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : store_fail(s, STORE_ERROR, what);
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
 * The schema version: 3 (current), 2 (sealed, chained, no volume states), 1 (a store made before seals and chain: it
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
	uint8_t sealed[STORE_KEY_CHECK_LEN];
	size_t n = 0;
	int rc = query_one(s, "SELECT value FROM meta WHERE name='key_check'", NULL, sealed, sizeof(sealed), &n);

	if (rc < 0)
		return rc;
	return store_key_check_open(s, rc == 1 && n <= sizeof(sealed) ? sealed : NULL, n);
}

/* A new database: the key check value, the version, and the head of an empty chain. */
static int initialise(struct store *s)
{
	uint8_t sealed[STORE_KEY_CHECK_LEN], zero[AUDIT_MAC_LEN] = { 0 };
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_key_check_seal(s, sealed)))
		return rc;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "write key check");
	sqlite3_bind_blob(st, 1, sealed, sizeof(sealed), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, STORE_ERROR, "write key check");
	if ((rc = store_exec(s, "INSERT INTO meta (name, value) VALUES ('schema_version', 4)", "write version")))
		return rc;
	return store_audit_set_head(s, 0, zero);
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
		if (version == 1 && !(ret = store_migrate_v1(s)))
			version = 2;
		if (!ret && version == 2 && !(ret = store_migrate_v2(s)))
			version = 3;
		if (!ret && version == 3) {
			ret = store_migrate_v3(s);
		} else if (!ret && version != STORE_SCHEMA_VERSION) {
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

int store_sqlite_open(struct store *s, const char *path)
{
	int ret = STORE_ERROR;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return store_fail(s, STORE_ERROR, path);
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
	return ret;
}

int store_sqlite_open_readonly(struct store *s, const char *path)
{
	int64_t version = 0;
	int ret = STORE_ERROR;

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return store_fail(s, STORE_ERROR, path);
	sqlite3_busy_timeout(s->db, 5000);
	if (query_one(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('meta','volumes','audit')",
		      &version, NULL, 0, NULL) < 0)
		return STORE_ERROR;
	if (version != 3) {
		snprintf(s->err, sizeof(s->err), "%s is not a cocobroker store (no meta, volumes and audit tables)", path);
		return STORE_ERROR;
	}
	/* schema 2 and 3 chain the audit the same way: audit verify reads both */
	if ((ret = schema_version(s, &version)) == STORE_OK && (ret = check_master_key(s)) == STORE_OK &&
	    (version < 2 || version > STORE_SCHEMA_VERSION)) {
		if (version < 2)
			snprintf(s->err, sizeof(s->err), "the store has schema version %lld: its audit is not chained yet. "
				 "Any cocobroker command that opens it for writing (serve, volume list) migrates it "
				 "to version %d", (long long)version, STORE_SCHEMA_VERSION);
		else
			snprintf(s->err, sizeof(s->err), "the store has schema version %lld, newer than this "
				 "cocobroker (%d)", (long long)version, STORE_SCHEMA_VERSION);
		ret = STORE_ERROR;
	}
	return ret;
}

static void sqlite_close(struct store *s)
{
	sqlite3_close(s->db);
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


/* Run body (which returns a store_result) in one write transaction: committed only if it succeeds. */
static int in_transaction(struct store *s, const char *what, int (*body)(struct store *, void *), void *arg)
{
	int rc;

	if ((rc = store_exec(s, "BEGIN IMMEDIATE", what)))
		return rc;
	rc = body(s, arg);
	if (rc == STORE_OK)
		rc = store_exec(s, "COMMIT", what);
	if (rc != STORE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}


/* One volume row: the state, and with want_key the policy (malloc'd) and the key opened into s->keys->scratch. */
struct volume_row {
	int pending;
	char created[32];
	char *policy;
};

static int read_row(struct store *s, const char *uuid, struct volume_row *row, int want_key, const char *what)
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	memset(row, 0, sizeof(*row));
	if (sqlite3_prepare_v2(s->db, "SELECT policy, wrapped_key, state, created FROM volumes WHERE uuid = ?", -1, &st,
			       NULL))
		return store_fail(s, STORE_ERROR, what);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_text(st, 0), *state = sqlite3_column_text(st, 2),
				    *created = sqlite3_column_text(st, 3);

		row->pending = !state || strcmp((const char *)state, "active") != 0;
		snprintf(row->created, sizeof(row->created), "%s", created ? (const char *)created : "");
		ret = STORE_OK;
		if (want_key) {
			row->policy = strdup(text ? (const char *)text : "");
			ret = row->policy ? store_open_key(s, uuid, row->policy, sqlite3_column_blob(st, 1),
							   (size_t)sqlite3_column_bytes(st, 1), s->keys->scratch)
					  : STORE_ERROR;
			if (ret != STORE_OK) {
				free(row->policy);
				row->policy = NULL;
			}
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, STORE_ERROR, what);
	}
	sqlite3_finalize(st);
	if (ret == STORE_NOT_FOUND)
		store_not_found_error(s, uuid);
	return ret;
}


struct add_args {
	const char *uuid, *policy;
	const uint8_t *key;
};

static int add_body(struct store *s, void *arg)
{
	const struct add_args *a = arg;
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	struct volume_row row;
	char detail[96];
	sqlite3_stmt *st;
	int rc;

	if ((rc = read_row(s, a->uuid, &row, 0, "add volume")) == STORE_OK) {
		return store_exists_error(s, a->uuid, row.pending, row.created);
	}
	if (rc != STORE_NOT_FOUND)
		return rc;
	if ((rc = store_seal_key(s, a->uuid, a->policy, a->key, wrapped)))
		return rc;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO volumes (uuid, policy, wrapped_key, state) VALUES (?, ?, ?, 'pending')",
			       -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "add volume");
	sqlite3_bind_text(st, 1, a->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->policy, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, wrapped, sizeof(wrapped), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "another volume has the policy %.120s already (one volume per "
			 "instance)", a->policy);
		return STORE_EXISTS;
	}
	if (rc != SQLITE_DONE)
		return store_fail(s, STORE_ERROR, "add volume");
	store_policy_detail(detail, a->policy);
	return store_audit_admin(s, "volume-add", a->uuid, detail);
}

static int sqlite_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN])
{
	struct add_args a = { uuid, policy_json, key };

	return in_transaction(s, "add volume", add_body, &a);
}

struct confirm_args {
	const char *uuid, *how;
	store_key_check_fn check;
	void *ctx;
	int *was_active;
};

static int confirm_body(struct store *s, void *arg)
{
	const struct confirm_args *a = arg;
	const char *args[] = { a->uuid };
	struct volume_row row;
	char why[200] = "";
	int rc;

	if ((rc = read_row(s, a->uuid, &row, 1, "confirm volume")))
		return rc;
	free(row.policy);
	*a->was_active = !row.pending;
	rc = a->check(a->ctx, s->keys->scratch, why, sizeof(why));
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc) {
		snprintf(s->err, sizeof(s->err), "%s", why[0] ? why : "the key does not match");
		return STORE_MISMATCH;
	}
	if (!row.pending)
		return STORE_OK;
	if ((rc = exec_text(s, "UPDATE volumes SET state = 'active' WHERE uuid = ? AND state = 'pending'",
			    "confirm volume", 1, args)) != 1)
		return rc < 0 ? rc : store_fail(s, STORE_ERROR, "confirm volume");
	return store_audit_admin(s, "volume-confirm", a->uuid, a->how);
}

static int sqlite_volume_confirm(struct store *s, const char *uuid, store_key_check_fn check, void *ctx,
			 const char *how, int *was_active)
{
	struct confirm_args a = { uuid, how, check, ctx, was_active };

	return in_transaction(s, "confirm volume", confirm_body, &a);
}

struct policy_args {
	const char *uuid, *policy;
};

/* read, check the old seal, re-seal and write in one transaction: a
 * concurrent set-policy cannot slip in between */
static int set_policy_body(struct store *s, void *arg)
{
	const struct policy_args *a = arg;
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	struct volume_row row;
	char detail[96];
	sqlite3_stmt *st;
	int rc;

	if ((rc = read_row(s, a->uuid, &row, 1, "set policy")))
		return rc;
	free(row.policy);
	rc = store_seal_key(s, a->uuid, a->policy, s->keys->scratch, wrapped);
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->db, "UPDATE volumes SET policy = ?, wrapped_key = ? WHERE uuid = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "set policy");
	sqlite3_bind_text(st, 1, a->policy, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, wrapped, sizeof(wrapped), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1 ? STORE_OK
									     : store_fail(s, STORE_ERROR, "set policy");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	store_policy_detail(detail, a->policy);
	return store_audit_admin(s, "volume-set-policy", a->uuid, detail);
}

static int sqlite_volume_set_policy(struct store *s, const char *uuid, const char *policy_json)
{
	struct policy_args a = { uuid, policy_json };

	return in_transaction(s, "set policy", set_policy_body, &a);
}

static int remove_body(struct store *s, void *arg)
{
	const char *uuid = arg, *args[] = { uuid };
	struct volume_row row;
	int rc;

	if ((rc = read_row(s, uuid, &row, 0, "remove volume")))
		return rc;
	if ((rc = exec_text(s, "DELETE FROM volumes WHERE uuid = ?", "remove volume", 1, args)) != 1)
		return rc < 0 ? rc : STORE_NOT_FOUND;
	return store_audit_admin(s, "volume-remove", uuid, row.pending ? "was pending" : "was active");
}

static int sqlite_volume_remove(struct store *s, const char *uuid)
{
	return in_transaction(s, "remove volume", remove_body, (void *)uuid);
}

static int sqlite_volume_state(struct store *s, const char *uuid, int *pending, char created[32])
{
	struct volume_row row;
	int rc = read_row(s, uuid, &row, 0, "read volume");

	if (rc == STORE_OK) {
		*pending = row.pending;
		memcpy(created, row.created, sizeof(row.created));
	}
	return rc;
}

static int sqlite_volume_policy(struct store *s, const char *uuid, char **policy_json)
{
	struct volume_row row;
	int rc = read_row(s, uuid, &row, 1, "read policy");

	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc == STORE_OK && row.pending) {
		free(row.policy);
		return store_pending_error(s, uuid, row.created);
	}
	if (rc == STORE_OK)
		*policy_json = row.policy;
	return rc;
}

static int sqlite_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN])
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	if (sqlite3_prepare_v2(s->db, "SELECT wrapped_key, state, created FROM volumes WHERE uuid = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read volume key");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *state = sqlite3_column_text(st, 1);

		if (!state || strcmp((const char *)state, "active")) {
			const unsigned char *created = sqlite3_column_text(st, 2);

			ret = store_pending_error(s, uuid, created ? (const char *)created : "");
		} else {
			ret = store_open_key(s, uuid, policy_json, sqlite3_column_blob(st, 0),
					     (size_t)sqlite3_column_bytes(st, 0), key);
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, STORE_ERROR, "read volume key");
	}
	sqlite3_finalize(st);
	return ret;
}

static int sqlite_volume_list(struct store *s, store_list_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT uuid, created, policy, wrapped_key, state FROM volumes ORDER BY uuid", -1,
			       &st, NULL))
		return store_fail(s, STORE_ERROR, "list volumes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *uuid = (const char *)sqlite3_column_text(st, 0);
		const char *policy = (const char *)sqlite3_column_text(st, 2);
		const char *state = (const char *)sqlite3_column_text(st, 4);
		int sealed = uuid && policy && store_open_key(s, uuid, policy, sqlite3_column_blob(st, 3),
							      (size_t)sqlite3_column_bytes(st, 3), s->keys->scratch) == STORE_OK;

		mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
		fn(ctx, uuid, (const char *)sqlite3_column_text(st, 1), policy, sealed, !state || strcmp(state, "active"));
	}
	s->err[0] = '\0';   /* a broken seal is reported through sealed, not as an error */
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "list volumes");
}

/* VACUUM INTO: a consistent, compacted copy in one read transaction; writers go on (WAL). */
static int sqlite_backup(struct store *s, const char *path)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "VACUUM INTO ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "backup");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "backup");
}

struct note_args {
	const char *action, *volume, *detail;
};

static int note_body(struct store *s, void *arg)
{
	const struct note_args *a = arg;

	return store_audit_admin(s, a->action, a->volume, a->detail);
}

static int sqlite_note_admin(struct store *s, const char *action, const char *volume, const char *detail)
{
	struct note_args a = { action, volume, detail };

	return in_transaction(s, "admin audit row", note_body, &a);
}

/* ---- named policies ---- */

/* The volumes that refer to a named policy: "@NAME" alone or "@NAME KIND=HEX". */
#define REFERS_TO(name_param) \
	"(policy = '@' || " name_param " OR substr(policy, 1, length(" name_param ") + 2) = '@' || " name_param " || ' ')"

struct put_args {
	const char *name, *policy, *instances;
	const uint8_t *seal;
	size_t seal_len;
};

static int put_body(struct store *s, void *arg)
{
	const struct put_args *a = arg;
	char detail[96];
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO policies (name, policy, instances, seal) VALUES (?1, ?2, ?3, ?4) "
			       "ON CONFLICT (name) DO UPDATE SET policy = ?2, instances = ?3, seal = ?4", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "set named policy");
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->instances, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, a->seal, (int)a->seal_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, STORE_ERROR, "set named policy");
	store_policy_detail(detail, a->policy);
	return store_audit_admin(s, a->instances[0] ? "fleet-policy-set" : "policy-set", a->name, detail);
}

static int sqlite_policy_put(struct store *s, const char *name, const char *policy, const char *instances,
			     const uint8_t *seal, size_t seal_len)
{
	struct put_args a = { name, policy, instances, seal, seal_len };

	return in_transaction(s, "set named policy", put_body, &a);
}

static void fill_policy_row(sqlite3_stmt *st, struct store_policy_row *row, int copy)
{
	const void *seal = sqlite3_column_blob(st, 4);
	size_t n = (size_t)sqlite3_column_bytes(st, 4);
	const char *f[3];

	for (int i = 0; i < 3; i++) {
		f[i] = (const char *)sqlite3_column_text(st, i);
		if (!f[i])
			f[i] = "";
	}
	row->name = copy ? strdup(f[0]) : (char *)f[0];
	row->policy = copy ? strdup(f[1]) : (char *)f[1];
	row->instances = copy ? strdup(f[2]) : (char *)f[2];
	snprintf(row->created, sizeof(row->created), "%s", sqlite3_column_text(st, 3) ?
		 (const char *)sqlite3_column_text(st, 3) : "");
	row->seal_len = seal && n <= STORE_POLICY_SEAL_LEN ? n : STORE_POLICY_SEAL_LEN + 1;
	if (row->seal_len <= STORE_POLICY_SEAL_LEN)
		memcpy(row->seal, seal, n);
	row->volumes = sqlite3_column_int64(st, 5);
}

#define POLICY_COLUMNS "name, policy, instances, created, seal, " \
	"(SELECT count(*) FROM volumes WHERE " REFERS_TO("policies.name") ")"

static int sqlite_policy_get(struct store *s, const char *name, struct store_policy_row *row)
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	memset(row, 0, sizeof(*row));
	if (sqlite3_prepare_v2(s->db, "SELECT " POLICY_COLUMNS " FROM policies WHERE name = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read named policy");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fill_policy_row(st, row, 1);
		ret = row->name && row->policy && row->instances ? STORE_OK : STORE_ERROR;
	} else if (rc != SQLITE_DONE) {
		ret = store_fail(s, STORE_ERROR, "read named policy");
	}
	sqlite3_finalize(st);
	if (ret == STORE_NOT_FOUND)
		snprintf(s->err, sizeof(s->err), "no named policy %s", name);
	return ret;
}

static int sqlite_policy_list(struct store *s, void (*fn)(void *ctx, const struct store_policy_row *row), void *ctx)
{
	struct store_policy_row row;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT " POLICY_COLUMNS " FROM policies ORDER BY name", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "list named policies");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		fill_policy_row(st, &row, 0);
		fn(ctx, &row);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "list named policies");
}

static int policy_remove_body(struct store *s, void *arg)
{
	const char *name = arg, *args[] = { name };
	struct store_policy_row row;
	int rc;

	if ((rc = sqlite_policy_get(s, name, &row)))
		return rc;
	store_policy_row_free(&row);
	if (row.volumes) {
		snprintf(s->err, sizeof(s->err), "named policy %s is used by %lld volume(s): point them at another "
			 "policy (volume set-policy) or remove them first", name, (long long)row.volumes);
		return STORE_EXISTS;
	}
	if ((rc = exec_text(s, "DELETE FROM policies WHERE name = ?", "remove named policy", 1, args)) != 1)
		return rc < 0 ? rc : STORE_NOT_FOUND;
	return store_audit_admin(s, "policy-remove", name, "");
}

static int sqlite_policy_remove(struct store *s, const char *name)
{
	return in_transaction(s, "remove named policy", policy_remove_body, (void *)name);
}

static int sqlite_volume_read(struct store *s, const char *uuid, char **policy, int *pending,
			      uint8_t key[VOLUME_KEY_LEN])
{
	struct volume_row row;
	int rc = read_row(s, uuid, &row, 1, "read volume");

	if (rc == STORE_OK) {
		memcpy(key, s->keys->scratch, VOLUME_KEY_LEN);
		*policy = row.policy;
		*pending = row.pending;
	}
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.close = sqlite_close,
	.volume_add = sqlite_volume_add,
	.volume_confirm = sqlite_volume_confirm,
	.volume_set_policy = sqlite_volume_set_policy,
	.volume_remove = sqlite_volume_remove,
	.volume_state = sqlite_volume_state,
	.volume_policy = sqlite_volume_policy,
	.volume_key = sqlite_volume_key,
	.volume_list = sqlite_volume_list,
	.audit_append = store_sqlite_audit_append,
	.audit_verify = store_sqlite_audit_verify,
	.backup = sqlite_backup,
	.note_admin = sqlite_note_admin,
	.rotate = store_sqlite_rotate,
	.policy_put = sqlite_policy_put,
	.policy_get = sqlite_policy_get,
	.policy_list = sqlite_policy_list,
	.policy_remove = sqlite_policy_remove,
	.volume_read = sqlite_volume_read,
};
