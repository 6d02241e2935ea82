/*
 * cocobroker volume add|confirm|list|set-policy|remove: manage the key store.
 * STORE is --config FILE (the serve configuration, default
 * /etc/cocobroker/cocobroker.json) or --database FILE --master-key FILE.
 *
 *   volume add --uuid UUID --policy FILE [STORE]
 *       generates a 64-byte volume key, stores it wrapped as a PENDING volume
 *       and writes it ONCE to stdout as 64 raw bytes (no newline), for
 *       `cryptsetup luksFormat --volume-key-file /dev/stdin --key-size 512`.
 *       A pending volume is listed but never released (volume-pending).
 *       stderr gets the key commitment rd.cocoboot.keyhash=SALT:HASH for
 *       the guest's measured command line (proto/key_commit.h): a fresh
 *       random salt each time, kept nowhere, so it is printed only here.

 *   volume confirm --uuid UUID (--device DEV | --key-file FILE) [STORE]
 *       makes it active once the consumer proved it holds the key: the LUKS2
 *       header on DEV (a device or image) verifies the key, or FILE holds it.
 *   volume import --uuid UUID --policy FILE [--device DEV] [STORE]
 *       takes an existing volume key (64 raw bytes on stdin, e.g. from
 *       `cryptsetup luksDump --dump-volume-key`): with --device, whose LUKS2
 *       header must verify it, the volume is active at once; without, it is
 *       pending until `volume confirm`. Nothing is stored when the key does
 *       not verify.
 *   volume recovery-passphrase --out FILE
 *       a recovery passphrase, created once into FILE before the format, for
 *       the keyslot the format adds (the break-glass path, docs/broker.md).
 *   volume list [STORE]                        one JSON object per volume
 *   volume set-policy --uuid UUID (--policy FILE | --policy-name NAME) [STORE]
 * add and import take --policy-name NAME instead of --policy FILE too: the
 * volume then refers to the named policy (cmd_policy.c), and follows it.
 *   volume remove --uuid UUID --yes [STORE]    prints what it removed
 *
 * Each change is an audit row naming the local user (store_set_operator).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mbedtls/constant_time.h>

#include "common/luks2.h"
#include "common/secret.h"
#include "common/uuid.h"
#include "proto/key_commit.h"
#include "proto/request.h"
#include "admin_cli.h"
#include "commands.h"
#include "broker/server/config.h"
#include "broker/store/master_key.h"
#include "broker/store/store.h"
#include "broker/verify/policy.h"



static int usage_to(FILE *f)
{
	fprintf(f,
		"usage: cocobroker volume add --uuid UUID POLICY [STORE]\n"
		"       cocobroker volume confirm --uuid UUID (--device DEVICE | --key-file FILE) [STORE]\n"
		"       cocobroker volume import --uuid UUID POLICY [--device DEVICE] [STORE] < KEY\n"
		"       cocobroker volume recovery-passphrase --out FILE\n"
		"       cocobroker volume list [STORE]\n"
		"       cocobroker volume set-policy --uuid UUID POLICY [STORE]\n"
		"       cocobroker volume remove --uuid UUID --yes [STORE]\n"
		"POLICY: --policy FILE (the volume's own), or --policy-name NAME (cocobroker policy set)\n"
		"STORE: --config FILE (default " DEFAULT_CONFIG ")\n"
		"       or --database FILE --master-key FILE\n"
		"add stores the key as pending and writes it once to stdout; confirm makes\n"
		"it active once DEVICE's LUKS2 header (or FILE) holds that key. import takes an\n"
		"existing disk's volume key (64 raw bytes on stdin); with --device it is active at once.\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

static int usage(void)
{
	return usage_to(stderr);
}

/* Options from argv[first] on. */
int admin_parse_args(int argc, char **argv, int first, struct volume_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = first; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--config") ? &a->config
				 : !strcmp(argv[i], "--database")   ? &a->database
				 : !strcmp(argv[i], "--master-key") ? &a->master_key
				 : !strcmp(argv[i], "--uuid")       ? &a->uuid
				 : !strcmp(argv[i], "--policy")     ? &a->policy
				 : !strcmp(argv[i], "--device")     ? &a->device
				 : !strcmp(argv[i], "--key-file")   ? &a->key_file
				 : !strcmp(argv[i], "--out")        ? &a->out
				 : !strcmp(argv[i], "--from")       ? &a->from
				 : !strcmp(argv[i], "--policy-name") ? &a->policy_name : NULL;
		if (!strcmp(argv[i], "--yes")) {
			a->yes = 1;
			continue;
		}
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "cocobroker volume: unexpected argument \"%s\"\n", argv[i]);
			return -1;
		}
		*dst = argv[++i];
	}
	if (a->config && (a->database || a->master_key)) {
		fprintf(stderr, "cocobroker volume: give --config, or --database and --master-key, not both\n");
		return -1;
	}
	if (!a->database != !a->master_key) {
		fprintf(stderr, "cocobroker volume: --database and --master-key go together\n");
		return -1;
	}
	if (!a->config && !a->database)
		a->config = DEFAULT_CONFIG;
	if (a->uuid) {
		if (!uuid_parse(a->uuid, a->uuid_lower)) {
			fprintf(stderr, "cocobroker volume: \"%s\" is not a UUID (8-4-4-4-12 hex)\n", a->uuid);
			return -1;
		}
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
char *cmd_read_policy(const char *path)
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

/*
 * The policy text a volume gets: the file's (checked), or the reference to a
 * named policy, "@NAME", checked against the store once it is open
 * (named_reference_exists).
 */
static char *volume_policy(const struct volume_args *a)
{
	char *ref;

	if (!a->policy_name)
		return cmd_read_policy(a->policy);
	if (!store_policy_name_valid(a->policy_name)) {
		fprintf(stderr, "cocobroker volume: \"%s\" is not a policy name (a-z 0-9 . _ -, 1-%d)\n", a->policy_name,
			STORE_POLICY_NAME_MAX);
		return NULL;
	}
	if ((ref = malloc(strlen(a->policy_name) + 2)))
		sprintf(ref, "@%s", a->policy_name);
	return ref;
}

/* A reference must name a policy that exists and opens: 0, or -1 said on stderr. */
static int named_reference_exists(struct store *s, const struct volume_args *a)
{
	char *text = NULL, *instances = NULL;
	int rc;

	if (!a->policy_name)
		return 0;
	rc = store_policy_get(s, a->policy_name, &text, &instances);
	if (rc == STORE_OK && instances[0])
		fprintf(stderr, "cocobroker volume: note: %s is a fleet policy; this volume follows it without an "
			"instance pinned\n", a->policy_name);
	free(text);
	free(instances);
	if (rc != STORE_OK)
		fprintf(stderr, "cocobroker volume: %s\n", store_last_error(s));
	return rc == STORE_OK ? 0 : -1;
}

int admin_store_paths(const struct volume_args *a, struct store_paths *p)
{
	char err[512];

	memset(p, 0, sizeof(*p));
	if (a->database) {
		p->database = a->database;
		p->master_key = a->master_key;
		return 0;
	}
	if (config_load(&p->cfg, a->config, err, sizeof(err))) {
		fprintf(stderr, "cocobroker volume: %s\n", err);
		return -1;
	}
	p->have_cfg = 1;
	p->database = p->cfg.database;
	p->master_key = p->cfg.master_key;
	return 0;
}

void admin_store_paths_free(struct store_paths *p)
{
	if (p->have_cfg)
		config_free(&p->cfg);
}

/* The local user who runs the command, for the admin audit rows. */
void admin_set_operator(struct store *s)
{
	struct passwd *pw = getpwuid(getuid());
	char uid[32];

	snprintf(uid, sizeof(uid), "uid-%u", (unsigned)getuid());
	store_set_operator(s, pw && pw->pw_name ? pw->pw_name : uid);
}

/*
 * The master key into locked memory, after settling an interrupted rotation
 * (master_key.h); 0, or -1 said on stderr as "cocobroker WHO: ...".
 */
int admin_load_master(const struct store_paths *p, int create, struct secret *master, int *created, const char *who)
{
	char err[512], note[512];

	if (master_key_settle(p->master_key, p->database, note, sizeof(note), err, sizeof(err))) {
		fprintf(stderr, "cocobroker %s: %s\n", who, err);
		return -1;
	}
	if (note[0])
		fprintf(stderr, "cocobroker %s: %s\n", who, note);
	if (secret_alloc(master, MASTER_KEY_LEN)) {
		fprintf(stderr, "cocobroker %s: cannot lock memory: %s\n", who, strerror(errno));
		return -1;
	}
	if (master_key_load(p->master_key, create, master->data, created, err, sizeof(err))) {
		fprintf(stderr, "cocobroker %s: %s\n", who, err);
		return -1;
	}
	return 0;
}

/* Opens the store; the master key must already exist unless create. */
struct store *admin_open_store(const struct volume_args *a, int create)
{
	struct store_paths paths;
	struct store *s = NULL;
	struct secret master = { 0 };
	char err[512];
	int created;

	if (admin_store_paths(a, &paths))
		return NULL;
	if (admin_load_master(&paths, create, &master, &created, "volume")) {
		s = NULL;
	} else if (store_open(&s, paths.database, master.data, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "cocobroker volume: %s\n", err);
		s = NULL;
	} else {
		if (store_notice(s)[0])
			fprintf(stderr, "cocobroker volume: %s\n", store_notice(s));
		admin_set_operator(s);
	}
	secret_free(&master);
	admin_store_paths_free(&paths);
	return s;
}

/* Before the first add neither file exists: that is an empty store, not an error. */
static int store_not_created_yet(const struct volume_args *a)
{
	struct store_paths paths;
	int none;

	if (admin_store_paths(a, &paths))
		return 0;
	none = access(paths.master_key, F_OK) && errno == ENOENT && access(paths.database, F_OK) && errno == ENOENT;
	admin_store_paths_free(&paths);
	return none;
}

/* Straight to the descriptor: no stdio buffer keeps a copy of the key. Returns the bytes written. */
size_t admin_write_all(int fd, const uint8_t *p, size_t n, int *error)
{
	size_t done = 0;

	*error = 0;
	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*error = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	return done;
}

/* 8 groups of 5 from a 32-letter alphabet (no 0/o, 1/l): 200 bits, typeable at a prompt. */
#define RECOVERY_LEN (8 * 6 - 1)

/*
 * A recovery passphrase, created once into PATH (which must not exist, mode
 * 0600, no newline: cryptsetup --key-file takes the file's bytes as they are).
 * The operator formats with it as the keyslot passphrase (argon2id by
 * default) and keeps the file offline; the broker keeps nothing of it.
 */
static int write_recovery(const char *path)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	struct secret pw = { 0 };
	uint8_t rnd[40];
	int fd = -1, rc = -1, werr = 0;

	if (secret_alloc(&pw, RECOVERY_LEN + 1) || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		fprintf(stderr, "cocobroker volume recovery-passphrase: no memory or randomness\n");
		goto out;
	}
	for (int i = 0, j = 0; i < 40; i++) {
		if (i && i % 5 == 0)
			pw.data[j++] = '-';
		pw.data[j++] = (uint8_t)alphabet[rnd[i] & 31];
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "cocobroker volume recovery-passphrase: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (admin_write_all(fd, pw.data, RECOVERY_LEN, &werr) != RECOVERY_LEN || fsync(fd) != 0) {
		fprintf(stderr, "cocobroker volume recovery-passphrase: %s: %s\n", path, strerror(werr ? werr : errno));
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	explicit_bzero(rnd, sizeof(rnd));
	secret_free(&pw);
	return rc;
}

static int volume_add(struct volume_args *a)
{
	struct store *s;
	struct secret key = { 0 };
	char *policy;
	size_t written;
	int rc = 1, werr;

	if (!a->uuid || !a->policy == !a->policy_name || a->device || a->key_file || a->yes || a->out)
		return usage();
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "cocobroker volume add: refusing to write the raw volume key to a terminal; "
				"pipe it into cryptsetup (--volume-key-file /dev/stdin) or a file\n");
		return 1;
	}
	if (!(policy = volume_policy(a)))
		return 1;
	if (!(s = admin_open_store(a, 1))) {
		free(policy);
		return 1;
	}
	if (named_reference_exists(s, a)) {
		/* nothing generated, nothing stored */
	} else if (secret_alloc(&key, VOLUME_KEY_LEN) || getrandom(key.data, VOLUME_KEY_LEN, 0) != VOLUME_KEY_LEN) {
		fprintf(stderr, "cocobroker volume add: no key material\n");
	} else if (store_volume_add(s, a->uuid_lower, policy, key.data) != STORE_OK) {
		fprintf(stderr, "cocobroker volume add: %s\n", store_last_error(s));
	} else if ((written = admin_write_all(STDOUT_FILENO, key.data, VOLUME_KEY_LEN, &werr)) != VOLUME_KEY_LEN) {
		/* the consumer did not get the whole key: nobody can hold it, so the
		 * pending volume goes (it was never released: pending is never released) */
		fprintf(stderr, "cocobroker volume add: writing the key to stdout failed after %zu of %d bytes: %s%s; "
			"volume %s not added\n", written, VOLUME_KEY_LEN, strerror(werr),
			werr == EPIPE ? " (the reader exited before reading it: see its error)" : "", a->uuid_lower);
		if (store_volume_remove(s, a->uuid_lower) != STORE_OK)
			fprintf(stderr, "cocobroker volume add: and removing it failed: %s; it stays pending, "
				"never released: remove it with volume remove --uuid %s --yes\n",
				store_last_error(s), a->uuid_lower);
	} else {
		/* written is not delivered: the pipe may hold it while the reader fails */
		fprintf(stderr, "cocobroker volume add: volume %s added as PENDING; its key went to stdout (64 bytes, "
			"once). It is released only after `cocobroker volume confirm --uuid %s --device DEVICE` "
			"once DEVICE is formatted with it\n", a->uuid_lower, a->uuid_lower);
		struct coco_keycommit kc = { .salt_len = COCO_KEYCOMMIT_SALT_LEN };
		char kc_text[COCO_KEYCOMMIT_TEXT_MAX];

		if (getrandom(kc.salt, kc.salt_len, 0) == (ssize_t)kc.salt_len &&
		    !coco_keycommit_compute(kc.salt, kc.salt_len, key.data, VOLUME_KEY_LEN, kc.hash) &&
		    !coco_keycommit_format(&kc, kc_text, sizeof(kc_text)))
			fprintf(stderr, "cocobroker volume add: key commitment for the measured kernel command line: "
					COCO_KEYCOMMIT_PARAM "=%s\n", kc_text);
		else
			fprintf(stderr, "cocobroker volume add: warning: no key commitment (no randomness)\n");
		rc = 0;
	}
	secret_free(&key);
	store_close(s);
	free(policy);
	return rc;
}

/* Read up to cap bytes of fd into buf; the count, or -1 (errno). */
static ssize_t read_full(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * What confirm checks the stored key against, read once before the store is
 * locked: the LUKS2 header of a device or image, or a key file.
 */
struct proof {
	const char *path, *uuid;
	int is_key;
	struct luks2_info header;   /* --device: validated as the guest validates it */
	struct secret key;          /* --key-file: one byte more than a key, to see a longer file */
};

static int check_key(void *ctx, const uint8_t key[VOLUME_KEY_LEN], char *err, size_t errlen)
{
	const struct proof *p = ctx;
	struct luks2_err why = { 0 };

	if (!p->is_key && strcmp(p->header.uuid, p->uuid)) {
		snprintf(err, errlen, "the LUKS2 header's UUID is \"%s\", not %s (format with --uuid %s)", p->header.uuid,
			 p->uuid, p->uuid);
		return -1;
	}
	if (!p->is_key) {
		if (luks2_key_matches(&p->header, key, VOLUME_KEY_LEN, &why) == 1)
			return 0;
		snprintf(err, errlen, "%s%s", why.detail,
			 why.fault == LUKS2_INVALID ? ": the format did not use the key `volume add` printed" : "");
		return -1;
	}
	if (p->key.len == VOLUME_KEY_LEN && !mbedtls_ct_memcmp(p->key.data, key, VOLUME_KEY_LEN))
		return 0;
	if (p->key.len == VOLUME_KEY_LEN)
		snprintf(err, errlen, "%s does not hold the volume key (%zu bytes, a different key)", p->path, p->key.len);
	else
		snprintf(err, errlen, "%s does not hold the volume key (%zu bytes, not %d)", p->path, p->key.len,
			 VOLUME_KEY_LEN);
	return -1;
}

/*
 * The header is checked as the guest checks it before it asks for a key
 * (common/luks2.h, luks2_validate_fd: both copies, the allowlist, the device
 * size): a volume the guest would refuse never becomes active.
 */
static int read_header(struct proof *p, int fd)
{
	uint8_t first[LUKS2_BIN_HDR_SIZE];
	struct luks2_err why = { 0 };
	ssize_t n = read_full(fd, first, sizeof(first));

	if (n != (ssize_t)sizeof(first) || !luks2_looks_like(first, sizeof(first))) {
		fprintf(stderr, "cocobroker volume confirm: %s: %s\n", p->path,
			n < 0 ? strerror(errno) : "no LUKS2 header at its start (was it formatted?)");
		return -1;
	}
	if (luks2_validate_fd(fd, &p->header, &why) < 0) {
		fprintf(stderr, "cocobroker volume confirm: %s: the guest would refuse this LUKS2 header: %s\n", p->path,
			why.detail);
		return -1;
	}
	return 0;
}

static int read_proof(struct proof *p)
{
	int fd = open(p->path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "cocobroker volume confirm: %s: %s\n", p->path, strerror(errno));
		return -1;
	}
	if (!p->is_key) {
		rc = read_header(p, fd);
	} else if (secret_alloc(&p->key, VOLUME_KEY_LEN + 1)) {
		fprintf(stderr, "cocobroker volume confirm: cannot lock memory: %s\n", strerror(errno));
		rc = -1;
	} else if ((n = read_full(fd, p->key.data, p->key.cap)) < 0) {
		fprintf(stderr, "cocobroker volume confirm: %s: %s\n", p->path, strerror(errno));
		rc = -1;
	} else {
		p->key.len = (size_t)n;
	}
	close(fd);
	return rc;
}

static int volume_confirm(struct volume_args *a)
{
	struct proof p = { .path = a->device ? a->device : a->key_file, .uuid = a->uuid_lower, .is_key = !a->device };
	char how[64];
	struct store *s;
	int rc, was_active;

	if (!a->uuid || a->policy || a->policy_name || a->yes || a->out || !a->device == !a->key_file)
		return usage();
	if (read_proof(&p) || !(s = admin_open_store(a, 0))) {
		secret_free(&p.key);
		return 1;
	}
	snprintf(how, sizeof(how), "%s", a->device ? "luks2-header" : "key-file");
	rc = store_volume_confirm(s, a->uuid_lower, check_key, &p, how, &was_active);
	if (rc == STORE_OK && was_active)
		fprintf(stderr, "cocobroker volume confirm: volume %s was already active (and %s holds its key)\n",
			a->uuid_lower, p.path);
	else if (rc == STORE_OK)
		fprintf(stderr, "cocobroker volume confirm: volume %s is active: %s holds its key; serve releases "
			"it under its policy\n", a->uuid_lower, p.path);
	else if (rc == STORE_MISMATCH)
		fprintf(stderr, "cocobroker volume confirm: %s: %s; volume %s stays %s\n", p.path,
			store_last_error(s), a->uuid_lower, was_active ? "active (unchanged)" : "pending (not released)");
	else
		fprintf(stderr, "cocobroker volume confirm: %s\n", store_last_error(s));
	store_close(s);
	secret_free(&p.key);
	return rc == STORE_OK ? 0 : 1;
}

static void print_volume(void *ctx, const char *uuid, const char *created, const char *policy_json, int sealed,
			 int pending)
{
	cJSON *o = cJSON_CreateObject(), *p = cJSON_Parse(policy_json);
	char *line;

	(void)ctx;
	cJSON_AddStringToObject(o, "uuid", uuid);
	cJSON_AddStringToObject(o, "created", created ? created : "");
	/* false: the policy or key was edited outside cocobroker; the broker refuses this volume */
	cJSON_AddBoolToObject(o, "sealed", sealed);
	/* pending: added, never confirmed; never released */
	cJSON_AddStringToObject(o, "state", pending ? "pending" : "active");
	if (p)
		cJSON_AddItemToObject(o, "policy", p);
	else if (policy_json && policy_json[0] == '@')
		cJSON_AddStringToObject(o, "policy_name", policy_json + 1);   /* "NAME" or "NAME host_data=HEX" */
	line = cJSON_PrintUnformatted(o);
	if (line)
		printf("%s\n", line);
	free(line);
	cJSON_Delete(o);
}

static int volume_list(struct volume_args *a)
{
	struct store *s;
	int rc;

	if (a->uuid || a->policy || a->policy_name || a->device || a->key_file || a->yes || a->out)
		return usage();
	if (store_not_created_yet(a))
		return 0;   /* no volume was ever added: an empty list */
	if (!(s = admin_open_store(a, 0)))
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

	if (!a->uuid || !a->policy == !a->policy_name || a->device || a->key_file || a->yes || a->out)
		return usage();
	if (!(policy = volume_policy(a)))
		return 1;
	if (!(s = admin_open_store(a, 0))) {
		free(policy);
		return 1;
	}
	rc = named_reference_exists(s, a) ? STORE_NOT_FOUND : store_volume_set_policy(s, a->uuid_lower, policy);
	if (rc == STORE_OK)
		fprintf(stderr, "cocobroker volume set-policy: volume %s now has the policy %s%s\n", a->uuid_lower,
			a->policy ? "of " : "named ", a->policy ? a->policy : a->policy_name);
	else if (a->policy_name && rc == STORE_NOT_FOUND)
		;   /* said by named_reference_exists, or below for the volume */
	else if (rc == STORE_NOT_FOUND)
		fprintf(stderr, "cocobroker volume set-policy: no volume %s\n", a->uuid_lower);
	else
		fprintf(stderr, "cocobroker volume set-policy: %s\n", store_last_error(s));
	store_close(s);
	free(policy);
	return rc == STORE_OK ? 0 : 1;
}

static int volume_remove(struct volume_args *a)
{
	char created[32];
	struct store *s;
	int rc, pending = 0;

	if (!a->uuid || a->policy || a->policy_name || a->device || a->key_file || a->out)
		return usage();
	if (!a->yes) {
		fprintf(stderr, "cocobroker volume remove: this destroys the broker's only copy of the key of %s: "
			"a disk formatted with it can no longer be unlocked through the broker. Add --yes to remove it\n",
			a->uuid_lower);
		return CB_EXIT_USAGE;
	}
	if (!(s = admin_open_store(a, 0)))
		return 1;
	rc = store_volume_state(s, a->uuid_lower, &pending, created);
	if (rc == STORE_OK)
		rc = store_volume_remove(s, a->uuid_lower);
	if (rc == STORE_OK)
		printf("removed volume %s (%s, added %s)\n", a->uuid_lower, pending ? "pending" : "active", created);
	else if (rc == STORE_NOT_FOUND)
		fprintf(stderr, "cocobroker volume remove: no volume %s\n", a->uuid_lower);
	else
		fprintf(stderr, "cocobroker volume remove: %s\n", store_last_error(s));
	store_close(s);
	return rc == STORE_OK ? 0 : 1;
}

/* Exactly one volume key from stdin into KEY: 0, or -1 said on stderr. */
static int read_key_stdin(struct secret *key)
{
	ssize_t n;

	if (isatty(STDIN_FILENO)) {
		fprintf(stderr, "cocobroker volume import: refusing to read a raw volume key from a terminal; "
				"pipe it in (64 bytes)\n");
		return -1;
	}
	if (secret_alloc(key, VOLUME_KEY_LEN + 1)) {
		fprintf(stderr, "cocobroker volume import: cannot lock memory: %s\n", strerror(errno));
		return -1;
	}
	/* one byte more than a key, to see a longer input */
	if ((n = read_full(STDIN_FILENO, key->data, key->cap)) < 0) {
		fprintf(stderr, "cocobroker volume import: reading stdin: %s\n", strerror(errno));
		return -1;
	}
	key->len = (size_t)n;
	if (key->len != VOLUME_KEY_LEN) {
		if (key->len > VOLUME_KEY_LEN)
			fprintf(stderr, "cocobroker volume import: stdin held more than %d bytes: not one volume key\n",
				VOLUME_KEY_LEN);
		else
			fprintf(stderr, "cocobroker volume import: stdin held %zu bytes, not a %d-byte volume key "
					"(cryptsetup --key-size 512)\n", key->len, VOLUME_KEY_LEN);
		return -1;
	}
	return 0;
}

/*
 * An existing disk's key. Everything that can refuse is checked before the
 * store changes: the key's length, the policy, and with --device the header
 * (as the guest checks it) and that it verifies this key. Then add and, with
 * --device, confirm; a confirm that fails takes the added row back.
 */
static int volume_import(struct volume_args *a)
{
	struct proof p = { .path = a->device, .uuid = a->uuid_lower };
	struct secret key = { 0 };
	char *policy = NULL, why[256];
	struct store *s = NULL;
	int rc = 1, was_active = 0;

	if (!a->uuid || !a->policy == !a->policy_name || a->key_file || a->yes || a->out)
		return usage();
	if (read_key_stdin(&key) || !(policy = volume_policy(a)) || (a->device && read_proof(&p)))
		goto out;
	if (a->device && check_key(&p, key.data, why, sizeof(why))) {
		fprintf(stderr, "cocobroker volume import: %s: %s; nothing stored\n", a->device, why);
		goto out;
	}
	if (!(s = admin_open_store(a, 1)) || named_reference_exists(s, a))
		goto out;
	if (store_volume_add(s, a->uuid_lower, policy, key.data) != STORE_OK) {
		fprintf(stderr, "cocobroker volume import: %s\n", store_last_error(s));
		goto out;
	}
	if (!a->device) {
		fprintf(stderr, "cocobroker volume import: volume %s imported as PENDING; `cocobroker volume confirm "
				"--uuid %s --device DEVICE` makes it active\n", a->uuid_lower, a->uuid_lower);
		rc = 0;
	} else if (store_volume_confirm(s, a->uuid_lower, check_key, &p, "import:luks2-header", &was_active) ==
		   STORE_OK) {
		fprintf(stderr, "cocobroker volume import: volume %s is active: %s holds its key; serve releases it "
				"under its policy\n", a->uuid_lower, a->device);
		rc = 0;
	} else {
		fprintf(stderr, "cocobroker volume import: confirming against %s failed: %s\n", a->device,
			store_last_error(s));
		if (store_volume_remove(s, a->uuid_lower) != STORE_OK)
			fprintf(stderr, "cocobroker volume import: and taking it back failed: %s; it stays pending, "
					"never released\n", store_last_error(s));
	}
out:
	if (s)
		store_close(s);
	secret_free(&key);
	secret_free(&p.key);
	free(policy);
	return rc;
}

int cmd_volume(int argc, char **argv)
{
	struct volume_args a;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage_to(stdout);
	if (admin_parse_args(argc, argv, 2, &a) || a.from)
		return usage();
	/* a reader that exits early must not kill us before we report it (and, in add, undo) */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "add"))
		return volume_add(&a);
	if (!strcmp(argv[1], "confirm"))
		return volume_confirm(&a);
	if (!strcmp(argv[1], "import"))
		return volume_import(&a);
	if (!strcmp(argv[1], "recovery-passphrase")) {
		if (!a.out || a.uuid || a.policy || a.policy_name || a.device || a.key_file || a.yes || a.database)
			return usage();
		if (write_recovery(a.out))
			return 1;
		fprintf(stderr, "cocobroker volume recovery-passphrase: written once to %s (the broker keeps nothing of it): "
				"format with --key-file %s, then keep it offline and delete it here\n",
			a.out, a.out);
		return 0;
	}
	if (!strcmp(argv[1], "list"))
		return volume_list(&a);
	if (!strcmp(argv[1], "set-policy"))
		return volume_set_policy(&a);
	if (!strcmp(argv[1], "remove"))
		return volume_remove(&a);
	fprintf(stderr, "cocobroker volume: unknown action \"%s\"\n", argv[1]);
	return usage();
}
/* The store for the other admin commands (cmd_policy.c), opened as volume commands open it. */
struct store *cmd_open_store(const char *config, const char *database, const char *master_key, int create)
{
	struct volume_args a = { .config = config, .database = database, .master_key = master_key };

	if (!a.config && !a.database)
		a.config = DEFAULT_CONFIG;
	return admin_open_store(&a, create);
}
