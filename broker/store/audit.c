/*
 * The audit log: rows chained with HMAC-SHA-256 (seal.h), the head sealed in
 * meta 'audit_head', and the walk that checks both.
 */
#include "store_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/constant_time.h>

#define AUDIT_COLUMNS "time, volume, client_key, provider, measurement, decision, reason"

int store_audit_head(struct store *s, int64_t *id, uint8_t mac[AUDIT_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc, ret;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name='audit_head'", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read the audit head");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret = seal_audit_head_open(s->keys->audit, sqlite3_column_blob(st, 0),
					   (size_t)sqlite3_column_bytes(st, 0), id, mac) == 0 ? STORE_OK : STORE_TAMPERED;
		if (ret)
			snprintf(s->err, sizeof(s->err), "the sealed audit chain head (meta row audit_head) does not "
				 "verify: it was edited outside cocobroker");
	} else if (rc == SQLITE_DONE) {
		ret = STORE_TAMPERED;
		snprintf(s->err, sizeof(s->err), "the sealed audit chain head (meta row audit_head) is missing: "
			 "it was removed outside cocobroker");
	} else {
		ret = store_fail(s, STORE_ERROR, "read the audit head");
	}
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

int store_audit_append(struct store *s, const struct audit_record *r)
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

void store_set_operator(struct store *s, const char *name)
{
	snprintf(s->operator_name, sizeof(s->operator_name), "%s", name && name[0] ? name : "unknown");
}

int store_audit_admin(struct store *s, const char *action, const char *volume, const char *detail)
{
	char who[sizeof(s->operator_name) + 16];
	struct audit_record r = {
		.time = time(NULL), .volume = volume, .client_key = who, .provider = "admin",
		.measurement = detail ? detail : "", .decision = "admin", .reason = action,
	};

	snprintf(who, sizeof(who), "local-user:%s", s->operator_name[0] ? s->operator_name : "unknown");
	return store_audit_append_locked(s, &r);
}

int store_audit_append_locked(struct store *s, const struct audit_record *r)
{
	const char *f[AUDIT_FIELDS];
	size_t len[AUDIT_FIELDS];
	uint8_t prev[AUDIT_MAC_LEN], mac[AUDIT_MAC_LEN];
	char when[32];
	struct tm tm;
	sqlite3_stmt *st = NULL;
	int64_t head_id, id;
	int rc, e;

	gmtime_r(&r->time, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	f[0] = when;
	f[1] = r->volume ? r->volume : "";
	f[2] = r->client_key ? r->client_key : "";
	f[3] = r->provider ? r->provider : "";
	f[4] = r->measurement ? r->measurement : "";
	f[5] = r->decision ? r->decision : "";
	f[6] = r->reason ? r->reason : "";
	for (int i = 0; i < AUDIT_FIELDS; i++)
		len[i] = strlen(f[i]);

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

static int broken(struct audit_verify_result *r, int64_t id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int broken(struct audit_verify_result *r, int64_t id, const char *fmt, ...)
{
	va_list ap;

	r->broken_id = id;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	return STORE_TAMPERED;
}

/* "row 7 is" or "rows 7..9 are" */
static const char *rows_missing(char *buf, size_t len, int64_t first, int64_t last)
{
	if (first == last)
		snprintf(buf, len, "row %" PRId64 " is", first);
	else
		snprintf(buf, len, "rows %" PRId64 "..%" PRId64 " are", first, last);
	return buf;
}

/* The walk, inside the caller's read transaction. */
static int walk(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac, struct audit_verify_result *r)
{
	uint8_t prev[AUDIT_MAC_LEN] = { 0 }, want[AUDIT_MAC_LEN], head_mac[AUDIT_MAC_LEN];
	int64_t head_id, prev_id = 0;
	sqlite3_stmt *st;
	char gap[64];
	int rc, ret = STORE_OK;

	rc = store_audit_head(s, &head_id, head_mac);
	if (rc == STORE_TAMPERED)
		return broken(r, -1, "%s", s->err);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->db, "SELECT id, " AUDIT_COLUMNS ", mac FROM audit ORDER BY id", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "read audit");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *f[AUDIT_FIELDS];
		size_t len[AUDIT_FIELDS];
		const void *mac;

		for (int i = 0; i < AUDIT_FIELDS; i++) {
			f[i] = (const char *)sqlite3_column_text(st, i + 1);
			len[i] = (size_t)sqlite3_column_bytes(st, i + 1);
			if (!f[i])
				f[i] = "";
		}
		mac = sqlite3_column_blob(st, AUDIT_FIELDS + 1);
		if (!mac || sqlite3_column_bytes(st, AUDIT_FIELDS + 1) != AUDIT_MAC_LEN) {
			ret = broken(r, id, "no MAC (written outside cocobroker, or by a cocobroker without audit "
				     "chaining)");
			break;
		}
		if (seal_audit_row(s->keys->audit, prev, id, f, len, want)) {
			snprintf(s->err, sizeof(s->err), "cannot compute the audit MAC");
			ret = STORE_ERROR;
			break;
		}
		if (mbedtls_ct_memcmp(want, mac, AUDIT_MAC_LEN)) {
			if (id > prev_id + 1 && prev_id == 0)
				ret = broken(r, id, "the first row, but it does not start the chain: %s missing "
					     "(deleted)", rows_missing(gap, sizeof(gap), 1, id - 1));
			else if (id > prev_id + 1)
				ret = broken(r, id, "does not follow row %" PRId64 ": %s missing (deleted)",
					     prev_id, rows_missing(gap, sizeof(gap), prev_id + 1, id - 1));
			else if (id > head_id)
				ret = broken(r, id, "after the sealed head (row %" PRId64 ") and its MAC does not "
					     "verify: added outside cocobroker", head_id);
			else
				ret = broken(r, id, "its MAC does not match its contents (the row, or its MAC, was "
					     "changed)");
			break;
		}
		if (anchor_mac && id == anchor_id && mbedtls_ct_memcmp(anchor_mac, mac, AUDIT_MAC_LEN)) {
			ret = broken(r, id, "its MAC is not the one the anchor recorded: the audit was rolled back "
				     "or rewritten from here on");
			break;
		}
		memcpy(prev, mac, AUDIT_MAC_LEN);
		prev_id = id;
		r->rows++;
		r->last_id = id;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_fail(s, STORE_ERROR, "read audit");
	sqlite3_finalize(st);
	if (ret != STORE_OK)
		return ret;
	/* every row verified: now the end of the table must be the sealed head */
	if (prev_id < head_id)
		return broken(r, prev_id + 1, "the sealed head records row %" PRId64 " as the last, the table ends at "
			      "row %" PRId64 ": %s missing (truncated)", head_id, prev_id,
			      rows_missing(gap, sizeof(gap), prev_id + 1, head_id));
	if (prev_id > head_id)
		return broken(r, head_id + 1, "the table goes on to row %" PRId64 " but the sealed head records row "
			      "%" PRId64 ": the head was restored from an older copy", prev_id, head_id);
	if (mbedtls_ct_memcmp(prev, head_mac, AUDIT_MAC_LEN))
		return broken(r, prev_id, "not the row the sealed head records");
	if (anchor_mac && anchor_id > prev_id)
		return broken(r, anchor_id, "the anchor's row is not in the table (it ends at row %" PRId64 "): the "
			      "store was rolled back to an older copy", prev_id);
	memcpy(r->head, prev, AUDIT_MAC_LEN);
	return STORE_OK;
}

int store_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
		       struct audit_verify_result *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	/* one snapshot: a broker appending meanwhile cannot make the walk see half a commit */
	if ((ret = store_exec(s, "BEGIN", "read audit")))
		return ret;
	ret = walk(s, anchor_id, anchor_mac, r);
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return ret;
}
