/*
 * tsm-guest: the guest half of the `tsm` check suite. Runs inside the QEMU
 * guest with tsm_sim.ko loaded, fetches reports through libtsm, saves them
 * under an output directory for the host checker, and checks what only the
 * guest can see (retries, generation conflicts, entry cleanup). Each check
 * prints "TSM-CHECK PASS|FAIL <what>"; the host counts them.
 *
 *   tsm-guest OUTDIR fetch NAME INBLOB_HEX [PRIVLEVEL]
 *   tsm-guest OUTDIR busy NAME INBLOB_HEX EXPECTED_ATTEMPTS
 *   tsm-guest OUTDIR race NAME INBLOB_HEX
 *   tsm-guest OUTDIR race-forever NAME INBLOB_HEX
 *   tsm-guest OUTDIR fail NAME INBLOB_HEX ERRNO_NAME [PRIVLEVEL]
 *   tsm-guest OUTDIR threads NAME
 *   tsm-guest OUTDIR bench NAME COUNT
 */
#include "libtsm/libtsm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPORTS TSM_DEFAULT_ROOT "/tsm/report"

static const char *outdir;
static int failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("TSM-CHECK %s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures += !ok;
}

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2, i;

	if (strlen(hex) % 2 || n > max) {
		fprintf(stderr, "tsm-guest: bad hex '%s'\n", hex);
		exit(2);
	}
	for (i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return n;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void save(const char *name, const char *ext, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", outdir, name, ext);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "tsm-guest: cannot write %s\n", path);
		exit(2);
	}
}

/* Where the 64 report-data bytes sit in each provider's format. */
static const uint8_t *report_data(const struct tsm_report *r)
{
	if (!strcmp(r->provider, "sev_guest") && r->outblob_len >= 0x90)
		return r->outblob + 0x50;
	if (!strcmp(r->provider, "tdx_guest") && r->outblob_len >= 632)
		return r->outblob + 48 + 520;
	return NULL;
}

static int reports_dir_empty(void)
{
	DIR *d = opendir(REPORTS);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 0;
}

static void save_report(const char *name, const struct tsm_report *r,
			const uint8_t *inblob, size_t inblob_len)
{
	save(name, "out", r->outblob, r->outblob_len);
	if (r->auxblob)
		save(name, "aux", r->auxblob, r->auxblob_len);
	save(name, "provider", r->provider, strlen(r->provider));
	save(name, "inblob", inblob, inblob_len);
}

static void check_binding(const char *name, const struct tsm_report *r,
			  const uint8_t *inblob, size_t len)
{
	const uint8_t *rd = report_data(r);

	check(rd && !memcmp(rd, inblob, len), "%s: report data equals the inblob (%s)", name,
	      r->provider);
}

/* A second writer on the same entry: write a different inblob under libtsm. */
struct racer { int every_attempt; int fired; };

static void race_hook(const char *entry_dir, unsigned int attempt, void *arg)
{
	struct racer *rc = arg;
	uint8_t other[TSM_INBLOB_MAX];
	char path[600];
	int fd;

	if (attempt > 0 && !rc->every_attempt)
		return;
	memset(other, 0xee, sizeof(other));
	snprintf(path, sizeof(path), "%s/inblob", entry_dir);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, other, sizeof(other)) == (ssize_t)sizeof(other))
			rc->fired++;
		close(fd);
	}
}

struct thread_job { int id; int ok; };

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	int i;

	for (i = 0; i < 3; i++) {
		struct tsm_report_req req = { 0 };
		struct tsm_report r;
		char err[TSM_ERRBUF_SIZE];
		uint8_t in[TSM_INBLOB_MAX];

		memset(in, job->id * 16 + i, sizeof(in));
		req.inblob = in;
		req.inblob_len = sizeof(in);
		if (tsm_report_get(&req, &r, err)) {
			fprintf(stderr, "thread %d: %s\n", job->id, err);
			continue;
		}
		job->ok += report_data(&r) && !memcmp(report_data(&r), in, sizeof(in));
		tsm_report_free(&r);
	}
	return NULL;
}

static int errno_by_name(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "EBUSY", EBUSY }, { "EAGAIN", EAGAIN }, { "EINVAL", EINVAL },
		{ "ESTALE", ESTALE }, { "ENXIO", ENXIO }, { "ENOENT", ENOENT },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].n))
			return t[i].e;
	fprintf(stderr, "tsm-guest: unknown errno name %s\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	struct tsm_report_req req = { 0 };
	struct tsm_report r;
	char err[TSM_ERRBUF_SIZE];
	uint8_t in[TSM_INBLOB_MAX];
	const char *cmd, *name;
	size_t in_len = 0;
	double t0, t1;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: see the comment at the top of tests/tsm/tsm-guest.c\n");
		return 2;
	}
	outdir = argv[1];
	cmd = argv[2];
	name = argv[3];
	if (argc > 4 && strcmp(cmd, "bench")) {
		in_len = unhex(argv[4], in, sizeof(in));
		req.inblob = in;
		req.inblob_len = in_len;
	}

	if (!strcmp(cmd, "fetch") || !strcmp(cmd, "busy")) {
		if (!strcmp(cmd, "fetch") && argc > 5) {
			req.use_privlevel = true;
			req.privlevel = (unsigned int)atoi(argv[5]);
		}
		t0 = now_us();
		rc = tsm_report_get(&req, &r, err);
		t1 = now_us();
		check(rc == 0, "%s: fetch %s", name, rc ? err : "ok");
		if (rc)
			return 1;
		printf("TSM-RESULT %s provider=%s out=%zu aux=%zu attempts=%u usec=%.0f\n", name,
		       r.provider, r.outblob_len, r.auxblob_len, r.attempts, t1 - t0);
		if (!strcmp(cmd, "busy"))
			check(r.attempts == (unsigned)atoi(argv[5]), "%s: took %u attempts, want %s",
			      name, r.attempts, argv[5]);
		check_binding(name, &r, in, in_len);
		save_report(name, &r, in, in_len);
		tsm_report_free(&r);
	} else if (!strcmp(cmd, "race") || !strcmp(cmd, "race-forever")) {
		struct racer racer = { .every_attempt = !strcmp(cmd, "race-forever") };

		req.after_write = race_hook;
		req.hook_arg = &racer;
		rc = tsm_report_get(&req, &r, err);
		if (!racer.every_attempt) {
			check(rc == 0, "%s: fetch despite one concurrent write: %s", name, rc ? err : "ok");
			if (rc)
				return 1;
			check(racer.fired == 1 && r.conflicts == 1 && r.attempts == 2,
			      "%s: the concurrent write was detected (fired %d, conflicts %u, attempts %u)",
			      name, racer.fired, r.conflicts, r.attempts);
			check_binding(name, &r, in, in_len);
			save_report(name, &r, in, in_len);
			tsm_report_free(&r);
		} else {
			check(rc == -ESTALE && strstr(err, "generation"),
			      "%s: a writer on every attempt is an error: rc %d, '%s'", name, rc, err);
			printf("TSM-ERROR %s %s\n", name, err);
		}
	} else if (!strcmp(cmd, "fail")) {
		int want = errno_by_name(argv[5]);

		if (argc > 6) {
			req.use_privlevel = true;
			req.privlevel = (unsigned int)atoi(argv[6]);
		}
		rc = tsm_report_get(&req, &r, err);
		check(rc == -want, "%s: fails with %s: rc %d, '%s'", name, argv[5], rc, err);
		printf("TSM-ERROR %s %s\n", name, err);
	} else if (!strcmp(cmd, "threads")) {
		struct thread_job jobs[4] = { { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 } };
		pthread_t th[4];
		int i, ok = 0;

		for (i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, thread_main, &jobs[i]);
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			ok += jobs[i].ok;
		}
		check(ok == 12, "%s: 4 threads x 3 concurrent fetches each got their own report (%d/12)",
		      name, ok);
	} else if (!strcmp(cmd, "bench")) {
		int n = atoi(argv[4]), i;
		double min = 1e12, max = 0, sum = 0;

		memset(in, 0x42, sizeof(in));
		req.inblob = in;
		req.inblob_len = sizeof(in);
		for (i = 0; i < n; i++) {
			t0 = now_us();
			rc = tsm_report_get(&req, &r, err);
			t1 = now_us() - t0;
			if (rc) {
				check(0, "%s: bench fetch %d: %s", name, i, err);
				return 1;
			}
			tsm_report_free(&r);
			min = t1 < min ? t1 : min;
			max = t1 > max ? t1 : max;
			sum += t1;
		}
		printf("TSM-BENCH %s n=%d min_ms=%.1f mean_ms=%.1f max_ms=%.1f\n", name, n,
		       min / 1e3, sum / n / 1e3, max / 1e3);
	} else {
		fprintf(stderr, "tsm-guest: unknown command %s\n", cmd);
		return 2;
	}
	check(reports_dir_empty(), "%s: no entry left behind in %s", name, REPORTS);
	return failures ? 1 : 0;
}
