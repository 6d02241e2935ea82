/* Shared by store.c, audit.c and migrate.c only. */
#ifndef COCOBOOT_BROKER_STORE_INTERNAL_H
#define COCOBOOT_BROKER_STORE_INTERNAL_H

#include <sqlite3.h>

#include "seal.h"
#include "store.h"

/* One locked page: the master key, the audit key, and a scratch buffer for a volume key. */
struct store_keys {
	uint8_t master[MASTER_KEY_LEN];
	uint8_t audit[AUDIT_KEY_LEN];
	uint8_t scratch[VOLUME_KEY_LEN];
};

struct store {
	sqlite3 *db;
	struct store_keys *keys;   /* secure memory */
	char err[256];
	char notice[256];
};

/* Record sqlite's message for what in s->err; returns code. */
int store_fail(struct store *s, int code, const char *what);

/* Run sql (no parameters); 0 or a store_result with s->err set. */
int store_exec(struct store *s, const char *sql, const char *what);

/* The chain head, checked: 0, STORE_TAMPERED (missing or forged), or STORE_ERROR. */
int store_audit_head(struct store *s, int64_t *id, uint8_t mac[AUDIT_MAC_LEN]);
/* Write the head for (id, mac). 0 or STORE_ERROR. */
int store_audit_set_head(struct store *s, int64_t id, const uint8_t mac[AUDIT_MAC_LEN]);

/* Schema 1 -> 2 inside the caller's write transaction (migrate.c). */
int store_migrate_v1(struct store *s);

#endif
