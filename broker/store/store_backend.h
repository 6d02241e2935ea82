/*
 * What the two store backends (store_sqlite.c, store_pg.c) share, and the
 * table store.c dispatches through: the rest of the broker sees store.h only
 * and does not know which database holds its keys. The sealing of keys and
 * policies, the audit row MAC and the chain walk are done once, here
 * (store.c); a backend only moves rows in and out of its database.
 */
#ifndef COCOBOOT_BROKER_STORE_BACKEND_H
#define COCOBOOT_BROKER_STORE_BACKEND_H

#include "common/secret.h"
#include "seal.h"
#include "store.h"

/* One locked page: the master key, the audit key, and a scratch buffer for a volume key. */
struct store_keys {
	uint8_t master[MASTER_KEY_LEN];
	uint8_t audit[AUDIT_KEY_LEN];
	uint8_t scratch[VOLUME_KEY_LEN];
};

/* The seal of a named policy (named_policy.c): AES-GCM of a constant under its name, text and instance list. */
#define STORE_POLICY_SEAL_PLAIN "cocoboot named policy"
#define STORE_POLICY_SEAL_LEN (sizeof(STORE_POLICY_SEAL_PLAIN) + WRAP_OVERHEAD)

/* One named policy as a backend reads it (strings malloc'd by policy_get, borrowed in policy_list). */
struct store_policy_row {
	char *name, *policy, *instances;
	char created[32];
	uint8_t seal[STORE_POLICY_SEAL_LEN + 1];
	size_t seal_len;          /* > STORE_POLICY_SEAL_LEN: absent or too long (never opens) */
	int64_t volumes;          /* volumes that refer to it */
};
void store_policy_row_free(struct store_policy_row *row);
/* Rotation: open a named policy's seal under the store's key (STORE_TAMPERED if it does not) and seal it under
 * new_master into out (named_policy.c). */
int store_policy_reseal(struct store *s, const uint8_t new_master[MASTER_KEY_LEN], const char *name, const char *policy,
			const char *instances, const uint8_t *seal, size_t seal_len, uint8_t out[STORE_POLICY_SEAL_LEN]);

struct store_ops {
	void (*close)(struct store *s);
	int (*volume_add)(struct store *s, const char *uuid, const char *policy_json, const uint8_t key[VOLUME_KEY_LEN]);
	int (*volume_confirm)(struct store *s, const char *uuid, store_key_check_fn check, void *ctx, const char *how,
			      int *was_active);
	int (*volume_set_policy)(struct store *s, const char *uuid, const char *policy_json);
	int (*volume_remove)(struct store *s, const char *uuid);
	int (*volume_state)(struct store *s, const char *uuid, int *pending, char created[32]);
	int (*volume_policy)(struct store *s, const char *uuid, char **policy_json);
	int (*volume_key)(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN]);
	int (*volume_list)(struct store *s, store_list_fn fn, void *ctx);
	int (*audit_append)(struct store *s, const struct audit_record *r);
	int (*audit_verify)(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
			    struct audit_verify_result *r);
	/* NULL where the backend has its own tools (PostgreSQL: pg_dump, pg_restore) */
	int (*backup)(struct store *s, const char *path);
	int (*note_admin)(struct store *s, const char *action, const char *volume, const char *detail);
	/* store_rotate_master (rotate_sqlite.c, store_pg.c) */
	int (*rotate)(struct store *s, struct store_keys *new_keys, struct store_rotate_result *r);
	/* named policies (store.h, named_policy.c does the sealing) */
	int (*policy_put)(struct store *s, const char *name, const char *policy, const char *instances,
			  const uint8_t *seal, size_t seal_len);
	int (*policy_get)(struct store *s, const char *name, struct store_policy_row *row);
	int (*policy_list)(struct store *s, void (*fn)(void *ctx, const struct store_policy_row *row), void *ctx);
	int (*policy_remove)(struct store *s, const char *name);
	/* A volume in any state: its policy text as stored (malloc'd), its state, its key opened under it. */
	int (*volume_read)(struct store *s, const char *uuid, char **policy, int *pending, uint8_t key[VOLUME_KEY_LEN]);
};

struct store {
	const struct store_ops *ops;
	struct sqlite3 *db;        /* store_sqlite.c */
	struct pg_conn *pg;        /* store_pg.c (libpq's PGconn) */
	char *url;                 /* store_pg.c: for reconnecting */
	int readonly;
	struct secret keys_mem;    /* locked, undumpable, wiped (common/secret.h) */
	struct store_keys *keys;   /* keys_mem.data */
	char err[256];
	char notice[256];
	char operator_name[64];   /* for admin audit rows (store_set_operator) */
};

extern const struct store_ops store_sqlite_ops, store_pg_ops;

/* The backends' openers (store.c picks one by the form of the path). */
int store_sqlite_open(struct store *s, const char *path);
int store_sqlite_open_readonly(struct store *s, const char *path);
int store_pg_open(struct store *s, const char *url);
int store_pg_open_readonly(struct store *s, const char *url);
/* store_check_name for a PostgreSQL URL (store_pg.c) */
int store_pg_check_url(const char *url, char *err, size_t errlen);

/* ---- shared by both backends (store.c) ---- */



/* Sealed under the master key at creation; unsealing it proves the key. */
#define STORE_KEY_CHECK_LEN (sizeof("cocoboot master key check") + WRAP_OVERHEAD)
/* The key check value for a new store. 0 or STORE_ERROR. */
int store_key_check_seal(struct store *s, uint8_t out[STORE_KEY_CHECK_LEN]);
/* STORE_OK when the stored check value opens under the store's master key, else STORE_BAD_KEY. */
int store_key_check_open(struct store *s, const uint8_t *sealed, size_t len);

/* A volume's stored policy text: a reference "@NAME ..." is replaced by what it refers to (named_policy.c). */
int store_policy_resolve(struct store *s, const char *uuid, char **text);

/* Seal key with (uuid, policy) / open it again (STORE_TAMPERED, key wiped, if it does not open). */
int store_seal_key(struct store *s, const char *uuid, const char *policy, const uint8_t key[VOLUME_KEY_LEN],
		   uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD]);
int store_open_key(struct store *s, const char *uuid, const char *policy, const void *wrapped, size_t n,
		   uint8_t key[VOLUME_KEY_LEN]);
/* "policy-sha256:HEX" for the audit row of an action that sets a policy. */
void store_policy_detail(char out[96], const char *policy);
int store_pending_error(struct store *s, const char *uuid, const char *created);
/* The messages for an existing volume (add) and a missing one. */
int store_exists_error(struct store *s, const char *uuid, int pending, const char *created);
int store_not_found_error(struct store *s, const char *uuid);

/* The seven audit fields of r as text (time formatted into when[32]). */
void store_audit_fields(const struct audit_record *r, char when[32], const char *f[AUDIT_FIELDS],
			size_t len[AUDIT_FIELDS]);
/* The admin row of an action (store_set_operator); who is filled, r points into it. */
void store_audit_admin_record(const struct store *s, struct audit_record *r, char who[96], const char *action,
			      const char *volume, const char *detail);
/* The head as stored (STORE_TAMPERED with the reason when absent or forged). */
int store_audit_head_open(struct store *s, const void *sealed, size_t len, int found, int64_t *id,
			  uint8_t mac[AUDIT_MAC_LEN]);

/* The chain walk: fed the rows in id order by a backend, then finished against the sealed head. */
struct audit_walk {
	struct store *s;
	int64_t anchor_id;
	const uint8_t *anchor_mac;
	struct audit_verify_result *r;
	uint8_t prev[AUDIT_MAC_LEN];
	int64_t prev_id, head_id;
	uint8_t head_mac[AUDIT_MAC_LEN];
};
void audit_walk_start(struct audit_walk *w, struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
		      struct audit_verify_result *r, int64_t head_id, const uint8_t head_mac[AUDIT_MAC_LEN]);
/* STORE_OK to go on, STORE_TAMPERED (r says where), STORE_ERROR. */
int audit_walk_row(struct audit_walk *w, int64_t id, const char *f[AUDIT_FIELDS], const size_t len[AUDIT_FIELDS],
		   const void *mac, size_t mac_len);
int audit_walk_end(struct audit_walk *w);

#endif
