/*
 * Kernel command line parsing. The command line is part of the measured
 * launch, but a typo must still stop the boot with a message that names the
 * parameter, rather than fall back to something the operator did not ask for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/uuid.h"
#include "cmdline.h"

static const char prefix[] = "rd.cocoboot.";

void cb_config_defaults(struct cb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->name, CB_DEFAULT_NAME);
	cfg->timeout_s = CB_DEFAULT_TIMEOUT_S;
	cfg->onfail = CB_ONFAIL_POWEROFF;
	strcpy(cfg->ca, CB_DEFAULT_CA);
	strcpy(cfg->rootfstype, CB_DEFAULT_FSTYPE);
	strcpy(cfg->init, CB_DEFAULT_INIT);
	cfg->root_readonly = 1;
}

const char *cb_onfail_name(enum cb_onfail onfail)
{
	switch (onfail) {
	case CB_ONFAIL_POWEROFF: return "poweroff";
	case CB_ONFAIL_REBOOT: return "reboot";
	case CB_ONFAIL_HALT: return "halt";
	case CB_ONFAIL_SHELL: return "shell";
	}
	return "poweroff";
}

static int copy_value(char *dst, const char *key, const char *value, struct cb_err *err)
{
	size_t len = strlen(value);

	if (len == 0)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: empty value", key);
	if (len > CB_VALUE_MAX)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: value longer than %d bytes", key, CB_VALUE_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x21 || (unsigned char)value[i] > 0x7e)
			return cb_fail(err, CB_ERR_CMDLINE, "%s: control, space or non-ASCII character in value", key);
	memcpy(dst, value, len + 1);
	return 0;
}

static int set_volume(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	if (!strncmp(value, "UUID=", 5)) {
		/* either case; compared by its canonical form (common/uuid.h) */
		if (!uuid_parse(value + 5, NULL))
			return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s' is not a UUID (expected UUID=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", key, value + 5);
	} else if (strncmp(value, "/dev/", 5) != 0) {
		return cb_fail(err, CB_ERR_CMDLINE, "%s: expected UUID=<uuid> or a /dev/ path, got '%s'", key, value);
	}
	return copy_value(cfg->volume, key, value, err);
}

static int set_name(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	size_t len = strlen(value);

	if (len == 0 || len > 127 || !strcmp(value, ".") || !strcmp(value, ".."))
		return cb_fail(err, CB_ERR_CMDLINE, "%s: mapper name must be 1-127 characters, not '.' or '..'", key);
	for (size_t i = 0; i < len; i++) {
		char c = value[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '+'))
			return cb_fail(err, CB_ERR_CMDLINE, "%s: character '%c' not allowed in a mapper name", key, c);
	}
	return copy_value(cfg->name, key, value, err);
}

static int set_timeout(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	unsigned long v = 0;

	if (!*value)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: empty value", key);
	for (const char *p = value; *p; p++) {
		if (*p < '0' || *p > '9')
			return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s' is not a number of seconds", key, value);
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 86400)
			return cb_fail(err, CB_ERR_CMDLINE, "%s: %s s is more than a day", key, value);
	}
	if (v == 0)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: timeout must be at least 1 second", key);
	cfg->timeout_s = (unsigned)v;
	return 0;
}

static int set_onfail(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	static const struct { const char *name; enum cb_onfail v; } actions[] = {
		{ "poweroff", CB_ONFAIL_POWEROFF }, { "reboot", CB_ONFAIL_REBOOT },
		{ "halt", CB_ONFAIL_HALT }, { "shell", CB_ONFAIL_SHELL },
	};

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(value, actions[i].name)) {
			cfg->onfail = actions[i].v;
			return 0;
		}
	return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s' is not one of poweroff, reboot, halt, shell", key, value);
}

static int set_activate(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	if (!strcmp(value, "cocoboot"))
		cfg->activate = CB_ACTIVATE_COCOBOOT;
	else if (!strcmp(value, "cryptsetup"))
		cfg->activate = CB_ACTIVATE_CRYPTSETUP;
	else
		return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s' is not one of cocoboot, cryptsetup", key, value);
	return 0;
}

static int set_absolute_path(char *dst, const char *key, const char *value, struct cb_err *err)
{
	if (value[0] != '/')
		return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s' is not an absolute path", key, value);
	return copy_value(dst, key, value, err);
}

static int set_url(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	char why[128];

	if (cfg->n_urls >= CB_MAX_URLS)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: more than %d broker URLs", key, CB_MAX_URLS);
	if (strlen(value) > CB_VALUE_MAX)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: URL longer than %d bytes", key, CB_VALUE_MAX);
	if (cb_url_parse(value, &cfg->urls[cfg->n_urls], why, sizeof(why)) < 0)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: '%s': %s", key, value, why);
	cfg->n_urls++;
	return 0;
}

static int set_keyhash(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	const char *why = "";

	if (strlen(value) >= COCO_KEYCOMMIT_TEXT_MAX)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: value longer than <32-byte salt hex>:<32-byte hash hex>", key);
	if (coco_keycommit_parse(value, &cfg->keyhash, &why) < 0) {
		cfg->has_keyhash = 0;
		return cb_fail(err, CB_ERR_CMDLINE, "%s: %s (expected <salt hex>:<hash hex> as printed by cocobroker volume add)",
			       key, why);
	}
	cfg->has_keyhash = 1;
	return 0;
}

int cb_config_set(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	const char *k = !strncmp(key, prefix, sizeof(prefix) - 1) ? key + sizeof(prefix) - 1 : key;

	if (!value)
		return cb_fail(err, CB_ERR_CMDLINE, "%s: needs a value (%s=...)", key, key);
	if (!strcmp(k, "url"))
		return set_url(cfg, key, value, err);
	if (!strcmp(k, "volume"))
		return set_volume(cfg, key, value, err);
	if (!strcmp(k, "name"))
		return set_name(cfg, key, value, err);
	if (!strcmp(k, "timeout"))
		return set_timeout(cfg, key, value, err);
	if (!strcmp(k, "onfail"))
		return set_onfail(cfg, key, value, err);
	if (!strcmp(k, "ca"))
		return set_absolute_path(cfg->ca, key, value, err);
	if (!strcmp(k, "keyhash"))
		return set_keyhash(cfg, key, value, err);
	if (!strcmp(k, "activate"))
		return set_activate(cfg, key, value, err);
	if (!strcmp(k, "enrol")) {
		if (!coco_enrol_name_is_valid(value))
			return cb_fail(err, CB_ERR_CMDLINE, "%s=%s: not a fleet policy name", key, value);
		snprintf(cfg->enrol, sizeof(cfg->enrol), "%s", value);
		return 0;
	}
	return cb_fail(err, CB_ERR_CMDLINE, "unknown setting '%s'", key);
}

static int is_known_key(const char *k)
{
	static const char *const known[] = { "url", "volume", "name", "timeout", "onfail", "ca", "keyhash", "activate",
					     "enrol" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(k, known[i]))
			return 1;
	return 0;
}

static int set_root(struct cb_config *cfg, const char *value, struct cb_err *err)
{
	if (strncmp(value, "/dev/", 5) != 0)
		return cb_fail(err, CB_ERR_CMDLINE,
			       "root=%s: only /dev/ paths are supported (e.g. root=/dev/mapper/%s)", value, cfg->name);
	return copy_value(cfg->root, "root", value, err);
}

static int set_fstype(struct cb_config *cfg, const char *value, struct cb_err *err)
{
	for (const char *p = value; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
			return cb_fail(err, CB_ERR_CMDLINE, "rootfstype=%s: not a filesystem type name", value);
	if (strchr(value, ','))
		return cb_fail(err, CB_ERR_CMDLINE, "rootfstype=%s: only one type is supported", value);
	return copy_value(cfg->rootfstype, "rootfstype", value, err);
}

/* One parameter of the command line; VALUE is NULL for a bare flag. */
static int apply_param(struct cb_config *cfg, const char *key, const char *value, struct cb_err *err)
{
	if (!strncmp(key, prefix, sizeof(prefix) - 1)) {
		const char *k = key + sizeof(prefix) - 1;

		if (!is_known_key(k)) {
			if (cfg->n_unknown < CB_MAX_UNKNOWN)
				{
				/* truncated names are fine: this is only a report */
				size_t n = strnlen(key, sizeof(cfg->unknown[0]) - 1);

				memcpy(cfg->unknown[cfg->n_unknown], key, n);
				cfg->unknown[cfg->n_unknown++][n] = '\0';
			}
			return 0;
		}
		return cb_config_set(cfg, key, value, err);
	}
	if (!strcmp(key, "root"))
		return value ? set_root(cfg, value, err) : cb_fail(err, CB_ERR_CMDLINE, "root: needs a value");
	if (!strcmp(key, "rootfstype"))
		return value ? set_fstype(cfg, value, err) : cb_fail(err, CB_ERR_CMDLINE, "rootfstype: needs a value");
	if (!strcmp(key, "rootflags"))
		return value ? copy_value(cfg->rootflags, "rootflags", value, err)
			     : cb_fail(err, CB_ERR_CMDLINE, "rootflags: needs a value");
	if (!strcmp(key, "init"))
		return value ? set_absolute_path(cfg->init, "init", value, err)
			     : cb_fail(err, CB_ERR_CMDLINE, "init: needs a value");
	if (!strcmp(key, "ro") && !value)
		cfg->root_readonly = 1;
	else if (!strcmp(key, "rw") && !value)
		cfg->root_readonly = 0;
	return 0;
}

int cb_cmdline_parse(const char *cmdline, struct cb_config *cfg, struct cb_err *err)
{
	/* The kernel limits the command line to a few KiB; refuse anything bigger. */
	char token[4096];
	const char *p = cmdline;

	if (strlen(cmdline) >= 65536)
		return cb_fail(err, CB_ERR_CMDLINE, "command line longer than 64 KiB");
	for (;;) {
		size_t len = 0;
		int in_quote = 0;
		char *eq;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		while (*p && (in_quote || !(*p == ' ' || *p == '\t' || *p == '\n'))) {
			if (*p == '"') {
				in_quote = !in_quote;
			} else {
				if (len + 1 >= sizeof(token))
					return cb_fail(err, CB_ERR_CMDLINE, "parameter longer than %zu bytes", sizeof(token) - 1);
				token[len++] = *p;
			}
			p++;
		}
		token[len] = '\0';
		if (in_quote)
			return cb_fail(err, CB_ERR_CMDLINE, "unterminated quote in '%.64s'", token);
		if (!strcmp(token, "--"))
			break;  /* the rest is for init */
		eq = strchr(token, '=');
		if (eq)
			*eq = '\0';
		if (apply_param(cfg, token, eq ? eq + 1 : NULL, err) < 0)
			return -1;
	}
	return 0;
}
