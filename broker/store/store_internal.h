/* The SQLite backend's own: store_sqlite.c, audit.c and migrate.c only. */
#ifndef COCOBOOT_BROKER_STORE_INTERNAL_H
#define COCOBOOT_BROKER_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store_backend.h"

/* Record sqlite's message for what in s->err; returns code. */
int store_fail(struct store *s, int code, const char *what);

/* Run sql (no parameters); 0 or a store_result with s->err set. */
int store_exec(struct store *s, const char *sql, const char *what);

/* The chain head, checked: 0, STORE_TAMPERED (missing or forged), or STORE_ERROR. */
int store_audit_head(struct store *s, int64_t *id, uint8_t mac[AUDIT_MAC_LEN]);
/* Write the head for (id, mac). 0 or STORE_ERROR. */
int store_audit_set_head(struct store *s, int64_t id, const uint8_t mac[AUDIT_MAC_LEN]);

/* store.h's audit_append and audit_verify (audit.c) */
int store_sqlite_audit_append(struct store *s, const struct audit_record *r);
int store_sqlite_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
			      struct audit_verify_result *r);
/* The chain walk (audit.c) inside the caller's transaction, as store_sqlite_audit_verify does it. */
int store_sqlite_audit_walk(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
			    struct audit_verify_result *r);
/* store.h's store_rotate_master for SQLite (rotate_sqlite.c) */
int store_sqlite_rotate(struct store *s, struct store_keys *nk, struct store_rotate_result *r);

/* append-only: rows can be added, never changed or removed through SQL. This
 * stops mistakes; someone who can drop the triggers is caught by the chain.
 * (Master-key rotation lifts the update trigger inside its own transaction.) */
#define STORE_SQLITE_AUDIT_TRIGGERS \
	"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit" \
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;" \
	"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit" \
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"

/* Append one audit row inside the caller's write transaction (audit.c). */
int store_audit_append_locked(struct store *s, const struct audit_record *r);
/* An admin row (store.h, store_set_operator) inside the caller's write transaction. */
int store_audit_admin(struct store *s, const char *action, const char *volume, const char *detail);

/* Schema 1 -> 2 and 2 -> 3 inside the caller's write transaction (migrate.c). */
int store_migrate_v1(struct store *s);
int store_migrate_v2(struct store *s);
/* Schema 3 -> 4: the policies table (created by the schema) and the version. */
int store_migrate_v3(struct store *s);

/* Named policies (schema 4, store.h): sealed with name, text and instance list (named_policy.c). */
#define STORE_POLICIES_TABLE \
	"CREATE TABLE IF NOT EXISTS policies (" \
	"  name TEXT PRIMARY KEY," \
	"  policy TEXT NOT NULL," \
	"  instances TEXT NOT NULL DEFAULT ''," \
	"  seal BLOB NOT NULL," \
	"  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));" \
	STORE_ONE_VOLUME_PER_INSTANCE
/* A fleet enrols one volume per instance: two concurrent first boots of one id
 * under two UUIDs cannot both commit ("@FLEET KIND=HEX" is unique). */
#define STORE_ONE_VOLUME_PER_INSTANCE \
	"CREATE UNIQUE INDEX IF NOT EXISTS volumes_one_per_instance ON volumes (policy)" \
	"  WHERE substr(policy, 1, 1) = '@' AND instr(policy, ' ') > 0;"

/* The audit table's fields in chain order (seal.h), as SQL column names. */
#define AUDIT_COLUMNS "time, volume, client_key, provider, measurement, decision, reason"

/* The audit table of schema 3 under name (migrate.c rebuilds it to change its CHECK). */
#define STORE_AUDIT_TABLE(name) \
	"CREATE TABLE IF NOT EXISTS " name " (" \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  time TEXT NOT NULL," \
	"  volume TEXT NOT NULL," \
	"  client_key TEXT NOT NULL," \
	"  provider TEXT NOT NULL," \
	"  measurement TEXT NOT NULL," \
	"  decision TEXT NOT NULL CHECK (decision IN ('release','refuse','admin'))," \
	"  reason TEXT NOT NULL," \
	"  mac BLOB);"
/* The column schema 3 adds to volumes (pending until confirmed). */
#define STORE_STATE_COLUMN "state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('pending','active'))"


#endif
