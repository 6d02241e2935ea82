/*
 * The broker's key store (SQLite): volumes with their policy and wrapped
 * volume key, and the append-only audit log. One struct store per thread;
 * SQLite (WAL mode, busy timeout) serialises writers between them and
 * between broker processes sharing the file.
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
};

struct store;

/*
 * Open (creating the schema if needed) and check that master opens it: a new
 * database records a check value sealed under the master key; an existing one
 * must unseal it. The store keeps its own locked copy of the key.
 */
int store_open(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
	       char *err, size_t errlen);
void store_close(struct store *s);
const char *store_last_error(const struct store *s);

int store_volume_add(struct store *s, const char *uuid, const char *policy_json,
		     const uint8_t key[VOLUME_KEY_LEN]);
int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json);
int store_volume_remove(struct store *s, const char *uuid);

/* The volume's policy (malloc'd, caller frees). */
int store_volume_policy(struct store *s, const char *uuid, char **policy_json);
/* Unwrap the volume key into key (secure memory). STORE_BAD_KEY if it does not open. */
int store_volume_key(struct store *s, const char *uuid, uint8_t key[VOLUME_KEY_LEN]);

typedef void (*store_list_fn)(void *ctx, const char *uuid, const char *created, const char *policy_json);
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

/* Append one audit row; STORE_OK only when it is durably committed. */
int store_audit_append(struct store *s, const struct audit_record *r);

#endif
