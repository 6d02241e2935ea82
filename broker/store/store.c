#include "store.h"
#include "secure_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <mbedtls/platform_util.h>

/* Sealed under the master key at creation; unsealing it proves the key. */
#define KEY_CHECK_PLAIN   "cocoboot master key check"
#define KEY_CHECK_CONTEXT "key-check"

struct store {
	sqlite3 *db;
	uint8_t *master;   /* secure memory, MASTER_KEY_LEN */
	char err[256];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS volumes ("
	"  uuid TEXT PRIMARY KEY,"
	"  policy TEXT NOT NULL,"
	"  wrapped_key BLOB NOT NULL,"
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TABLE IF NOT EXISTS audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time TEXT NOT NULL,"
	"  volume TEXT NOT NULL,"
	"  client_key TEXT NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  measurement TEXT NOT NULL,"
	"  decision TEXT NOT NULL CHECK (decision IN ('release','refuse')),"
	"  reason TEXT NOT NULL);"
	/* append-only: rows can be added, never changed or removed through SQL */
	"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

static int fail(struct store *s, int code, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
	return code;
}

const char *store_last_error(const struct store *s)
{
	return s->err;
}

static int check_master_key(struct store *s)
{
	sqlite3_stmt *st = NULL;
	uint8_t sealed[sizeof(KEY_CHECK_PLAIN) + WRAP_OVERHEAD], plain[sizeof(KEY_CHECK_PLAIN)];
	size_t plain_len;
	int rc, ret;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name='key_check'", -1, &st, NULL))
		return fail(s, STORE_ERROR, "read key check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		ret = STORE_BAD_KEY;
		if (blob && wrap_open(s->master, KEY_CHECK_CONTEXT, blob, (size_t)n, plain,
				      sizeof(plain), &plain_len) == 0 &&
		    plain_len == sizeof(KEY_CHECK_PLAIN) && !memcmp(plain, KEY_CHECK_PLAIN, plain_len))
			ret = STORE_OK;
		else
			snprintf(s->err, sizeof(s->err),
				 "the master key does not match this database (wrong or replaced key file)");
		sqlite3_finalize(st);
		return ret;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, STORE_ERROR, "read key check");
	/* a new database: record the check value */
	if (wrap_seal(s->master, KEY_CHECK_CONTEXT, (const uint8_t *)KEY_CHECK_PLAIN,
		      sizeof(KEY_CHECK_PLAIN), sealed)) {
		snprintf(s->err, sizeof(s->err), "cannot seal the key check value");
		return STORE_ERROR;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", -1, &st, NULL))
		return fail(s, STORE_ERROR, "write key check");
	sqlite3_bind_blob(st, 1, sealed, sizeof(sealed), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : fail(s, STORE_ERROR, "write key check");
}

int store_open(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
	       char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	int ret = STORE_ERROR;

	*out = NULL;
	if (!s || !(s->master = secure_alloc(MASTER_KEY_LEN))) {
		snprintf(err, errlen, "cannot allocate locked memory for the master key");
		free(s);
		return STORE_ERROR;
	}
	memcpy(s->master, master, MASTER_KEY_LEN);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(s, STORE_ERROR, path);
		goto out;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL: readers never block the audit writer; FULL: a committed audit row survives power loss */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL)) {
		fail(s, STORE_ERROR, path);
		goto out;
	}
	ret = check_master_key(s);
out:
	if (ret != STORE_OK) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return ret;
	}
	*out = s;
	return STORE_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	secure_free(s->master, MASTER_KEY_LEN);
	free(s);
}

/* Runs a statement with text parameters; returns the number of rows changed or a store_result. */
static int exec_text(struct store *s, const char *sql, const char *what, int n, const char **args)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
		return fail(s, STORE_ERROR, what);
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return STORE_EXISTS;
	if (rc != SQLITE_DONE)
		return fail(s, STORE_ERROR, what);
	return sqlite3_changes(s->db);
}

int store_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN])
{
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	sqlite3_stmt *st;
	int rc;

	if (wrap_seal(s->master, uuid, key, VOLUME_KEY_LEN, wrapped)) {
		snprintf(s->err, sizeof(s->err), "cannot wrap the volume key");
		return STORE_ERROR;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO volumes (uuid, policy, wrapped_key) VALUES (?, ?, ?)",
			       -1, &st, NULL))
		return fail(s, STORE_ERROR, "add volume");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, policy_json, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, wrapped, sizeof(wrapped), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "volume %s already exists", uuid);
		return STORE_EXISTS;
	}
	return rc == SQLITE_DONE ? STORE_OK : fail(s, STORE_ERROR, "add volume");
}

int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json)
{
	const char *args[] = { policy_json, uuid };
	int n = exec_text(s, "UPDATE volumes SET policy = ? WHERE uuid = ?", "set policy", 2, args);

	return n < 0 ? n : n == 0 ? STORE_NOT_FOUND : STORE_OK;
}

int store_volume_remove(struct store *s, const char *uuid)
{
	const char *args[] = { uuid };
	int n = exec_text(s, "DELETE FROM volumes WHERE uuid = ?", "remove volume", 1, args);

	return n < 0 ? n : n == 0 ? STORE_NOT_FOUND : STORE_OK;
}

int store_volume_policy(struct store *s, const char *uuid, char **policy_json)
{
	sqlite3_stmt *st;
	int rc, ret = STORE_NOT_FOUND;

	*policy_json = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT policy FROM volumes WHERE uuid = ?", -1, &st, NULL))
		return fail(s, STORE_ERROR, "read policy");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *text = sqlite3_column_text(st, 0);
		*policy_json = strdup(text ? (const char *)text : "");
		ret = *policy_json ? STORE_OK : STORE_ERROR;
	} else if (rc != SQLITE_DONE) {
		ret = fail(s, STORE_ERROR, "read policy");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_volume_key(struct store *s, const char *uuid, uint8_t key[VOLUME_KEY_LEN])
{
	sqlite3_stmt *st;
	size_t len = 0;
	int rc, ret = STORE_NOT_FOUND;

	if (sqlite3_prepare_v2(s->db, "SELECT wrapped_key FROM volumes WHERE uuid = ?", -1, &st, NULL))
		return fail(s, STORE_ERROR, "read volume key");
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (blob && wrap_open(s->master, uuid, blob, (size_t)n, key, VOLUME_KEY_LEN, &len) == 0 &&
		    len == VOLUME_KEY_LEN) {
			ret = STORE_OK;
		} else {
			mbedtls_platform_zeroize(key, VOLUME_KEY_LEN);
			snprintf(s->err, sizeof(s->err), "the wrapped key of %s does not open", uuid);
			ret = STORE_BAD_KEY;
		}
	} else if (rc != SQLITE_DONE) {
		ret = fail(s, STORE_ERROR, "read volume key");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_volume_list(struct store *s, store_list_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT uuid, created, policy FROM volumes ORDER BY uuid", -1, &st, NULL))
		return fail(s, STORE_ERROR, "list volumes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : fail(s, STORE_ERROR, "list volumes");
}

int store_audit_append(struct store *s, const struct audit_record *r)
{
	char when[32];
	struct tm tm;
	const char *args[7];

	gmtime_r(&r->time, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	args[0] = when;
	args[1] = r->volume ? r->volume : "";
	args[2] = r->client_key ? r->client_key : "";
	args[3] = r->provider ? r->provider : "";
	args[4] = r->measurement ? r->measurement : "";
	args[5] = r->decision;
	args[6] = r->reason ? r->reason : "";
	return exec_text(s, "INSERT INTO audit (time, volume, client_key, provider, measurement, decision, reason)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?)", "append audit", 7, args) == 1 ? STORE_OK : STORE_ERROR;
}
