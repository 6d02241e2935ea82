/*
 * First boot from a shared ("golden") image (docs/broker.md, "First boot from
 * a golden image"): rd.cocoboot.enrol=FLEET and rd.cocoboot.volume=/dev/...
 * naming a device with no LUKS2 header. The broker enrols a volume for this
 * instance under the fleet policy and releases its new key; cryptsetup (which
 * the initramfs must carry for this) encrypts the device in place with it.
 * The boot then goes on as every boot does: the unlock request for the new
 * header confirms the volume at the broker.
 */
#ifndef COCOBOOT_FIRST_BOOT_H
#define COCOBOOT_FIRST_BOOT_H

#include "cmdline.h"
#include "errors.h"

/* 0 when the device has a LUKS2 header now (encrypted here, or already), -1 with ERR. */
int cb_first_boot(const struct cb_config *cfg, unsigned long long deadline_ms, struct cb_err *err);

#endif
