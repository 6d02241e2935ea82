/*
 * cryptsetup is found at /sbin/cryptsetup or /usr/sbin/cryptsetup. The key
 * goes into a pipe before cryptsetup starts (64 bytes fit any pipe buffer),
 * so it exists only in our locked buffer, the kernel's pipe and cryptsetup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm_crypt.h"
#include "log.h"
#include "unlock.h"

const char *cb_find_cryptsetup(void)
{
	static const char *const paths[] = { "/sbin/cryptsetup", "/usr/sbin/cryptsetup", "/bin/cryptsetup",
					     "/usr/bin/cryptsetup" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int cb_run(char *const argv[], int keep_fd, char *out, size_t out_len)
{
	int pipefd[2] = { -1, -1 }, status;
	pid_t pid;
	size_t got = 0;

	if (out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Without udev (the minimal initramfs) libdevmapper must make the nodes itself. */
		static char *const env_no_udev[] = { "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "DM_DISABLE_UDEV=1",
						     "LC_ALL=C", NULL };
		static char *const env_udev[] = { "PATH=/sbin:/usr/sbin:/bin:/usr/bin", "LC_ALL=C", NULL };
		char *const *env = access("/run/udev/control", F_OK) == 0 ? env_udev : env_no_udev;

		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		if (out)
			dup2(pipefd[1], 1);
		execve(argv[0], argv, env);
		_exit(127);
	}
	if (out) {
		ssize_t n;

		close(pipefd[1]);
		while (got + 1 < out_len && (n = read(pipefd[0], out + got, out_len - 1 - got)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			got += (size_t)n;
		}
		out[got] = '\0';
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Value after "KEY:" on a line of `cryptsetup status`. */
static const char *status_field(const char *text, const char *key, char *val, size_t cap)
{
	const char *p = strstr(text, key);
	size_t n = 0;

	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[n] && p[n] != '\n' && n + 1 < cap)
		n++;
	memcpy(val, p, n);
	val[n] = '\0';
	return val;
}

static int check_active(const char *cs, const char *name, const struct luks2_info *info, struct cb_err *err)
{
	char out[2048], val[64], expect_offset[32];
	char *argv[] = { (char *)cs, "status", (char *)name, NULL };

	if (cb_run(argv, -1, out, sizeof(out)) != 0)
		return cb_fail(err, CB_ERR_UNLOCK, "cryptsetup status %s failed", name);
	if (!status_field(out, "cipher:", val, sizeof(val)) || strcmp(val, "aes-xts-plain64"))
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "active mapping uses cipher '%s'", val);
	if (!status_field(out, "keysize:", val, sizeof(val)) || strcmp(val, "512 bits"))
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "active mapping key size '%s'", val);
	snprintf(expect_offset, sizeof(expect_offset), "%llu sectors", (unsigned long long)(info->data_offset / 512));
	if (!status_field(out, "offset:", val, sizeof(val)) || strcmp(val, expect_offset))
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "active mapping offset '%s', header said %s", val,
			       expect_offset);
	return 0;
}

int cb_unlock_volume(const char *dev, const char *name, struct secret *key, const struct luks2_info *info,
		     struct cb_err *err)
{
	const char *cs = cb_find_cryptsetup();
	char key_path[32], node[160];
	struct stat st;
	int kp[2], rc;
	ssize_t n;

	if (!cs) {
		secret_wipe(key);
		return cb_fail(err, CB_ERR_UNLOCK, "cryptsetup not found in /sbin, /usr/sbin, /bin or /usr/bin");
	}
	if (key->len != info->key_bytes) {
		secret_wipe(key);
		return cb_fail(err, CB_ERR_UNLOCK, "key is %zu bytes, the volume needs %u", key->len, info->key_bytes);
	}
	if (pipe2(kp, O_CLOEXEC) < 0) {
		secret_wipe(key);
		return cb_fail(err, CB_ERR_UNLOCK, "pipe: %s", strerror(errno));
	}
	do
		n = write(kp[1], key->data, key->len);
	while (n < 0 && errno == EINTR);
	secret_wipe(key);
	close(kp[1]);
	if (n != VOLUME_KEY_LEN) {
		close(kp[0]);
		return cb_fail(err, CB_ERR_UNLOCK, "writing the key into the pipe failed");
	}
	/* /proc/self/fd rather than /dev/fd: a bare devtmpfs has no /dev/fd link. */
	snprintf(key_path, sizeof(key_path), "/proc/self/fd/%d", kp[0]);
	{
		char *argv[] = { (char *)cs, "open", "--type", "luks2", "--volume-key-file", key_path,
				 "--disable-external-tokens", "--disable-locks", (char *)dev, (char *)name, NULL };

		rc = cb_run(argv, kp[0], NULL, 0);
	}
	close(kp[0]);
	if (rc != 0)
		return cb_fail(err, CB_ERR_UNLOCK, "cryptsetup open %s %s exited %d", dev, name, rc);
	/* cryptsetup waited for udev: the node is there (a test's bare initramfs: made by libdevmapper) */
	snprintf(node, sizeof(node), "/dev/mapper/%s", name);
	if (check_active(cs, name, info, err) < 0 ||
	    (stat(node, &st) == 0 && cb_dm_wait_for_udev(name, st.st_rdev, err) < 0)) {
		char *argv[] = { (char *)cs, "close", (char *)name, NULL };

		cb_run(argv, -1, NULL, 0);
		return -1;
	}
	cb_log("%s opened as /dev/mapper/%s", dev, name);
	return 0;
}
