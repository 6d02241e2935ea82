/*
 * cocobroker volume add|list|set-policy|remove: manage the key store.
 *
 *   volume add --uuid UUID --policy FILE [--config FILE]
 *       generates a 64-byte volume key, stores it wrapped, and writes it ONCE
 *       to stdout as 64 raw bytes (no newline), for
 *       `cryptsetup luksFormat --volume-key-file=- --key-size 512`.
 *       stderr gets the key commitment rd.cocoboot.keyhash=SALT:HASH for
 *       the guest's measured command line (proto/key_commit.h): a fresh
 *       random salt each time, kept nowhere, so it is printed only here.
 *   volume list [--config FILE]               one JSON object per volume
 *   volume set-policy --uuid UUID --policy FILE [--config FILE]
 *   volume remove --uuid UUID [--config FILE]
 *
 * The store and master key are those of the serve configuration
 * (default /etc/cocobroker/cocobroker.json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../proto/key_commit.h"
#include "../proto/request.h"
#include "commands.h"
#include "server/config.h"
#include "store/master_key.h"
#include "store/secure_mem.h"
#include "store/store.h"
#include "verify/policy.h"

#define DEFAULT_CONFIG "/etc/cocobroker/cocobroker.json"

struct volume_args {
	const char *config, *uuid, *policy;
	char uuid_lower[37];
};

static int usage_to(FILE *f)
{
	fprintf(f,
		"usage: cocobroker volume add --uuid UUID --policy FILE [--config FILE]\n"
		"       cocobroker volume list [--config FILE]\n"
		"       cocobroker volume set-policy --uuid UUID --policy FILE [--config FILE]\n"
		"       cocobroker volume remove --uuid UUID [--config FILE]\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

static int usage(void)
{
	return usage_to(stderr);
}

static int parse_args(int argc, char **argv, struct volume_args *a)
{
	memset(a, 0, sizeof(*a));
	a->config = DEFAULT_CONFIG;
	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--config") ? &a->config
				 : !strcmp(argv[i], "--uuid")   ? &a->uuid
				 : !strcmp(argv[i], "--policy") ? &a->policy : NULL;
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "cocobroker volume: unexpected argument \"%s\"\n", argv[i]);
			return -1;
		}
		*dst = argv[++i];
	}
	if (a->uuid) {
		if (!coco_uuid_is_valid(a->uuid)) {
			fprintf(stderr, "cocobroker volume: \"%s\" is not a UUID (8-4-4-4-12 hex)\n", a->uuid);
			return -1;
		}
		for (int i = 0; i < 37; i++)
			a->uuid_lower[i] = (char)(a->uuid[i] >= 'A' && a->uuid[i] <= 'F' ? a->uuid[i] - 'A' + 'a' : a->uuid[i]);
	}
	return 0;
}

/* One stderr line per constraint the policy leaves open (stdout carries the key). */
static void print_open(void *arg, const char *line)
{
	fprintf(stderr, "cocobroker volume: %s: open: %s\n", (const char *)arg, line);
}

/*
 * Read a policy file and check it parses, so a broken policy never reaches the
 * store.  The parser refuses a section that pins nothing unless it says
 * "allow_any_measurement": true; what the policy leaves open is listed.
 */
static char *read_policy(const char *path)
{
	cb_policy *p = NULL;
	cb_refusal why = { 0 };
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;

	if (!f) {
		fprintf(stderr, "cocobroker volume: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	text = malloc(COCO_MAX_BODY + 1);
	n = text ? fread(text, 1, COCO_MAX_BODY + 1, f) : 0;
	fclose(f);
	if (!text || n > COCO_MAX_BODY) {
		fprintf(stderr, "cocobroker volume: %s: larger than 64 KiB\n", path);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	if (cb_policy_parse(&p, text, n, &why)) {
		fprintf(stderr, "cocobroker volume: %s: %s\n", path, why.detail);
		free(text);
		return NULL;
	}
	cb_policy_open_fields(p, print_open, (void *)path);
	cb_policy_free(p);
	return text;
}

/* Opens the store of the configuration; the master key must already exist unless create. */
static struct store *open_store(const char *config_path, int create)
{
	struct broker_config cfg;
	struct store *s = NULL;
	uint8_t *master;
	char err[512];
	int created;

	if (config_load(&cfg, config_path, err, sizeof(err))) {
		fprintf(stderr, "cocobroker volume: %s\n", err);
		return NULL;
	}
	if (!(master = secure_alloc(MASTER_KEY_LEN))) {
		fprintf(stderr, "cocobroker volume: cannot lock memory: %s\n", strerror(errno));
		config_free(&cfg);
		return NULL;
	}
	if (master_key_load(cfg.master_key, create, master, &created, err, sizeof(err)) ||
	    store_open(&s, cfg.database, master, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "cocobroker volume: %s\n", err);
		s = NULL;
	} else if (store_notice(s)[0]) {
		fprintf(stderr, "cocobroker volume: %s\n", store_notice(s));
	}
	secure_free(master, MASTER_KEY_LEN);
	config_free(&cfg);
	return s;
}

/* Straight to the descriptor: no stdio buffer keeps a copy of the key. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int volume_add(struct volume_args *a)
{
	struct store *s;
	uint8_t *key;
	char *policy;
	int rc = 1;

	if (!a->uuid || !a->policy)
		return usage();
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "cocobroker volume add: refusing to write the raw volume key to a terminal; "
				"pipe it into cryptsetup (--volume-key-file=-) or a file\n");
		return 1;
	}
	if (!(policy = read_policy(a->policy)))
		return 1;
	if (!(s = open_store(a->config, 1))) {
		free(policy);
		return 1;
	}
	key = secure_alloc(VOLUME_KEY_LEN);
	if (!key || getrandom(key, VOLUME_KEY_LEN, 0) != VOLUME_KEY_LEN) {
		fprintf(stderr, "cocobroker volume add: no key material\n");
	} else if (store_volume_add(s, a->uuid_lower, policy, key) != STORE_OK) {
		fprintf(stderr, "cocobroker volume add: %s\n", store_last_error(s));
	} else if (write_all(STDOUT_FILENO, key, VOLUME_KEY_LEN)) {
		/* the operator never got the key: do not keep a volume nobody can format */
		fprintf(stderr, "cocobroker volume add: cannot write the key to stdout; volume not added\n");
		store_volume_remove(s, a->uuid_lower);
	} else {
		struct coco_keycommit kc = { .salt_len = COCO_KEYCOMMIT_SALT_LEN };
		char kc_text[COCO_KEYCOMMIT_TEXT_MAX];

		fprintf(stderr, "cocobroker volume add: volume %s added; its key went to stdout (64 bytes, once)\n",
			a->uuid_lower);
		if (getrandom(kc.salt, kc.salt_len, 0) == (ssize_t)kc.salt_len &&
		    !coco_keycommit_compute(kc.salt, kc.salt_len, key, VOLUME_KEY_LEN, kc.hash) &&
		    !coco_keycommit_format(&kc, kc_text, sizeof(kc_text)))
			fprintf(stderr, "cocobroker volume add: key commitment for the measured kernel command line: "
					COCO_KEYCOMMIT_PARAM "=%s\n", kc_text);
		else
			fprintf(stderr, "cocobroker volume add: warning: no key commitment (no randomness)\n");
		rc = 0;
	}
	secure_free(key, VOLUME_KEY_LEN);
	store_close(s);
	free(policy);
	return rc;
}

static void print_volume(void *ctx, const char *uuid, const char *created, const char *policy_json, int sealed)
{
	cJSON *o = cJSON_CreateObject(), *p = cJSON_Parse(policy_json);
	char *line;

	(void)ctx;
	cJSON_AddStringToObject(o, "uuid", uuid);
	cJSON_AddStringToObject(o, "created", created ? created : "");
	/* false: the policy or key was edited outside cocobroker; the broker refuses this volume */
	cJSON_AddBoolToObject(o, "sealed", sealed);
	if (p)
		cJSON_AddItemToObject(o, "policy", p);
	line = cJSON_PrintUnformatted(o);
	if (line)
		printf("%s\n", line);
	free(line);
	cJSON_Delete(o);
}

static int volume_list(struct volume_args *a)
{
	struct store *s = open_store(a->config, 0);
	int rc;

	if (!s)
		return 1;
	rc = store_volume_list(s, print_volume, NULL);
	if (rc != STORE_OK)
		fprintf(stderr, "cocobroker volume list: %s\n", store_last_error(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

static int volume_set_policy(struct volume_args *a)
{
	struct store *s;
	char *policy;
	int rc;

	if (!a->uuid || !a->policy)
		return usage();
	if (!(policy = read_policy(a->policy)))
		return 1;
	if (!(s = open_store(a->config, 0))) {
		free(policy);
		return 1;
	}
	rc = store_volume_set_policy(s, a->uuid_lower, policy);
	if (rc == STORE_NOT_FOUND)
		fprintf(stderr, "cocobroker volume set-policy: no volume %s\n", a->uuid_lower);
	else if (rc != STORE_OK)
		fprintf(stderr, "cocobroker volume set-policy: %s\n", store_last_error(s));
	store_close(s);
	free(policy);
	return rc == STORE_OK ? 0 : 1;
}

static int volume_remove(struct volume_args *a)
{
	struct store *s;
	int rc;

	if (!a->uuid || a->policy)
		return usage();
	if (!(s = open_store(a->config, 0)))
		return 1;
	rc = store_volume_remove(s, a->uuid_lower);
	if (rc == STORE_NOT_FOUND)
		fprintf(stderr, "cocobroker volume remove: no volume %s\n", a->uuid_lower);
	else if (rc != STORE_OK)
		fprintf(stderr, "cocobroker volume remove: %s\n", store_last_error(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

int cmd_volume(int argc, char **argv)
{
	struct volume_args a;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage_to(stdout);
	if (parse_args(argc, argv, &a))
		return usage();
	if (!strcmp(argv[1], "add"))
		return volume_add(&a);
	if (!strcmp(argv[1], "list"))
		return volume_list(&a);
	if (!strcmp(argv[1], "set-policy"))
		return volume_set_policy(&a);
	if (!strcmp(argv[1], "remove"))
		return volume_remove(&a);
	fprintf(stderr, "cocobroker volume: unknown action \"%s\"\n", argv[1]);
	return usage();
}
