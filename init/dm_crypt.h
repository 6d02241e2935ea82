/*
 * Activating the LUKS2 volume through the device-mapper ioctls, with the
 * table `cryptsetup open` creates for the same header (cryptsetup's
 * lib/libdevmapper.c): no cryptsetup, libdevmapper or their libraries in the
 * initramfs, and no process that ever sees the key.
 */
#ifndef COCOBOOT_DM_CRYPT_H
#define COCOBOOT_DM_CRYPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "errors.h"
#include "common/luks2.h"
#include "common/secret.h"

/* "CRYPT-LUKS2-<uuid without dashes>-<name>", cut at 128 characters as cryptsetup does. */
void cb_dm_crypt_uuid(const char *luks_uuid, const char *name, char out[129]);

/*
 * The crypt target's parameters for KEY on device DEVNO:
 *   aes-xts-plain64 <key hex> 0 <major>:<minor> <data offset / 512>[ 1 sector_size:<n>]
 * (the key in the table, as cryptsetup does on a kernel without keyrings).
 * Returns the length, or -1 when CAP is too small. OUT holds the key: keep it
 * in locked memory and wipe it.
 */
int cb_dm_crypt_params(const struct luks2_info *info, const uint8_t *key, size_t key_len, dev_t devno, char *out,
		       size_t cap);

/*
 * After NAME (device number DEV) went live: wait for udev's record of it and
 * refuse a device systemd would never mount (see dm_crypt.c); without udev,
 * make /dev/mapper/NAME. 0, or -1 with ERR.
 */
int cb_dm_wait_for_udev(const char *name, uint64_t dev, struct cb_err *err);

/*
 * Check KEY against the header's digest, then create /dev/mapper/NAME over
 * DEV (a block device: the one INFO was read from, still of the size INFO
 * says), load the table, resume, and compare the live table the kernel
 * reports with the one loaded. On any failure nothing stays mapped that this
 * call created. KEY is wiped before this returns, whatever happens.
 */
int cb_dm_crypt_activate(const char *dev, const char *name, struct secret *key, const struct luks2_info *info,
			 struct cb_err *err);

#endif
