/*
 * Unit tests: LUKS2 header validation against headers cryptsetup made on
 * image files (make-luks2-fixtures.sh DIR) and hostile variants of them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/check.h"
#include "luks2.h"

static const char *dir;

struct fixture {
	const char *file;
	enum cb_error code;
	const char *needle;  /* substring of the detail */
};

static const struct fixture fixtures[] = {
	{ "good.img", CB_OK, NULL },
	{ "good-4k.img", CB_OK, NULL },
	{ "reenc.img", CB_OK, NULL },
	{ "xts256.img", CB_ERR_LUKS2_FORBIDDEN, "key_size is not 64" },
	{ "cbc.img", CB_ERR_LUKS2_FORBIDDEN, "only aes-xts-plain64" },
	{ "luks1.img", CB_ERR_LUKS2_INVALID, "version 1" },
	{ "cipher-null-segment.img", CB_ERR_LUKS2_FORBIDDEN, "cipher_null" },
	{ "cipher-null-keyslot.img", CB_ERR_LUKS2_FORBIDDEN, "cipher_null" },
	{ "cipher-null-secondary.img", CB_ERR_LUKS2_FORBIDDEN, "secondary copy: cipher_null" },
	{ "two-segments.img", CB_ERR_LUKS2_FORBIDDEN, "2 data segments" },
	{ "integrity.img", CB_ERR_LUKS2_FORBIDDEN, "'integrity' not allowed" },
	{ "linear-segment.img", CB_ERR_LUKS2_FORBIDDEN, "only 'crypt'" },
	{ "requirements.img", CB_ERR_LUKS2_FORBIDDEN, "requirements" },
	{ "duplicate-key.img", CB_ERR_LUKS2_INVALID, "duplicate member name" },
	{ "bad-checksum.img", CB_ERR_LUKS2_INVALID, "checksum mismatch" },
	{ "seqid-differs.img", CB_ERR_LUKS2_INVALID, "differ" },
	{ "offset-in-header.img", CB_ERR_LUKS2_FORBIDDEN, "offset" },
	{ "reencrypt-keyslot.img", CB_ERR_LUKS2_FORBIDDEN, "only 'luks2'" },
	{ "unknown-top.img", CB_ERR_LUKS2_FORBIDDEN, "'extra' not allowed" },
};

static void test_fixtures(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct luks2_info info;
		struct cb_err err = { 0 };
		char path[512];
		int fd, rc;

		snprintf(path, sizeof(path), "%s/%s", dir, f->file);
		fd = open(path, O_RDONLY);
		CHECK(fd >= 0, "open %s", path);
		if (fd < 0)
			continue;
		rc = luks2_validate_fd(fd, &info, &err);
		close(fd);
		if (f->code == CB_OK) {
			CHECK(rc == 0, "%s must pass: %s", f->file, err.detail);
			CHECK(strlen(info.uuid) == 36, "%s uuid '%s'", f->file, info.uuid);
			CHECK(info.key_bytes == 64 && info.data_offset >= 2 * info.hdr_size, "%s segment info", f->file);
		} else {
			CHECK(rc == -1, "%s must be rejected", f->file);
			CHECK(err.code == f->code, "%s: code %s, expected %s (%s)", f->file, cb_error_name(err.code),
			      cb_error_name(f->code), err.detail);
			CHECK(strstr(err.detail, f->needle) != NULL, "%s: detail '%s' lacks '%s'", f->file, err.detail,
			      f->needle);
		}
	}
}

/* The UUID must be the one cryptsetup reports (checked by the fixture script too). */
static void test_uuid_matches(void)
{
	char path[512], cmd[600], want[64] = "";
	struct luks2_info info;
	struct cb_err err;
	FILE *p;
	int fd;

	snprintf(path, sizeof(path), "%s/good.img", dir);
	snprintf(cmd, sizeof(cmd), "cryptsetup luksUUID '%s'", path);
	p = popen(cmd, "r");
	CHECK(p && fgets(want, sizeof(want), p), "cryptsetup luksUUID");
	if (p)
		pclose(p);
	want[strcspn(want, "\n")] = '\0';
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && luks2_validate_fd(fd, &info, &err) == 0, "good.img validates");
	CHECK(!strcmp(info.uuid, want), "uuid %s == %s", info.uuid, want);
	if (fd >= 0)
		close(fd);
}

static void test_short_and_garbage(void)
{
	uint8_t buf[LUKS2_BIN_HDR_SIZE] = { 0 };
	struct luks2_info info;
	struct cb_err err;

	CHECK(luks2_check_binary(buf, 100, 0, &info, &err) == -1 && strstr(err.detail, "short read"), "short");
	CHECK(luks2_check_binary(buf, sizeof(buf), 0, &info, &err) == -1 && strstr(err.detail, "no LUKS2 magic"),
	      "zeros: %s", err.detail);
	memcpy(buf, "LUKS\xba\xbe\x00\x02", 8);
	buf[15] = 1;  /* hdr_size 1 */
	CHECK(luks2_check_binary(buf, sizeof(buf), 0, &info, &err) == -1 && strstr(err.detail, "invalid hdr_size"),
	      "bad size: %s", err.detail);
	CHECK(luks2_peek_hdr_size(buf, sizeof(buf)) == 0, "peek rejects size");
	CHECK(luks2_looks_like(buf, sizeof(buf)), "looks like LUKS2");
}

static int json_verdict(const char *text, struct cb_err *err)
{
	char buf[4096];
	struct luks2_info info = { 0 };

	snprintf(buf, sizeof(buf), "%s", text);
	memset(err, 0, sizeof(*err));
	return luks2_check_json(buf, strlen(buf), 16384, &info, err);
}

#define KS "\"keyslots\":{\"0\":{\"type\":\"luks2\",\"key_size\":64,\"area\":{\"type\":\"raw\",\"encryption\":\"aes-xts-plain64\"}}}"
#define SEG(extra) "\"segments\":{\"0\":{\"type\":\"crypt\",\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":\"aes-xts-plain64\",\"sector_size\":512" extra "}}"
#define DG "\"digests\":{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\"],\"segments\":[\"0\"]}}"
#define CF(extra) "\"config\":{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\"" extra "}"

static void test_json_rules(void)
{
	struct cb_err e;

	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF("") "}", &e) == 0, "minimal ok: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG(",\"flags\":[]") "," DG "," CF(",\"flags\":[\"allow-discards\"]") "}", &e) == 0,
	      "empty flags, allowed config flag: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG(",\"flags\":[\"backup-final\"]") "," DG "," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "flags"), "segment flags");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF(",\"flags\":[\"evil\"]") "}", &e) == -1 &&
	      strstr(e.detail, "'evil'"), "unknown config flag");
	CHECK(json_verdict("{" KS ",\"tokens\":{\"0\":{\"type\":\"x\",\"c\":\"CIPHER_NULL\"}}," SEG("") "," DG "," CF("") "}", &e) == -1 &&
	      e.code == CB_ERR_LUKS2_FORBIDDEN, "cipher_null in a token, any case");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") ",\"digests\":{\"0\":{\"type\":\"pbkdf2\",\"segments\":[]}}," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "no digest covers"), "digest not covering segment");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG ",\"config\":{\"json_size\":\"4096\",\"keyslots_size\":\"1\"}}", &e) == -1 &&
	      strstr(e.detail, "json_size"), "json_size mismatch");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF(",\"requirements\":{\"mandatory\":[]}") "}", &e) == 0,
	      "empty requirements ok: %s", e.detail);
	CHECK(json_verdict("{\"keyslots\":{},\"tokens\":{}," SEG("") "," DG "," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "no keyslot"), "zero keyslots: %s", e.detail);
	CHECK(json_verdict("[]", &e) == -1 && e.code == CB_ERR_LUKS2_INVALID, "not an object");
	CHECK(json_verdict("{\"keyslots\":{}}", &e) == -1 && strstr(e.detail, "lacks"), "missing sections: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF("") "} x", &e) == -1 && strstr(e.detail, "trailing"),
	      "trailing garbage");
	CHECK(json_verdict("{" KS ",\"tokens\":{},\"segments\":{\"0\":{\"type\":\"crypt\",\"offset\":\"016777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":\"aes-xts-plain64\",\"sector_size\":512}}," DG "," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "offset"), "leading-zero offset");
	CHECK(json_verdict("{" KS ",\"tokens\":{},\"segments\":{\"0\":{\"type\":\"crypt\",\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":\"aes-xts-plain64\",\"sector_size\":8192}}," DG "," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "sector_size"), "sector size 8192");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-luks2 FIXTURE-DIR\n");
		return 2;
	}
	dir = argv[1];
	test_fixtures();
	test_uuid_matches();
	test_short_and_garbage();
	test_json_rules();
	return check_done();
}
