/* Activating the volume with the released key, through cryptsetup. */
#ifndef COCOBOOT_UNLOCK_H
#define COCOBOOT_UNLOCK_H

#include "errors.h"
#include "common/luks2.h"
#include "common/secret.h"

/*
 * cryptsetup open DEV NAME with KEY as the volume key, handed over on a pipe
 * (never a file); KEY is wiped before this returns, whatever happens. Then the
 * active mapping is checked against INFO (cipher, key size, offset): the
 * header could have been swapped between validation and activation.
 */
int cb_unlock_volume(const char *dev, const char *name, struct secret *key, const struct luks2_info *info,
		     struct cb_err *err);

/* The cryptsetup binary of the initramfs, or NULL. */
const char *cb_find_cryptsetup(void);
/* Run ARGV (keeping KEEP_FD open in it, -1 none) with stdout into OUT (may be NULL); the exit status or -1. */
int cb_run(char *const argv[], int keep_fd, char *out, size_t out_len);

#endif
