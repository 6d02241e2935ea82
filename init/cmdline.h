/*
 * The kernel command line as cocoboot reads it: rd.cocoboot.* settings
 * (cocoboot.cmdline(7)) plus the root=, rootfstype=, rootflags=, init=, ro
 * and rw parameters the kernel would have used without an initramfs.
 */
#ifndef COCOBOOT_CMDLINE_H
#define COCOBOOT_CMDLINE_H

#include "errors.h"
#include "proto/key_commit.h"
#include "proto/request.h"
#include "url.h"

#define CB_MAX_URLS 8
#define CB_MAX_UNKNOWN 8
#define CB_VALUE_MAX 255

enum cb_onfail { CB_ONFAIL_POWEROFF = 0, CB_ONFAIL_REBOOT, CB_ONFAIL_HALT, CB_ONFAIL_SHELL };
/* Who loads the dm-crypt table: cocoboot through the device-mapper ioctls, or `cryptsetup open`. */
enum cb_activate { CB_ACTIVATE_COCOBOOT = 0, CB_ACTIVATE_CRYPTSETUP };

struct cb_config {
	struct cb_url urls[CB_MAX_URLS];
	unsigned n_urls;
	char volume[CB_VALUE_MAX + 1];  /* "" = the only LUKS2 device; "UUID=..." or a /dev path */
	char name[CB_VALUE_MAX + 1];    /* device-mapper name */
	unsigned timeout_s;             /* total time allowed for attest+unlock */
	enum cb_onfail onfail;
	enum cb_activate activate;      /* rd.cocoboot.activate */
	char ca[CB_VALUE_MAX + 1];      /* pinned CA bundle (PEM) */
	char root[CB_VALUE_MAX + 1];    /* "" = /dev/mapper/<name> */
	char rootfstype[CB_VALUE_MAX + 1];
	char rootflags[CB_VALUE_MAX + 1];
	char init[CB_VALUE_MAX + 1];
	int root_readonly;              /* the kernel's ro/rw; read-only unless rw */
	int wait_for_devices;           /* PID 1, unlock --wait: block devices may still be probing */
	/* rd.cocoboot.keyhash: the released key must match this commitment (T17) */
	int has_keyhash;
	struct coco_keycommit keyhash;
	/* rd.cocoboot.enrol: a fleet policy; a volume without a LUKS2 header is a first boot (first_boot.h) */
	char enrol[COCO_ENROL_NAME_MAX + 1];
	/* Unknown rd.cocoboot.* keys: reported, not fatal (see cocoboot.cmdline(7)). */
	char unknown[CB_MAX_UNKNOWN][64];
	unsigned n_unknown;
};

#define CB_DEFAULT_NAME "cocoboot-root"
#define CB_DEFAULT_TIMEOUT_S 300
#define CB_DEFAULT_CA "/etc/cocoboot/ca.pem"
#define CB_DEFAULT_INIT "/sbin/init"
#define CB_DEFAULT_FSTYPE "ext4"

void cb_config_defaults(struct cb_config *cfg);

/*
 * Parse a kernel command line (the contents of /proc/cmdline) into CFG, which
 * must hold defaults. Splits like the kernel: whitespace-separated, double
 * quotes group, everything after a lone "--" belongs to init and is ignored.
 * Returns 0, or -1 with ERR set to CB_ERR_CMDLINE and the offending parameter.
 */
int cb_cmdline_parse(const char *cmdline, struct cb_config *cfg, struct cb_err *err);

/* Apply one "rd.cocoboot.KEY=VALUE"-style setting (also used for --url etc.). */
int cb_config_set(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err);

const char *cb_onfail_name(enum cb_onfail onfail);

#endif
