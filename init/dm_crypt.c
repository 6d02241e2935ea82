/*
 * dm-crypt activation through /dev/mapper/control (see dm_crypt.h). The
 * sequence is libdevmapper's for `cryptsetup open`: DM_DEV_CREATE with the
 * name and dm UUID, DM_TABLE_LOAD with one crypt target, DM_DEV_SUSPEND
 * without the suspend flag (= resume, the table goes live). Every buffer that
 * carries the key (the table, the table read back) is locked secret memory,
 * sent with DM_SECURE_DATA_FLAG so the kernel wipes its copies too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dm_crypt.h"
#include "dm_ioctl_abi.h"
#include "log.h"
#include "luks2_digest.h"

#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

#define IOCTL_BUF 4096      /* header + one target spec + parameters, or the table read back */
#define SPEC_OFFSET ((sizeof(struct cb_dm_ioctl) + 7) & ~(size_t)7)

void cb_dm_crypt_uuid(const char *luks_uuid, const char *name, char out[CB_DM_UUID_LEN])
{
	char compact[40];
	size_t n = 0;

	for (const char *p = luks_uuid; *p && n + 1 < sizeof(compact); p++)
		if (*p != '-')
			compact[n++] = *p;
	compact[n] = '\0';
	/* cryptsetup's dm_prepare_uuid: truncated, not refused, past DM_UUID_LEN - 1 */
	snprintf(out, CB_DM_UUID_LEN, "CRYPT-LUKS2-%s-%s", compact, name);
}

int cb_dm_crypt_params(const struct luks2_info *info, const uint8_t *key, size_t key_len, dev_t devno, char *out,
		       size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t pos;
	int n;

	n = snprintf(out, cap, "aes-xts-plain64 ");
	if (n < 0 || (size_t)n + 2 * key_len >= cap)
		return -1;
	pos = (size_t)n;
	for (size_t i = 0; i < key_len; i++) {
		out[pos++] = digits[key[i] >> 4];
		out[pos++] = digits[key[i] & 15];
	}
	/* iv offset 0 (the allowlist admits only iv_tweak "0"), the device, the data offset in 512-byte sectors */
	n = snprintf(out + pos, cap - pos, " 0 %u:%u %llu", major(devno), minor(devno),
		     (unsigned long long)(info->data_offset / 512));
	if (n < 0 || (size_t)n >= cap - pos)
		return -1;
	pos += (size_t)n;
	if (info->sector_size != 512) {
		n = snprintf(out + pos, cap - pos, " 1 sector_size:%u", info->sector_size);
		if (n < 0 || (size_t)n >= cap - pos)
			return -1;
		pos += (size_t)n;
	}
	return (int)pos;
}

/* A dm ioctl header for NAME in BUF (zeroed up to LEN). */
static struct cb_dm_ioctl *dm_header(void *buf, size_t len, const char *name, uint32_t flags)
{
	struct cb_dm_ioctl *dmi = buf;

	memset(buf, 0, len);
	dmi->version[0] = CB_DM_VERSION_MAJOR;
	dmi->data_size = (uint32_t)len;
	dmi->data_start = (uint32_t)SPEC_OFFSET;
	dmi->flags = flags;
	snprintf(dmi->name, sizeof(dmi->name), "%s", name);
	return dmi;
}

static int dm_ioctl(int ctl, unsigned long req, struct cb_dm_ioctl *dmi)
{
	int rc;

	do
		rc = ioctl(ctl, req, dmi);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static void dm_remove(int ctl, const char *name)
{
	struct cb_dm_ioctl dmi;

	dm_header(&dmi, sizeof(dmi), name, 0);
	dmi.data_start = 0;
	dmi.event_nr = CB_DM_UDEV_COOKIE;
	if (dm_ioctl(ctl, CB_DM_DEV_REMOVE, &dmi) < 0)
		cb_log("warning: removing the half-made mapping %s failed: %s", name, strerror(errno));
}

/* The table load: header, one crypt target spec, PARAMS (already in BUF after the spec). */
static int load_table(int ctl, const char *name, struct secret *buf, uint64_t sectors, struct cb_err *err)
{
	struct cb_dm_ioctl *dmi = (struct cb_dm_ioctl *)buf->data;
	struct cb_dm_target_spec *spec = (struct cb_dm_target_spec *)(buf->data + SPEC_OFFSET);
	size_t params_len = strlen((char *)(spec + 1));

	/* the header and the spec only: the parameters are already in place */
	memset(buf->data, 0, SPEC_OFFSET + sizeof(*spec));
	dmi->version[0] = CB_DM_VERSION_MAJOR;
	dmi->data_size = (uint32_t)buf->cap;
	dmi->data_start = (uint32_t)SPEC_OFFSET;
	dmi->target_count = 1;
	dmi->flags = CB_DM_SECURE_DATA_FLAG;
	snprintf(dmi->name, sizeof(dmi->name), "%s", name);
	spec->sector_start = 0;
	spec->length = sectors;
	spec->next = (uint32_t)((sizeof(*spec) + params_len + 1 + 7) & ~(size_t)7);
	memcpy(spec->target_type, "crypt", 6);
	if (dm_ioctl(ctl, CB_DM_TABLE_LOAD, dmi) < 0) {
		int e = errno;

		secret_wipe(buf);
		if (e == EBUSY)
			return cb_fail(err, CB_ERR_DM_ACTIVATE, "loading the table of %s: the device is busy (in use or mapped)",
				       name);
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "loading the table of %s: %s (dm-crypt or aes-xts missing from the kernel?)",
			       name, strerror(e));
	}
	secret_wipe(buf);
	return 0;
}

/*
 * The live mapping, as the kernel reports it, must be exactly what was loaded:
 * one crypt target over all SECTORS, EXPECT as its parameters, active, not
 * suspended, with our dm UUID.
 */
static int check_live(int ctl, const char *name, const char *uuid, uint64_t sectors, const char *expect,
		      struct secret *buf, struct cb_err *err)
{
	struct cb_dm_ioctl *dmi = dm_header(buf->data, buf->cap, name, CB_DM_STATUS_TABLE_FLAG | CB_DM_SECURE_DATA_FLAG);
	const struct cb_dm_target_spec *spec;
	const char *params;
	int ok;

	if (dm_ioctl(ctl, CB_DM_TABLE_STATUS, dmi) < 0)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "reading back the table of %s: %s", name, strerror(errno));
	if (dmi->flags & CB_DM_BUFFER_FULL_FLAG || dmi->data_start < sizeof(*dmi) ||
	    dmi->data_start > buf->cap - sizeof(*spec) - 1 || dmi->data_size > buf->cap)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "the table of %s read back does not fit", name);
	spec = (const struct cb_dm_target_spec *)(buf->data + dmi->data_start);
	params = (const char *)(spec + 1);
	buf->data[buf->cap - 1] = '\0';
	ok = dmi->target_count == 1 && (dmi->flags & CB_DM_ACTIVE_PRESENT_FLAG) && !(dmi->flags & CB_DM_SUSPEND_FLAG) &&
	     !strncmp(dmi->uuid, uuid, sizeof(dmi->uuid)) && spec->sector_start == 0 && spec->length == sectors &&
	     !strncmp(spec->target_type, "crypt", sizeof(spec->target_type)) && !strcmp(params, expect);
	secret_wipe(buf);
	if (!ok)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "the live mapping of %s is not the table cocoboot loaded", name);
	return 0;
}

/*
 * /dev/mapper/NAME for the new device. Without udev (cocoboot as PID 1)
 * cocoboot makes the node, as libdevmapper does with DM_DISABLE_UDEV. With
 * udev running, its rules make the link on the resume's change event (and it
 * would refuse to replace a node of ours): wait, as libdevmapper waits for
 * udev, for udev's record of that event (its database entry naming the
 * link), so the caller can use the path on return; make the node only if
 * udev has not within 10 s.
 *
 * That record also says whether systemd will ever use the device: its
 * 99-systemd.rules leave a crypt device without an identified filesystem
 * SYSTEMD_READY=0, and sysroot.mount would then wait for it for ever, with
 * the volume open (say the host corrupted the superblock). Refused here in
 * an initrd, where cocoboot opens the root, so the mapping is removed and
 * the onfail action runs; a shell initrd's mount fails instead, and without
 * systemd the flag is never set. A data volume (crypttab) may be raw.
 */
int cb_dm_wait_for_udev(const char *name, uint64_t dev, struct cb_err *err)
{
	char path[160], link[160], rec[8192];

	snprintf(path, sizeof(path), "/run/udev/data/b%u:%u", major((dev_t)dev), minor((dev_t)dev));
	snprintf(link, sizeof(link), "\nS:mapper/%s\n", name);
	for (int i = 0; access("/run/udev/control", F_OK) == 0 && i < 500; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, rec + 1, sizeof(rec) - 2);

		if (fd >= 0)
			close(fd);
		rec[0] = '\n';
		rec[n > 0 ? n + 1 : 1] = '\0';
		if (strstr(rec, link)) {
			if (strstr(rec, "\nE:SYSTEMD_READY=0\n") && access("/etc/initrd-release", F_OK) == 0)
				return cb_fail(err, CB_ERR_ROOT_MOUNT, "no filesystem on /dev/mapper/%s (udev: SYSTEMD_READY=0)", name);
			return 0;
		}
		usleep(20000);
	}
	snprintf(path, sizeof(path), "/dev/mapper/%s", name);
	if (access("/run/udev/control", F_OK) == 0)
		cb_log("warning: udev made no %s within 10 s, making the node", path);
	mkdir("/dev/mapper", 0755);
	if (mknod(path, S_IFBLK | 0600, (dev_t)dev) < 0 && errno != EEXIST)
		cb_log("warning: mknod %s: %s", path, strerror(errno));
	return 0;
}

/*
 * The block device DEV, not in use (O_EXCL fails while it is mounted or
 * mapped: the check cryptsetup makes, since the kernel lets two dm devices
 * share one), still the size the header was checked against.
 */
static int open_device(const char *dev, const struct luks2_info *info, dev_t *devno, uint64_t *sectors,
		       struct cb_err *err)
{
	struct stat st;
	uint64_t size = 0;
	int fd = open(dev, O_RDONLY | O_CLOEXEC | O_EXCL);

	if (fd < 0 && errno == EBUSY)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "%s is busy (mounted or mapped already)", dev);
	if (fd < 0)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "open %s: %s", dev, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || ioctl(fd, BLKGETSIZE64, &size) < 0) {
		close(fd);
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "%s is not a block device whose size can be read", dev);
	}
	close(fd);
	if (size != info->device_size)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s changed size since its header was checked (%llu, now %llu bytes)",
			       dev, (unsigned long long)info->device_size, (unsigned long long)size);
	*devno = st.st_rdev;
	*sectors = (info->data_size ? info->data_size : size - info->data_offset) / 512;
	return 0;
}

static int create_device(int ctl, const char *name, const char *uuid, uint64_t *devnum, struct cb_err *err)
{
	struct cb_dm_ioctl dmi;

	dm_header(&dmi, sizeof(dmi), name, 0);
	dmi.data_start = 0;
	memcpy(dmi.uuid, uuid, sizeof(dmi.uuid));
	if (dm_ioctl(ctl, CB_DM_DEV_CREATE, &dmi) < 0)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "creating /dev/mapper/%s: %s", name,
			       errno == EBUSY ? "the name or its dm UUID is already taken" : strerror(errno));
	*devnum = dmi.dev;
	return 0;
}

/* DM_DEV_SUSPEND without DM_SUSPEND_FLAG: the loaded table goes live. */
static int resume_device(int ctl, const char *name, struct cb_err *err)
{
	struct cb_dm_ioctl dmi;

	dm_header(&dmi, sizeof(dmi), name, 0);
	dmi.data_start = 0;
	/* what libdevmapper sends for cryptsetup, so udev's dm rules treat the device as theirs */
	dmi.event_nr = CB_DM_UDEV_COOKIE;
	if (dm_ioctl(ctl, CB_DM_DEV_SUSPEND, &dmi) < 0)
		return cb_fail(err, CB_ERR_DM_ACTIVATE, "resuming %s: %s", name, strerror(errno));
	return 0;
}

int cb_dm_crypt_activate(const char *dev, const char *name, struct secret *key, const struct luks2_info *info,
			 struct cb_err *err)
{
	/* BUF: the ioctl buffer; WANT: the parameters, to compare with the live table. Both hold the key. */
	struct secret buf = { 0 }, want = { 0 };
	const size_t params_at = SPEC_OFFSET + sizeof(struct cb_dm_target_spec);
	char uuid[CB_DM_UUID_LEN];
	uint64_t sectors = 0, devnum = 0;
	dev_t devno = 0;
	int ctl = -1, created = 0, rc = -1, len;

	if (key->len != info->key_bytes) {
		cb_fail(err, CB_ERR_UNLOCK, "key is %zu bytes, the volume needs %u", key->len, info->key_bytes);
		goto out;
	}
	{
		unsigned long long t0 = cb_now_ms();

		if (luks2_digest_verify(info, key->data, key->len, err) < 0)
			goto out;
		cb_log("key matches the LUKS2 digest (pbkdf2-%s, %lld iterations, %llu ms)", info->digest.hash,
		       info->digest.iterations, cb_now_ms() - t0);
	}
	if (secret_alloc(&buf, IOCTL_BUF) < 0 || secret_alloc(&want, IOCTL_BUF - params_at) < 0) {
		cb_fail(err, CB_ERR_SETUP, "cannot allocate locked memory for the table: %s", strerror(errno));
		goto out;
	}
	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		cb_fail(err, CB_ERR_DM_ACTIVATE, "/dev/mapper/control: %s (no device-mapper in this kernel?)", strerror(errno));
		goto out;
	}
	/* cryptsetup's order: the name first, then whether the device is free */
	cb_dm_crypt_uuid(info->uuid, name, uuid);
	if (create_device(ctl, name, uuid, &devnum, err) < 0)
		goto out;
	created = 1;
	if (open_device(dev, info, &devno, &sectors, err) < 0)
		goto out;
	len = cb_dm_crypt_params(info, key->data, key->len, devno, (char *)want.data, want.cap);
	secret_wipe(key);
	if (len < 0) {
		cb_fail(err, CB_ERR_DM_ACTIVATE, "the crypt table does not fit in %zu bytes", want.cap);
		goto out;
	}
	memcpy(buf.data + params_at, want.data, (size_t)len + 1);
	if (load_table(ctl, name, &buf, sectors, err) < 0 || resume_device(ctl, name, err) < 0 ||
	    check_live(ctl, name, uuid, sectors, (const char *)want.data, &buf, err) < 0 ||
	    cb_dm_wait_for_udev(name, devnum, err) < 0)
		goto out;
	cb_log("%s opened as /dev/mapper/%s (dm-crypt, %llu sectors)", dev, name, (unsigned long long)sectors);
	rc = 0;
out:
	if (rc < 0 && created)
		dm_remove(ctl, name);
	if (ctl >= 0)
		close(ctl);
	secret_wipe(key);
	secret_free(&want);
	secret_free(&buf);
	return rc;
}
