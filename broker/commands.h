/*
 * cocobroker subcommands.  Adding one: declare its entry point here and add
 * one line to the table in main.c.
 */
#ifndef COCOBOOT_BROKER_COMMANDS_H
#define COCOBOOT_BROKER_COMMANDS_H

struct cb_command {
	const char *name;
	int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
	const char *summary;
};

/* Exit codes shared by the subcommands. */
enum { CB_EXIT_OK = 0, CB_EXIT_REJECTED = 1, CB_EXIT_USAGE = 2 };

int cmd_verify(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_rotate_master_key(int argc, char **argv);
int cmd_collateral(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* Shared by the admin commands (cmd_volume.c): a policy file read and checked
 * (malloc'd, NULL said on stderr), and the store opened with the operator set. */
struct store;
char *cmd_read_policy(const char *path);
struct store *cmd_open_store(const char *config, const char *database, const char *master_key, int create);

/* git describe of this build (main.c) */
const char *cocobroker_version(void);

#endif
