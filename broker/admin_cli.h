/*
 * What the store's command-line tools share (cmd_volume.c defines it;
 * cmd_volume.c and cmd_store.c use it): their options, where the store is,
 * the master key in locked memory, and the operator named in audit rows.
 */
#ifndef COCOBOOT_BROKER_ADMIN_CLI_H
#define COCOBOOT_BROKER_ADMIN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "common/secret.h"
#include "common/uuid.h"
#include "broker/server/config.h"
#include "broker/store/store.h"

#define DEFAULT_CONFIG "/etc/cocobroker/cocobroker.json"

struct volume_args {
	const char *config, *database, *master_key, *uuid, *policy, *device, *key_file, *out, *from, *policy_name;
	int yes;
	char uuid_lower[UUID_TEXT_LEN + 1];   /* the canonical form (common/uuid.h) */
};

/* The store's two files, from --database/--master-key or the configuration. */
struct store_paths {
	struct broker_config cfg;
	int have_cfg;
	const char *database, *master_key;
};

/* Options from argv[first] on; -1 (said on stderr) for a usage error. */
int admin_parse_args(int argc, char **argv, int first, struct volume_args *a);
int admin_store_paths(const struct volume_args *a, struct store_paths *p);
void admin_store_paths_free(struct store_paths *p);
/* The local user who runs the command, for the admin audit rows. */
void admin_set_operator(struct store *s);
int admin_load_master(const struct store_paths *p, int create, struct secret *master, int *created, const char *who);
/* Opens the store; the master key must already exist unless create. NULL said on stderr. */
struct store *admin_open_store(const struct volume_args *a, int create);
/* Straight to the descriptor: no stdio buffer keeps a copy of a key. Returns the bytes written. */
size_t admin_write_all(int fd, const uint8_t *p, size_t n, int *error);

#endif
