/*
 * The stable error codes: names and exit statuses must match the table in
 * docs/cocoboot.cmdline.7 (scripts rely on both), and be unique.
 */
#include <stdio.h>
#include <string.h>

#include "tests/lib/check.h"
#include "init/errors.h"

int main(int argc, char **argv)
{
	char line[512];
	int in_table = 0, documented = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: test-errors cocoboot.cmdline.7\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	CHECK(f != NULL, "open %s", argv[1]);
	if (!f)
		return check_done();
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		int status;

		if (!strncmp(line, ".TS", 3))
			in_table = 1;
		else if (!strncmp(line, ".TE", 3))
			in_table = 0;
		if (!in_table || sscanf(line, "%63[^\t]\t%d\t", name, &status) != 2)
			continue;
		documented++;
		{
			int found = 0;

			for (int c = 1; c < CB_ERR__COUNT; c++)
				if (!strcmp(cb_error_name((enum cb_error)c), name)) {
					found = 1;
					CHECK(cb_error_exit_status((enum cb_error)c) == status, "%s: exit %d, documented %d",
					      name, cb_error_exit_status((enum cb_error)c), status);
				}
			CHECK(found, "documented code '%s' does not exist", name);
		}
	}
	fclose(f);
	CHECK(documented == CB_ERR__COUNT - 1, "%d codes documented, %d exist", documented, CB_ERR__COUNT - 1);
	{
		int clashes = 0;

		for (int a = 1; a < CB_ERR__COUNT; a++)
			for (int b = a + 1; b < CB_ERR__COUNT; b++)
				clashes += !strcmp(cb_error_name((enum cb_error)a), cb_error_name((enum cb_error)b)) ||
					   cb_error_exit_status((enum cb_error)a) == cb_error_exit_status((enum cb_error)b);
		CHECK(clashes == 0, "%d pairs of codes share a name or an exit status", clashes);
	}
	CHECK(!strcmp(cb_error_name((enum cb_error)999), "internal"), "out of range");
	CHECK(cb_error_exit_status(CB_OK) == 0, "ok is 0");
	return check_done();
}
