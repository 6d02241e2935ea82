/*
 * cocobroker audit verify [--config FILE | --database FILE --master-key FILE]
 *                         [--anchor ID:HEX]
 *
 * Walks the audit chain of the key store (broker/store/seal.h) and reports
 * the first broken row. An intact chain prints its anchor (last row id and
 * MAC); given back later with --anchor, that row must still be in the chain
 * with that MAC, which catches a rollback to an older copy of the store. Exit 0 intact, 1 broken (row id and what is wrong on
 * stdout), 2 usage or I/O error (no store, wrong master key, a schema-1 store
 * not migrated yet). The store is opened read-only: verify never writes.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secret.h"
#include "commands.h"
#include "broker/server/config.h"
#include "broker/store/master_key.h"
#include "broker/store/store.h"

#define DEFAULT_CONFIG "/etc/cocobroker/cocobroker.json"

static int usage_to(FILE *f)
{
	fprintf(f,
		"usage: cocobroker audit verify [--config FILE] [--anchor ID:HEX]\n"
		"       cocobroker audit verify --database FILE --master-key FILE [--anchor ID:HEX]\n"
		"Checks the audit rows' HMAC chain and its sealed head. Exit 0 intact,\n"
		"1 broken (the first broken row and why), 2 usage or I/O error.\n"
		"--anchor: an anchor printed by an earlier run; that row must still be in\n"
		"the chain with that MAC (catches a rollback to an older copy).\n"
		"The default configuration is " DEFAULT_CONFIG ".\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

struct anchor {
	int set;
	int64_t id;
	uint8_t mac[32];
};

/* "ID:HEX", ID >= 1, 64 hex digits. 0 or -1. */
static int parse_anchor(const char *text, struct anchor *a)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(text, &end, 10);
	if (errno || id < 1 || end == text || *end != ':' || strlen(end + 1) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(end + 1 + 2 * i, "%2x", &v) != 1 || !isxdigit((unsigned char)end[1 + 2 * i]) ||
		    !isxdigit((unsigned char)end[2 + 2 * i]))
			return -1;
		a->mac[i] = (uint8_t)v;
	}
	a->id = id;
	a->set = 1;
	return 0;
}

static int verify(const char *database, const char *master_path, const struct anchor *anchor)
{
	struct audit_verify_result r;
	struct store *s = NULL;
	struct secret master;
	char err[512];
	int created, rc;

	if (secret_alloc(&master, MASTER_KEY_LEN)) {
		fprintf(stderr, "cocobroker audit: cannot lock memory: %s\n", strerror(errno));
		return CB_EXIT_USAGE;
	}
	rc = master_key_load(master_path, 0, master.data, &created, err, sizeof(err)) ||
	     store_open_readonly(&s, database, master.data, err, sizeof(err)) != STORE_OK;
	secret_free(&master);
	if (rc) {
		fprintf(stderr, "cocobroker audit: %s\n", err);
		return CB_EXIT_USAGE;
	}
	rc = store_audit_verify(s, anchor->id, anchor->set ? anchor->mac : NULL, &r);
	if (rc == STORE_OK) {
		printf("intact: %" PRId64 " row(s), last row %" PRId64 ", anchor %" PRId64 ":", r.rows, r.last_id,
		       r.last_id);
		for (int i = 0; i < 32; i++)
			printf("%02x", r.head[i]);
		printf("\n");
	} else if (rc == STORE_TAMPERED) {
		if (r.broken_id < 0)
			printf("broken: chain head: %s\n", r.what);
		else
			printf("broken: row %" PRId64 ": %s\n", r.broken_id, r.what);
		printf("%" PRId64 " row(s) before it verify (last good row %" PRId64 ")\n", r.rows, r.last_id);
	} else {
		fprintf(stderr, "cocobroker audit: %s\n", store_last_error(s));
	}
	store_close(s);
	return rc == STORE_OK ? CB_EXIT_OK : rc == STORE_TAMPERED ? CB_EXIT_REJECTED : CB_EXIT_USAGE;
}

int cmd_audit(int argc, char **argv)
{
	const char *config = NULL, *database = NULL, *master = NULL, *anchor_text = NULL;
	struct anchor anchor = { 0 };
	struct broker_config cfg;
	char err[512];
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage_to(stdout);
	if (argc < 2 || strcmp(argv[1], "verify")) {
		if (argc >= 2)
			fprintf(stderr, "cocobroker audit: unknown action \"%s\"\n", argv[1]);
		return usage_to(stderr);
	}
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--config")     ? &config
				 : !strcmp(argv[i], "--database")   ? &database
				 : !strcmp(argv[i], "--master-key") ? &master
				 : !strcmp(argv[i], "--anchor")     ? &anchor_text : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage_to(stdout);
		if (!dst || i + 1 >= argc || *dst) {
			fprintf(stderr, "cocobroker audit: unexpected argument \"%s\"\n", argv[i]);
			return usage_to(stderr);
		}
		*dst = argv[++i];
	}
	if ((config && (database || master)) || (!database != !master)) {
		fprintf(stderr, "cocobroker audit: give --config, or both --database and --master-key\n");
		return usage_to(stderr);
	}
	if (anchor_text && parse_anchor(anchor_text, &anchor)) {
		fprintf(stderr, "cocobroker audit: --anchor \"%s\" is not ID:HEX (a row id and 64 hex digits, "
			"as printed by audit verify)\n", anchor_text);
		return usage_to(stderr);
	}
	if (database)
		return verify(database, master, &anchor);
	if (config_load(&cfg, config ? config : DEFAULT_CONFIG, err, sizeof(err))) {
		fprintf(stderr, "cocobroker audit: %s\n", err);
		return CB_EXIT_USAGE;
	}
	rc = verify(cfg.database, cfg.master_key, &anchor);
	config_free(&cfg);
	return rc;
}
