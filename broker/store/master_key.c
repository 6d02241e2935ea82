#include "master_key.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	return rc;
}

/*
 * The file appears whole or not at all: written and synced as an unnamed
 * O_TMPFILE in path's directory, then linked under its name (which fails if
 * the name exists, as O_EXCL would). A crash in between leaves no file, never
 * an empty or short one that every later start would refuse.
 */
static int create_key_file(const char *path, uint8_t key[MASTER_KEY_LEN], char *err, size_t errlen)
{
	char *copy = strdup(path), proc[64];
	int fd;

	if (getrandom(key, MASTER_KEY_LEN, 0) != MASTER_KEY_LEN) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		free(copy);
		return -1;
	}
	fd = copy ? open(dirname(copy), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600) : -1;
	free(copy);
	if (fd < 0) {
		snprintf(err, errlen, "create master key %s: %s", path, strerror(errno));
		return -1;
	}
	/* the umask may have narrowed 0600 further, never widened it; make it exact */
	if (fchmod(fd, 0600) || write(fd, key, MASTER_KEY_LEN) != MASTER_KEY_LEN || fsync(fd)) {
		snprintf(err, errlen, "write master key %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW)) {
		snprintf(err, errlen, "create master key %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (sync_parent_dir(path)) {
		snprintf(err, errlen, "sync the directory of %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int master_key_create(const char *path, uint8_t key[MASTER_KEY_LEN], char *err, size_t errlen)
{
	return create_key_file(path, key, err, errlen);
}

void master_key_new_path(char *out, size_t len, const char *path)
{
	snprintf(out, len, "%s.new", path);
}

int master_key_commit(const char *path, char *err, size_t errlen)
{
	char next[4096];

	master_key_new_path(next, sizeof(next), path);
	if (rename(next, path) || sync_parent_dir(path)) {
		snprintf(err, errlen, "rename %s to %s: %s", next, path, strerror(errno));
		return -1;
	}
	return 0;
}

int master_key_discard(const char *path)
{
	char next[4096];

	master_key_new_path(next, sizeof(next), path);
	if (unlink(next) && errno != ENOENT)
		return -1;
	return sync_parent_dir(path);
}

int master_key_load(const char *path, int create, uint8_t key[MASTER_KEY_LEN],
		    int *created, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	uint8_t extra;
	int fd;

	*created = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && create) {
		if (create_key_file(path, key, err, errlen))
			return -1;
		*created = 1;
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errlen, "open master key %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "stat master key %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "master key %s is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "master key %s has mode %04o; it must not be accessible to group or others (chmod 0600)",
			 path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	n = read(fd, key, MASTER_KEY_LEN);
	if (n != MASTER_KEY_LEN || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen, "master key %s must hold exactly %d bytes", path, MASTER_KEY_LEN);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}
