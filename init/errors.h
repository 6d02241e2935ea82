/*
 * Stable failure codes. The console line is "cocoboot: error <name>: <detail>";
 * scripts match on <name>, and `cocoboot unlock` exits with <exit>. Documented
 * in cocoboot.cmdline(7): never renumber or rename, only append.
 */
#ifndef COCOBOOT_ERRORS_H
#define COCOBOOT_ERRORS_H

#include <stddef.h>

enum cb_error {
	CB_OK = 0,
	CB_ERR_CMDLINE,            /* rd.cocoboot.* / root= values unusable */
	CB_ERR_SETUP,              /* early mounts, console, memory */
	CB_ERR_VOLUME_NOT_FOUND,   /* no (or more than one) candidate LUKS2 volume */
	CB_ERR_LUKS2_INVALID,      /* header unreadable, bad magic/checksum/JSON */
	CB_ERR_LUKS2_FORBIDDEN,    /* well-formed header outside the allowlist */
	CB_ERR_CA,                 /* pinned CA bundle missing or unparsable */
	CB_ERR_KEYGEN,             /* ephemeral key or certificate generation */
	CB_ERR_BROKER_UNREACHABLE, /* no TCP connection / handshake within the timeout */
	CB_ERR_BROKER_UNTRUSTED,   /* broker certificate not valid under the pinned CA */
	CB_ERR_REPORT,             /* configfs-tsm report could not be obtained */
	CB_ERR_BROKER_REFUSED,     /* 403: detail is the broker's reason code */
	CB_ERR_BROKER_PROTOCOL,    /* unexpected status or malformed answer */
	CB_ERR_UNLOCK,             /* cryptsetup could not open the volume */
	CB_ERR_ROOT_MOUNT,         /* mounting the unlocked root failed */
	CB_ERR_SWITCH_ROOT,        /* moving mounts, chroot or exec of init failed */
	CB_ERR_USAGE,              /* bad subcommand arguments */
	CB_ERR_KEY_COMMITMENT,     /* the released key is not the one rd.cocoboot.keyhash commits to */
	CB_ERR_KEY_DIGEST,         /* the released key fails the LUKS2 header's digest */
	CB_ERR_DM_ACTIVATE,        /* a device-mapper ioctl of cocoboot's own activation failed */
	CB_ERR__COUNT
};

/* Error state carried out of every step: the code and a one-line detail. */
struct cb_err {
	enum cb_error code;
	char detail[240];
};

const char *cb_error_name(enum cb_error code);
/* Exit status of the `unlock`/`report` commands for this code. */
int cb_error_exit_status(enum cb_error code);

struct luks2_err;
/* The LUKS2 module's refusal (common/luks2.h) as a stable code, detail kept. Returns -1. */
int cb_fail_luks2(struct cb_err *err, const struct luks2_err *why);

/* Record an error (printf-style detail). Returns -1 so callers can `return cb_fail(...)`. */
int cb_fail(struct cb_err *err, enum cb_error code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
