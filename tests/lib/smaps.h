/*
 * The kernel's own view of one mapping (/proc/self/smaps), for tests that
 * check secret memory: VmFlags (" lo" mlock'ed, " dd" MADV_DONTDUMP) and
 * Locked: of the mapping that starts at addr.
 */
#ifndef COCOBOOT_TESTS_SMAPS_H
#define COCOBOOT_TESTS_SMAPS_H

#include <stdio.h>
#include <string.h>

/* 0 with flags and *locked_kb filled, -1 when no mapping starts at addr. */
static inline int smaps_mapping(const void *addr, char *flags, size_t flags_len, long *locked_kb)
{
	char line[512], want[32];
	int in = 0, found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') && strchr(line, '-') < strchr(line, ' ') &&
		    line[0] != ' ' && strncmp(line, "VmFlags", 7) && strncmp(line, "Locked", 6))
			in = !strncmp(line, want, strlen(want));
		if (in && !strncmp(line, "Locked:", 7))
			sscanf(line + 7, "%ld", locked_kb);
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, flags_len, "%.400s", line + 8);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

#endif
