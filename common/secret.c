/* Locked, undumpable, wiped memory for key material (see secret.h). */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "secret.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

void (*secret_before_unmap)(const uint8_t *data, size_t map_len);

int secret_alloc(struct secret *s, size_t cap)
{
	/* the kernel's page size as it told the process; musl's sysconf would add 1 KB to the guest */
	size_t page = (size_t)getauxval(AT_PAGESZ);
	void *p;
	int saved;

	memset(s, 0, sizeof(*s));
	if (cap == 0 || cap > (1u << 20)) {
		errno = EINVAL;
		return -1;
	}
	s->map_len = (cap + page - 1) / page * page;
	p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* The raw syscall: sanitizer runtimes turn the mlock() wrapper into a no-op. */
	if (syscall(SYS_mlock, p, s->map_len) < 0) {
		saved = errno;
		munmap(p, s->map_len);
		errno = saved;
		return -1;
	}
	/*
	 * Keep it out of core dumps: per mapping where the kernel has madvise
	 * (CONFIG_ADVISE_SYSCALLS), and for the whole process in any case, which
	 * also keeps ptrace-style access by same-uid processes away.
	 */
	(void)madvise(p, s->map_len, MADV_DONTDUMP);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		saved = errno;
		munmap(p, s->map_len);
		errno = saved;
		return -1;
	}
	/* Older kernels lack WIPEONFORK; neither side forks while holding keys anyway. */
	(void)madvise(p, s->map_len, MADV_WIPEONFORK);
	s->data = p;
	s->cap = cap;
	return 0;
}

void secret_wipe(struct secret *s)
{
	if (s->data)
		explicit_bzero(s->data, s->map_len);
	s->len = 0;
}

void secret_free(struct secret *s)
{
	if (!s->data)
		return;
	explicit_bzero(s->data, s->map_len);
	if (secret_before_unmap)
		secret_before_unmap(s->data, s->map_len);
	munlock(s->data, s->map_len);
	munmap(s->data, s->map_len);
	memset(s, 0, sizeof(*s));
}
