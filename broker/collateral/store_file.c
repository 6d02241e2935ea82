/* Atomic replacement of one file (see fetch.h store_file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"

static int same_bytes(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t buf[8192];
	size_t off = 0;
	int same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (off + (size_t)n > len || memcmp(buf, data + off, (size_t)n))
			goto out;
		off += (size_t)n;
	}
	same = off == len;
out:
	close(fd);
	return same;
}

enum fetch_result store_file(const char *dir, const char *name, const uint8_t *data, size_t len, char *err,
			     size_t errlen)
{
	char path[4096], tmp[4096];
	int fd = -1, dfd = -1;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >= sizeof tmp) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return FETCH_FAILED;
	}
	if (same_bytes(path, data, len))
		return FETCH_UNCHANGED;
	/* the verifiers index only names they know: a dot file is never read */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s", dir, strerror(errno));
		return FETCH_FAILED;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: write: %s", tmp, n < 0 ? strerror(errno) : "short write");
			goto fail;
		}
		off += (size_t)n;
	}
	/* readable by the broker's group like the rest of the directory: public data */
	if (fchmod(fd, 0644) || fsync(fd)) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		snprintf(err, errlen, "rename to %s: %s", path, strerror(errno));
		goto fail;
	}
	/* the rename itself durable; a failure here leaves the new file in place */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return FETCH_STORED;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return FETCH_FAILED;
}
