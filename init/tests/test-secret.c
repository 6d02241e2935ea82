/*
 * Unit tests: secret buffers are locked and undumpable while alive (checked
 * in /proc/self/smaps, the kernel's own view) and all-zero when unmapped.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "tests/lib/check.h"
#include "tests/lib/smaps.h"
#include "common/secret.h"

static int wiped_before_unmap = -1;

static void observe_unmap(const uint8_t *data, size_t len)
{
	wiped_before_unmap = 1;
	for (size_t i = 0; i < len; i++)
		if (data[i])
			wiped_before_unmap = 0;
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
	CHECK(smaps_mapping(s.data, flags, sizeof(flags), &locked_kb) == 0, "mapping found in smaps");
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
