/*
 * The broker's key store (SQLite): volumes with their policy and wrapped
 * volume key, and the append-only audit log. One struct store per thread;
 * SQLite (WAL mode, busy timeout) serialises writers between them and
 * between broker processes sharing the file.
 *
 * Integrity (schema 2, seal.h): each volume key is sealed together with its
 * UUID and the hash of its policy text, and the audit rows form an HMAC
 * chain whose head is sealed in the meta table. Whoever can write the
 * database file but has no master key can destroy, but not relax a policy
 * or rewrite, remove or truncate the audit undetected (docs/broker.md).
 */
#ifndef COCOBOOT_BROKER_STORE_H
#define COCOBOOT_BROKER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wrap.h"

#define VOLUME_KEY_LEN 64

enum store_result {
	STORE_OK = 0,
	STORE_ERROR = -1,       /* I/O or SQLite failure; err says which */
	STORE_NOT_FOUND = -2,
	STORE_EXISTS = -3,
	STORE_BAD_KEY = -4,     /* the master key does not open this database */
	STORE_TAMPERED = -5,    /* a sealed record or the audit chain does not verify */
};

#define STORE_SCHEMA_VERSION 2

struct store;

/*
 * Open (creating the schema if needed) and check that master opens it: a new
 * database records a check value sealed under the master key; an existing one
 * must unseal it. A schema-1 store (no seals, no chain) is migrated in the
 * same transaction (migrate.c); a newer schema is refused. The store keeps its
 * own locked copy of the key and of the audit key derived from it.
 */
int store_open(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
	       char *err, size_t errlen);
/* Read-only, for audit verify: never creates, migrates or writes; schema 2 only. */
int store_open_readonly(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
			char *err, size_t errlen);
/* What store_open did beyond opening (a migration), "" if nothing. */
const char *store_notice(const struct store *s);
void store_close(struct store *s);
const char *store_last_error(const struct store *s);

int store_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN]);
/* Re-seals the key under the new policy; STORE_TAMPERED if the current seal does not open. */
int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json);
int store_volume_remove(struct store *s, const char *uuid);

/*
 * The volume's policy (malloc'd, caller frees), only once its seal opens:
 * STORE_TAMPERED when the policy or the wrapped key was changed outside
 * cocobroker (nothing returned, err says which volume).
 */
int store_volume_policy(struct store *s, const char *uuid, char **policy_json);
/*
 * Unwrap the volume key into key (secure memory) under the policy the caller
 * evaluated (as returned by store_volume_policy): the key opens only if that
 * is the policy sealed with it. STORE_TAMPERED if it does not open.
 */
int store_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN]);

/* sealed: 1 when the volume's policy and key open together, 0 when they were edited outside cocobroker */
typedef void (*store_list_fn)(void *ctx, const char *uuid, const char *created, const char *policy_json, int sealed);
int store_volume_list(struct store *s, store_list_fn fn, void *ctx);

struct audit_record {
	time_t time;
	const char *volume;
	const char *client_key;    /* hex SHA-256 of the client SPKI */
	const char *provider;
	const char *measurement;   /* hex, "" when unknown */
	const char *decision;      /* "release" | "refuse" */
	const char *reason;        /* reason code, "" for a release */
};

/*
 * Append one audit row, chained to the sealed head; STORE_OK only when the row
 * and the new head are durably committed. STORE_TAMPERED (nothing written)
 * when the head is missing or forged: the chain cannot be continued.
 */
int store_audit_append(struct store *s, const struct audit_record *r);

struct audit_verify_result {
	int64_t rows;          /* rows that verified, from the first */
	int64_t last_id;       /* id of the last row that verified (0: none) */
	int64_t broken_id;     /* first broken row (a missing row's id for a truncation), 0 if intact */
	char what[256];        /* why it is broken */
	uint8_t head[32];      /* the last MAC (the chain head) when intact */
};

/*
 * Walk the whole chain in one read transaction. STORE_OK intact,
 * STORE_TAMPERED broken (r says where and what), STORE_ERROR on I/O.
 * With anchor_mac, row anchor_id must be in the chain with that MAC (a head
 * printed by an earlier run and kept elsewhere: catches a rollback).
 */
int store_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
		       struct audit_verify_result *r);

#endif
