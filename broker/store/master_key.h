/*
 * The master key file: 32 random bytes, created with mode 0600 on first
 * start. The broker refuses a file that group or others may access, one
 * that is not a regular file, or one of the wrong size.
 */
#ifndef COCOBOOT_BROKER_MASTER_KEY_H
#define COCOBOOT_BROKER_MASTER_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "wrap.h"

/*
 * Load the key from path into key (caller's secure memory); with create set,
 * make a new one if the file does not exist (*created = 1). 0, or -1 with a
 * one-line reason in err.
 */
int master_key_load(const char *path, int create, uint8_t key[MASTER_KEY_LEN],
		    int *created, char *err, size_t errlen);

/*
 * Rotation (cocobroker rotate-master-key) keeps the store and its key file in
 * step across a crash: the new key is first written, synced, to PATH.new
 * (master_key_create), the store is rewrapped in one transaction, and only
 * then PATH.new is renamed over PATH (master_key_commit). A PATH.new found
 * later is settled by master_key_settle (rotation_settle.c): kept if the store
 * opens with it (the transaction committed), removed if the store opens with
 * PATH (it did not).
 */
/* fsync the directory that holds path: a rename, link or unlink there survives a crash only then. 0 or -1. */
int sync_parent_dir(const char *path);
int master_key_create(const char *path, uint8_t key[MASTER_KEY_LEN], char *err, size_t errlen);
void master_key_new_path(char *out, size_t len, const char *path);
/* rename PATH.new over PATH and sync the directory. 0, or -1 with err. */
int master_key_commit(const char *path, char *err, size_t errlen);
/* remove PATH.new (if any) and sync the directory. 0, or -1. */
int master_key_discard(const char *path);
/*
 * Before opening the store of database with the key at path: finish or undo
 * an interrupted rotation. 0 with note "" (nothing to do) or saying what was
 * done; -1 with err when neither key opens the store.
 */
int master_key_settle(const char *path, const char *database, char *note, size_t notelen, char *err, size_t errlen);

#endif
