/*
 * Minimal test harness shared by the C unit tests: each CHECK prints one line,
 * check_done() prints the "N passed, N failed" line (", N skipped" appended
 * when something was skipped) that tests/run-suites.sh adds up and returns
 * the process exit code.  A skip is counted by the caller (check_skipped++)
 * after printing why; skipping never fails a run.
 */
#ifndef COCOBOOT_TESTS_CHECK_H
#define COCOBOOT_TESTS_CHECK_H

#include <stdio.h>

static int check_passed, check_failed, check_skipped;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			check_passed++;                                         \
		} else {                                                        \
			check_failed++;                                         \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);             \
			printf(__VA_ARGS__);                                    \
			printf("  [%s]\n", #cond);                              \
		}                                                               \
	} while (0)

static inline int check_done(void)
{
	if (check_skipped)
		printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed, check_skipped);
	else
		printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
