/*
 * `cocoboot check-volume FILE|DEVICE`: the boot flow's own LUKS2 header
 * validation (luks2_validate_fd, the very call cb_volume_find_and_validate
 * makes before any key request), for operators checking an image before it
 * is deployed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "flow.h"
#include "common/luks2.h"
#include "luks2_digest.h"

static const char check_volume_usage[] =
	"usage: cocoboot check-volume FILE|DEVICE\n"
	"Validate a LUKS2 header exactly as the boot does before it asks for a key (both\n"
	"copies, cryptsetup's own rules, cocoboot's allowlist) and print its summary, or\n"
	"why it is refused. Exit 0 acceptable, 1 refused, 2 usage or I/O error.\n";

/* Reads only: nothing is written, no key is asked for. */
int cb_cmd_check_volume(int argc, char **argv)
{
	struct luks2_info info;
	struct luks2_err why = { 0 };
	struct cb_err err = { 0 };
	struct stat st;
	const char *path;
	int fd, rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(check_volume_usage, stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fputs(check_volume_usage, stderr);
		return COCOBOOT_EXIT_USAGE;
	}
	path = argv[1];
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		fprintf(stderr, "cocoboot check-volume: cannot read %s: %s\n", path,
			fd < 0 ? strerror(errno) : "not a regular file or block device");
		if (fd >= 0)
			close(fd);
		return COCOBOOT_EXIT_USAGE;
	}
	rc = luks2_validate_fd(fd, &info, &why);
	close(fd);
	if (rc < 0)
		cb_fail_luks2(&err, &why);
	else /* the boot refuses a digest it cannot check in bounded time before asking for the key, too */
		rc = luks2_digest_check_params(&info, &err);
	if (rc < 0) {
		printf("%s: refused: %s: %s\n", path, cb_error_name(err.code), err.detail);
		return 1;
	}
	printf("%s: acceptable LUKS2 volume\n"
	       "uuid:          %s\n"
	       "cipher:        aes-xts-plain64\n"
	       "key size:      %u bits\n"
	       "sector size:   %u bytes\n"
	       "data offset:   %llu bytes\n",
	       path, info.uuid, info.key_bytes * 8, info.sector_size, (unsigned long long)info.data_offset);
	if (info.data_size)
		printf("data size:     %llu bytes\n", (unsigned long long)info.data_size);
	else
		printf("data size:     dynamic (%llu bytes on this device)\n",
		       (unsigned long long)(info.device_size - info.data_offset));
	printf("header size:   %llu bytes, two copies; keyslots area %llu bytes\n", (unsigned long long)info.hdr_size,
	       (unsigned long long)info.keyslots_size);
	printf("key digest:    pbkdf2-%s, %lld iterations (cap %u)\n", info.digest.hash, info.digest.iterations,
	       LUKS2_DIGEST_MAX_ITERATIONS);
	printf("keyslots:     ");
	for (unsigned i = 0; i < LUKS2_MAX_KEYSLOTS; i++)
		if (info.keyslots & 1u << i)
			printf(" %u", i);
	printf("\n");
	return 0;
}
