/*
 * The store's semantics through store.h only, on whichever backend the name
 * selects (a SQLite file or a postgresql:// URL of an empty database): the
 * same checks must pass on both. Enrolment (pending, confirm), sealed
 * policies, set-policy, remove, the wrong master key, master-key rotation, and THREADS
 * connections appending at once into one chain (on PostgreSQL: the head row
 * lock), with the append rate printed (numbers, never asserted).
 *   test-store-shared NAME [THREADS [ROWS]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/check.h"
#include "broker/store/store.h"

#define VOL_A "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"
#define POLICY "{\"snp\": {\"products\": [\"test\"], \"measurements\": [\"aa\"]}}"
#define POLICY2 "{\"snp\": {\"products\": [\"test\"], \"measurements\": [\"bb\"]}}"

static const char *name;
static uint8_t master[MASTER_KEY_LEN], vkey[VOLUME_KEY_LEN];

static int holds_key(void *ctx, const uint8_t key[VOLUME_KEY_LEN], char *err, size_t errlen)
{
	(void)ctx;
	if (memcmp(key, vkey, VOLUME_KEY_LEN)) {
		snprintf(err, errlen, "not the key");
		return -1;
	}
	return 0;
}

static int other_key(void *ctx, const uint8_t key[VOLUME_KEY_LEN], char *err, size_t errlen)
{
	(void)ctx;
	(void)key;
	snprintf(err, errlen, "the consumer holds another key");
	return -1;
}

struct appender {
	int rows, failed;
};

static void *append_many(void *arg)
{
	struct appender *a = arg;
	struct store *s;
	char err[256];

	if (store_open(&s, name, master, err, sizeof(err)) != STORE_OK) {
		a->failed = a->rows;
		return NULL;
	}
	for (int i = 0; i < a->rows; i++) {
		struct audit_record r = { .time = time(NULL), .volume = VOL_A, .client_key = "k", .provider = "sev_guest",
					  .measurement = "m", .decision = i % 2 ? "refuse" : "release",
					  .reason = i % 2 ? "debug-policy" : "" };
		a->failed += store_audit_append(s, &r) != STORE_OK;
	}
	store_close(s);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* schema 4: named policies and a fleet's first boots, the same on both backends */
static void named_policies(struct store *s)
{
	static const char *VB = "0b0b0b0b-0000-4000-8000-000000000001", *VC = "0c0c0c0c-0000-4000-8000-000000000001";
	static const char *HD = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
	uint8_t k1[VOLUME_KEY_LEN], k2[VOLUME_KEY_LEN];
	char *policy = NULL, *rules = NULL, *eff = NULL;
	int reused = -1, was_active = -1;

	CHECK(store_policy_set(s, "web", POLICY, "host_data=0a*") == STORE_OK, "named: set (%s)", store_last_error(s));
	CHECK(store_policy_get(s, "web", &policy, &rules) == STORE_OK && !strcmp(policy, POLICY) &&
	      !strcmp(rules, "host_data=0a*"), "named: get");
	free(policy);
	free(rules);
	policy = NULL;
	CHECK(store_policy_set(s, "web", POLICY2, "host_data=0a*") == STORE_OK, "named: replace");
	CHECK(store_volume_add(s, VOL_A, "@web", vkey) == STORE_OK &&
	      store_volume_confirm(s, VOL_A, holds_key, NULL, "key-file", &was_active) == STORE_OK &&
	      store_volume_policy(s, VOL_A, &policy) == STORE_OK && !strcmp(policy, POLICY2) &&
	      store_volume_key(s, VOL_A, POLICY2, k1) == STORE_OK && !memcmp(k1, vkey, VOLUME_KEY_LEN),
	      "named: a volume that refers to it unlocks under its text");
	free(policy);
	policy = NULL;
	CHECK(store_policy_remove(s, "web") == STORE_EXISTS, "named: remove refused while used");
	CHECK(store_fleet_enrol(s, "web", VB, "host_data", HD, 0, &eff, k1, &reused) == STORE_OK && eff,
	      "fleet: the pinned policy (%s)", store_last_error(s));
	CHECK(store_fleet_enrol(s, "web", VB, "host_data", HD, 1, &eff, k1, &reused) == STORE_OK && !reused &&
	      store_fleet_enrol(s, "web", VB, "host_data", HD, 1, &eff, k2, &reused) == STORE_OK && reused &&
	      !memcmp(k1, k2, VOLUME_KEY_LEN), "fleet: enrol, and the same pending key again");
	CHECK(store_fleet_enrol(s, "web", VC, "host_data", HD, 1, &eff, k2, &reused) == STORE_EXISTS,
	      "fleet: no second volume for the instance");
	free(eff);
	eff = NULL;
	CHECK(store_fleet_pending_policy(s, VB, &eff) == STORE_OK && store_fleet_confirm(s, VB, "t") == STORE_OK &&
	      store_volume_key(s, VB, eff, k2) == STORE_OK && !memcmp(k1, k2, VOLUME_KEY_LEN),
	      "fleet: confirmed, its key under the pinned policy");
	free(eff);
	CHECK(store_volume_remove(s, VOL_A) == STORE_OK && store_volume_remove(s, VB) == STORE_OK &&
	      store_policy_remove(s, "web") == STORE_OK, "named: removed once unused");
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 4, rows = argc > 3 ? atoi(argv[3]) : 100;
	struct audit_verify_result vr;
	uint8_t out[VOLUME_KEY_LEN], wrong_master[MASTER_KEY_LEN];
	struct appender *ap;
	pthread_t *t;
	struct store *s, *ro;
	char err[256], *policy = NULL, created[32];
	int rc, pending = -1, was_active = -1, failed = 0;
	double t0, dt;

	if (argc < 2 || threads < 1 || threads > 64 || rows < 1) {
		fprintf(stderr, "usage: test-store-shared NAME [THREADS [ROWS]]\n");
		return 2;
	}
	name = argv[1];
	for (int i = 0; i < MASTER_KEY_LEN; i++)
		master[i] = (uint8_t)(i * 7 + 1), wrong_master[i] = (uint8_t)(i * 7 + 2);
	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		vkey[i] = (uint8_t)(255 - i);

	rc = store_open(&s, name, master, err, sizeof(err));
	CHECK(rc == STORE_OK, "open an empty store (%s)", err);
	if (rc != STORE_OK)
		return check_done();
	store_set_operator(s, "test");
	CHECK(store_volume_add(s, VOL_A, POLICY, vkey) == STORE_OK, "add (%s)", store_last_error(s));
	CHECK(store_volume_add(s, VOL_A, POLICY, vkey) == STORE_EXISTS, "add again: exists");
	CHECK(store_volume_state(s, VOL_A, &pending, created) == STORE_OK && pending == 1, "added volume is pending");
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_PENDING && !policy, "pending: no policy for serve");
	CHECK(store_volume_key(s, VOL_A, POLICY, out) == STORE_PENDING, "pending: no key");
	CHECK(store_volume_confirm(s, VOL_A, other_key, NULL, "key-file", &was_active) == STORE_MISMATCH,
	      "confirm with another key: mismatch");
	CHECK(store_volume_state(s, VOL_A, &pending, created) == STORE_OK && pending == 1, "... still pending");
	CHECK(store_volume_confirm(s, VOL_A, holds_key, NULL, "key-file", &was_active) == STORE_OK && !was_active,
	      "confirm (%s)", store_last_error(s));
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_OK && policy && !strcmp(policy, POLICY),
	      "active: the sealed policy");
	free(policy);
	policy = NULL;
	CHECK(store_volume_key(s, VOL_A, POLICY, out) == STORE_OK && !memcmp(out, vkey, VOLUME_KEY_LEN),
	      "the key opens under the evaluated policy");
	CHECK(store_volume_key(s, VOL_A, POLICY2, out) == STORE_TAMPERED, "... and under no other");
	CHECK(store_volume_set_policy(s, VOL_A, POLICY2) == STORE_OK, "set-policy (%s)", store_last_error(s));
	CHECK(store_volume_key(s, VOL_A, POLICY, out) == STORE_TAMPERED, "after set-policy the old policy opens nothing");
	CHECK(store_volume_key(s, VOL_A, POLICY2, out) == STORE_OK && !memcmp(out, vkey, VOLUME_KEY_LEN),
	      "... the new one the same key");
	CHECK(store_volume_remove(s, "11111111-2222-4333-8444-555555555555") == STORE_NOT_FOUND, "remove unknown");
	CHECK(store_volume_policy(s, "11111111-2222-4333-8444-555555555555", &policy) == STORE_NOT_FOUND,
	      "unknown volume: not found");
	CHECK(store_open(&ro, name, wrong_master, err, sizeof(err)) == STORE_BAD_KEY && !ro,
	      "another master key is refused (%s)", err);

	/* THREADS connections, one chain */
	ap = calloc((size_t)threads, sizeof(*ap));
	t = calloc((size_t)threads, sizeof(*t));
	t0 = now_s();
	for (int i = 0; i < threads; i++) {
		ap[i].rows = rows;
		pthread_create(&t[i], NULL, append_many, &ap[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed += ap[i].failed;
	}
	dt = now_s() - t0;
	CHECK(failed == 0, "%d connections x %d appends at once: all committed (%d failed)", threads, rows, failed);
	printf("bench: %s: %d connections x %d audit appends in %.2f s: %.0f appends/s\n",
	       strncmp(name, "postgres", 8) ? "SQLite" : "PostgreSQL", threads, rows, dt, threads * rows / dt);
	rc = store_open_readonly(&ro, name, master, err, sizeof(err));
	CHECK(rc == STORE_OK, "open read-only (%s)", err);
	if (rc == STORE_OK) {
		/* 3 admin rows: add, confirm, set-policy (the refused add and confirm wrote none) */
		rc = store_audit_verify(ro, 0, NULL, &vr);
		CHECK(rc == STORE_OK && vr.rows == 3 + (int64_t)threads * rows,
		      "one intact chain of %d rows (%lld: %s)", 3 + threads * rows, (long long)vr.rows, vr.what);
		store_close(ro);
	}
	/* master-key rotation: every key rewrapped and every row re-chained, in one transaction */
	{
		uint8_t next[MASTER_KEY_LEN];
		struct store_rotate_result rr;
		int64_t total = 3 + (int64_t)threads * rows;

		for (int i = 0; i < MASTER_KEY_LEN; i++)
			next[i] = (uint8_t)(i * 11 + 5);
		t0 = now_s();
		rc = store_rotate_master(s, next, &rr);
		dt = now_s() - t0;
		CHECK(rc == STORE_OK && rr.volumes == 1 && rr.rows == total, "rotate the master key: 1 key, %lld rows "
		      "(%lld, %lld: %s)", (long long)total, (long long)rr.volumes, (long long)rr.rows, store_last_error(s));
		printf("bench: %s: master-key rotation over %lld audit rows in %.2f s\n",
		       strncmp(name, "postgres", 8) ? "SQLite" : "PostgreSQL", (long long)rr.rows, dt);
		CHECK(store_volume_key(s, VOL_A, POLICY2, out) == STORE_OK && !memcmp(out, vkey, VOLUME_KEY_LEN),
		      "rotated: the same key under the new master key");
		CHECK(store_open(&ro, name, master, err, sizeof(err)) == STORE_BAD_KEY && !ro,
		      "rotated: the old master key is refused (%s)", err);
		rc = store_open_readonly(&ro, name, next, err, sizeof(err));
		CHECK(rc == STORE_OK, "rotated: the new key opens it (%s)", err);
		if (rc == STORE_OK) {
			rc = store_audit_verify(ro, 0, NULL, &vr);
			CHECK(rc == STORE_OK && vr.rows == total + 1, "rotated: one intact chain of %lld rows under the new "
			      "key (%lld: %s)", (long long)total + 1, (long long)vr.rows, vr.what);
			store_close(ro);
		}
	}
	CHECK(store_volume_remove(s, VOL_A) == STORE_OK, "remove");
	CHECK(store_volume_policy(s, VOL_A, &policy) == STORE_NOT_FOUND, "removed: not found");
	named_policies(s);
	store_close(s);
	free(ap);
	free(t);
	return check_done();
}
