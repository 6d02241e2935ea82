/*
 * master_key_settle (master_key.h): what a crash in the middle of a master-key
 * rotation leaves is one of two states, told apart by which key opens the
 * store, never by guessing from file times.
 */
#include "master_key.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/secret.h"

/* STORE_OK when key at path opens database (read-only: nothing written) */
static int opens_with(const char *path, const char *database, struct secret *key)
{
	struct store *s = NULL;
	char err[512];
	int created;

	if (master_key_load(path, 0, key->data, &created, err, sizeof(err)))
		return STORE_BAD_KEY;
	if (store_open_readonly(&s, database, key->data, err, sizeof(err)) != STORE_OK)
		return STORE_BAD_KEY;
	store_close(s);
	return STORE_OK;
}

int master_key_settle(const char *path, const char *database, char *note, size_t notelen, char *err, size_t errlen)
{
	struct secret key = { 0 };
	char next[4096];
	int rc = -1;

	note[0] = 0;
	master_key_new_path(next, sizeof(next), path);
	if (access(next, F_OK) && errno == ENOENT)
		return 0;
	/* a rotation only ever runs on an existing store */
	if (!store_is_pg_url(database) && access(database, F_OK) && errno == ENOENT)
		return 0;
	if (secret_alloc(&key, MASTER_KEY_LEN)) {
		snprintf(err, errlen, "cannot lock memory for the master key: %s", strerror(errno));
		return -1;
	}
	if (opens_with(next, database, &key) == STORE_OK) {
		if (master_key_commit(path, err, errlen) == 0) {
			snprintf(note, notelen, "finished an interrupted master-key rotation: %s is now the master key "
				 "(the store was already rewrapped under it)", next);
			rc = 0;
		}
	} else if (opens_with(path, database, &key) == STORE_OK) {
		if (master_key_discard(path) == 0) {
			snprintf(note, notelen, "removed %s, the new key of a master-key rotation that did not commit "
				 "(the store is still under %s)", next, path);
			rc = 0;
		} else {
			snprintf(err, errlen, "remove %s: %s", next, strerror(errno));
		}
	} else {
		snprintf(err, errlen, "neither %s nor %s (an interrupted rotation's new key) opens the store %s",
			 path, next, database);
	}
	secret_free(&key);
	return rc;
}
