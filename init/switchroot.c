/*
 * switch_root for an initramfs PID 1: the initial rootfs can be neither
 * unmounted nor pivoted away from, so the new root is moved over "/" and the
 * old contents are deleted to give their memory back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "switchroot.h"

int cb_mount_root(const struct cb_config *cfg, struct cb_err *err)
{
	char dev[CB_VALUE_MAX + 16];
	unsigned long flags = cfg->root_readonly ? MS_RDONLY : 0;

	if (cfg->root[0])
		snprintf(dev, sizeof(dev), "%s", cfg->root);
	else
		snprintf(dev, sizeof(dev), "/dev/mapper/%s", cfg->name);
	mkdir(CB_NEWROOT, 0755);
	if (mount(dev, CB_NEWROOT, cfg->rootfstype, flags, cfg->rootflags[0] ? cfg->rootflags : NULL) < 0)
		return cb_fail(err, CB_ERR_ROOT_MOUNT, "mount %s on %s (%s%s%s, %s): %s", dev, CB_NEWROOT, cfg->rootfstype,
			       cfg->rootflags[0] ? ", " : "", cfg->rootflags, cfg->root_readonly ? "ro" : "rw",
			       strerror(errno));
	cb_log("root %s mounted on %s (%s, %s)", dev, CB_NEWROOT, cfg->rootfstype, cfg->root_readonly ? "ro" : "rw");
	return 0;
}

/* Delete everything below DIRFD that lives on device DEV (the initramfs). */
static void delete_tree(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;  /* a mount point: not ours to delete */
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				delete_tree(sub, dev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(d);
}

int cb_switch_root(const struct cb_config *cfg, struct cb_err *err)
{
	static const char *const moves[] = { "/dev", "/proc", "/sys", "/run" };
	char init_path[CB_VALUE_MAX + sizeof(CB_NEWROOT) + 1];
	struct stat root_st, new_st;
	int rootfd;

	snprintf(init_path, sizeof(init_path), CB_NEWROOT "%s", cfg->init);
	if (access(init_path, X_OK) < 0)
		return cb_fail(err, CB_ERR_SWITCH_ROOT, "init %s not found or not executable in the new root", cfg->init);
	if (stat("/", &root_st) < 0 || stat(CB_NEWROOT, &new_st) < 0 || root_st.st_dev == new_st.st_dev)
		return cb_fail(err, CB_ERR_SWITCH_ROOT, "%s is not a mount point", CB_NEWROOT);

	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		char target[64];
		struct stat st;

		if (stat(moves[i], &st) < 0 || st.st_dev == root_st.st_dev)
			continue;  /* not mounted */
		snprintf(target, sizeof(target), CB_NEWROOT "%s", moves[i]);
		if (mount(moves[i], target, NULL, MS_MOVE, NULL) < 0) {
			/* The new root lacks the directory: do not leave the old mount behind. */
			cb_log("cannot move %s to the new root (%s); detaching it", moves[i], strerror(errno));
			umount2(moves[i], MNT_DETACH);
		}
	}
	cb_log("switching root to %s, exec %s", CB_NEWROOT, cfg->init);

	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (chdir(CB_NEWROOT) < 0)
		return cb_fail(err, CB_ERR_SWITCH_ROOT, "chdir %s: %s", CB_NEWROOT, strerror(errno));
	if (rootfd >= 0)
		delete_tree(rootfd, root_st.st_dev);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return cb_fail(err, CB_ERR_SWITCH_ROOT, "moving %s onto /: %s", CB_NEWROOT, strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		return cb_fail(err, CB_ERR_SWITCH_ROOT, "chroot: %s", strerror(errno));
	{
		char *argv[] = { (char *)cfg->init, NULL };

		execv(cfg->init, argv);
	}
	return cb_fail(err, CB_ERR_SWITCH_ROOT, "exec %s: %s", cfg->init, strerror(errno));
}
