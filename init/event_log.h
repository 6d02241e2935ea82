/*
 * TDX: the confidential-computing event log the firmware left in the CCEL
 * ACPI table's log area, which Linux exposes as
 * /sys/firmware/acpi/tables/data/CCEL (drivers/acpi/sysfs.c; the table
 * itself, which only locates the area, is /sys/firmware/acpi/tables/CCEL).
 * Sent with the quote so the broker can replay it against the RTMRs
 * (docs/measure.md, "TDX: why the event log").
 */
#ifndef COCOBOOT_INIT_EVENT_LOG_H
#define COCOBOOT_INIT_EVENT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define CCEL_LOG_PATH "/sys/firmware/acpi/tables/data/CCEL"

/*
 * The used part of the log area at PATH (CCEL_LOG_PATH; tests give a file):
 * the events, without the filler after them. 0 with *log malloc'ed, 1 when
 * there is no such file (*log NULL: the request goes without one), -1 with
 * ERR (unreadable, malformed, or larger than CC_EVENTLOG_MAX).
 */
int event_log_read(const char *path, uint8_t **log, size_t *len, struct cb_err *err);

#endif
