/* Names and exit statuses of the stable failure codes (see errors.h). */
#include <stdarg.h>
#include <stdio.h>

#include "common/luks2.h"
#include "errors.h"

static const char *const names[CB_ERR__COUNT] = {
	[CB_OK] = "ok",
	[CB_ERR_CMDLINE] = "cmdline",
	[CB_ERR_SETUP] = "setup",
	[CB_ERR_VOLUME_NOT_FOUND] = "volume-not-found",
	[CB_ERR_LUKS2_INVALID] = "luks2-invalid",
	[CB_ERR_LUKS2_FORBIDDEN] = "luks2-forbidden",
	[CB_ERR_CA] = "ca",
	[CB_ERR_KEYGEN] = "keygen",
	[CB_ERR_BROKER_UNREACHABLE] = "broker-unreachable",
	[CB_ERR_BROKER_UNTRUSTED] = "broker-untrusted",
	[CB_ERR_REPORT] = "report",
	[CB_ERR_BROKER_REFUSED] = "broker-refused",
	[CB_ERR_BROKER_PROTOCOL] = "broker-protocol",
	[CB_ERR_UNLOCK] = "unlock",
	[CB_ERR_ROOT_MOUNT] = "root-mount",
	[CB_ERR_SWITCH_ROOT] = "switch-root",
	[CB_ERR_USAGE] = "usage",
	[CB_ERR_KEY_COMMITMENT] = "key-commitment-mismatch",
	[CB_ERR_KEY_DIGEST] = "key-digest-mismatch",
	[CB_ERR_DM_ACTIVATE] = "dm-activate",
};

const char *cb_error_name(enum cb_error code)
{
	if ((unsigned)code >= CB_ERR__COUNT || !names[code])
		return "internal";
	return names[code];
}

int cb_error_exit_status(enum cb_error code)
{
	if (code == CB_OK)
		return 0;
	if (code == CB_ERR_USAGE)
		return 2;
	/* 10 + code keeps 1-9 free for generic statuses (see exitcodes.h). */
	return 10 + (int)code;
}

int cb_fail_luks2(struct cb_err *err, const struct luks2_err *why)
{
	enum cb_error code = why->fault == LUKS2_FORBIDDEN ? CB_ERR_LUKS2_FORBIDDEN
			   : why->fault == LUKS2_NO_MEMORY ? CB_ERR_SETUP : CB_ERR_LUKS2_INVALID;

	return cb_fail(err, code, "%s", why->detail);
}

int cb_fail(struct cb_err *err, enum cb_error code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return -1;
}
