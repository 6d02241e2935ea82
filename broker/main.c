/* cocobroker: the key broker's entry point, a table of subcommands. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/version.h>

#include "commands.h"

#ifndef COCOBROKER_VERSION
#define COCOBROKER_VERSION "unknown"
#endif

static const struct cb_command commands[] = {
	{ "verify", cmd_verify, "verify SEV-SNP/TDX evidence and print its claims" },
	{ "serve", cmd_serve, "run the key broker (mutual TLS 1.3, POST /v1/unlock)" },
	{ "volume", cmd_volume, "add, list, re-policy or remove volumes in the key store" },
	{ "audit", cmd_audit, "verify the key store's HMAC-chained audit log" },
	{ "policy", cmd_policy, "named policies (volumes refer to them; fleet policies enrol first boots)" },
	{ "backup", cmd_backup, "write a consistent, checked copy of a SQLite key store (while serve runs)" },
	{ "restore", cmd_restore, "put a backup in place of a missing store, checked and audited" },
	{ "rotate-master-key", cmd_rotate_master_key, "a new master key: every key and seal rewrapped, the audit re-chained, atomically" },
	{ "collateral", cmd_collateral, "fetch AMD KDS / Intel PCS endorsements, verified, into the verifiers' directories" },
	{ "measure", cmd_measure, "compute launch measurements (SEV-SNP digest, TDX MRTD) to pin in a policy" },
};

const char *cocobroker_version(void)
{
	return COCOBROKER_VERSION;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: cocobroker [--version] <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`cocobroker <command> --help` describes a command's options.\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	/* Everything the broker creates (the key store and its WAL, the master
	 * key) holds wrapped keys or the audit trail: owner only, whatever the
	 * caller's umask. */
	umask(077);
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("cocobroker %s (%s)\n", COCOBROKER_VERSION, MBEDTLS_VERSION_STRING_FULL);
		return CB_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "cocobroker: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}
