#include "master_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int create_key_file(const char *path, uint8_t key[MASTER_KEY_LEN], char *err, size_t errlen)
{
	int fd;

	if (getrandom(key, MASTER_KEY_LEN, 0) != MASTER_KEY_LEN) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "create master key %s: %s", path, strerror(errno));
		return -1;
	}
	/* the umask may have narrowed 0600 further, never widened it; make it exact */
	if (fchmod(fd, 0600) || write(fd, key, MASTER_KEY_LEN) != MASTER_KEY_LEN || fsync(fd)) {
		snprintf(err, errlen, "write master key %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
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
