/*
 * The configfs-tsm report protocol: one entry per call, generation-checked,
 * transient errors retried with bounded backoff, the entry always removed.
 */
#include "libtsm.h"
#include "configfs_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Backoff between attempts: 10 ms doubling, capped at 320 ms per wait. */
#define BACKOFF_FIRST_NS  (10L * 1000 * 1000)
#define BACKOFF_CAP_NS    (320L * 1000 * 1000)

struct ctx {
	const struct tsm_report_req *req;
	char *err;
	char dir[512];		/* <root>/tsm/report/<entry> */
	const char *retry_step;	/* the step the last transient error came from */
};

/* Remember where a retryable error happened, for the message if retries run out. */
static int transient(struct ctx *c, int err, const char *step)
{
	c->retry_step = step;
	return err;
}

static int fail(struct ctx *c, int err, const char *step, const char *fmt, ...)
{
	char detail[160] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	snprintf(c->err, TSM_ERRBUF_SIZE, "tsm: %s%s%s: %s (errno %d)", step,
		 *detail ? " " : "", detail, strerror(-err), -err);
	return err;
}

static int is_transient(int err)
{
	return err == -EBUSY || err == -EAGAIN || err == -EINTR;
}

static void backoff(unsigned int attempt)
{
	long ns = BACKOFF_FIRST_NS << (attempt < 5 ? attempt : 5);
	struct timespec ts;

	if (ns > BACKOFF_CAP_NS)
		ns = BACKOFF_CAP_NS;
	ts.tv_sec = ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *attr(struct ctx *c, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", c->dir, name);
	return buf;
}

/*
 * tsm/report must exist. At the default root, mount configfs first if it is
 * not there (early boot); a caller-chosen root is used as it is.
 */
static int ensure_report_dir(struct ctx *c, const char *root, char *reports, size_t size)
{
	struct stat st;

	snprintf(reports, size, "%s/tsm/report", root);
	if (stat(reports, &st) == 0)
		return 0;
	if (!c->req->configfs_root &&
	    mount("configfs", root, "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
	    errno != EBUSY)
		return fail(c, -errno, "mount configfs", "on %s", root);
	if (stat(reports, &st) < 0)
		return fail(c, -errno, "find", "%s (kernel without CONFIG_TSM_REPORTS?)", reports);
	return 0;
}

/* A name no other caller uses: pid, thread, time and a local address. */
static int make_entry(struct ctx *c, const char *reports)
{
	struct timespec now;
	int i;

	for (i = 0; i < 16; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(c->dir, sizeof(c->dir), "%s/libtsm-%d-%d-%lx%lx-%d", reports, getpid(),
			 gettid(), (unsigned long)now.tv_nsec, (unsigned long)(uintptr_t)&now & 0xffff, i);
		if (mkdir(c->dir, 0700) == 0)
			return 0;
		if (errno == ENXIO)
			return fail(c, -ENXIO, "create report entry",
				    "in %s: no attestation provider registered", reports);
		if (errno != EEXIST)
			return fail(c, -errno, "create report entry", "%s", c->dir);
	}
	return fail(c, -EEXIST, "create report entry", "in %s", reports);
}

/* Optional blob: a provider that does not show the attribute leaves it NULL. */
static int read_optional(struct ctx *c, const char *name, uint8_t **buf, size_t *len)
{
	char path[600];
	int err = tsm_read_file(attr(c, name, path, sizeof(path)), buf, len);

	if (err == -ENOENT) {
		*buf = NULL;
		*len = 0;
		return 0;
	}
	if (!err && *len == 0) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

/*
 * One attempt. Returns 0, a transient -errno (retry), -ESTALE for a lost
 * generation race (retry), or a fatal -errno with the message already set.
 */
static int attempt_once(struct ctx *c, struct tsm_report *r, unsigned int n)
{
	const struct tsm_report_req *req = c->req;
	unsigned long gen_before, gen_written, gen_after, writes = 1;
	char path[600];
	int err;

	err = tsm_read_ulong(attr(c, "generation", path, sizeof(path)), &gen_before);
	if (err)
		return fail(c, err, "read", "%s", path);
	if (req->use_privlevel) {
		char text[16];

		snprintf(text, sizeof(text), "%u\n", req->privlevel);
		err = tsm_write_file(attr(c, "privlevel", path, sizeof(path)), text, strlen(text));
		if (err && !is_transient(err))
			return fail(c, err, "write privlevel", "%u to %s%s", req->privlevel, path,
				    err == -ENOENT ? " (this provider has no privilege levels)" : "");
		if (err)
			return transient(c, err, "write privlevel");
		writes++;
	}
	err = tsm_write_file(attr(c, "inblob", path, sizeof(path)), req->inblob, req->inblob_len);
	if (err && !is_transient(err))
		return fail(c, err, "write inblob", "%s", path);
	if (err)
		return transient(c, err, "write inblob");
	/* The kernel drops a rejected inblob silently at close(): count the writes. */
	err = tsm_read_ulong(attr(c, "generation", path, sizeof(path)), &gen_written);
	if (err)
		return fail(c, err, "read", "%s", path);
	if (gen_written == gen_before)
		return transient(c, -EBUSY, "write inblob (not applied)");
	if (gen_written != gen_before + writes)
		return -ESTALE;
	if (req->after_write)
		req->after_write(c->dir, n, req->hook_arg);

	err = tsm_read_file(attr(c, "outblob", path, sizeof(path)), &r->outblob, &r->outblob_len);
	if (err && !is_transient(err))
		return fail(c, err, "read outblob", "%s", path);
	if (err)
		return transient(c, err, "read outblob");
	if (r->outblob_len == 0)
		return fail(c, -ENODATA, "read outblob", "%s: empty", path);
	err = read_optional(c, "auxblob", &r->auxblob, &r->auxblob_len);
	if (!err)
		err = read_optional(c, "manifestblob", &r->manifestblob, &r->manifestblob_len);
	if (err && !is_transient(err))
		return fail(c, err, "read auxblob/manifestblob", "in %s", c->dir);
	if (err)
		return transient(c, err, "read auxblob/manifestblob");
	err = tsm_read_line(attr(c, "provider", path, sizeof(path)), r->provider, sizeof(r->provider));
	if (err)
		return fail(c, err, "read", "%s", path);
	/* Any write since ours means the blobs may belong to someone else's inblob. */
	err = tsm_read_ulong(attr(c, "generation", path, sizeof(path)), &gen_after);
	if (err)
		return fail(c, err, "read", "%s", path);
	if (gen_after != gen_written)
		return -ESTALE;
	r->generation = gen_after;
	return 0;
}

static void clear_blobs(struct tsm_report *r)
{
	free(r->outblob);
	free(r->auxblob);
	free(r->manifestblob);
	r->outblob = r->auxblob = r->manifestblob = NULL;
	r->outblob_len = r->auxblob_len = r->manifestblob_len = 0;
}

int tsm_report_get(const struct tsm_report_req *req, struct tsm_report *out,
		   char errbuf[TSM_ERRBUF_SIZE])
{
	struct ctx c = { .req = req, .err = errbuf };
	unsigned int max = req->max_attempts ? req->max_attempts : TSM_DEFAULT_ATTEMPTS;
	unsigned int n, conflicts = 0;
	char reports[400];
	int err = 0;

	memset(out, 0, sizeof(*out));
	errbuf[0] = '\0';
	if (!req->inblob || req->inblob_len == 0 || req->inblob_len > TSM_INBLOB_MAX)
		return fail(&c, -EINVAL, "check request", "inblob must be 1..%d bytes, got %zu",
			    TSM_INBLOB_MAX, req->inblob ? req->inblob_len : 0);
	if (req->use_privlevel && req->privlevel > 3)
		return fail(&c, -EINVAL, "check request", "privlevel %u > 3", req->privlevel);
	err = ensure_report_dir(&c, req->configfs_root ? req->configfs_root : TSM_DEFAULT_ROOT,
				reports, sizeof(reports));
	if (!err)
		err = make_entry(&c, reports);
	if (err)
		return err;

	for (n = 0; n < max; n++) {
		if (n)
			backoff(n - 1);
		err = attempt_once(&c, out, n);
		if (!err || !(is_transient(err) || err == -ESTALE))
			break;
		clear_blobs(out);
		if (err == -ESTALE)
			conflicts++;
	}
	if (err == -ESTALE)
		fail(&c, err, "check generation", "%s: another writer changed it on all %u attempts",
		     c.dir, max);
	else if (is_transient(err))
		fail(&c, err, c.retry_step ? c.retry_step : "fetch report",
		     "in %s: still failing after %u attempts", c.dir, max);

	if (rmdir(c.dir) < 0 && !err)
		err = fail(&c, -errno, "remove report entry", "%s", c.dir);
	if (err) {
		clear_blobs(out);
		return err;
	}
	out->attempts = n + 1;
	out->conflicts = conflicts;
	return 0;
}

void tsm_report_free(struct tsm_report *r)
{
	clear_blobs(r);
}
