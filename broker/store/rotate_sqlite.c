/*
 * Master-key rotation for the SQLite backend (store.h, store_rotate_master).
 * One IMMEDIATE transaction: the chain is walked under the old keys, every
 * volume key is opened under the old master key and sealed again under the
 * new one (its context, UUID and policy hash, unchanged), every audit row is
 * MACed again under the new audit key from the first row on, and the key
 * check value, the head and the rotation's own admin row are written under
 * the new keys. Nothing is visible before COMMIT: a crash or an error at any
 * step leaves the store as it was, still opened by the old key.
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

struct wrapped_row {
	char *uuid, *policy;
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	size_t len;
};

static void free_rows(struct wrapped_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].uuid);
		free(rows[i].policy);
	}
	free(rows);
}

/* The volumes, read before any of them is written (a SELECT is not stepped across its own UPDATEs). */
static int read_volumes(struct store *s, struct wrapped_row **out, size_t *count)
{
	struct wrapped_row *rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT uuid, policy, wrapped_key FROM volumes ORDER BY uuid", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "rotate: read volumes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *uuid = (const char *)sqlite3_column_text(st, 0), *policy = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);

		if (n == cap) {
			struct wrapped_row *more = realloc(rows, (cap = cap ? 2 * cap : 16) * sizeof(*rows));
			if (!more)
				break;
			rows = more;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].uuid = strdup(uuid ? uuid : "");
		rows[n].policy = strdup(policy ? policy : "");
		rows[n].len = len;
		if (len <= sizeof(rows[n].wrapped) && sqlite3_column_blob(st, 2))
			memcpy(rows[n].wrapped, sqlite3_column_blob(st, 2), len);
		else
			rows[n].len = 0;   /* never opens: reported as tampered below */
		n++;
		if (!rows[n - 1].uuid || !rows[n - 1].policy)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_rows(rows, n);
		return rc == SQLITE_ROW ? (snprintf(s->err, sizeof(s->err), "rotate: out of memory"), STORE_ERROR)
					: store_fail(s, STORE_ERROR, "rotate: read volumes");
	}
	*out = rows;
	*count = n;
	return STORE_OK;
}

static int rewrap_volumes(struct store *s, const struct store_keys *nk, int64_t *done)
{
	struct wrapped_row *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = read_volumes(s, &rows, &n)))
		return rc;
	if (sqlite3_prepare_v2(s->db, "UPDATE volumes SET wrapped_key = ? WHERE uuid = ?", -1, &st, NULL))
		rc = store_fail(s, STORE_ERROR, "rotate: rewrap");
	for (size_t i = 0; rc == STORE_OK && i < n; i++) {
		uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
		char ctx[SEAL_CONTEXT_LEN];

		/* store_open_key says which volume does not open (edited outside cocobroker) */
		if ((rc = store_open_key(s, rows[i].uuid, rows[i].policy, rows[i].wrapped, rows[i].len, s->keys->scratch)))
			break;
		if (seal_volume_context(ctx, rows[i].uuid, rows[i].policy, strlen(rows[i].policy)) ||
		    wrap_seal(nk->master, ctx, s->keys->scratch, VOLUME_KEY_LEN, wrapped)) {
			snprintf(s->err, sizeof(s->err), "rotate: cannot wrap the key of volume %s", rows[i].uuid);
			rc = STORE_ERROR;
			break;
		}
		sqlite3_reset(st);
		sqlite3_bind_blob(st, 1, wrapped, sizeof(wrapped), SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rows[i].uuid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(s->db) != 1)
			rc = store_fail(s, STORE_ERROR, "rotate: rewrap");
		else
			(*done)++;
	}
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	sqlite3_finalize(st);
	free_rows(rows, n);
	return rc;
}

/* Every named policy's seal, opened under the old key and made again under the new one. */
static int reseal_policies(struct store *s, const struct store_keys *nk, int64_t *done)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int rc = STORE_OK, step;

	if (sqlite3_prepare_v2(s->db, "SELECT name, policy, instances, seal FROM policies ORDER BY name", -1, &sel, NULL) ||
	    sqlite3_prepare_v2(s->db, "UPDATE policies SET seal = ? WHERE name = ?", -1, &upd, NULL)) {
		rc = store_fail(s, STORE_ERROR, "rotate: named policies");
		goto out;
	}
	/* only the seal column changes: the SELECT's order is not disturbed */
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(sel, 0), *policy = (const char *)sqlite3_column_text(sel, 1),
			   *instances = (const char *)sqlite3_column_text(sel, 2);
		uint8_t seal[STORE_POLICY_SEAL_LEN];

		if ((rc = store_policy_reseal(s, nk->master, name ? name : "", policy ? policy : "", instances ? instances : "",
					      sqlite3_column_blob(sel, 3), (size_t)sqlite3_column_bytes(sel, 3), seal)))
			goto out;
		sqlite3_reset(upd);
		sqlite3_bind_blob(upd, 1, seal, sizeof(seal), SQLITE_TRANSIENT);
		sqlite3_bind_text(upd, 2, name ? name : "", -1, SQLITE_TRANSIENT);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = store_fail(s, STORE_ERROR, "rotate: named policies");
			goto out;
		}
		(*done)++;
	}
	if (step != SQLITE_DONE)
		rc = store_fail(s, STORE_ERROR, "rotate: named policies");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

/* Every row's MAC again, under the new audit key, chained from the first row; *last_mac is the new head's. */
static int rechain_audit(struct store *s, const struct store_keys *nk, int64_t *rows, int64_t *last_id,
			 uint8_t last_mac[AUDIT_MAC_LEN])
{
	uint8_t prev[AUDIT_MAC_LEN] = { 0 };
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int rc = STORE_OK, step;

	if (sqlite3_prepare_v2(s->db, "SELECT id, " AUDIT_COLUMNS " FROM audit ORDER BY id", -1, &sel, NULL) ||
	    sqlite3_prepare_v2(s->db, "UPDATE audit SET mac = ? WHERE id = ?", -1, &upd, NULL)) {
		rc = store_fail(s, STORE_ERROR, "rotate: re-chain the audit");
		goto out;
	}
	/* only the mac column changes: the rowid order the SELECT walks stays as it is */
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *f[AUDIT_FIELDS];
		size_t len[AUDIT_FIELDS];
		uint8_t mac[AUDIT_MAC_LEN];
		int64_t id = sqlite3_column_int64(sel, 0);

		for (int i = 0; i < AUDIT_FIELDS; i++) {
			f[i] = (const char *)sqlite3_column_text(sel, i + 1);
			len[i] = (size_t)sqlite3_column_bytes(sel, i + 1);
			if (!f[i])
				f[i] = "";
		}
		if (seal_audit_row(nk->audit, prev, id, f, len, mac)) {
			snprintf(s->err, sizeof(s->err), "rotate: cannot compute the audit MAC");
			rc = STORE_ERROR;
			goto out;
		}
		sqlite3_reset(upd);
		memcpy(prev, mac, AUDIT_MAC_LEN);
		sqlite3_bind_blob(upd, 1, prev, AUDIT_MAC_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, id);
		if (sqlite3_step(upd) != SQLITE_DONE) {
			rc = store_fail(s, STORE_ERROR, "rotate: re-chain the audit");
			goto out;
		}
		(*rows)++;
		*last_id = id;
	}
	if (step != SQLITE_DONE)
		rc = store_fail(s, STORE_ERROR, "rotate: re-chain the audit");
	memcpy(last_mac, prev, AUDIT_MAC_LEN);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

static int write_key_check(struct store *s)
{
	uint8_t sealed[STORE_KEY_CHECK_LEN];
	sqlite3_stmt *st;
	int rc;

	if ((rc = store_key_check_seal(s, sealed)))
		return rc;
	if (sqlite3_prepare_v2(s->db, "UPDATE meta SET value = ? WHERE name = 'key_check'", -1, &st, NULL))
		return store_fail(s, STORE_ERROR, "rotate: write the key check");
	sqlite3_bind_blob(st, 1, sealed, sizeof(sealed), SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) == 1 ? STORE_OK
									    : store_fail(s, STORE_ERROR, "rotate: write the key check");
	sqlite3_finalize(st);
	return rc;
}

int store_sqlite_rotate(struct store *s, struct store_keys *nk, struct store_rotate_result *r)
{
	struct store_keys *old = s->keys;
	uint8_t last_mac[AUDIT_MAC_LEN];
	int64_t last_id = 0;
	char detail[160];
	int rc;

	if ((rc = store_exec(s, "BEGIN IMMEDIATE", "rotate: lock the store")))
		return rc;
	/* a chain that does not verify under the old key must not be re-sealed as if whole */
	if ((rc = store_sqlite_audit_walk(s, 0, NULL, &r->verified)) == STORE_TAMPERED)
		snprintf(s->err, sizeof(s->err), "the audit chain does not verify (row %lld: %.150s): not rotating over it",
			 (long long)r->verified.broken_id, r->verified.what);
	if (!rc)
		rc = rewrap_volumes(s, nk, &r->volumes);
	if (!rc)
		rc = reseal_policies(s, nk, &r->policies);
	if (!rc)
		rc = store_exec(s, "DROP TRIGGER audit_no_update", "rotate: lift the append-only trigger");
	if (!rc)
		rc = rechain_audit(s, nk, &r->rows, &last_id, last_mac);
	if (!rc)
		rc = store_exec(s, STORE_SQLITE_AUDIT_TRIGGERS, "rotate: restore the append-only trigger");
	if (!rc) {
		/* from here on the store's keys are the new ones: check value, head and the admin row */
		s->keys = nk;
		snprintf(detail, sizeof(detail), "%lld volume key(s) rewrapped, %lld named polic%s sealed again, "
			 "%lld audit row(s) re-chained", (long long)r->volumes, (long long)r->policies,
			 r->policies == 1 ? "y" : "ies", (long long)r->rows);
		if (!(rc = write_key_check(s)) && !(rc = store_audit_set_head(s, last_id, last_mac)))
			rc = store_audit_admin(s, "master-key-rotate", "", detail);
	}
	if (!rc)
		rc = store_exec(s, "COMMIT", "rotate: commit");
	s->keys = old;
	if (rc) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	memcpy(s->keys, nk, sizeof(*nk));
	return STORE_OK;
}
