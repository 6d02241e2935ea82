/*
 * A first boot (first_boot.h). The key never touches a disk: it goes from
 * locked memory into a memfd (re-readable, unlike a pipe) that only cryptsetup
 * inherits, emptied and closed right after. cryptsetup insists on a keyslot;
 * its passphrase is the volume key itself, read from the same memfd: whoever
 * holds the one holds the other, so the keyslot adds no way in, and nothing
 * else needs to be made, kept or wiped. (A recovery keyslot the operator may
 * add later: docs/broker.md, "Recovery".)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "broker.h"
#include "first_boot.h"
#include "log.h"
#include "unlock.h"
#include "volume.h"

/*
 * The layout of every enrolment path (docs/broker.md): aes-xts-plain64 (the
 * default cipher), 512-bit key, 4 KiB sectors, the header in the 16 MiB the
 * image leaves free after its filesystem. One string, split at its spaces:
 * K, U and D are the key file, the UUID, the device.
 */
static const char encrypt_args[] =
	"reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --disable-locks --uuid U "
	"--volume-key-file K --key-size 512 --sector-size 4096 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "
	"--reduce-device-size 16M --key-file K D";

static int encrypt_in_place(const char *dev, const char *uuid, const struct secret *key, struct cb_err *err)
{
	const char *cs = cb_find_cryptsetup();
	char args[sizeof(encrypt_args)], kp[32], *argv[32], *save = NULL;
	int fd = memfd_create("cocoboot", 0), rc = -1, n = 0;

	if (cs && fd >= 0 && pwrite(fd, key->data, key->len, 0) == (ssize_t)key->len) {
		snprintf(kp, sizeof(kp), "/proc/self/fd/%d", fd);
		memcpy(args, encrypt_args, sizeof(args));
		argv[n++] = (char *)cs;
		for (char *a = strtok_r(args, " ", &save); a; a = strtok_r(NULL, " ", &save))
			argv[n++] = !strcmp(a, "U") ? (char *)uuid : !strcmp(a, "K") ? kp : !strcmp(a, "D") ? (char *)dev : a;
		argv[n] = NULL;
		rc = cb_run(argv, -1, NULL, 0);
	}
	if (fd >= 0) {
		/* the pages go back to the kernel now, not when the last reference does; a failure leaves close */
		(void)!ftruncate(fd, 0);
		close(fd);
	}
	if (!cs)
		return cb_fail(err, CB_ERR_UNLOCK, "first boot needs cryptsetup in the initramfs");
	return rc ? cb_fail(err, CB_ERR_UNLOCK, "first boot: cryptsetup exited %d", rc) : 0;
}

int cb_first_boot(const struct cb_config *cfg, unsigned long long deadline_ms, struct secret *key,
		  struct cb_err *err)
{
	char uuid[40] = "";
	int fd, rc;

	if (cfg->volume[0] != '/')
		return cb_fail(err, CB_ERR_CMDLINE, "rd.cocoboot.enrol needs rd.cocoboot.volume=/dev/...");
	while (access(cfg->volume, R_OK) != 0 && cb_now_ms() < deadline_ms)
		usleep(100000);
	if (access(cfg->volume, R_OK) != 0)
		return cb_fail(err, CB_ERR_VOLUME_NOT_FOUND, "cannot open %s", cfg->volume);
	if (cb_volume_probe(cfg->volume, uuid))
		return 0;
	/* a fresh UUID for the volume this instance is about to create */
	fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	rc = fd >= 0 ? (int)read(fd, uuid, 36) : -1;
	if (fd >= 0)
		close(fd);
	if (rc != 36)
		return cb_fail(err, CB_ERR_SETUP, "no random UUID");
	uuid[36] = '\0';
	cb_log("first boot: %s has no LUKS2 header; enrolling %s under %s", cfg->volume, uuid, cfg->enrol);
	if (cb_broker_enrol_key(cfg, uuid, deadline_ms, key, err) < 0 || encrypt_in_place(cfg->volume, uuid, key, err) < 0) {
		secret_wipe(key);
		return -1;
	}
	return 1;
}
