/* attest + unlock, the part every mode shares (see flow.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "dm_crypt.h"
#include "first_boot.h"
#include "flow.h"
#include "log.h"
#include "common/secret.h"
#include "luks2_digest.h"
#include "unlock.h"
#include "volume.h"

int cb_config_from_file(struct cb_config *cfg, const char *path, struct cb_err *err)
{
	char line[4096];
	unsigned first_unknown = cfg->n_unknown;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return cb_fail(err, CB_ERR_SETUP, "cannot read %s: %s", path, strerror(errno));
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0)
		return cb_fail(err, CB_ERR_SETUP, "cannot read %s: %s", path, strerror(errno));
	line[n] = '\0';
	if (cb_cmdline_parse(line, cfg, err) < 0)
		return -1;
	for (unsigned i = first_unknown; i < cfg->n_unknown; i++)
		cb_log("warning: unknown parameter %s ignored (%s; see cocoboot.cmdline(7))", cfg->unknown[i], path);
	return 0;
}

int cb_config_from_kernel(struct cb_config *cfg, struct cb_err *err)
{
	return cb_config_from_file(cfg, "/proc/cmdline", err);
}

int cb_attest_and_unlock(const struct cb_config *cfg, struct cb_err *err)
{
	unsigned long long deadline = cb_now_ms() + cfg->timeout_s * 1000ull;
	struct luks2_info info;
	struct secret key;
	char dev[300];
	int rc = -1, first = 0;

	if (secret_alloc(&key, VOLUME_KEY_LEN) < 0)
		return cb_fail(err, CB_ERR_SETUP, "cannot allocate locked memory for the key: %s", strerror(errno));
	/* A shared image's first boot: the device is encrypted with a key enrolled for this instance (first_boot.h). */
	if (cfg->enrol[0] && (first = cb_first_boot(cfg, deadline, &key, err)) < 0)
		goto out;
	/* The header is judged before anything is sent anywhere (a first boot's too, before its key is used). */
	if (cb_volume_find_and_validate(cfg->volume, cfg->wait_for_devices ? deadline : 0, dev, sizeof(dev), &info, err) < 0)
		goto out;
	/* A digest the key cannot be checked against in bounded time is refused before any key is asked for. */
	if (luks2_digest_check_params(&info, err) < 0)
		goto out;
	rc = first ? 0 : cb_broker_fetch_key(cfg, info.uuid, deadline, &key, err);
	/*
	 * T17: a broker (or whoever holds its TLS key) could hand over the key of
	 * a volume it made, with a header that passes the allowlist. With a
	 * commitment on the measured command line only the committed key is
	 * used; anything else is wiped here, before cryptsetup sees it. Final:
	 * another broker would not make a mismatching answer less suspicious.
	 */
	if (rc == 0 && cfg->has_keyhash && !coco_keycommit_matches(&cfg->keyhash, key.data, key.len)) {
		secret_wipe(&key);
		rc = cb_fail(err, CB_ERR_KEY_COMMITMENT, "the key released for %s is not the one rd.cocoboot.keyhash commits to",
			     info.uuid);
	}
	if (rc == 0 && cfg->activate == CB_ACTIVATE_CRYPTSETUP)
		rc = cb_unlock_volume(dev, cfg->name, &key, &info, err);
	else if (rc == 0)
		rc = cb_dm_crypt_activate(dev, cfg->name, &key, &info, err);
out:
	secret_free(&key);
	return rc;
}
