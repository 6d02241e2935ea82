/*
 * PID-1 mode: early mounts, configuration from the kernel command line,
 * attest + unlock, mount the root and switch to it. Any failure prints one
 * "cocoboot: error <code>: <detail>" line and performs rd.cocoboot.onfail;
 * PID 1 never simply exits (that would panic the kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flow.h"
#include "log.h"
#include "switchroot.h"

static int early_mounts(struct cb_err *err)
{
	static const struct { const char *src, *dir, *type; unsigned long flags; const char *data; } m[] = {
		{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
		{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
		{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
		{ "configfs", "/sys/kernel/config", "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		mkdir(m[i].dir, 0755);
		if (mount(m[i].src, m[i].dir, m[i].type, m[i].flags, m[i].data) < 0 && errno != EBUSY)
			return cb_fail(err, CB_ERR_SETUP, "mount %s on %s: %s", m[i].type, m[i].dir, strerror(errno));
	}
	mkdir("/run/cryptsetup", 0700);
	return 0;
}

static void console_stdio(void)
{
	/* The kernel gives PID 1 /dev/console as 0/1/2 only if it existed in the archive. */
	if (fcntl(2, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

static void __attribute__((noreturn)) fail_action(enum cb_onfail onfail)
{
	if (onfail == CB_ONFAIL_SHELL) {
		/* A child, not exec: when the shell exits, PID 1 powers off instead of panicking. */
		pid_t pid;

		cb_log("onfail=shell: starting /bin/sh as requested on the command line; power off when it exits");
		pid = fork();
		if (pid == 0) {
			char *argv[] = { "/bin/sh", NULL };

			setsid();
			ioctl(0, TIOCSCTTY, 1);
			execv(argv[0], argv);
			cb_log("no /bin/sh in the initramfs (%s)", strerror(errno));
			_exit(127);
		}
		if (pid > 0)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		onfail = CB_ONFAIL_POWEROFF;
	}
	cb_log("onfail: %s", cb_onfail_name(onfail));
	sync();
	switch (onfail) {
	case CB_ONFAIL_REBOOT:
		reboot(RB_AUTOBOOT);
		break;
	case CB_ONFAIL_HALT:
		reboot(RB_HALT_SYSTEM);
		break;
	default:
		reboot(RB_POWER_OFF);
		break;
	}
	/* reboot() failed: PID 1 must not return. */
	for (;;)
		pause();
}

int cb_cmd_boot(void)
{
	struct cb_config cfg;
	struct cb_err err = { 0 };

	console_stdio();
	cb_config_defaults(&cfg);
	if (getpid() != 1) {
		err.code = CB_ERR_USAGE;
		snprintf(err.detail, sizeof(err.detail), "'boot' runs only as PID 1 (the initramfs /init); use 'unlock'");
		cb_log_error(&err);
		return cb_error_exit_status(err.code);
	}
	cb_log("start (PID 1)");
	cfg.wait_for_devices = 1;
	if (early_mounts(&err) < 0 || cb_config_from_kernel(&cfg, &err) < 0 || cb_attest_and_unlock(&cfg, &err) < 0 ||
	    cb_mount_root(&cfg, &err) < 0 || cb_switch_root(&cfg, &err) < 0) {
		cb_log_error(&err);
		fail_action(cfg.onfail);
	}
	/* cb_switch_root returns only on failure */
	fail_action(cfg.onfail);
}
