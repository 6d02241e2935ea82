/*
 * Root volume discovery. The device is chosen by what its primary header
 * says (magic, UUID); trust comes only afterwards, from luks2_validate_fd.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/uuid.h"
#include "log.h"
#include "volume.h"

/* Reads the start of DEV; returns 1 and the UUID when it looks like LUKS2. */
int cb_volume_probe(const char *dev, char uuid[37])
{
	uint8_t buf[LUKS2_BIN_HDR_SIZE];
	int fd = open(dev, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n != (ssize_t)sizeof(buf) || !luks2_looks_like(buf, sizeof(buf)))
		return 0;
	luks2_peek_uuid(buf, uuid);
	return 1;
}

/* Candidates among /sys/class/block: their count, the first match in DEV. */
static int scan(const char *want_uuid, char *dev, size_t dev_len, char names[][32], unsigned max_names)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], uuid[37];

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "loop", 4) || !strncmp(e->d_name, "ram", 3) ||
		    !strncmp(e->d_name, "dm-", 3))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		if (!cb_volume_probe(path, uuid))
			continue;
		if (want_uuid && !uuid_same(uuid, want_uuid))
			continue;
		if ((unsigned)found < max_names)
			snprintf(names[found], sizeof(names[0]), "%.31s", e->d_name);
		if (!found)
			snprintf(dev, dev_len, "%s", path);
		found++;
	}
	closedir(d);
	return found;
}

int cb_volume_find_and_validate(const char *spec, unsigned long long deadline_ms, char *dev, size_t dev_len,
				struct luks2_info *info, struct cb_err *err)
{
	const char *want_uuid = !strncmp(spec, "UUID=", 5) ? spec + 5 : NULL;
	struct luks2_err why;
	char names[4][32];
	int fd, found = 0, rc;

	if (spec[0] == '/') {
		snprintf(dev, dev_len, "%s", spec);
		while (access(dev, R_OK) != 0 && cb_now_ms() < deadline_ms)
			usleep(100000);
	} else {
		/* Block devices may still be probing when we start. */
		for (;;) {
			found = scan(want_uuid, dev, dev_len, names, 4);
			if (found || cb_now_ms() >= deadline_ms)
				break;
			usleep(100000);
		}
		if (found == 0)
			return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND, "no LUKS2 device%s%s", want_uuid ? " with UUID " : "",
				       want_uuid ? want_uuid : "");
		if (found > 1)
			return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND,
				       "%d LUKS2 devices (%s, %s%s): name one with rd.cocoboot.volume=", found, names[0],
				       names[1], found > 2 ? ", ..." : "");
	}
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND, "cannot open %s", dev);
	rc = luks2_validate_fd(fd, info, &why);
	close(fd);
	if (rc < 0)
		return cb_fail_luks2(err, &why);
	if (want_uuid && !uuid_same(info->uuid, want_uuid))
		return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND, "%s has UUID %s, not %s", dev, info->uuid, want_uuid);
	cb_log("LUKS2 header of %s accepted: UUID %s, aes-xts-plain64/512, %u-byte sectors", dev, info->uuid,
	       info->sector_size);
	return 0;
}
