/*
 * The broker's key store: volumes with their policy and wrapped volume key,
 * and the append-only audit log. One struct store per thread. Two backends
 * behind this one interface (store_backend.h): SQLite (a file path; WAL mode
 * and a busy timeout serialise writers between threads and between brokers
 * sharing the file) and PostgreSQL (a postgresql:// URL, store_pg.c; several
 * brokers on several hosts share one database).
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

#include "common/volume_key.h"
#include "wrap.h"

enum store_result {
	STORE_OK = 0,
	STORE_ERROR = -1,       /* I/O or SQLite failure; err says which */
	STORE_NOT_FOUND = -2,
	STORE_EXISTS = -3,
	STORE_BAD_KEY = -4,     /* the master key does not open this database */
	STORE_TAMPERED = -5,    /* a sealed record or the audit chain does not verify */
	STORE_PENDING = -6,     /* the volume was added but never confirmed: its key is not released */
	STORE_MISMATCH = -7,    /* confirm: the consumer's proof does not match the stored key */
	STORE_UNAVAILABLE = -8, /* the database cannot be reached now (PostgreSQL connection lost): retry later */
};

/* 3: volumes have a state (pending/active); admin actions are audit rows
 * 4: named policies (store_policy_set), volumes may refer to one by name */
#define STORE_SCHEMA_VERSION 4

struct store;

/*
 * path: a SQLite file, or a postgresql:// (postgres://) URL in libpq's form.
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
/*
 * Whether name can name a store, before anything is opened: a postgresql://
 * URL must parse (libpq's message otherwise, never the URL: it may hold a
 * password), and another scheme:// is refused rather than taken for a file.
 * 0 or -1 with err set.
 */
int store_check_name(const char *name, char *err, size_t errlen);
/* 1 when path names a PostgreSQL store (postgresql:// or postgres://). */
int store_is_pg_url(const char *path);
/* What store_open did beyond opening (a migration), "" if nothing. */
const char *store_notice(const struct store *s);
void store_close(struct store *s);
const char *store_last_error(const struct store *s);

/*
 * Admin actions (add, confirm, set-policy, remove) each append an audit row in
 * the same transaction as the change: decision "admin", reason the action
 * ("volume-add", ...), client_key "local-user:NAME" (the operator set here,
 * "unknown" if never set; a name with ':' as it is: "serve:fleet-first-boot"), provider "admin", measurement a detail such as the
 * policy hash. Either the change and its row are committed, or neither.
 */
void store_set_operator(struct store *s, const char *name);

/*
 * Enrolment is two steps so that no path leaves a volume whose key nobody
 * holds: add stores the key as PENDING (never released: STORE_PENDING), and
 * confirm makes it active once the consumer proved it holds the key.
 * add over an existing UUID (pending or active) is STORE_EXISTS: a pending
 * key may already be on a disk whose format was not confirmed yet, so it is
 * only replaced after an explicit remove.
 */
int store_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN]);
/*
 * Unwrap the volume's key and pass it to check (0: the consumer holds it;
 * anything else: STORE_MISMATCH, check's message in store_last_error), then
 * mark it active, all in one write transaction. how goes into the audit row.
 * *was_active = 1 when it already was (nothing written).
 */
typedef int (*store_key_check_fn)(void *ctx, const uint8_t key[VOLUME_KEY_LEN], char *err, size_t errlen);
int store_volume_confirm(struct store *s, const char *uuid, store_key_check_fn check, void *ctx,
			 const char *how, int *was_active);
/* Re-seals the key under the new policy; STORE_TAMPERED if the current seal does not open. */
int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json);
int store_volume_remove(struct store *s, const char *uuid);
/* pending 1/0 and the creation time (UTC, RFC 3339) of one volume; STORE_NOT_FOUND if absent. */
int store_volume_state(struct store *s, const char *uuid, int *pending, char created[32]);

/*
 * The volume's policy (malloc'd, caller frees), only once its seal opens:
 * STORE_TAMPERED when the policy or the wrapped key was changed outside
 * cocobroker (nothing returned, err says which volume); STORE_PENDING for a
 * volume that was never confirmed (store_volume_key refuses it too).
 */
int store_volume_policy(struct store *s, const char *uuid, char **policy_json);
/*
 * Unwrap the volume key into key (secure memory) under the policy the caller
 * evaluated (as returned by store_volume_policy): the key opens only if that
 * is the policy sealed with it. STORE_TAMPERED if it does not open.
 */
int store_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN]);

/* sealed: 1 when the volume's policy and key open together, 0 when they were edited outside cocobroker;
 * pending: 1 when added but not confirmed */
typedef void (*store_list_fn)(void *ctx, const char *uuid, const char *created, const char *policy_json, int sealed,
			      int pending);
int store_volume_list(struct store *s, store_list_fn fn, void *ctx);

struct audit_record {
	time_t time;
	const char *volume;
	const char *client_key;    /* hex SHA-256 of the client SPKI */
	const char *provider;
	const char *measurement;   /* hex, "" when unknown */
	const char *decision;      /* "release" | "refuse" ("admin" rows: store_set_operator) */
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

/*
 * A consistent copy of the whole store into PATH, which must not exist, taken
 * in one read transaction while serve keeps running (SQLite: VACUUM INTO).
 * The copy needs the same master key. STORE_ERROR for a PostgreSQL store:
 * its backup is PostgreSQL's own (pg_dump, base backups).
 */
int store_backup(struct store *s, const char *path);
/* One admin audit row on its own transaction (e.g. store-restore); SQLite only. */
int store_note_admin(struct store *s, const char *action, const char *volume, const char *detail);

/*
 * Master-key rotation: in one write transaction, the audit chain is walked
 * under the current key (a broken chain is refused, STORE_TAMPERED), every
 * volume key and its policy seal and every named policy's seal is rewrapped
 * under new_master, every audit
 * row is MACed again under the new audit key, and a "master-key-rotate" admin
 * row closes it. On STORE_OK the store handle uses the new key; on anything
 * else nothing changed. Brokers still running with the old key can no longer
 * open the head and refuse every release until restarted with the new key.
 * On PostgreSQL it runs as the schema owner (it lifts the append-only
 * trigger inside the transaction) and holds the head lock: no broker appends
 * meanwhile.
 */
struct store_rotate_result {
	int64_t volumes;                    /* volume keys rewrapped */
	int64_t policies;                   /* named policies sealed again */
	int64_t rows;                       /* audit rows re-chained (before the rotation's own row) */
	struct audit_verify_result verified;   /* the walk under the old key */
};
int store_rotate_master(struct store *s, const uint8_t new_master[MASTER_KEY_LEN], struct store_rotate_result *r);

/*
 * Named policies (schema 4, named_policy.c). A policy is stored once under a
 * NAME ([a-z0-9._-], 1-40 characters) and volumes refer to it: a volume's
 * policy text is then the reference "@NAME" (sealed with its key like any
 * policy text), so `policy set NAME` updates every volume that refers to it
 * in one edit. A named policy is sealed with its name, text and instance list
 * under the master key; one edited outside cocobroker refuses every volume
 * that refers to it (STORE_TAMPERED).
 *
 * A fleet policy is a named policy with an instance list: it lets a VM booted
 * from a shared image enrol its own volume at first boot (store_fleet_enrol).
 * The list has one rule a line: "host_data=HEX" (SEV-SNP HOST_DATA, 64 hex
 * digits) or "mrconfigid=HEX" (TDX MRCONFIGID, 96), exact, or ending in "*"
 * (a prefix, "host_data=*" any). A volume enrolled through it refers to it as
 * "@NAME host_data=HEX": the named policy with that instance pinned.
 */
#define STORE_POLICY_NAME_MAX 40
int store_policy_name_valid(const char *name);
/* Check an instance list (above); 0, or -1 with err set (the first bad line). */
int store_instances_check(const char *instances, char *err, size_t errlen);
/* Create or replace NAME; instances "" (or NULL) for a plain named policy. Audited (policy-set). */
int store_policy_set(struct store *s, const char *name, const char *policy_json, const char *instances);
/* The text and instance list (malloc'd) once the seal opens; STORE_TAMPERED, STORE_NOT_FOUND. */
int store_policy_get(struct store *s, const char *name, char **policy_json, char **instances);
/* volumes: how many volumes refer to it; sealed 0 when edited outside cocobroker */
typedef void (*store_policy_list_fn)(void *ctx, const char *name, const char *created, const char *policy_json,
				     const char *instances, int sealed, int64_t volumes);
int store_policy_list(struct store *s, store_policy_list_fn fn, void *ctx);
/* STORE_EXISTS (nothing removed) while a volume refers to it. Audited (policy-remove). */
int store_policy_remove(struct store *s, const char *name);

/*
 * First boot of an instance from a shared image: under fleet policy FLEET,
 * the instance identified by id_kind ("host_data" | "mrconfigid") and id_hex
 * (lowercase) enrols volume UUID. STORE_OK with the key in key: a new pending
 * volume "@FLEET id_kind=id_hex" (*reused 0), or, exactly once per instance,
 * the same pending key again when the same instance asks for the same UUID
 * (*reused 1: a first boot that was cut off before it formatted its disk).
 * STORE_EXISTS when the UUID or the instance is enrolled otherwise (an active
 * volume is never handed out here: it unlocks with a normal request; nothing
 * ever replaces a key a disk may hold). STORE_NOT_FOUND: no such fleet
 * policy, or the instance is not on its list (err says which).
 * *effective: the policy the claims must meet (malloc'd), filled by a call
 * with commit = 0, which writes nothing; the caller checks the claims against
 * it, then calls with commit = 1 and the same *effective (STORE_TAMPERED if
 * the fleet policy changed in between).
 */
int store_fleet_enrol(struct store *s, const char *fleet, const char *uuid, const char *id_kind, const char *id_hex,
		      int commit, char **effective, uint8_t key[VOLUME_KEY_LEN], int *reused);
/*
 * A pending volume enrolled by a fleet first boot: its effective policy
 * (malloc'd), so that its first normal unlock from that instance confirms it.
 * STORE_PENDING when the volume is pending for another reason (volume add).
 */
int store_fleet_pending_policy(struct store *s, const char *uuid, char **effective);
/* Mark it active (audit row volume-confirm, how). */
int store_fleet_confirm(struct store *s, const char *uuid, const char *how);

#endif
