/*
 * Host unit test of libtsm's input checks, file helpers and error paths. The
 * host has no attestation provider, so a plain directory stands in for the
 * configfs root: it shows the precise errors and that the entry libtsm
 * creates is removed on failure. The full protocol is tested in the guest
 * (tests/tsm/run.sh).
 */
#include "tests/lib/check.h"
#include "libtsm/libtsm.h"
#include "libtsm/configfs_io.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_file_helpers(void)
{
	char path[256], line[8];
	unsigned long v = 0;
	uint8_t *buf = NULL;
	size_t len = 0;
	static char big[TSM_BLOB_LIMIT + 10];

	put("gen", "42\n", 3);
	snprintf(path, sizeof(path), "%s/gen", root);
	CHECK(tsm_read_ulong(path, &v) == 0 && v == 42, "generation 42 parsed (%lu)", v);
	put("gen", "4x\n", 3);
	CHECK(tsm_read_ulong(path, &v) == -EPROTO, "garbage generation is -EPROTO");
	put("prov", "sev_guest\n", 10);
	snprintf(path, sizeof(path), "%s/prov", root);
	CHECK(tsm_read_line(path, line, sizeof(line)) == -EOVERFLOW, "too long provider is -EOVERFLOW");
	memset(big, 'a', sizeof(big));
	put("big", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/big", root);
	CHECK(tsm_read_file(path, &buf, &len) == -EFBIG && buf == NULL, "blob over the limit is -EFBIG");
	put("big", big, 5000);
	CHECK(tsm_read_file(path, &buf, &len) == 0 && len == 5000, "5000-byte blob read whole (%zu)", len);
	free(buf);
	snprintf(path, sizeof(path), "%s/missing/inblob", root);
	CHECK(tsm_write_file(path, "x", 1) == -ENOENT, "write to a missing attribute is -ENOENT");
}

static void test_request_checks(void)
{
	struct tsm_report_req req = { .configfs_root = root };
	struct tsm_report r;
	char err[TSM_ERRBUF_SIZE];
	uint8_t in[TSM_INBLOB_MAX + 1] = { 0 };
	int rc;

	req.inblob = in;
	req.inblob_len = 0;
	rc = tsm_report_get(&req, &r, err);
	CHECK(rc == -EINVAL && strstr(err, "check request") && strstr(err, "1..64"),
	      "empty inblob refused: %d '%s'", rc, err);
	req.inblob_len = sizeof(in);
	rc = tsm_report_get(&req, &r, err);
	CHECK(rc == -EINVAL && strstr(err, "got 65"), "65-byte inblob refused: '%s'", err);
	req.inblob_len = 64;
	req.use_privlevel = true;
	req.privlevel = 4;
	rc = tsm_report_get(&req, &r, err);
	CHECK(rc == -EINVAL && strstr(err, "privlevel 4"), "privlevel 4 refused: '%s'", err);
	req.use_privlevel = false;
	rc = tsm_report_get(&req, &r, err);
	CHECK(rc == -ENOENT && strstr(err, "tsm/report") && strstr(err, "CONFIG_TSM_REPORTS"),
	      "root without tsm/report: %d '%s'", rc, err);
	CHECK(r.outblob == NULL && r.auxblob == NULL, "failed call leaves nothing to free");
	tsm_report_free(&r);
	tsm_report_free(&r);
}

static void test_entry_removed_on_failure(void)
{
	struct tsm_report_req req = { .configfs_root = root };
	struct tsm_report r;
	char err[TSM_ERRBUF_SIZE], reports[128];
	uint8_t in[TSM_INBLOB_MAX] = { 1 };
	int rc;

	snprintf(reports, sizeof(reports), "%s/tsm", root);
	mkdir(reports, 0700);
	snprintf(reports, sizeof(reports), "%s/tsm/report", root);
	mkdir(reports, 0700);
	req.inblob = in;
	req.inblob_len = sizeof(in);
	rc = tsm_report_get(&req, &r, err);
	/* A plain directory has no "generation" attribute: the first read fails. */
	CHECK(rc == -ENOENT && strstr(err, "read") && strstr(err, "/generation") &&
	      strstr(err, "errno 2"), "missing attribute named in the error: %d '%s'", rc, err);
	CHECK(entries_in(reports) == 0, "the entry was removed after the failure (%d left)",
	      entries_in(reports));
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/libtsm-unit-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	test_file_helpers();
	test_request_checks();
	test_entry_removed_on_failure();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		(void)!system(cmd);
	}
	return check_done();
}
