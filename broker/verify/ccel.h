/*
 * TDX: replay the CCEL event log (common/cc_eventlog.h) against the quote's
 * RTMRs and name the events a policy pins (docs/measure.md, "TDX: why the
 * event log").
 */
#ifndef COCOBOOT_BROKER_CCEL_H
#define COCOBOOT_BROKER_CCEL_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

/* The Linux EFI stub's tagged events (drivers/firmware/efi/libstub/efistub.h). */
#define CCEL_TAG_INITRD       0x8f3b22ecu
#define CCEL_TAG_LOAD_OPTIONS 0x8f3b22edu

/*
 * Replay log[0..len) into four RTMRs from zero; unless they equal c->rtmr
 * (the verified quote's), refuse with event-log-mismatch (malformed for a
 * log that does not parse). On success fill the event claims of c
 * (has_event_log, apps, initrd, cmdline, unpinned_event). 0 or -1 with *why.
 */
int ccel_replay(const uint8_t *log, size_t len, cb_tdx_claims *c, cb_refusal *why);

#endif
