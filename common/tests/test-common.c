/*
 * Unit tests of common/: hex text, the volume UUID rule, and the key digest
 * check of `volume confirm` against a PBKDF2 known answer (Python's
 * hashlib.pbkdf2_hmac, not mbedTLS). Secret memory is tested where its
 * guarantees are checked in /proc (init/tests/test-secret.c), the LUKS2
 * allowlist with cryptsetup's headers (init/tests/test-luks2.c).
 */
#include <string.h>

#include "common/hex.h"
#include "common/luks2.h"
#include "common/uuid.h"
#include "tests/lib/check.h"

static void test_hex(void)
{
	static const uint8_t bytes[] = { 0x00, 0x7f, 0xa5, 0xff };
	uint8_t out[4] = { 0 };
	char text[9];

	hex_encode(text, bytes, sizeof(bytes));
	CHECK(!strcmp(text, "007fa5ff"), "encode lowercase: %s", text);
	CHECK(hex_decode(out, 4, "007FA5ff") == 0 && !memcmp(out, bytes, 4), "decode either case");
	CHECK(hex_decode(out, 4, "007fa5f") == -1, "short refused");
	CHECK(hex_decode(out, 4, "007fa5ff0") == -1, "long refused");
	CHECK(hex_decode(out, 4, "007fa5fg") == -1, "non-hex refused");
	CHECK(hex_decode(out, 4, NULL) == -1, "NULL refused");
	CHECK(hex_decode(out, 0, "") == 0, "empty is zero bytes");
	CHECK(hex_decode_digits(out, 2, "a5ff:rest") == 0 && out[0] == 0xa5 && out[1] == 0xff, "digits, then anything");
	CHECK(hex_decode_digits(out, 2, "a5") == -1, "digits: a NUL is not a digit");
	CHECK(hex_digit_value('F') == 15 && hex_digit_value('g') == -1 && hex_digit_value('\0') == -1, "digit values");
}

static void test_uuid(void)
{
	char canon[UUID_TEXT_LEN + 1];

	CHECK(uuid_parse("0F4C2A1E-5B6D-4E8F-9A0B-1C2D3E4F5A6B", canon) &&
	      !strcmp(canon, "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"), "capitals accepted, canonical is lowercase");
	CHECK(!uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6", NULL), "short refused");
	CHECK(!uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6bb", NULL), "long refused");
	CHECK(!uuid_parse("0f4c2a1e5b6d-4e8f-9a0b-1c2d3e4f5a6b-", NULL), "misplaced dash refused");
	CHECK(!uuid_parse(NULL, NULL), "NULL refused");
	CHECK(uuid_is_canonical("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"), "lowercase is canonical");
	CHECK(!uuid_is_canonical("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5A6b"), "one capital: not as cryptsetup writes it");
	CHECK(uuid_same("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", "0F4C2A1E-5B6D-4E8F-9A0B-1C2D3E4F5A6B"), "same volume");
	CHECK(!uuid_same("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6c"), "another volume");
	CHECK(!uuid_same("x", "x"), "not UUIDs: never the same volume");
}

/* python3: hashlib.pbkdf2_hmac('sha256', bytes(range(64)), b'0123456789abcdef' * 2, 1000, 32) */
#define SALT "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
#define DIGEST "tE34wIzg+JdQtZ4FzMNSNd+7pxOIT2ywCa+gmb1Oum8="

static void test_key_digest(void)
{
	struct luks2_info info = { .digest = { .hash = "sha256", .iterations = 1000, .salt = SALT, .digest = DIGEST } };
	struct luks2_err err = { 0 };
	uint8_t key[VOLUME_KEY_LEN];

	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	CHECK(luks2_key_matches(&info, key, sizeof(key), &err) == 1, "the key matches (%s)", err.detail);
	key[63] ^= 1;
	CHECK(luks2_key_matches(&info, key, sizeof(key), &err) == 0 && strstr(err.detail, "is not the volume key"),
	      "another key does not: %s", err.detail);
	key[63] ^= 1;
	memcpy(info.digest.hash, "md5", 4);
	CHECK(luks2_key_matches(&info, key, sizeof(key), &err) == -1 && strstr(err.detail, "cannot be checked"),
	      "unknown hash: %s", err.detail);
	memcpy(info.digest.hash, "sha256", 7);
	info.digest.iterations = LUKS2_MAX_ITERATIONS + 1;
	CHECK(luks2_key_matches(&info, key, sizeof(key), &err) == -1, "too many iterations refused, not run");
	info.digest.iterations = 1000;
	info.digest.salt[0] = '\0';
	CHECK(luks2_key_matches(&info, key, sizeof(key), &err) == -1, "no salt refused");
}

int main(void)
{
	test_hex();
	test_uuid();
	test_key_digest();
	return check_done();
}
