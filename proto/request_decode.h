/*
 * The broker's side of the POST /v1/unlock body (design.md, "Wire protocol
 * v1"), with cJSON: exactly an object with "volume" (a UUID, returned
 * lowercase), "provider" ("sev_guest"|"tdx_guest"), "outblob" and optional
 * "auxblob" (standard base64, non-empty), optional "event_log" (base64 of
 * at most CC_EVENTLOG_MAX bytes, with provider "tdx_guest" only), optional
 * "enrol" (a fleet policy's name: a first boot, request.h); each a string,
 * each at most once, nothing else. The event log is only carried: the
 * broker's verification parses it (broker/verify/ccel.c). Host only (cJSON);
 * the guest encodes with request.h.
 * Fuzzed (proto/fuzz/fuzz-request.c).
 */
#ifndef COCOBOOT_PROTO_REQUEST_DECODE_H
#define COCOBOOT_PROTO_REQUEST_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

struct coco_request_fields {
	char volume[40];
	char provider[16];
	char enrol[COCO_ENROL_NAME_MAX + 1];   /* "" unless a first boot */
	uint8_t *outblob, *auxblob, *event_log;
	size_t outblob_len, auxblob_len, event_log_len;
};

/* 0, or -1 with a static one-line reason in *detail (nothing to free then). */
int coco_request_decode(const char *body, size_t len, struct coco_request_fields *out, const char **detail);
void coco_request_fields_free(struct coco_request_fields *f);

#endif
