/*
 * cocobroker backup | restore | rotate-master-key: the store as a whole.
 *
 *   backup --out FILE [STORE]      a consistent copy while serve runs, checked
 *   restore --from FILE [STORE]    only into a store that does not exist
 *   rotate-master-key --yes [STORE]
 *       a new master key: every volume key and policy seal rewrapped and the
 *       audit re-chained in one transaction (store.h), the key file replaced
 *       only after it committed (master_key.h); stop serve first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "admin_cli.h"
#include "commands.h"
#include "broker/store/master_key.h"

static int backup_usage(FILE *f)
{
	fprintf(f, "usage: cocobroker backup --out FILE [STORE]\n"
		   "       cocobroker restore --from FILE [STORE]\n"
		   "STORE: --config FILE (default " DEFAULT_CONFIG ") or --database FILE --master-key FILE\n"
		   "backup writes a consistent copy of a SQLite store (while serve runs) and checks it;\n"
		   "restore puts a backup in place of a store that does not exist, checked and audited.\n"
		   "The master key is not in the backup: keep it (and its backup) apart.\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

/* Open PATH with the store's master key and walk its audit chain: STORE_OK when intact. */
static int check_copy(const char *path, const uint8_t *master, struct audit_verify_result *r, int readonly,
		      struct store **keep, char *err, size_t errlen)
{
	struct store *c = NULL;
	int rc = readonly ? store_open_readonly(&c, path, master, err, errlen) : store_open(&c, path, master, err, errlen);

	if (rc == STORE_OK && (rc = store_audit_verify(c, 0, NULL, r)) != STORE_OK)
		snprintf(err, errlen, "%s: the audit chain does not verify: %s", path,
			 rc == STORE_TAMPERED ? r->what : store_last_error(c));
	if (rc == STORE_OK && keep)
		*keep = c;
	else if (c)
		store_close(c);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	struct volume_args a;
	struct store_paths paths;
	struct audit_verify_result r;
	struct store *s;
	struct secret master = { 0 };
	char err[512];
	int rc = 1, created;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return backup_usage(stdout);
	if (admin_parse_args(argc, argv, 1, &a) || !a.out || a.from || a.uuid || a.policy || a.device || a.key_file || a.yes)
		return backup_usage(stderr);
	if (!(s = admin_open_store(&a, 0)))
		return 1;
	if (store_backup(s, a.out) != STORE_OK) {
		fprintf(stderr, "cocobroker backup: %s\n", store_last_error(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	/* the copy is checked as restore will check it: the same master key opens it, the chain is whole */
	if (admin_store_paths(&a, &paths) == 0 && !admin_load_master(&paths, 0, &master, &created, "backup")) {
		if (check_copy(a.out, master.data, &r, 1, NULL, err, sizeof(err)) == STORE_OK) {
			printf("backup %s: %lld audit row(s), chain intact, head %lld\n", a.out, (long long)r.rows,
			       (long long)r.last_id);
			rc = 0;
		} else {
			fprintf(stderr, "cocobroker backup: the copy does not check: %s\n", err);
		}
	}
	secret_free(&master);
	admin_store_paths_free(&paths);
	return rc;
}

/* Copy FROM to a new file TO (0600, fsync'd). */
static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, werr = 0, rc = -1;
	uint8_t buf[65536];
	ssize_t n;

	if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "cocobroker restore: %s: %s\n", in < 0 ? from : to, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (admin_write_all(out, buf, (size_t)n, &werr) != (size_t)n)
			break;
	if (n != 0 || werr || fsync(out)) {
		fprintf(stderr, "cocobroker restore: copying %s: %s\n", from, strerror(werr ? werr : errno));
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/*
 * Restore into a store that does not exist: the backup is copied next to it,
 * opened with the master key, its chain walked, the restore audited in the
 * copy itself, and only then renamed into place. Any failure leaves nothing.
 */
int cmd_restore(int argc, char **argv)
{
	struct volume_args a;
	struct store_paths paths;
	struct audit_verify_result r;
	struct store *c = NULL;
	struct secret master = { 0 };
	char err[512], tmp[4096], detail[200];
	int rc = 1, created;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return backup_usage(stdout);
	if (admin_parse_args(argc, argv, 1, &a) || !a.from || a.out || a.uuid || a.policy || a.device || a.key_file || a.yes)
		return backup_usage(stderr);
	if (admin_store_paths(&a, &paths))
		return 1;
	if (store_is_pg_url(paths.database)) {
		fprintf(stderr, "cocobroker restore: a PostgreSQL store is restored with PostgreSQL's own tools\n");
		goto out;
	}
	if (access(paths.database, F_OK) == 0 || errno != ENOENT) {
		fprintf(stderr, "cocobroker restore: %s exists: restore only into a store that does not (move it "
				"away first)\n", paths.database);
		goto out;
	}
	if (admin_load_master(&paths, 0, &master, &created, "restore"))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.restoring", paths.database);
	/* an earlier restore that crashed left its copy: it never became the store, so it goes */
	if (unlink(tmp) == 0)
		fprintf(stderr, "cocobroker restore: removed %s, left by an interrupted restore\n", tmp);
	if (copy_file(a.from, tmp))
		goto out;
	if (check_copy(tmp, master.data, &r, 0, &c, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "cocobroker restore: %s does not restore: %s\n", a.from, err);
	} else {
		admin_set_operator(c);
		snprintf(detail, sizeof(detail), "from %.120s: %lld audit row(s), head %lld", a.from, (long long)r.rows,
			 (long long)r.last_id);
		if (store_note_admin(c, "store-restore", "", detail) != STORE_OK)
			fprintf(stderr, "cocobroker restore: auditing the restore: %s\n", store_last_error(c));
		else
			rc = 0;
		store_close(c);
		c = NULL;
	}
	if (rc == 0 && (rename(tmp, paths.database) || sync_parent_dir(paths.database))) {
		fprintf(stderr, "cocobroker restore: %s: %s\n", paths.database, strerror(errno));
		rc = 1;
	}
	if (rc != 0)
		unlink(tmp);
	else
		printf("restored %s from %s: %lld audit row(s) verified, the restore audited\n", paths.database,
		       a.from, (long long)r.rows);
out:
	secret_free(&master);
	admin_store_paths_free(&paths);
	return rc;
}

static int rotate_usage(FILE *f)
{
	fprintf(f, "usage: cocobroker rotate-master-key --yes [STORE]\n"
		   "STORE: --config FILE (default " DEFAULT_CONFIG ") or --database FILE --master-key FILE\n"
		   "Makes a new master key, rewraps every volume key and policy seal and re-chains the\n"
		   "audit under it in one transaction, then replaces the key file. Stop serve first:\n"
		   "a broker still holding the old key refuses every release until restarted.\n"
		   "Back up the new key file as you did the old one; the old key no longer opens the store.\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

int cmd_rotate_master_key(int argc, char **argv)
{
	struct volume_args a;
	struct store_paths paths;
	struct store_rotate_result r;
	struct store *s = NULL;
	struct secret fresh = { 0 };
	char err[512], next[4096];
	int rc = 1;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return rotate_usage(stdout);
	if (admin_parse_args(argc, argv, 1, &a) || a.out || a.from || a.uuid || a.policy || a.device || a.key_file)
		return rotate_usage(stderr);
	if (!a.yes) {
		fprintf(stderr, "cocobroker rotate-master-key: replaces the master key of the store: give --yes\n");
		return CB_EXIT_USAGE;
	}
	if (admin_store_paths(&a, &paths))
		return 1;
	/* opening settles an earlier interrupted rotation first (admin_load_master) */
	if (!(s = admin_open_store(&a, 0)))
		goto out;
	master_key_new_path(next, sizeof(next), paths.master_key);
	if (secret_alloc(&fresh, MASTER_KEY_LEN)) {
		fprintf(stderr, "cocobroker rotate-master-key: cannot lock memory: %s\n", strerror(errno));
		goto out;
	}
	/* the new key is on disk, synced, before the store depends on it */
	if (master_key_create(next, fresh.data, err, sizeof(err))) {
		fprintf(stderr, "cocobroker rotate-master-key: %s\n", err);
		goto out;
	}
	if (store_rotate_master(s, fresh.data, &r) != STORE_OK) {
		fprintf(stderr, "cocobroker rotate-master-key: %s (nothing changed)\n", store_last_error(s));
		if (master_key_discard(paths.master_key))
			fprintf(stderr, "cocobroker rotate-master-key: remove %s: %s\n", next, strerror(errno));
		goto out;
	}
	if (master_key_commit(paths.master_key, err, sizeof(err))) {
		/* the store is under the new key now; the next open finishes this (master_key_settle) */
		fprintf(stderr, "cocobroker rotate-master-key: the store was rewrapped under %s, but %s; the next "
				"cocobroker command finishes it\n", next, err);
		goto out;
	}
	printf("rotated the master key of %s: %lld volume key(s) rewrapped, %lld named polic%s sealed again, "
	       "%lld audit row(s) re-chained; %s holds the new key\n", paths.database, (long long)r.volumes,
	       (long long)r.policies, r.policies == 1 ? "y" : "ies", (long long)r.rows, paths.master_key);
	rc = 0;
out:
	if (s)
		store_close(s);
	secret_free(&fresh);
	admin_store_paths_free(&paths);
	return rc;
}
