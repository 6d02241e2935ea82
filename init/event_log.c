#include "event_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cc_eventlog.h"

int event_log_read(const char *path, uint8_t **log, size_t *len, struct cb_err *err)
{
	/* one byte more than a log may use: the area is larger (64 KiB in
	 * OVMF), and a log that fills the bound has no filler after it */
	size_t cap = CC_EVENTLOG_MAX + 1, n = 0;
	const char *detail;
	long used = -1;
	ssize_t r = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*log = NULL;
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return cb_fail(err, CB_ERR_REPORT, "%s: %s", path, strerror(errno));
	if (!(*log = malloc(cap))) {
		close(fd);
		return cb_fail(err, CB_ERR_REPORT, "out of memory for the event log");
	}
	while (n < cap && ((r = read(fd, *log + n, cap - n)) > 0 || (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	detail = r < 0 ? strerror(errno) : NULL;
	close(fd);
	/* Only the events are sent: the walk stops at the filler. A log cut by
	 * the bound fails the walk, unless the cut falls at an event's end: then
	 * the byte after it is no filler. */
	if (!detail) {
		used = cc_eventlog_walk(*log, n > CC_EVENTLOG_MAX ? CC_EVENTLOG_MAX : n, NULL, NULL, &detail);
		if (used == CC_EVENTLOG_MAX && n > CC_EVENTLOG_MAX && (*log)[used] != 0xff && (*log)[used] != 0)
			used = -1, detail = "the events do not end within 40 KiB";
	}
	if (used < 0) {
		free(*log);
		*log = NULL;
		if (n > CC_EVENTLOG_MAX)
			return cb_fail(err, CB_ERR_REPORT, "CCEL event log (its first 40 KiB): %s", detail);
		return cb_fail(err, CB_ERR_REPORT, "CCEL event log (%zu bytes): %s", n, detail);
	}
	*len = (size_t)used;
	return 0;
}
