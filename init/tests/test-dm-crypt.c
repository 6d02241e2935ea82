/*
 * Unit tests of cocoboot's own dm-crypt activation, the parts a host without
 * device-mapper can run: the ioctl ABI subset against the kernel's own
 * <linux/dm-ioctl.h>, the dm UUID and crypt table cryptsetup would make
 * (the e2e "activate-table" case compares with cryptsetup in a guest), and
 * the refusals a build host can reach: a wrong key (wiped), no device-mapper.
 */
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "init/dm_crypt.h"
#include "init/dm_ioctl_abi.h"
#include "init/luks2_digest.h"

static const char *dir;

static void test_abi(void)
{
	CHECK(sizeof(struct cb_dm_ioctl) == sizeof(struct dm_ioctl), "struct dm_ioctl size %zu", sizeof(struct cb_dm_ioctl));
	CHECK(offsetof(struct cb_dm_ioctl, dev) == offsetof(struct dm_ioctl, dev), "dev offset");
	CHECK(offsetof(struct cb_dm_ioctl, name) == offsetof(struct dm_ioctl, name), "name offset");
	CHECK(offsetof(struct cb_dm_ioctl, uuid) == offsetof(struct dm_ioctl, uuid), "uuid offset");
	CHECK(offsetof(struct cb_dm_ioctl, flags) == offsetof(struct dm_ioctl, flags), "flags offset");
	CHECK(sizeof(struct cb_dm_target_spec) == sizeof(struct dm_target_spec), "target spec size");
	CHECK(offsetof(struct cb_dm_target_spec, next) == offsetof(struct dm_target_spec, next), "next offset");
	CHECK(offsetof(struct cb_dm_target_spec, target_type) == offsetof(struct dm_target_spec, target_type), "type offset");
	CHECK(CB_DM_DEV_CREATE == DM_DEV_CREATE && CB_DM_DEV_REMOVE == DM_DEV_REMOVE && CB_DM_DEV_SUSPEND == DM_DEV_SUSPEND &&
		      CB_DM_TABLE_LOAD == DM_TABLE_LOAD && CB_DM_TABLE_STATUS == DM_TABLE_STATUS,
	      "ioctl numbers");
	CHECK(CB_DM_SUSPEND_FLAG == DM_SUSPEND_FLAG && CB_DM_STATUS_TABLE_FLAG == DM_STATUS_TABLE_FLAG &&
		      CB_DM_ACTIVE_PRESENT_FLAG == DM_ACTIVE_PRESENT_FLAG && CB_DM_BUFFER_FULL_FLAG == DM_BUFFER_FULL_FLAG &&
		      CB_DM_SECURE_DATA_FLAG == DM_SECURE_DATA_FLAG,
	      "flags");
	/* libdevmapper.h's values (not in the kernel header): DM_UDEV_PRIMARY_SOURCE_FLAG, DM_UDEV_DISABLE_LIBRARY_FALLBACK */
	CHECK(CB_DM_UDEV_COOKIE == 0x00600000u, "udev flags-only cookie 0x%08x", CB_DM_UDEV_COOKIE);
	CHECK(CB_DM_VERSION_MAJOR == DM_VERSION_MAJOR && CB_DM_NAME_LEN == DM_NAME_LEN && CB_DM_UUID_LEN == DM_UUID_LEN,
	      "version and lengths");
}

static void test_uuid(void)
{
	char out[CB_DM_UUID_LEN], name[128];

	cb_dm_crypt_uuid("0c9a44f6-4a8e-4e0c-9d0a-2f3c5b6a7d81", "cocoboot-root", out);
	CHECK(!strcmp(out, "CRYPT-LUKS2-0c9a44f64a8e4e0c9d0a2f3c5b6a7d81-cocoboot-root"), "dm uuid '%s'", out);
	memset(name, 'n', 127);
	name[127] = '\0';
	cb_dm_crypt_uuid("0c9a44f6-4a8e-4e0c-9d0a-2f3c5b6a7d81", name, out);
	CHECK(strlen(out) == CB_DM_UUID_LEN - 1 && !strncmp(out, "CRYPT-LUKS2-0c9a44f6", 20),
	      "long names are cut at 128 characters like cryptsetup does (%zu)", strlen(out));
}

static void test_params(void)
{
	struct luks2_info info = { .data_offset = 16777216, .sector_size = 4096, .key_bytes = 64 };
	uint8_t key[64];
	char out[512], want[512], hex[129];
	int n;

	for (int i = 0; i < 64; i++) {
		key[i] = (uint8_t)(0xa0 + i);
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	}
	n = cb_dm_crypt_params(&info, key, 64, makedev(254, 0), out, sizeof(out));
	snprintf(want, sizeof(want), "aes-xts-plain64 %s 0 254:0 32768 1 sector_size:4096", hex);
	CHECK(n == (int)strlen(want) && !strcmp(out, want), "4096-byte sectors: '%s'", out);
	info.sector_size = 512;
	info.data_offset = 2 * 1048576;
	n = cb_dm_crypt_params(&info, key, 64, makedev(8, 17), out, sizeof(out));
	snprintf(want, sizeof(want), "aes-xts-plain64 %s 0 8:17 4096", hex);
	CHECK(n == (int)strlen(want) && !strcmp(out, want), "512-byte sectors: no optional parameters: '%s'", out);
	CHECK(cb_dm_crypt_params(&info, key, 64, makedev(8, 17), out, 150) == -1, "too small a buffer is refused");
	CHECK(cb_dm_crypt_params(&info, key, 64, makedev(8, 17), out, strlen(want)) == -1, "no room for the NUL: refused");
}

static void test_refusals(void)
{
	struct luks2_info info;
	struct secret key;
	struct cb_err err = { 0 };
	char path[512];
	int fd, zero = 1;

	snprintf(path, sizeof(path), "%s/digest.img", dir);
	fd = open(path, O_RDONLY);
	{
		struct luks2_err why = { 0 };

		CHECK(fd >= 0 && luks2_validate_fd(fd, &info, &why) == 0, "digest.img validates: %s", why.detail);
	}
	if (fd < 0)
		return;
	close(fd);
	CHECK(secret_alloc(&key, 64) == 0, "secret");
	for (int i = 0; i < 64; i++)
		key.data[i] = (uint8_t)(i ^ 1);  /* not the volume key */
	key.len = 64;
	CHECK(cb_dm_crypt_activate(path, "t", &key, &info, &err) == -1 && err.code == CB_ERR_KEY_DIGEST,
	      "wrong key: %s %s", cb_error_name(err.code), err.detail);
	for (size_t i = 0; i < key.cap; i++)
		zero &= key.data[i] == 0;
	CHECK(zero && key.len == 0, "the refused key is wiped");
	/* the volume key: past the digest, refused at device-mapper (none on a build host) or the image file */
	for (int i = 0; i < 64; i++)
		key.data[i] = (uint8_t)i;
	key.len = 64;
	err = (struct cb_err){ 0 };
	CHECK(cb_dm_crypt_activate(path, "t", &key, &info, &err) == -1 && err.code == CB_ERR_DM_ACTIVATE &&
		      (strstr(err.detail, "/dev/mapper/control") || strstr(err.detail, "not a block device")),
	      "the right key, no dm-crypt mapping possible here: %s %s", cb_error_name(err.code), err.detail);
	CHECK(key.len == 0 && key.data[0] == 0 && key.data[63] == 0, "key wiped after the refusal");
	secret_free(&key);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-dm-crypt FIXTURE-DIR\n");
		return 2;
	}
	dir = argv[1];
	test_abi();
	test_uuid();
	test_params();
	test_refusals();
	return check_done();
}
