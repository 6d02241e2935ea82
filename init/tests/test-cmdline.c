/* Unit tests: kernel command line and broker URL parsing. */
#include <string.h>

#include "tests/lib/check.h"
#include "init/cmdline.h"

static int parse(const char *line, struct cb_config *cfg, struct cb_err *err)
{
	cb_config_defaults(cfg);
	memset(err, 0, sizeof(*err));
	return cb_cmdline_parse(line, cfg, err);
}

static void test_defaults(void)
{
	struct cb_config c;
	struct cb_err e;

	CHECK(parse("console=ttyS0 quiet", &c, &e) == 0, "plain line parses");
	CHECK(c.n_urls == 0, "no urls");
	CHECK(!strcmp(c.name, CB_DEFAULT_NAME), "default name");
	CHECK(c.timeout_s == CB_DEFAULT_TIMEOUT_S, "default timeout");
	CHECK(c.onfail == CB_ONFAIL_POWEROFF, "default onfail poweroff");
	CHECK(!strcmp(c.ca, "/etc/cocoboot/ca.pem"), "default ca");
	CHECK(!strcmp(c.init, "/sbin/init"), "default init");
	CHECK(!strcmp(c.rootfstype, "ext4"), "default fstype");
	CHECK(c.root[0] == '\0' && c.volume[0] == '\0', "root and volume empty");
	CHECK(c.root_readonly == 1, "read-only by default like the kernel");
	CHECK(c.activate == CB_ACTIVATE_COCOBOOT, "cocoboot activates by itself by default");
	CHECK(parse("rd.cocoboot.activate=cryptsetup", &c, &e) == 0 && c.activate == CB_ACTIVATE_CRYPTSETUP,
	      "rd.cocoboot.activate=cryptsetup");
	CHECK(parse("rd.cocoboot.activate=cryptsetup rd.cocoboot.activate=cocoboot", &c, &e) == 0 &&
		      c.activate == CB_ACTIVATE_COCOBOOT && c.n_unknown == 0,
	      "the last rd.cocoboot.activate wins, and it is a known key");
}

static void test_full(void)
{
	struct cb_config c;
	struct cb_err e;
	const char *line =
		"console=ttyS0 rd.cocoboot.url=https://10.0.2.2:8443 rd.cocoboot.url=https://broker.example/ "
		"rd.cocoboot.volume=UUID=0b6f2c3e-1111-4a2b-9c3d-00aabbccddee rd.cocoboot.name=cryptroot "
		"rd.cocoboot.timeout=45 rd.cocoboot.onfail=shell rd.cocoboot.ca=/etc/ca2.pem "
		"root=/dev/mapper/cryptroot rootfstype=ext4 \"rootflags=noatime,data=ordered\" init=/bin/sh rw";

	CHECK(parse(line, &c, &e) == 0, "full line parses: %s", e.detail);
	CHECK(c.n_urls == 2, "two urls, got %u", c.n_urls);
	CHECK(!strcmp(c.urls[0].host, "10.0.2.2") && !strcmp(c.urls[0].port, "8443"), "url0 host/port");
	CHECK(c.urls[0].base_path[0] == '\0', "url0 no path");
	CHECK(!strcmp(c.urls[1].host, "broker.example") && !strcmp(c.urls[1].port, "443"), "url1 default port");
	CHECK(c.urls[1].base_path[0] == '\0', "url1 trailing slash is no path: %s", c.urls[1].base_path);
	CHECK(!strcmp(c.volume, "UUID=0b6f2c3e-1111-4a2b-9c3d-00aabbccddee"), "volume");
	CHECK(!strcmp(c.name, "cryptroot"), "name");
	CHECK(c.timeout_s == 45, "timeout");
	CHECK(c.onfail == CB_ONFAIL_SHELL, "onfail shell");
	CHECK(!strcmp(c.ca, "/etc/ca2.pem"), "ca");
	CHECK(!strcmp(c.root, "/dev/mapper/cryptroot"), "root");
	CHECK(!strcmp(c.rootflags, "noatime,data=ordered"), "quoted rootflags: %s", c.rootflags);
	CHECK(!strcmp(c.init, "/bin/sh"), "init");
	CHECK(c.root_readonly == 0, "rw honoured");
}

static void test_unknown_and_terminator(void)
{
	struct cb_config c;
	struct cb_err e;

	CHECK(parse("rd.cocoboot.ulr=https://x rd.cocoboot.frob", &c, &e) == 0, "unknown keys are not fatal");
	CHECK(c.n_unknown == 2, "two unknown keys reported, got %u", c.n_unknown);
	CHECK(!strcmp(c.unknown[0], "rd.cocoboot.ulr") && !strcmp(c.unknown[1], "rd.cocoboot.frob"), "names kept");
	CHECK(parse("rd.cocoboot.timeout=5 -- rd.cocoboot.timeout=bogus init=relative", &c, &e) == 0,
	      "after -- belongs to init");
	CHECK(c.timeout_s == 5, "value before -- kept");
	CHECK(parse("rd.cocoboot.timeout=5 rd.cocoboot.timeout=7", &c, &e) == 0 && c.timeout_s == 7, "last wins");
	CHECK(parse("rd.cocoboot=1 rd.cocobootx.url=1 cocoboot.url=bad", &c, &e) == 0 && c.n_unknown == 0,
	      "other prefixes are not ours");
}

struct bad_case { const char *line; const char *needle; };

static void test_errors(void)
{
	static const struct bad_case bad[] = {
		{ "rd.cocoboot.url=http://10.0.2.2", "https://" },
		{ "rd.cocoboot.url", "needs a value" },
		{ "rd.cocoboot.url=", "must start with https" },
		{ "rd.cocoboot.url=https://", "empty host" },
		{ "rd.cocoboot.url=https://h:0", "bad port" },
		{ "rd.cocoboot.url=https://h:65536", "port out of range" },
		{ "rd.cocoboot.url=https://h:", "bad port" },
		{ "rd.cocoboot.url=https://user@h", "userinfo" },
		{ "rd.cocoboot.url=https://h/p?q=1", "unsupported character" },
		{ "rd.cocoboot.url=https://[::1", "unterminated" },
		{ "rd.cocoboot.timeout=0", "at least 1" },
		{ "rd.cocoboot.timeout=ten", "not a number" },
		{ "rd.cocoboot.timeout=86401", "more than a day" },
		{ "rd.cocoboot.timeout=", "empty" },
		{ "rd.cocoboot.onfail=explode", "poweroff, reboot, halt, shell" },
		{ "rd.cocoboot.activate=dmsetup", "not one of cocoboot, cryptsetup" },
		{ "rd.cocoboot.enrol=Web", "not a fleet policy name" },
		{ "rd.cocoboot.enrol=a/b", "not a fleet policy name" },
		{ "rd.cocoboot.enrol=", "not a fleet policy name" },
		{ "rd.cocoboot.volume=sda", "UUID=<uuid> or a /dev/ path" },
		{ "rd.cocoboot.volume=UUID=1234", "not a UUID" },
		{ "rd.cocoboot.name=a/b", "not allowed" },
		{ "rd.cocoboot.name=..", "not '.'" },
		{ "rd.cocoboot.ca=ca.pem", "absolute path" },
		{ "root=UUID=abc", "only /dev/ paths" },
		{ "root", "needs a value" },
		{ "rootfstype=ext4,xfs", "not a filesystem type" },
		{ "init=sbin/init", "absolute path" },
		{ "\"rd.cocoboot.name=x", "unterminated quote" },
	};
	struct cb_config c;
	struct cb_err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].line, &c, &e);

		CHECK(rc == -1, "'%s' must be rejected", bad[i].line);
		CHECK(e.code == CB_ERR_CMDLINE, "'%s' error code", bad[i].line);
		CHECK(strstr(e.detail, bad[i].needle) != NULL, "'%s': detail '%s' lacks '%s'", bad[i].line,
		      e.detail, bad[i].needle);
	}
	{
		char line[2048] = "";

		for (int i = 0; i < CB_MAX_URLS + 1; i++)
			strcat(line, "rd.cocoboot.url=https://h ");
		CHECK(parse(line, &c, &e) == -1 && strstr(e.detail, "more than"), "too many urls");
	}
	{
		static char huge[70000];

		memset(huge, 'a', sizeof(huge) - 1);
		CHECK(parse(huge, &c, &e) == -1, "oversized command line rejected");
	}
}

static void test_url_forms(void)
{
	struct cb_url u;
	char why[128];

	CHECK(cb_url_parse("https://[fd00::1]:8443", &u, why, sizeof(why)) == 0, "ipv6 url: %s", why);
	CHECK(!strcmp(u.host, "fd00::1") && !strcmp(u.port, "8443"), "ipv6 parts");
	CHECK(cb_url_parse("https://h/base", &u, why, sizeof(why)) == -1 && strstr(why, "path prefix"), "path prefix refused");
	CHECK(cb_url_parse("https://h/", &u, why, sizeof(why)) == 0 && u.base_path[0] == '\0', "root path");
	CHECK(cb_url_parse("HTTPS://h", &u, why, sizeof(why)) == -1, "scheme is case-sensitive");
}

static void test_keyhash(void)
{
	static const char good[] = "rd.cocoboot.keyhash=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:"
				   "9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe";
	struct cb_config c;
	struct cb_err e;

	CHECK(parse("quiet", &c, &e) == 0 && !c.has_keyhash, "no commitment by default");
	CHECK(parse(good, &c, &e) == 0 && c.has_keyhash && c.keyhash.salt_len == 16 && c.keyhash.salt[0] == 0xa0 &&
	      c.keyhash.hash[31] == 0xfe, "keyhash parsed: %s", e.detail);
	CHECK(c.n_unknown == 0, "keyhash is a known key");
	CHECK(parse("rd.cocoboot.keyhash", &c, &e) == -1 && e.code == CB_ERR_CMDLINE && strstr(e.detail, "needs a value"),
	      "bare keyhash: %s", e.detail);
	CHECK(parse("rd.cocoboot.keyhash=", &c, &e) == -1 && strstr(e.detail, "rd.cocoboot.keyhash: expected <salt hex>:<hash hex>"),
	      "empty keyhash: %s", e.detail);
	CHECK(parse("rd.cocoboot.keyhash=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81", &c, &e) == -1 &&
	      strstr(e.detail, "hash must be 32 bytes") && !c.has_keyhash, "short hash: %s", e.detail);
	CHECK(parse("rd.cocoboot.keyhash=a0a1:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe", &c, &e) == -1 &&
	      strstr(e.detail, "salt must be 16 to 32 bytes"), "short salt: %s", e.detail);
	CHECK(parse("rd.cocoboot.keyhash=a0a1a2a3a4a5a6a7a8a9aaabacadaeaz:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe",
		    &c, &e) == -1 && strstr(e.detail, "not a hex digit"), "bad hex: %s", e.detail);
	CHECK(parse("rd.cocoboot.keyhash=00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		    "0000000000000000000000000000000000000000000000000000000000000000000000:00", &c, &e) == -1 &&
	      strstr(e.detail, "value longer than"), "overlong value: %s", e.detail);
	/* the last one wins, like the other settings */
	CHECK(parse("rd.cocoboot.keyhash=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f:"
		    "dfbc8b4d6e2d17c87df14515645e657e4f194feb82d64afd38161e70655dc8c1 ", &c, &e) == 0 &&
	      c.keyhash.salt_len == 32, "32-byte salt: %s", e.detail);
}

/* rd.cocoboot.enrol: a first boot's fleet policy (first_boot.h) */
static void test_enrol(void)
{
	struct cb_config c;
	struct cb_err e;

	cb_config_defaults(&c);
	CHECK(c.enrol[0] == '\0', "no first boot unless asked");
	CHECK(parse("rd.cocoboot.enrol=web-eu.1 rd.cocoboot.volume=/dev/vda", &c, &e) == 0 &&
		      !strcmp(c.enrol, "web-eu.1") && !strcmp(c.volume, "/dev/vda") && c.n_unknown == 0,
	      "rd.cocoboot.enrol=web-eu.1 is a known key: %s", e.detail);
	CHECK(parse("rd.cocoboot.enrol=aaaaaaaaaabbbbbbbbbbccccccccccdddddddddde", &c, &e) < 0,
	      "a 41-character fleet name is refused");
}

int main(void)
{
	test_enrol();
	test_keyhash();
	test_defaults();
	test_full();
	test_unknown_and_terminator();
	test_errors();
	test_url_forms();
	return check_done();
}
