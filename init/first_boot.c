/*
 * A first boot (first_boot.h). The key never touches a disk: it goes from
 * locked memory into a memfd (re-readable, unlike a pipe, and cryptsetup
 * reads its key files more than once during reencryption) that only
 * cryptsetup inherits, emptied and closed right after. The keyslot passphrase
 * cryptsetup insists on is 32 random bytes, thrown away: only the broker's key
 * opens the volume (and a recovery keyslot the operator adds later).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "../common/luks2.h"
#include "../common/secret.h"
#include "broker.h"
#include "first_boot.h"
#include "log.h"
#include "unlock.h"

/* 1 when DEV starts with a LUKS2 header, 0 when not, -1 when it cannot be read. */
static int has_header(const char *dev, unsigned long long deadline_ms)
{
	uint8_t buf[LUKS2_BIN_HDR_SIZE];
	ssize_t n = -1;
	int fd;

	while ((fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0 && cb_now_ms() < deadline_ms)
		usleep(100000);
	if (fd >= 0) {
		n = pread(fd, buf, sizeof(buf), 0);
		close(fd);
	}
	return n != (ssize_t)sizeof(buf) ? -1 : luks2_looks_like(buf, sizeof(buf));
}

/* A memfd holding LEN bytes of DATA, inherited by the child; -1 on failure. */
static int memfd_with(const char *name, const uint8_t *data, size_t len)
{
	int fd = memfd_create(name, 0);

	if (fd >= 0 && (pwrite(fd, data, len, 0) != (ssize_t)len)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void memfd_drop(int fd)
{
	if (fd >= 0) {
		/* the pages go back to the kernel now, not when the last reference does */
		if (ftruncate(fd, 0) < 0)
			cb_log("warning: cannot empty a key memfd: %s", strerror(errno));
		close(fd);
	}
}

static int encrypt_in_place(const char *dev, const char *uuid, struct secret *key, struct cb_err *err)
{
	const char *cs = cb_find_cryptsetup();
	uint8_t pass[32];
	char key_path[32], pass_path[32];
	int kfd = -1, pfd = -1, rc;

	if (!cs)
		return cb_fail(err, CB_ERR_UNLOCK, "a first boot needs cryptsetup in the initramfs (the minimal one has "
			       "none: docs/broker.md, \"First boot from a golden image\")");
	if (getrandom(pass, sizeof(pass), 0) != (ssize_t)sizeof(pass) ||
	    (kfd = memfd_with("cocoboot-volume-key", key->data, key->len)) < 0 ||
	    (pfd = memfd_with("cocoboot-slot", pass, sizeof(pass))) < 0) {
		secret_wipe(key);
		explicit_bzero(pass, sizeof(pass));
		memfd_drop(kfd);
		return cb_fail(err, CB_ERR_SETUP, "cannot hand the key to cryptsetup: %s", strerror(errno));
	}
	secret_wipe(key);
	explicit_bzero(pass, sizeof(pass));
	snprintf(key_path, sizeof(key_path), "/proc/self/fd/%d", kfd);
	snprintf(pass_path, sizeof(pass_path), "/proc/self/fd/%d", pfd);
	{
		/* the layout every enrolment path uses (docs/broker.md): aes-xts-plain64, 512-bit key, 4 KiB
		 * sectors, the header in the 16 MiB the image leaves free at the end of the filesystem */
		char *argv[] = { (char *)cs, "reencrypt", "--encrypt", "--type", "luks2", "--batch-mode",
				 "--force-offline-reencrypt", "--disable-locks", "--uuid", (char *)uuid,
				 "--volume-key-file", key_path, "--key-size", "512", "--sector-size", "4096",
				 "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--reduce-device-size", "16M",
				 "--key-file", pass_path, (char *)dev, NULL };

		cb_log("first boot: encrypting %s in place as LUKS2 volume %s", dev, uuid);
		rc = cb_run(argv, -1, NULL, 0);
	}
	memfd_drop(kfd);
	memfd_drop(pfd);
	if (rc != 0)
		return cb_fail(err, CB_ERR_UNLOCK, "first boot: cryptsetup reencrypt --encrypt %s exited %d", dev, rc);
	return 0;
}

int cb_first_boot(const struct cb_config *cfg, unsigned long long deadline_ms, struct cb_err *err)
{
	struct secret key;
	char uuid[40] = "";
	int fd, rc;

	if (cfg->volume[0] != '/')
		return cb_fail(err, CB_ERR_CMDLINE, "rd.cocoboot.enrol needs rd.cocoboot.volume=/dev/... (the device "
			       "to encrypt at first boot)");
	rc = has_header(cfg->volume, deadline_ms);
	if (rc < 0)
		return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND, "cannot read %s", cfg->volume);
	if (rc == 1)
		return 0;
	/* a fresh UUID for the volume this instance is about to create */
	fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, uuid, 36) != 36) {
		if (fd >= 0)
			close(fd);
		return cb_fail(err, CB_ERR_SETUP, "no random UUID from the kernel");
	}
	close(fd);
	uuid[36] = '\0';
	cb_log("first boot: %s has no LUKS2 header; enrolling volume %s under fleet policy %s", cfg->volume, uuid,
	       cfg->enrol);
	if (secret_alloc(&key, VOLUME_KEY_LEN) < 0)
		return cb_fail(err, CB_ERR_SETUP, "cannot allocate locked memory for the key: %s", strerror(errno));
	rc = cb_broker_enrol_key(cfg, uuid, deadline_ms, &key, err);
	if (rc == 0)
		rc = encrypt_in_place(cfg->volume, uuid, &key, err);
	secret_free(&key);
	return rc;
}
