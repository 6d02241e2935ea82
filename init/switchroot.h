/* Mounting the unlocked root and handing PID 1 over to its init. */
#ifndef COCOBOOT_SWITCHROOT_H
#define COCOBOOT_SWITCHROOT_H

#include "cmdline.h"
#include "errors.h"

#define CB_NEWROOT "/sysroot"

/* Mount the root (root=, rootfstype=, rootflags=, ro/rw) on /sysroot. */
int cb_mount_root(const struct cb_config *cfg, struct cb_err *err);

/*
 * Move /proc, /sys, /dev and /run into /sysroot, delete the initramfs
 * contents, make /sysroot the root (MS_MOVE + chroot: pivot_root cannot
 * leave the initial rootfs) and exec init. Returns only on failure.
 */
int cb_switch_root(const struct cb_config *cfg, struct cb_err *err);

#endif
