/*
 * Unit tests: the LUKS2 volume-key digest check against headers cryptsetup
 * made with a known volume key (init/tests/make-luks2-fixtures.sh): the right
 * key passes, any other is refused with key-digest-mismatch, and a header
 * asking for more iterations than the cap is refused before PBKDF2 runs.
 * Also prints (never asserts) the host's PBKDF2 rate for the cap's rationale.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "common/luks2.h"
#include "init/luks2_digest.h"

static const char *dir;

static int load(const char *file, struct luks2_info *info)
{
	char path[512];
	struct luks2_err err = { 0 };
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open %s", path);
	if (fd < 0)
		return -1;
	rc = luks2_validate_fd(fd, info, &err);
	close(fd);
	CHECK(rc == 0, "%s validates: %s", file, err.detail);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_known_key(const char *file, const char *hash)
{
	struct luks2_info info;
	struct cb_err err = { 0 };
	uint8_t key[64];

	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	if (load(file, &info) < 0)
		return;
	CHECK(!strcmp(info.digest.hash, hash), "%s digest hash '%s', want %s", file, info.digest.hash, hash);
	CHECK(info.digest.iterations == 1000, "%s digest iterations %lld (cryptsetup's minimum under --pbkdf-force-iterations)",
	      file, info.digest.iterations);
	CHECK(luks2_digest_check_params(&info, &err) == 0, "%s params: %s", file, err.detail);
	CHECK(luks2_digest_verify(&info, key, sizeof(key), &err) == 0, "%s: the volume key passes: %s", file, err.detail);
	for (int bit = 0; bit < 512; bit += 97) {
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		err = (struct cb_err){ 0 };
		CHECK(luks2_digest_verify(&info, key, sizeof(key), &err) == -1 && err.code == CB_ERR_KEY_DIGEST,
		      "%s: key with bit %d flipped refused (%s)", file, bit, cb_error_name(err.code));
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	err = (struct cb_err){ 0 };
	CHECK(luks2_digest_verify(&info, key, 32, &err) == -1 && err.code == CB_ERR_KEY_DIGEST, "%s: half the key refused",
	      file);
}

static void test_cap(void)
{
	struct luks2_info info;
	struct cb_err err = { 0 };
	uint8_t key[64] = { 0 };
	double t0;

	if (load("digest-iterations.img", &info) < 0)
		return;
	CHECK(info.digest.iterations == 4294967295u, "rewritten header asks for %lld iterations", info.digest.iterations);
	CHECK(luks2_digest_check_params(&info, &err) == -1 && err.code == CB_ERR_LUKS2_FORBIDDEN &&
		      strstr(err.detail, "above cocoboot's cap"),
	      "2^32-1 iterations refused: %s %s", cb_error_name(err.code), err.detail);
	t0 = now_s();
	err = (struct cb_err){ 0 };
	CHECK(luks2_digest_verify(&info, key, sizeof(key), &err) == -1 && err.code == CB_ERR_LUKS2_FORBIDDEN,
	      "verify refuses it too (%s)", cb_error_name(err.code));
	CHECK(now_s() - t0 < 5, "refused without running PBKDF2");
	/* the bounds themselves */
	if (load("digest.img", &info) < 0)
		return;
	info.digest.iterations = LUKS2_DIGEST_MAX_ITERATIONS;
	CHECK(luks2_digest_check_params(&info, &err) == 0, "exactly the cap is allowed: %s", err.detail);
	info.digest.iterations = LUKS2_DIGEST_MAX_ITERATIONS + 1;
	CHECK(luks2_digest_check_params(&info, &err) == -1 && err.code == CB_ERR_LUKS2_FORBIDDEN, "cap + 1 refused");
	info.digest.iterations = 999;
	CHECK(luks2_digest_check_params(&info, &err) == -1 && strstr(err.detail, "below"), "999 refused: %s", err.detail);
}

static void test_bad_params(void)
{
	struct luks2_info info, base;
	struct cb_err err = { 0 };

	if (load("digest.img", &base) < 0)
		return;
	info = base;
	strcpy(info.digest.hash, "sha1");
	CHECK(luks2_digest_check_params(&info, &err) == -1 && err.code == CB_ERR_LUKS2_FORBIDDEN &&
		      strstr(err.detail, "sha1"),
	      "sha1 refused: %s", err.detail);
	info = base;
	info.digest.hash[0] = '\0';  /* what a hash name too long to keep leaves */
	CHECK(luks2_digest_check_params(&info, &err) == -1 && err.code == CB_ERR_LUKS2_FORBIDDEN, "empty hash refused");
	info = base;
	strcpy(info.digest.salt, "AAAA");
	CHECK(luks2_digest_check_params(&info, &err) == -1 && strstr(err.detail, "salt"), "3-byte salt refused: %s",
	      err.detail);
	info = base;
	strcpy(info.digest.digest, "not base64!");
	CHECK(luks2_digest_check_params(&info, &err) == -1 && strstr(err.detail, "digest is not"),
	      "garbage digest refused: %s", err.detail);
	info = base;
	strcpy(info.digest.hash, "sha512");  /* a 32-byte digest is not a sha512 one */
	CHECK(luks2_digest_check_params(&info, &err) == -1 && strstr(err.detail, "digest is not 64"),
	      "digest length must match the hash: %s", err.detail);
}

/* The rate behind the cap (printed, not asserted: performance is not a unit test). */
static void print_rate(void)
{
	struct luks2_info info;
	struct cb_err err;
	uint8_t key[64] = { 0 };
	double t0, dt;

	if (load("digest.img", &info) < 0)
		return;
	info.digest.iterations = 200000;
	t0 = now_s();
	luks2_digest_verify(&info, key, sizeof(key), &err);
	dt = now_s() - t0;
	printf("info: mbedTLS PBKDF2-HMAC-SHA256 on this host: %.0f iterations/s (the cap of %u: %.1f s)\n",
	       info.digest.iterations / dt, LUKS2_DIGEST_MAX_ITERATIONS, LUKS2_DIGEST_MAX_ITERATIONS * dt / info.digest.iterations);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-luks2-digest FIXTURE-DIR\n");
		return 2;
	}
	dir = argv[1];
	test_known_key("digest.img", "sha256");
	test_known_key("digest-sha512.img", "sha512");
	test_cap();
	test_bad_params();
	print_rate();
	return check_done();
}
