/*
 * Unit tests: secret buffers are locked and undumpable while alive (checked
 * in /proc/self/smaps, the kernel's own view) and all-zero when unmapped.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "../lib/check.h"
#include "../../common/secret.h"

static int wiped_before_unmap = -1;

static void observe_unmap(const uint8_t *data, size_t len)
{
	wiped_before_unmap = 1;
	for (size_t i = 0; i < len; i++)
		if (data[i])
			wiped_before_unmap = 0;
}

/* VmFlags and Locked of the mapping that starts at ADDR. */
static int mapping_flags(const void *addr, char *flags, size_t flags_len, long *locked_kb)
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

int main(void)
{
	struct secret s;
	char flags[512] = "";
	long locked_kb = -1;

	CHECK(secret_alloc(&s, 0) == -1, "zero size refused");
	CHECK(secret_alloc(&s, 100) == 0, "alloc");
	CHECK(s.cap == 100 && s.map_len % 4096 == 0 && s.map_len >= 100, "sizes");
	memset(s.data, 0xa5, s.cap);
	s.len = s.cap;
	CHECK(mapping_flags(s.data, flags, sizeof(flags), &locked_kb) == 0, "mapping found in smaps");
	CHECK(strstr(flags, " lo") != NULL, "mapping is mlock'ed (VmFlags:%s)", flags);
	CHECK(strstr(flags, " dd") != NULL, "mapping is MADV_DONTDUMP (VmFlags:%s)", flags);
	CHECK(locked_kb * 1024 >= (long)s.map_len, "Locked: %ld kB", locked_kb);
	CHECK(prctl(PR_GET_DUMPABLE) == 0, "process is no longer dumpable");
	secret_wipe(&s);
	CHECK(s.len == 0 && s.data[0] == 0 && s.data[99] == 0, "wipe keeps the buffer, zeroes it");
	memset(s.data, 0x5a, s.cap);
	secret_before_unmap = observe_unmap;
	secret_free(&s);
	CHECK(wiped_before_unmap == 1, "contents were zero when unmapped");
	CHECK(s.data == NULL && s.map_len == 0, "struct cleared");
	secret_free(&s);
	CHECK(1, "double free is harmless");
	return check_done();
}
