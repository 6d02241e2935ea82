/*
 * configfs attribute I/O. Note the kernel applies a binary attribute write
 * (inblob) only when the file is closed and ignores any error there, so
 * callers must confirm a write through the generation counter.
 */
#include "configfs_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tsm_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;		/* configfs takes an attribute in one write */
	if (close(fd) < 0 && !err && errno != EINTR)
		err = -errno;
	return err;
}

int tsm_read_file(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	uint8_t *data = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!data || used == cap) {
			uint8_t *grown;

			if (data)
				cap *= 2;
			if (cap > TSM_BLOB_LIMIT + 1) {
				err = -EFBIG;
				break;
			}
			grown = realloc(data, cap);
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			data = grown;
		}
		n = read(fd, data + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (err) {
		free(data);
		return err;
	}
	*buf = data;
	*len = used;
	return 0;
}

int tsm_read_line(const char *path, char *buf, size_t size)
{
	uint8_t *data;
	size_t len;
	int err = tsm_read_file(path, &data, &len);

	if (err)
		return err;
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\0'))
		len--;
	if (len >= size || memchr(data, '\0', len)) {
		free(data);
		return -EOVERFLOW;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	free(data);
	return 0;
}

int tsm_read_ulong(const char *path, unsigned long *val)
{
	char line[32], *end;
	int err = tsm_read_line(path, line, sizeof(line));

	if (err)
		return err;
	errno = 0;
	*val = strtoul(line, &end, 10);
	if (errno || end == line || *end)
		return -EPROTO;
	return 0;
}
