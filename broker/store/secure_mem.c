#include "secure_mem.h"

#include <errno.h>
#include <sys/mman.h>

#include <mbedtls/platform_util.h>

void *secure_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mlock(p, len)) {
		int e = errno;
		munmap(p, len);
		errno = e;
		return NULL;
	}
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void secure_free(void *p, size_t len)
{
	if (!p)
		return;
	mbedtls_platform_zeroize(p, len);
	munlock(p, len);
	munmap(p, len);
}
