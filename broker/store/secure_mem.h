/*
 * Memory for secrets: page-aligned, mlock'ed (never swapped), excluded from
 * core dumps, wiped with mbedtls_platform_zeroize before it is released.
 */
#ifndef COCOBOOT_BROKER_SECURE_MEM_H
#define COCOBOOT_BROKER_SECURE_MEM_H

#include <stddef.h>

/* NULL when the memory cannot be mapped or locked (errno set). */
void *secure_alloc(size_t len);
void secure_free(void *p, size_t len);

#endif
