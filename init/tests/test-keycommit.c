/*
 * Unit tests: the key commitment of proto/key_commit.c (the one
 * implementation the guest and cocobroker share). Known answers computed
 * independently: python3 hashlib.sha256(b"cocoboot-keycommit-v1" +
 * bytes([len(salt)]) + salt + key).
 */
#include <string.h>

#include "tests/lib/check.h"
#include "proto/key_commit.h"

static const char kat16[] =
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe";
static const char kat32[] = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f:"
			    "dfbc8b4d6e2d17c87df14515645e657e4f194feb82d64afd38161e70655dc8c1";

static void test_known_answers(void)
{
	uint8_t key[64], salt16[16], salt32[32], h[32];
	struct coco_keycommit c;
	char text[COCO_KEYCOMMIT_TEXT_MAX];
	const char *why = NULL;

	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		salt16[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 32; i++)
		salt32[i] = (uint8_t)(0x20 + i);

	CHECK(coco_keycommit_compute(salt16, 16, key, 64, h) == 0, "compute, 16-byte salt");
	memcpy(c.salt, salt16, 16);
	c.salt_len = 16;
	memcpy(c.hash, h, 32);
	CHECK(coco_keycommit_format(&c, text, sizeof(text)) == 0 && !strcmp(text, kat16), "16-byte salt KAT: %s", text);
	CHECK(coco_keycommit_compute(salt32, 32, key, 64, h) == 0, "compute, 32-byte salt");
	memcpy(c.salt, salt32, 32);
	c.salt_len = 32;
	memcpy(c.hash, h, 32);
	CHECK(coco_keycommit_format(&c, text, sizeof(text)) == 0 && !strcmp(text, kat32), "32-byte salt KAT: %s", text);

	CHECK(coco_keycommit_parse(kat32, &c, &why) == 0 && c.salt_len == 32, "parse KAT: %s", why);
	CHECK(coco_keycommit_matches(&c, key, 64), "the committed key matches");
	key[63] ^= 0x80;
	CHECK(!coco_keycommit_matches(&c, key, 64), "one flipped bit does not match");
	key[63] ^= 0x80;
	key[0] ^= 1;
	CHECK(!coco_keycommit_matches(&c, key, 64), "first byte flipped does not match");
	key[0] ^= 1;
	CHECK(!coco_keycommit_matches(&c, key, 63), "a shorter key does not match");
	c.salt[0] ^= 1;
	CHECK(!coco_keycommit_matches(&c, key, 64), "another salt does not match");
	CHECK(coco_keycommit_compute(salt16, 15, key, 64, h) == -1, "15-byte salt refused");
	CHECK(coco_keycommit_compute(salt32, 33, key, 64, h) == -1, "33-byte salt refused");
	CHECK(coco_keycommit_compute(salt32, 32, key, 0, h) == -1, "empty key refused");
}

static void test_parse(void)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "expected <salt hex>:<hash hex>" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", "expected" },
		{ ":9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe", "salt must be 16 to 32 bytes" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadae:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe",
		  "salt must be" },  /* 15 bytes */
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe",
		  "salt must be" },  /* odd */
		{ "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40:"
		  "dfbc8b4d6e2d17c87df14515645e657e4f194feb82d64afd38161e70655dc8c1", "salt must be" },  /* 33 bytes */
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20", "hash must be" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe00",
		  "hash must be" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20f:", "not a hex digit" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaexx:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe",
		  "not a hex digit" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:9d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20g0",
		  "not a hex digit" },
		{ "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf:+d81afef3de8f18fb75174f4f627f5e50c3d4f534ac2d3f455d123438b5a20fe",
		  "not a hex digit" },
	};
	struct coco_keycommit c;
	char text[COCO_KEYCOMMIT_TEXT_MAX];
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = "";
		CHECK(coco_keycommit_parse(bad[i].text, &c, &why) == -1 && strstr(why, bad[i].why) && c.salt_len == 0,
		      "bad %zu '%s': '%s', expected '%s'", i, bad[i].text, why, bad[i].why);
	}
	/* Upper case is the same commitment; format gives the canonical lower case. */
	CHECK(coco_keycommit_parse("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF:9D81AFEF3DE8F18FB75174F4F627F5E50C3D4F534AC2D3F455D123438B5A20FE",
				   &c, &why) == 0, "upper case parses");
	CHECK(coco_keycommit_format(&c, text, sizeof(text)) == 0 && !strcmp(text, kat16), "canonical form: %s", text);
	CHECK(coco_keycommit_format(&c, text, 97) == -1, "format refuses a short buffer");
}

int main(void)
{
	test_known_answers();
	test_parse();
	return check_done();
}
