/*
 * Schema 1 -> 2, run by store_open inside its write transaction (so a crash
 * or a failure leaves the schema-1 store untouched):
 *   - each volume key is unwrapped under the schema-1 context (its UUID) and
 *     sealed again with its UUID and the hash of its policy as they are now:
 *     the migration trusts the store it finds. A key that does not open is
 *     left as it is, and so is refused (store-tampered) from then on;
 *   - the audit rows get their MACs, chained in id order, and the head;
 *   - meta schema_version = 2.
 * A cocobroker of schema 1 sharing the file afterwards cannot open the new
 * seals (it refuses to release) and writes rows without MACs, which
 * `audit verify` reports: upgrade every broker sharing a store together.
 */
#include "store_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

/* Re-seal one volume; 1 done, 0 its key did not open (left as is), <0 error. */
static int reseal_volume(struct store *s, const char *uuid, const char *policy, const void *wrapped, int n)
{
	uint8_t out[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	char ctx[SEAL_CONTEXT_LEN];
	sqlite3_stmt *st;
	size_t len = 0;
	int rc;

	if (!wrapped || n <= 0 || wrap_open(s->keys->master, uuid, wrapped, (size_t)n, s->keys->scratch,
					    VOLUME_KEY_LEN, &len) || len != VOLUME_KEY_LEN) {
		mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
		return 0;
	}
	rc = seal_volume_context(ctx, uuid, policy, strlen(policy)) ||
	     wrap_seal(s->keys->master, ctx, s->keys->scratch, VOLUME_KEY_LEN, out);
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc) {
		snprintf(s->err, sizeof(s->err), "migration: cannot seal the key of %s", uuid);
		return STORE_ERROR;
	}
	if (sqlite3_prepare_v2(s->db, "UPDATE volumes SET wrapped_key = ? WHERE uuid = ?", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "migration");
	sqlite3_bind_blob(st, 1, out, sizeof(out), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 1 : store_fail(s, STORE_ERROR, "migration");
}

static int reseal_volumes(struct store *s, int *sealed, int *unopenable)
{
	char last[128] = "";
	int rc = STORE_OK;

	/* one row per query, by key order: never update a table under an open cursor */
	for (;;) {
		sqlite3_stmt *st;
		int r;

		if (sqlite3_prepare_v2(s->db, "SELECT uuid, policy, wrapped_key FROM volumes WHERE uuid > ? "
				       "ORDER BY uuid LIMIT 1", -1, &st, NULL))
			return store_fail(s, STORE_ERROR, "migration");
		sqlite3_bind_text(st, 1, last, -1, SQLITE_TRANSIENT);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			const char *uuid = (const char *)sqlite3_column_text(st, 0);
			const char *policy = (const char *)sqlite3_column_text(st, 1);

			snprintf(last, sizeof(last), "%s", uuid ? uuid : "");
			rc = reseal_volume(s, last, policy ? policy : "", sqlite3_column_blob(st, 2),
					   sqlite3_column_bytes(st, 2));
			if (rc == 1)
				(*sealed)++;
			else if (rc == 0)
				(*unopenable)++;
		} else if (r != SQLITE_DONE) {
			rc = store_fail(s, STORE_ERROR, "migration");
		}
		sqlite3_finalize(st);
		if (rc < 0)
			return rc;
		if (r != SQLITE_ROW)
			return STORE_OK;
	}
}

static int chain_audit(struct store *s, int64_t *rows)
{
	uint8_t prev[AUDIT_MAC_LEN] = { 0 };
	int64_t last = 0;

	for (;;) {
		sqlite3_stmt *st, *up;
		const char *f[AUDIT_FIELDS];
		size_t len[AUDIT_FIELDS];
		int r, rc = STORE_OK;

		if (sqlite3_prepare_v2(s->db, "SELECT id, time, volume, client_key, provider, measurement, decision, "
				       "reason FROM audit WHERE id > ? ORDER BY id LIMIT 1", -1, &st, NULL))
			return store_fail(s, STORE_ERROR, "migration");
		sqlite3_bind_int64(st, 1, last);
		r = sqlite3_step(st);
		if (r != SQLITE_ROW) {
			sqlite3_finalize(st);
			if (r != SQLITE_DONE)
				return store_fail(s, STORE_ERROR, "migration");
			return store_audit_set_head(s, last, prev);
		}
		last = sqlite3_column_int64(st, 0);
		for (int i = 0; i < AUDIT_FIELDS; i++) {
			f[i] = (const char *)sqlite3_column_text(st, i + 1);
			len[i] = (size_t)sqlite3_column_bytes(st, i + 1);
			if (!f[i])
				f[i] = "";
		}
		if (seal_audit_row(s->keys->audit, prev, last, f, len, prev)) {
			snprintf(s->err, sizeof(s->err), "migration: cannot compute the audit MAC");
			rc = STORE_ERROR;
		}
		sqlite3_finalize(st);
		if (rc)
			return rc;
		if (sqlite3_prepare_v2(s->db, "UPDATE audit SET mac = ? WHERE id = ?", -1, &up, NULL))
			return store_fail(s, STORE_ERROR, "migration");
		sqlite3_bind_blob(up, 1, prev, AUDIT_MAC_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, last);
		r = sqlite3_step(up);
		sqlite3_finalize(up);
		if (r != SQLITE_DONE)
			return store_fail(s, STORE_ERROR, "migration");
		(*rows)++;
	}
}

int store_migrate_v1(struct store *s)
{
	int sealed = 0, unopenable = 0, rc;
	int64_t rows = 0;

	/* the MACs are written into existing rows: the update trigger goes for the
	 * length of this transaction (store_open creates it again before COMMIT) */
	if ((rc = store_exec(s, "ALTER TABLE audit ADD COLUMN mac BLOB", "migration: add audit.mac")) ||
	    (rc = store_exec(s, "DROP TRIGGER IF EXISTS audit_no_update", "migration")) ||
	    (rc = reseal_volumes(s, &sealed, &unopenable)) || (rc = chain_audit(s, &rows)) ||
	    (rc = store_exec(s, "INSERT INTO meta (name, value) VALUES ('schema_version', 2)", "migration")))
		return rc;
	snprintf(s->notice, sizeof(s->notice), "migrated the store from schema 1 to 2: %d volume key(s) sealed with "
		 "their policies, %d that did not open left unopenable, %" PRId64 " audit row(s) chained",
		 sealed, unopenable, rows);
	return STORE_OK;
}

/*
 * Schema 2 -> 3: volumes get a state (the existing ones are active: they were
 * enrolled before confirm existed), and the audit table is rebuilt because
 * SQLite cannot change its CHECK to admit "admin" rows. Rows, ids and MACs are
 * copied as they are, so the chain and its sealed head stay valid. The
 * append-only triggers are dropped for the copy and created again by
 * store_open's prepare in the same transaction.
 */
int store_migrate_v2(struct store *s)
{
	static const char sql[] =
		"ALTER TABLE volumes ADD COLUMN " STORE_STATE_COLUMN ";"
		"DROP TRIGGER IF EXISTS audit_no_update;"
		"DROP TRIGGER IF EXISTS audit_no_delete;"
		STORE_AUDIT_TABLE("audit_v3")
		"INSERT INTO audit_v3 (id, time, volume, client_key, provider, measurement, decision, reason, mac)"
		"  SELECT id, time, volume, client_key, provider, measurement, decision, reason, mac FROM audit;"
		"DROP TABLE audit;"
		"ALTER TABLE audit_v3 RENAME TO audit;"
		"INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', 3);";
	size_t n = strlen(s->notice);

	if (store_exec(s, sql, "migration to schema 3"))
		return STORE_ERROR;
	snprintf(s->notice + n, sizeof(s->notice) - n, "%sstore schema 2 -> 3 (volume states; admin audit rows)",
		 n ? "; " : "migrated the ");
	return STORE_OK;
}

/* Schema 3 -> 4: named policies. The table was created by the schema text; nothing else changes. */
int store_migrate_v3(struct store *s)
{
	size_t n = strlen(s->notice);

	if (store_exec(s, "INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', 4)",
		       "migration to schema 4"))
		return STORE_ERROR;
	snprintf(s->notice + n, sizeof(s->notice) - n, "%sstore schema 3 -> 4 (named policies)",
		 n ? "; " : "migrated the ");
	return STORE_OK;
}
