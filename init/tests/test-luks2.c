/*
 * Unit tests: LUKS2 header validation against headers cryptsetup made on
 * image files (make-luks2-fixtures.sh DIR) and hostile variants of them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "common/luks2.h"
#include "init/errors.h"

static const char *dir;

/* The module's verdicts as the guest reports them (errors.c maps the fault to its stable code). */
static int validate_fd(int fd, struct luks2_info *info, struct cb_err *err)
{
	struct luks2_err why = { 0 };

	return luks2_validate_fd(fd, info, &why) == 0 ? 0 : cb_fail_luks2(err, &why);
}

static int check_binary(const uint8_t *buf, size_t len, uint64_t offset, struct luks2_info *info, struct cb_err *err)
{
	struct luks2_err why = { 0 };

	return luks2_check_binary(buf, len, offset, info, &why) == 0 ? 0 : cb_fail_luks2(err, &why);
}

static int check_json(char *json, size_t len, uint64_t hdr_size, struct luks2_info *info, struct cb_err *err)
{
	struct luks2_err why = { 0 };

	return luks2_check_json(json, len, hdr_size, info, &why) == 0 ? 0 : cb_fail_luks2(err, &why);
}

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
	{ "allow-discards.img", CB_ERR_LUKS2_FORBIDDEN, "'allow-discards'" },
	{ "iv-tweak.img", CB_ERR_LUKS2_FORBIDDEN, "iv_tweak '8'" },
	{ "area-in-header.img", CB_ERR_LUKS2_INVALID, "inside the headers" },
	{ "area-past-keyslots.img", CB_ERR_LUKS2_INVALID, "ends past the keyslots area" },
	{ "area-over-data.img", CB_ERR_LUKS2_INVALID, "runs into the data segment" },
	{ "missing-keyslot-ref.img", CB_ERR_LUKS2_INVALID, "keyslot '3', which does not exist" },
	{ "token-ref.img", CB_ERR_LUKS2_INVALID, "keyslot '5', which does not exist" },
	{ "kdf-not-object.img", CB_ERR_LUKS2_INVALID, "kdf is not an object" },
	{ "opening-space.img", CB_ERR_LUKS2_INVALID, "start with '{'" },
	{ "small-device.img", CB_ERR_LUKS2_INVALID, "too small" },
	{ "partial-sector.img", CB_ERR_LUKS2_INVALID, "whole number of 4096-byte sectors" },
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
		rc = validate_fd(fd, &info, &err);
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
	CHECK(fd >= 0 && validate_fd(fd, &info, &err) == 0, "good.img validates");
	CHECK(!strcmp(info.uuid, want), "uuid %s == %s", info.uuid, want);
	if (fd >= 0)
		close(fd);
}

static void test_short_and_garbage(void)
{
	uint8_t buf[LUKS2_BIN_HDR_SIZE] = { 0 };
	struct luks2_info info;
	struct cb_err err;

	CHECK(check_binary(buf, 100, 0, &info, &err) == -1 && strstr(err.detail, "short read"), "short");
	CHECK(check_binary(buf, sizeof(buf), 0, &info, &err) == -1 && strstr(err.detail, "no LUKS2 magic"),
	      "zeros: %s", err.detail);
	memcpy(buf, "LUKS\xba\xbe\x00\x02", 8);
	buf[15] = 1;  /* hdr_size 1 */
	CHECK(check_binary(buf, sizeof(buf), 0, &info, &err) == -1 && strstr(err.detail, "invalid hdr_size"),
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
	return check_json(buf, strlen(buf), 16384, &info, err);
}

#define AF "\"af\":{\"type\":\"luks1\",\"stripes\":4000,\"hash\":\"sha256\"}"
#define KDF "\"kdf\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,\"salt\":\"c2FsdA==\"}"
#define AREA(off) "\"area\":{\"type\":\"raw\",\"offset\":\"" off "\",\"size\":\"258048\",\"encryption\":\"aes-xts-plain64\",\"key_size\":64}"
#define SLOT(off) "{\"type\":\"luks2\",\"key_size\":64," AF "," AREA(off) "," KDF "}"
#define KS "\"keyslots\":{\"0\":" SLOT("32768") "}"
#define KS2 "\"keyslots\":{\"0\":" SLOT("32768") ",\"1\":" SLOT("290816") "}"
#define SEG(extra) "\"segments\":{\"0\":{\"type\":\"crypt\",\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":\"aes-xts-plain64\",\"sector_size\":512" extra "}}"
#define DGX(ks, segs) "{\"type\":\"pbkdf2\",\"keyslots\":[" ks "],\"segments\":[" segs "],\"hash\":\"sha256\",\"iterations\":1000,\"salt\":\"c2FsdA==\",\"digest\":\"ZGlnZXN0\"}"
#define DG "\"digests\":{\"0\":" DGX("\"0\"", "\"0\"") "}"
#define DG2 "\"digests\":{\"0\":" DGX("\"0\",\"1\"", "\"0\"") "}"
#define CF(extra) "\"config\":{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\"" extra "}"
#define BASE2 "{" KS2 ",\"tokens\":{}," SEG("") "," DG2 "," CF("") "}"

/* BASE2 with OLD replaced by NEW (once; the test fails if OLD is absent). */
static int sub_verdict(const char *old, const char *new, struct cb_err *err)
{
	static const char base[] = BASE2;
	char buf[4096];
	const char *at = strstr(base, old);

	memset(err, 0, sizeof(*err));
	if (!at || strlen(base) - strlen(old) + strlen(new) >= sizeof(buf)) {
		snprintf(err->detail, sizeof(err->detail), "test bug: '%s' not in the base JSON", old);
		return 99;
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - base), base, new, at + strlen(old));
	return json_verdict(buf, err);
}

/* The rules cryptsetup's own validation applies, and the host levers, each on a minimal edit of a valid JSON. */
static void test_cryptsetup_rules(void)
{
	static const struct {
		const char *old, *new;
		enum cb_error code;
		const char *needle;
	} cases[] = {
		/* the opening character */
		{ "{\"keyslots\"", " {\"keyslots\"", CB_ERR_LUKS2_INVALID, "does not start with '{'" },
		{ "{\"keyslots\"", "\n{\"keyslots\"", CB_ERR_LUKS2_INVALID, "does not start with '{'" },
		/* persistent activation flags: host levers */
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":[\"allow-discards\"]",
		  CB_ERR_LUKS2_FORBIDDEN, "'allow-discards'" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":[\"same-cpu-crypt\"]",
		  CB_ERR_LUKS2_FORBIDDEN, "persistent activation flag" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":[\"submit-from-crypt-cpus\"]",
		  CB_ERR_LUKS2_FORBIDDEN, "persistent activation flag" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":[\"no-read-workqueue\",\"no-write-workqueue\"]",
		  CB_ERR_LUKS2_FORBIDDEN, "'no-read-workqueue'" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":{}", CB_ERR_LUKS2_INVALID,
		  "not an array" },
		/* iv_tweak */
		{ "\"iv_tweak\":\"0\"", "\"iv_tweak\":\"1\"", CB_ERR_LUKS2_FORBIDDEN, "iv_tweak '1'" },
		{ "\"iv_tweak\":\"0\"", "\"iv_tweak\":\"4096\"", CB_ERR_LUKS2_FORBIDDEN, "only \"0\"" },
		/* keyslot areas: inside the header, overlapping, past keyslots_size, empty */
		{ "\"offset\":\"32768\"", "\"offset\":\"16384\"", CB_ERR_LUKS2_INVALID, "inside the headers" },
		{ "\"offset\":\"32768\"", "\"offset\":\"0\"", CB_ERR_LUKS2_INVALID, "inside the headers" },
		{ "\"offset\":\"290816\"", "\"offset\":\"32768\"", CB_ERR_LUKS2_INVALID, "areas 0 and 1 overlap" },
		{ "\"offset\":\"290816\"", "\"offset\":\"286720\"", CB_ERR_LUKS2_INVALID, "areas 0 and 1 overlap" },
		{ "\"offset\":\"290816\"", "\"offset\":\"16773120\"", CB_ERR_LUKS2_INVALID, "ends past the keyslots area" },
		{ "\"offset\":\"290816\"", "\"offset\":\"16777216\"", CB_ERR_LUKS2_INVALID, "ends past the keyslots area" },
		{ "\"offset\":\"290816\",\"size\":\"258048\"", "\"offset\":\"290816\",\"size\":\"18446744073709551615\"",
		  CB_ERR_LUKS2_INVALID, "ends past the keyslots area" },
		{ "\"offset\":\"290816\",\"size\":\"258048\"", "\"offset\":\"290816\",\"size\":\"0\"", CB_ERR_LUKS2_INVALID,
		  "area is empty" },
		{ "\"offset\":\"290816\"", "\"offset\":\"290817\"", CB_ERR_LUKS2_FORBIDDEN, "not 4096-aligned" },
		/* keyslots_size */
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16748544\"", CB_ERR_LUKS2_INVALID,
		  "runs into the data segment" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744447\"", CB_ERR_LUKS2_INVALID, "4096-aligned" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"4096\"", CB_ERR_LUKS2_INVALID,
		  "ends past the keyslots area" },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"268435456\"", CB_ERR_LUKS2_INVALID, "over 128 MiB" },
		/* references */
		{ "\"keyslots\":[\"0\",\"1\"]", "\"keyslots\":[\"0\",\"1\",\"2\"]", CB_ERR_LUKS2_INVALID,
		  "keyslot '2', which does not exist" },
		{ "\"keyslots\":[\"0\",\"1\"]", "\"keyslots\":[\"0\",1]", CB_ERR_LUKS2_INVALID, "(not a string)" },
		{ "\"segments\":[\"0\"]", "\"segments\":[\"0\",\"1\"]", CB_ERR_LUKS2_INVALID,
		  "segment '1', which does not exist" },
		{ "\"keyslots\":[\"0\",\"1\"]", "\"keyslots\":[\"0\"]", CB_ERR_LUKS2_INVALID, "keyslot 1 is named by 0 digests" },
		{ "\"keyslots\":[\"0\",\"1\"]", "\"keyslots\":[\"0\",\"1\",\"1\"]", CB_ERR_LUKS2_INVALID,
		  "keyslot 1 is named by 2 digests" },
		{ "\"keyslots\":[\"0\",\"1\"],\"segments\":[\"0\"]", "\"keyslots\":[\"0\"],\"segments\":[\"0\"]", CB_ERR_LUKS2_INVALID,
		  "named by 0 digests" },
		{ "\"keyslots\":[\"0\",\"1\"],\"segments\":[\"0\"]", "\"segments\":[\"0\"]", CB_ERR_LUKS2_INVALID,
		  "'keyslots' missing or of the wrong type" },
		{ "\"tokens\":{}", "\"tokens\":{\"0\":{\"type\":\"luks2-keyring\",\"keyslots\":[\"7\"]}}", CB_ERR_LUKS2_INVALID,
		  "token 0 refers to keyslot '7'" },
		{ "\"tokens\":{}", "\"tokens\":{\"0\":{\"keyslots\":[\"0\"]}}", CB_ERR_LUKS2_INVALID, "token 0 has no type" },
		{ "\"tokens\":{}", "\"tokens\":{\"0\":{\"type\":\"x\"}}", CB_ERR_LUKS2_INVALID, "lacks its 'keyslot' array" },
		{ "\"tokens\":{}", "\"tokens\":{\"a\":{\"type\":\"x\",\"keyslots\":[]}}", CB_ERR_LUKS2_INVALID, "numbered" },
		/* object types of keyslot members */
		{ "\"kdf\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,\"salt\":\"c2FsdA==\"}}}",
		  "\"kdf\":42}}", CB_ERR_LUKS2_INVALID, "keyslot 1 kdf is not an object" },
		{ AF, "\"af\":\"luks1\"", CB_ERR_LUKS2_INVALID, "keyslot 0 af is not an object" },
		{ AF, "\"af\":{\"type\":42,\"stripes\":4000,\"hash\":\"sha256\"}", CB_ERR_LUKS2_INVALID, "keyslot 0 af: 'type' missing or of the wrong type" },
		{ AF, "\"af\":{\"type\":\"luks1\",\"stripes\":1,\"hash\":\"sha256\"}", CB_ERR_LUKS2_INVALID, "4000 stripes" },
		{ AF, "\"af\":{\"type\":\"luks1\",\"stripes\":4000}", CB_ERR_LUKS2_INVALID, "'hash' missing" },
		{ AF, "\"af\":{\"type\":\"luks1\",\"stripes\":4000,\"hash\":\"sha256\",\"x\":1}", CB_ERR_LUKS2_FORBIDDEN,
		  "'x' not allowed" },
		{ "\"area\":{\"type\":\"raw\",\"offset\":\"32768\"", "\"area\":{\"type\":\"raw\",\"offset\":32768", CB_ERR_LUKS2_INVALID,
		  "'offset' missing or of the wrong type" },
		{ "\"area\":{\"type\":\"raw\"", "\"area\":{\"type\":\"datashift\"", CB_ERR_LUKS2_INVALID, "not 'raw'" },
		{ "\"kdf\":{\"type\":\"pbkdf2\"", "\"kdf\":{\"type\":\"scrypt\"", CB_ERR_LUKS2_FORBIDDEN, "'scrypt'" },
		{ "\"iterations\":1000,\"salt\":\"c2FsdA==\"}}", "\"iterations\":1000,\"salt\":\"c2FsdA==\",\"time\":4}}",
		  CB_ERR_LUKS2_FORBIDDEN, "'time' not allowed" },
		{ "\"iterations\":1000,\"salt\":\"c2FsdA==\"}}", "\"iterations\":\"1000\",\"salt\":\"c2FsdA==\"}}",
		  CB_ERR_LUKS2_INVALID, "keyslot 0 kdf: 'iterations' missing or of the wrong type" },
		{ "\"iterations\":1000,\"salt\":\"c2FsdA==\"}}", "\"iterations\":1000,\"salt\":\"c2FsdA==\",\"salt:s hash\":1}}",
		  CB_ERR_LUKS2_FORBIDDEN, "members other than" },
		{ "\"digest\":\"ZGlnZXN0\"", "\"digest\":7", CB_ERR_LUKS2_INVALID, "digest 0: 'digest' missing or of the wrong type" },
		{ "\"key_size\":64,\"af\"", "\"key_size\":64,\"priority\":7,\"af\"", CB_ERR_LUKS2_INVALID, "priority" },
		/* the accepted variants */
		{ "\"key_size\":64,\"af\"", "\"key_size\":64,\"priority\":2,\"af\"", CB_OK, NULL },
		{ "\"keyslots_size\":\"16744448\"", "\"keyslots_size\":\"16744448\",\"flags\":[]", CB_OK, NULL },
		{ "\"tokens\":{}", "\"tokens\":{\"3\":{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],\"x\":{}}}", CB_OK, NULL },
		{ "\"kdf\":{\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,\"salt\":\"c2FsdA==\"}}}",
		  "\"kdf\":{\"type\":\"argon2id\",\"time\":4,\"memory\":65536,\"cpus\":2,\"salt\":\"c2FsdA==\"}}}", CB_OK, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cb_err e;
		int rc = sub_verdict(cases[i].old, cases[i].new, &e);

		if (cases[i].code == CB_OK) {
			CHECK(rc == 0, "case %zu (%s) must pass: %s", i, cases[i].new, e.detail);
			continue;
		}
		CHECK(rc == -1 && e.code == cases[i].code && strstr(e.detail, cases[i].needle),
		      "case %zu (%s): rc %d, %s '%s', expected %s '%s'", i, cases[i].new, rc, cb_error_name(e.code), e.detail,
		      cb_error_name(cases[i].code), cases[i].needle);
	}
}

static void test_json_rules(void)
{
	struct cb_err e;

	CHECK(json_verdict(BASE2, &e) == 0, "base ok: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF("") "}", &e) == 0, "minimal ok: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG(",\"flags\":[]") "," DG "," CF(",\"flags\":[]") "}", &e) == 0,
	      "empty flags: %s", e.detail);
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG(",\"flags\":[\"backup-final\"]") "," DG "," CF("") "}", &e) == -1 &&
	      strstr(e.detail, "flags"), "segment flags");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") "," DG "," CF(",\"flags\":[\"evil\"]") "}", &e) == -1 &&
	      strstr(e.detail, "'evil'"), "unknown config flag");
	CHECK(json_verdict("{" KS ",\"tokens\":{\"0\":{\"type\":\"x\",\"keyslots\":[],\"c\":\"CIPHER_NULL\"}}," SEG("") "," DG "," CF("") "}", &e) == -1 &&
	      e.code == CB_ERR_LUKS2_FORBIDDEN, "cipher_null in a token, any case");
	CHECK(json_verdict("{" KS ",\"tokens\":{}," SEG("") ",\"digests\":{\"0\":" DGX("\"0\"", "") "}," CF("") "}", &e) == -1 &&
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

/*
 * cryptsetup's own test headers (../shared/peer-vectors/cryptsetup, see its
 * SOURCE.md): what cryptsetup refuses, cocoboot must refuse; what cryptsetup
 * accepts, cocoboot accepts or refuses for one of its documented allowlist
 * reasons (cocoboot.cmdline(7), LUKS2 ALLOWLIST). Verdicts: cryptsetup's
 * tests/luks2-validation-test (generators) and `cryptsetup luksDump` (compat).
 */
static int skipped;

/* cryptsetup accepts these (luks2-validation-test "R", luksDump OK); all others it refuses. */
static const char *const cryptsetup_accepts[] = {
	"luks2-invalid-checksum-hdr0.img", "luks2-invalid-checksum-hdr1.img", "luks2-corrupted-hdr0-with-correct-chks.img",
	"luks2-corrupted-hdr1-with-correct-chks.img", "luks2-correct-full-json0.img", "luks2-uint64-max-segment-size.img",
	"luks2-segment-unknown-type.img", "luks2-segment-two.img", "luks2-metadata-size-32k.img",
	"luks2-metadata-size-64k.img", "luks2-metadata-size-128k.img", "luks2-metadata-size-256k.img",
	"luks2-metadata-size-512k.img", "luks2-metadata-size-1m.img", "luks2-metadata-size-2m.img",
	"luks2-metadata-size-4m.img", "luks2-metadata-size-16k-secondary.img", "luks2-metadata-size-32k-secondary.img",
	"luks2-metadata-size-64k-secondary.img", "luks2-metadata-size-128k-secondary.img",
	"luks2-metadata-size-256k-secondary.img", "luks2-metadata-size-512k-secondary.img",
	"luks2-metadata-size-1m-secondary.img", "luks2-metadata-size-2m-secondary.img",
	"luks2-metadata-size-4m-secondary.img", "luks2-non-compact-json-token-0.img",
	"luks2-non-compact-json-4k-token-0.img", "luks2_valid_hdr.img",
	/* compat */
	"LUKS-d238e48a-0ed3-4169-b841-f26b44693134.org", "compatimage2.img", "evil_hdr-small_luks_device",
	"luks2_header_requirements", "luks2_header_requirements_free", "luks2_invalid_cipher.img",
	"luks2_keyslot_unassigned.img", "valid_header_file", "test_image_16", "test_image_32", "test_image_64",
	"test_image_128", "test_image_256", "test_image_512", "test_image_1024", "test_image_2048", "test_image_4096",
	NULL,
};

/* The documented reasons cocoboot refuses what cryptsetup would open. */
static const char *const allowlist_reasons[] = {
	"version 1, only 2",                 /* LUKS1 */
	"only aes-xts-plain64 is allowed",   /* cipher */
	"key_size is not 64 bytes",          /* key size, unbound keyslots */
	"exactly one is allowed",            /* one data segment */
	"only 'crypt' is allowed",
	"not allowed",                       /* unknown members */
	"requirements present",
	"checksum mismatch",                 /* both copies must be intact: no silent repair */
	"secondary copy:",
	"headers differ",
	"NUL-terminated",
	"primary header: no LUKS2 magic",    /* the primary copy must be at offset 0: no search for a lone secondary */
	"past 2^64",                         /* a segment no device can hold */
	NULL,
};

/* Expected refusal details for the mirrored set (both copies equal, so the content alone decides). */
static const struct {
	const char *file, *needle;  /* needle NULL: must be accepted */
} mirrored[] = {
	{ "luks2_valid_hdr.img", NULL },
	{ "luks2-area-in-json-hdr-space-json0.img", "inside the headers" },
	{ "luks2-invalid-json-size-c0.img", "json_size" },
	{ "luks2-invalid-json-size-c1.img", "json_size" },
	{ "luks2-invalid-json-size-c2.img", "json_size" },
	{ "luks2-invalid-keyslots-size-c0.img", "runs into the data segment" },
	{ "luks2-invalid-keyslots-size-c1.img", "keyslots_size" },
	{ "luks2-invalid-keyslots-size-c2.img", "ends past the keyslots area" },
	{ "luks2-invalid-object-type-json0.img", "start with '{'" },
	{ "luks2-invalid-opening-char-json0.img", "start with '{'" },
	{ "luks2-invalid-tokens.img", "'tokens'" },
	{ "luks2-invalid-top-objects.img", "lacks the" },
	{ "luks2-keyslot-invalid-af.img", "keyslot 0 af: 'type' missing or of the wrong type" },
	{ "luks2-keyslot-invalid-area-size.img", "ends past the keyslots area" },
	{ "luks2-keyslot-invalid-area.img", "area is not an object" },
	{ "luks2-keyslot-invalid-objects.img", "is not an object" },
	{ "luks2-keyslot-missing-digest.img", "named by 0 digests" },
	{ "luks2-keyslot-too-many-digests.img", "digests cover segment 0" },
	{ "luks2-metadata-size-64k-inv-area-c0.img", "inside the headers" },
	{ "luks2-metadata-size-64k-inv-area-c1.img", "ends past the keyslots area" },
	{ "luks2-metadata-size-64k-inv-keyslots-size-c0.img", "runs into the data segment" },
	{ "luks2-missing-keyslot-referenced-in-digest.img", "does not exist" },
	{ "luks2-missing-keyslot-referenced-in-token.img", "does not exist" },
	{ "luks2-missing-segment-referenced-in-digest.img", "does not exist" },
	{ "luks2-overlapping-areas-c0-json0.img", "overlap" },
	{ "luks2-overlapping-areas-c1-json0.img", "overlap" },
	{ "luks2-overlapping-areas-c2-json0.img", "overlap" },
	{ "luks2-segment-crypt-wrong-ivoffset.img", "iv_tweak" },
	{ "luks2-segment-crypt-missing-ivoffset.img", "iv_tweak" },
	{ "luks2-uint64-overflow-segment-size.img", "size" },
	{ "luks2-uint64-signed-segment-size.img", "size" },
	{ "luks2-metadata-size-4m.img", NULL },
	{ "luks2-metadata-size-32k.img", NULL },
	{ "luks2-non-compact-json-token-0.img", NULL },
};

static int is_listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strstr(s, *list))
			return 1;
	return 0;
}

/*
 * Decompress the header area of PATH (xz) into a memfd grown (sparse) to
 * 32 MiB: the compat images are cut to their header area, and the data
 * segment must lie inside the device. Only the first 2 x hdr_size bytes
 * (at most 8 MiB) are decompressed: the rest is never read.
 */
static int load_xz(const char *path)
{
	static uint8_t buf[8 << 20];
	char cmd[1100];
	int fd = memfd_create("peer-vector", MFD_CLOEXEC);
	size_t total = 0, want = 2 * LUKS2_BIN_HDR_SIZE, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "exec xz -dc '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (fd < 0 || !p) {
		if (p)
			pclose(p);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (total < want && (n = fread(buf + total, 1, want - total, p)) > 0) {
		total += n;
		if (total >= LUKS2_BIN_HDR_SIZE) {
			uint64_t hs = luks2_peek_hdr_size(buf, total);

			if (hs && 2 * hs > want)
				want = 2 * hs;
		}
	}
	pclose(p);  /* xz may end on SIGPIPE: the rest is not needed */
	if (total == 0 || pwrite(fd, buf, total, 0) != (ssize_t)total || ftruncate(fd, 32 << 20) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_peer_vectors(const char *pv)
{
	static const char *const sets[] = { "gen-upstream", "gen-cbgen", "gen-cbgen-mirrored", "compat" };
	unsigned seen = 0, accepted = 0;

	if (!pv || access(pv, R_OK) != 0 || system("xz --version >/dev/null 2>&1") != 0) {
		printf("SKIP: cryptsetup's test headers: %s\n",
		       !pv || access(pv, R_OK) ? "../shared/peer-vectors/cryptsetup is absent" : "xz is not installed");
		skipped++;
		return;
	}
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		char sdir[512];
		struct dirent **names;
		int n;

		snprintf(sdir, sizeof(sdir), "%s/%s", pv, sets[s]);
		n = scandir(sdir, &names, NULL, alphasort);
		CHECK(n > 2, "%s has no images", sdir);
		for (int i = 0; i < n; i++) {
			char path[1024], file[256];
			struct luks2_info info;
			struct cb_err err = { 0 };
			size_t len = strlen(names[i]->d_name);
			int fd, rc, mirrored_set = !strcmp(sets[s], "gen-cbgen-mirrored");

			if (len < 4 || strcmp(names[i]->d_name + len - 3, ".xz")) {
				free(names[i]);
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", sdir, names[i]->d_name);
			snprintf(file, sizeof(file), "%.*s", (int)(len - 3), names[i]->d_name);
			free(names[i]);
			fd = load_xz(path);
			CHECK(fd >= 0, "cannot decompress %s", path);
			if (fd < 0)
				continue;
			rc = validate_fd(fd, &info, &err);
			close(fd);
			seen++;
			accepted += rc == 0;
			if (rc == 0)
				CHECK(info.key_bytes == 64 && info.data_offset >= 2 * info.hdr_size, "%s/%s info", sets[s], file);
			if (mirrored_set) {
				for (size_t m = 0; m < sizeof(mirrored) / sizeof(mirrored[0]); m++) {
					if (strcmp(mirrored[m].file, file))
						continue;
					if (!mirrored[m].needle)
						CHECK(rc == 0, "%s/%s must be accepted: %s", sets[s], file, err.detail);
					else
						CHECK(rc == -1 && strstr(err.detail, mirrored[m].needle),
						      "%s/%s: '%s', expected a refusal with '%s'", sets[s], file,
						      rc ? err.detail : "accepted", mirrored[m].needle);
				}
			}
			if (!is_listed(cryptsetup_accepts, file))
				CHECK(rc == -1, "%s/%s: cryptsetup refuses it, cocoboot accepted it", sets[s], file);
			else if (rc)
				CHECK(in_list(allowlist_reasons, err.detail),
				      "%s/%s: cryptsetup accepts it, refused for an undocumented reason: %s", sets[s], file,
				      err.detail);
		}
		free(names);
	}
	printf("cryptsetup test headers: %u checked, %u accepted\n", seen, accepted);
	CHECK(seen >= 200, "only %u of cryptsetup's test headers found", seen);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: test-luks2 FIXTURE-DIR [PEER-VECTORS-DIR]\n");
		return 2;
	}
	dir = argv[1];
	test_fixtures();
	test_uuid_matches();
	test_short_and_garbage();
	test_json_rules();
	test_cryptsetup_rules();
	test_peer_vectors(argc == 3 ? argv[2] : NULL);
	if (skipped) {
		printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed, skipped);
		return check_failed ? 1 : 0;
	}
	return check_done();
}
