/* Finding the root volume and validating its LUKS2 header before any key request. */
#ifndef COCOBOOT_VOLUME_H
#define COCOBOOT_VOLUME_H

#include "errors.h"
#include "common/luks2.h"

/*
 * Resolve SPEC ("" = the only LUKS2 device, "UUID=...", or a /dev path) to a
 * device path in DEV, waiting for block devices until DEADLINE_MS, then
 * validate both header copies against the allowlist; INFO gets the UUID.
 */
/* 1 and the header's UUID when DEV starts with a LUKS2 header, else 0 (also when it cannot be read). */
int cb_volume_probe(const char *dev, char uuid[37]);

int cb_volume_find_and_validate(const char *spec, unsigned long long deadline_ms, char *dev, size_t dev_len,
				struct luks2_info *info, struct cb_err *err);

#endif
