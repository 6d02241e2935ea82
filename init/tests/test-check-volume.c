/*
 * Unit tests: `cocoboot check-volume` (init/check_volume.c) on the LUKS2
 * fixtures: exit status 0/1/2 and what it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "init/flow.h"

static const char *dir;

/* Run check-volume with ARG (NULL: no argument) in a child; its exit status, stdout+stderr in OUT. */
static int run(const char *arg, char *out, size_t cap)
{
	int p[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "check-volume", (char *)arg, NULL };

		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		status = cb_cmd_check_volume(arg ? 2 : 1, argv);
		fflush(stdout);
		_exit(status);
	}
	close(p[1]);
	while (got + 1 < cap && (n = read(p[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect(const char *file, int want_rc, const char *needle)
{
	char path[512], out[4096];
	int rc;

	if (file && file[0] != '/' && file[0] != '-')
		snprintf(path, sizeof(path), "%s/%s", dir, file);
	else
		snprintf(path, sizeof(path), "%s", file ? file : "");
	rc = run(file ? path : NULL, out, sizeof(out));
	CHECK(rc == want_rc, "check-volume %s: exit %d, expected %d (%s)", path, rc, want_rc, out);
	CHECK(!needle || strstr(out, needle), "check-volume %s: output lacks '%s': %s", path, needle, out);
}

int main(int argc, char **argv)
{
	char cmd[600], uuid[64] = "", line[80];
	FILE *p;

	if (argc != 2) {
		fprintf(stderr, "usage: test-check-volume FIXTURE-DIR\n");
		return 2;
	}
	dir = argv[1];
	snprintf(cmd, sizeof(cmd), "cryptsetup luksUUID '%s/good.img'", dir);
	p = popen(cmd, "r");
	CHECK(p && fgets(uuid, sizeof(uuid), p), "cryptsetup luksUUID");
	if (p)
		pclose(p);
	uuid[strcspn(uuid, "\n")] = '\0';
	snprintf(line, sizeof(line), "uuid:          %s\n", uuid);

	expect("good.img", 0, line);
	expect("good.img", 0, "acceptable LUKS2 volume");
	expect("good.img", 0, "key size:      512 bits");
	expect("good.img", 0, "sector size:   4096 bytes");
	expect("good.img", 0, "data offset:   16777216 bytes");
	expect("good.img", 0, "data size:     dynamic (4194304 bytes on this device)");
	expect("good.img", 0, "keyslots:      0\n");
	expect("good.img", 0, "key digest:    pbkdf2-sha256, 1000 iterations (cap 2000000)");
	expect("digest-iterations.img", 1, "refused: luks2-forbidden: digest iterations 4294967295 above cocoboot's cap");
	expect("good-4k.img", 0, "header size:   65536 bytes");
	expect("allow-discards.img", 1, "refused: luks2-forbidden: persistent activation flag 'allow-discards'");
	expect("area-in-header.img", 1, "refused: luks2-invalid: keyslot 0 area at 16384 is inside the headers");
	expect("iv-tweak.img", 1, "iv_tweak");
	expect("cbc.img", 1, "only aes-xts-plain64");
	expect("luks1.img", 1, "version 1");
	expect("small-device.img", 1, "too small");
	expect("/nonexistent/volume.img", 2, "cannot read /nonexistent/volume.img");
	expect("/", 2, "not a regular file or block device");
	expect(NULL, 2, "usage: cocoboot check-volume");
	expect("--frob", 2, "usage:");
	expect("--help", 0, "Exit 0 acceptable, 1 refused, 2 usage");
	return check_done();
}
