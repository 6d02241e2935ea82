/* Small file helpers for configfs attributes; every call returns 0 or -errno. */
#ifndef LIBTSM_CONFIGFS_IO_H
#define LIBTSM_CONFIGFS_IO_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound on a blob (the kernel's TSM_OUTBLOB_MAX is 32 KiB). */
#define TSM_BLOB_LIMIT (64 * 1024)

int tsm_write_file(const char *path, const void *buf, size_t len);
int tsm_read_file(const char *path, uint8_t **buf, size_t *len);
int tsm_read_ulong(const char *path, unsigned long *val);
int tsm_read_line(const char *path, char *buf, size_t size);

#endif
