/*
 * The SQLite backend's audit log: rows chained with HMAC-SHA-256 (seal.h),
 * the head sealed in meta 'audit_head'; the walk itself is store.c's.
 */
#include "store_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/constant_time.h>

int store_audit_head(struct store *s, int64_t *id, uint8_t mac[AUDIT_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc, ret;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name='audit_head'", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read the audit head");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = store_audit_head_open(s, rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL,
					    rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 0) : 0, rc == SQLITE_ROW,
					    id, mac);
	else
		ret = store_fail(s, STORE_ERROR, "read the audit head");
	sqlite3_finalize(st);
	return ret;
}

int store_audit_set_head(struct store *s, int64_t id, const uint8_t mac[AUDIT_MAC_LEN])
{
	uint8_t head[AUDIT_HEAD_LEN];
	sqlite3_stmt *st;
	int rc;

	if (seal_audit_head(s->keys->audit, id, mac, head)) {
		snprintf(s->err, sizeof(s->err), "cannot seal the audit head");
		return STORE_ERROR;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta (name, value) VALUES ('audit_head', ?)", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "write the audit head");
	sqlite3_bind_blob(st, 1, head, sizeof(head), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "write the audit head");
}

static int64_t max_id(struct store *s, int *err)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	*err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM audit", -1, &st, NULL)) {
		*err = 1;
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		*err = 1;
	sqlite3_finalize(st);
	return v;
}

int store_sqlite_audit_append(struct store *s, const struct audit_record *r)
{
	int rc;

	/* The write lock first, then the head: rows of all workers and all brokers
	 * sharing the file form one chain. */
	if ((rc = store_exec(s, "BEGIN IMMEDIATE", "append audit")))
		return rc;
	rc = store_audit_append_locked(s, r);
	if (rc == STORE_OK)
		rc = store_exec(s, "COMMIT", "append audit");
	if (rc != STORE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_audit_admin(struct store *s, const char *action, const char *volume, const char *detail)
{
	struct audit_record r;
	char who[96];

	store_audit_admin_record(s, &r, who, action, volume, detail);
	return store_audit_append_locked(s, &r);
}

int store_audit_append_locked(struct store *s, const struct audit_record *r)
{
	const char *f[AUDIT_FIELDS];
	size_t len[AUDIT_FIELDS];
	uint8_t prev[AUDIT_MAC_LEN], mac[AUDIT_MAC_LEN];
	char when[32];
	sqlite3_stmt *st = NULL;
	int64_t head_id, id;
	int rc, e;

	store_audit_fields(r, when, f, len);

	/* Chain from the sealed head, not from the last row in the table: after a
	 * truncation the next row must not make the shorter chain look whole. */
	if ((rc = store_audit_head(s, &head_id, prev)))
		goto out;
	id = max_id(s, &e);
	if (e) {
		rc = store_fail(s, STORE_ERROR, "append audit");
		goto out;
	}
	id = (id > head_id ? id : head_id) + 1;
	if (seal_audit_row(s->keys->audit, prev, id, f, len, mac)) {
		snprintf(s->err, sizeof(s->err), "cannot compute the audit MAC");
		rc = STORE_ERROR;
		goto out;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO audit (id, " AUDIT_COLUMNS ", mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL)) {
		rc = store_fail(s, STORE_ERROR, "append audit");
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	for (int i = 0; i < AUDIT_FIELDS; i++)
		sqlite3_bind_text(st, i + 2, f[i], (int)len[i], SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, mac, sizeof(mac), SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? STORE_OK : store_fail(s, STORE_ERROR, "append audit");
	if (rc == STORE_OK)
		rc = store_audit_set_head(s, id, mac);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The walk (store.c's), inside the caller's read transaction. */
int store_sqlite_audit_walk(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac, struct audit_verify_result *r)
{
	uint8_t head_mac[AUDIT_MAC_LEN];
	struct audit_walk w;
	int64_t head_id;
	sqlite3_stmt *st;
	int rc, ret = STORE_OK;

	rc = store_audit_head(s, &head_id, head_mac);
	if (rc == STORE_TAMPERED) {
		r->broken_id = -1;
		snprintf(r->what, sizeof(r->what), "%s", s->err);
		return rc;
	}
	if (rc)
		return rc;
	audit_walk_start(&w, s, anchor_id, anchor_mac, r, head_id, head_mac);
	if (sqlite3_prepare_v2(s->db, "SELECT id, " AUDIT_COLUMNS ", mac FROM audit ORDER BY id", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read audit");
	while (ret == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f[AUDIT_FIELDS];
		size_t len[AUDIT_FIELDS];

		for (int i = 0; i < AUDIT_FIELDS; i++) {
			f[i] = (const char *)sqlite3_column_text(st, i + 1);
			len[i] = (size_t)sqlite3_column_bytes(st, i + 1);
			if (!f[i])
				f[i] = "";
		}
		ret = audit_walk_row(&w, sqlite3_column_int64(st, 0), f, len, sqlite3_column_blob(st, AUDIT_FIELDS + 1),
				     (size_t)sqlite3_column_bytes(st, AUDIT_FIELDS + 1));
	}
	if (ret == STORE_OK && rc != SQLITE_DONE)
		ret = store_fail(s, STORE_ERROR, "read audit");
	sqlite3_finalize(st);
	return ret == STORE_OK ? audit_walk_end(&w) : ret;
}

int store_sqlite_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
			      struct audit_verify_result *r)
{
	int ret;

	/* one snapshot: a broker appending meanwhile cannot make the walk see half a commit */
	if ((ret = store_exec(s, "BEGIN", "read audit")))
		return ret;
	ret = store_sqlite_audit_walk(s, anchor_id, anchor_mac, r);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return ret;
}
