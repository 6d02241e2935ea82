/*
 * The confidential-computing event log (CCEL): the TCG2 crypto-agile event
 * log a TDX firmware writes (TCG PC Client Platform Firmware Profile, 10.2;
 * UEFI 2.10, EFI_CC_MEASUREMENT_PROTOCOL). The first event is the Spec ID
 * event in the SHA-1 format (TCG_PCClientPCREvent) that names the digest
 * algorithms and their sizes; every later event is a TCG_PCR_EVENT2: MR
 * index, event type, a digest per algorithm, event data. MR index 1..4 is
 * RTMR0..3 (index 0, MRTD, is never logged).
 *
 * One walker for both sides: the guest finds where the log ends in the ACPI
 * log area (the rest of the area is filler), the broker replays it
 * (broker/verify/ccel.c). Untrusted bytes: every length is checked, nothing
 * is read outside log[0..len). Fuzzed (broker/verify/fuzz/fuzz-ccel.c).
 */
#ifndef COCOBOOT_COMMON_CC_EVENTLOG_H
#define COCOBOOT_COMMON_CC_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#define CC_SHA384_LEN 48
/* What the guest sends at most, and the broker accepts: the log must fit
 * the request body (COCO_MAX_BODY, 64 KiB) beside the quote once in base64. */
#define CC_EVENTLOG_MAX (40 * 1024)

/* TCG PC Client PFP, 10.4.1: the event types cocoboot names. */
#define CC_EV_NO_ACTION                   0x00000003u
#define CC_EV_SEPARATOR                   0x00000004u
#define CC_EV_EVENT_TAG                   0x00000006u
#define CC_EV_EFI_ACTION                  0x80000007u
#define CC_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define CC_EV_EFI_GPT_EVENT               0x80000006u

struct cc_event {
	uint32_t mr_index;        /* as logged: 1..4 = RTMR0..3 */
	uint32_t type;
	const uint8_t *sha384;    /* the SHA-384 digest of the event */
	const uint8_t *data;      /* event data (not covered by the digest in general) */
	uint32_t data_len;
};

/*
 * Walk the events after the Spec ID event; fn (may be NULL) is called for
 * each, and a non-zero return stops the walk. The log ends at len or where an
 * event would start with 8 bytes of 0xff or of 0x00 (the unused rest of the
 * log area; what follows is not looked at). Returns the length of the log
 * (> 0), or -1 with a static reason in *detail (a bad log), or -2 when fn
 * stopped it.
 */
long cc_eventlog_walk(const uint8_t *log, size_t len, int (*fn)(void *arg, const struct cc_event *e), void *arg,
		      const char **detail);

#endif
