/*
 * First boot from a shared ("golden") image (docs/broker.md, "First boot from
 * a golden image"): rd.cocoboot.enrol=FLEET and rd.cocoboot.volume=/dev/...
 * naming a device with no LUKS2 header. The broker enrols a volume for this
 * instance under the fleet policy and releases its new key; cryptsetup (which
 * the initramfs must carry for this) encrypts the device in place with it,
 * and the boot goes on with that key: the new header is validated and its
 * digest checks the key before the volume is opened. The broker keeps the
 * volume pending until the instance's next boot asks for its key.
 */
#ifndef COCOBOOT_FIRST_BOOT_H
#define COCOBOOT_FIRST_BOOT_H

#include "common/secret.h"
#include "cmdline.h"
#include "errors.h"

/*
 * 1: the device was encrypted here with KEY (a locked buffer of VOLUME_KEY_LEN,
 * kept for the unlock); 0: it has a LUKS2 header already (not a first boot);
 * -1 with ERR (KEY wiped).
 */
int cb_first_boot(const struct cb_config *cfg, unsigned long long deadline_ms, struct secret *key,
		  struct cb_err *err);

#endif
