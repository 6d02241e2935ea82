/*
 * cocobroker policy set|list|show|remove: named policies in the key store
 * (store.h, schema 4). Volumes refer to one with `volume add|import|set-policy
 * --policy-name NAME`, so a fleet's rollout is one `policy set`.
 *
 *   policy set NAME --policy FILE [--allow-instance RULE]... [STORE]
 *       creates or replaces NAME. With --allow-instance it is a fleet policy:
 *       VMs booted from a shared image with an unenrolled volume may enrol
 *       at first boot when their launch identity matches a RULE
 *       ("host_data=HEX", "mrconfigid=HEX", or a prefix ending in "*").
 *   policy list [STORE]          one JSON object per policy, with how many volumes use it
 *   policy show NAME [STORE]     the policy text, checked against its seal
 *   policy remove NAME --yes [STORE]   refused while a volume refers to it
 *
 * Each change is an audit row naming the local user (store_set_operator).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "broker/store/store.h"

#define MAX_RULES 64
#define RULES_MAX_LEN (MAX_RULES * 112)

struct policy_args {
	const char *name, *config, *database, *master_key, *policy;
	const char *rules[MAX_RULES];
	int n_rules, yes;
};

static int usage_to(FILE *f)
{
	fprintf(f,
		"usage: cocobroker policy set NAME --policy FILE [--allow-instance RULE]... [STORE]\n"
		"       cocobroker policy list [STORE]\n"
		"       cocobroker policy show NAME [STORE]\n"
		"       cocobroker policy remove NAME --yes [STORE]\n"
		"STORE: --config FILE or --database FILE --master-key FILE (as for cocobroker volume)\n"
		"RULE:  host_data=HEX (SEV-SNP, 64 hex digits) or mrconfigid=HEX (TDX, 96), or a prefix\n"
		"       ending in * (host_data=* allows any): a policy with rules is a fleet policy,\n"
		"       against which VMs from a shared image enrol their volume at first boot.\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

static int parse(int argc, char **argv, struct policy_args *a, int want_name)
{
	int i = 2;

	memset(a, 0, sizeof(*a));
	if (want_name) {
		if (argc < 3 || argv[2][0] == '-') {
			fprintf(stderr, "cocobroker policy %s: the policy's NAME comes first\n", argv[1]);
			return -1;
		}
		a->name = argv[i++];
	}
	for (; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--config")     ? &a->config
				 : !strcmp(argv[i], "--database")   ? &a->database
				 : !strcmp(argv[i], "--master-key") ? &a->master_key
				 : !strcmp(argv[i], "--policy")     ? &a->policy : NULL;

		if (!strcmp(argv[i], "--yes")) {
			a->yes = 1;
			continue;
		}
		if (!strcmp(argv[i], "--allow-instance") && i + 1 < argc) {
			if (a->n_rules == MAX_RULES) {
				fprintf(stderr, "cocobroker policy: at most %d --allow-instance rules\n", MAX_RULES);
				return -1;
			}
			a->rules[a->n_rules++] = argv[++i];
			continue;
		}
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "cocobroker policy: unexpected argument \"%s\"\n", argv[i]);
			return -1;
		}
		*dst = argv[++i];
	}
	if (a->config && (a->database || a->master_key)) {
		fprintf(stderr, "cocobroker policy: give --config, or --database and --master-key, not both\n");
		return -1;
	}
	if (!a->database != !a->master_key) {
		fprintf(stderr, "cocobroker policy: --database and --master-key go together\n");
		return -1;
	}
	return 0;
}

/* The rules as the store keeps them: one a line, checked. 0, or -1 said on stderr. */
static int join_rules(const struct policy_args *a, char *out, size_t cap)
{
	size_t n = 0;
	char err[256];

	out[0] = '\0';
	for (int i = 0; i < a->n_rules; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? "\n" : "", a->rules[i]);

		if (w < 0 || (size_t)w >= cap - n || strchr(a->rules[i], '\n')) {
			fprintf(stderr, "cocobroker policy set: --allow-instance \"%.40s\": too long\n", a->rules[i]);
			return -1;
		}
		n += (size_t)w;
	}
	if (store_instances_check(out, err, sizeof(err))) {
		fprintf(stderr, "cocobroker policy set: %s\n", err);
		return -1;
	}
	return 0;
}

static int policy_set(const struct policy_args *a)
{
	char rules[RULES_MAX_LEN];
	struct store *s;
	char *text;
	int rc;

	if (!a->policy || a->yes)
		return usage_to(stderr);
	if (!store_policy_name_valid(a->name)) {
		fprintf(stderr, "cocobroker policy set: \"%s\" is not a policy name (1-%d of a-z 0-9 . _ -, not "
			"starting with . or -)\n", a->name, STORE_POLICY_NAME_MAX);
		return CB_EXIT_USAGE;
	}
	if (join_rules(a, rules, sizeof(rules)))
		return CB_EXIT_USAGE;
	if (!(text = cmd_read_policy(a->policy)))
		return CB_EXIT_USAGE;
	if (!(s = cmd_open_store(a->config, a->database, a->master_key, 1))) {
		free(text);
		return 1;
	}
	rc = store_policy_set(s, a->name, text, rules);
	if (rc == STORE_OK)
		fprintf(stderr, "cocobroker policy set: %s%s is the policy of %s%s\n", rules[0] ? "fleet policy " : "",
			a->name, a->policy, rules[0] ? " (first boots of the listed instances may enrol)" : "");
	else
		fprintf(stderr, "cocobroker policy set: %s\n", store_last_error(s));
	store_close(s);
	free(text);
	return rc == STORE_OK ? 0 : 1;
}

static void print_policy(void *ctx, const char *name, const char *created, const char *policy_json,
			 const char *instances, int sealed, int64_t volumes)
{
	cJSON *o = cJSON_CreateObject(), *rules = cJSON_CreateArray(), *p = cJSON_Parse(policy_json);
	char *line;

	(void)ctx;
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "created", created);
	cJSON_AddBoolToObject(o, "sealed", sealed);
	cJSON_AddNumberToObject(o, "volumes", (double)volumes);
	for (const char *r = instances; r && *r;) {
		size_t n = strcspn(r, "\n");
		char one[128];

		snprintf(one, sizeof(one), "%.*s", (int)n, r);
		cJSON_AddItemToArray(rules, cJSON_CreateString(one));
		r += n + (r[n] == '\n');
	}
	cJSON_AddItemToObject(o, "allow_instances", rules);
	if (p)
		cJSON_AddItemToObject(o, "policy", p);
	line = cJSON_PrintUnformatted(o);
	if (line)
		printf("%s\n", line);
	free(line);
	cJSON_Delete(o);
}

static int policy_list(const struct policy_args *a)
{
	struct store *s;
	int rc;

	if (a->policy || a->yes || a->n_rules)
		return usage_to(stderr);
	if (!(s = cmd_open_store(a->config, a->database, a->master_key, 0)))
		return 1;
	rc = store_policy_list(s, print_policy, NULL);
	if (rc != STORE_OK)
		fprintf(stderr, "cocobroker policy list: %s\n", store_last_error(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

static int policy_show(const struct policy_args *a)
{
	char *text = NULL, *rules = NULL;
	struct store *s;
	int rc;

	if (a->policy || a->yes || a->n_rules)
		return usage_to(stderr);
	if (!(s = cmd_open_store(a->config, a->database, a->master_key, 0)))
		return 1;
	rc = store_policy_get(s, a->name, &text, &rules);
	if (rc == STORE_OK) {
		/* as it was set: a file's last newline is part of the text */
		printf("%s%s", text, text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
		for (const char *r = rules; *r;) {
			size_t n = strcspn(r, "\n");

			fprintf(stderr, "cocobroker policy show: fleet: allows %.*s\n", (int)n, r);
			r += n + (r[n] == '\n');
		}
	} else {
		fprintf(stderr, "cocobroker policy show: %s\n", store_last_error(s));
	}
	free(text);
	free(rules);
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

static int policy_remove(const struct policy_args *a)
{
	struct store *s;
	int rc;

	if (a->policy || a->n_rules)
		return usage_to(stderr);
	if (!a->yes) {
		fprintf(stderr, "cocobroker policy remove: add --yes to remove the named policy %s\n", a->name);
		return CB_EXIT_USAGE;
	}
	if (!(s = cmd_open_store(a->config, a->database, a->master_key, 0)))
		return 1;
	rc = store_policy_remove(s, a->name);
	if (rc == STORE_OK)
		printf("removed named policy %s\n", a->name);
	else
		fprintf(stderr, "cocobroker policy remove: %s\n", store_last_error(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

int cmd_policy(int argc, char **argv)
{
	struct policy_args a;
	int named;

	if (argc < 2)
		return usage_to(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage_to(stdout);
	named = !strcmp(argv[1], "set") || !strcmp(argv[1], "show") || !strcmp(argv[1], "remove");
	if (!named && strcmp(argv[1], "list")) {
		fprintf(stderr, "cocobroker policy: unknown action \"%s\"\n", argv[1]);
		return usage_to(stderr);
	}
	if (parse(argc, argv, &a, named))
		return usage_to(stderr);
	if (!strcmp(argv[1], "set"))
		return policy_set(&a);
	if (!strcmp(argv[1], "show"))
		return policy_show(&a);
	if (!strcmp(argv[1], "remove"))
		return policy_remove(&a);
	return policy_list(&a);
}
