/*
 * The broker's side of the POST /v1/unlock body (design.md, "Wire protocol
 * v1"), with cJSON: exactly an object with "volume" (a UUID, returned
 * lowercase), "provider" ("sev_guest"|"tdx_guest"), "outblob" and optional
 * "auxblob" (standard base64, non-empty); each a string, each at most once,
 * nothing else. Fuzzed (broker/fuzz-service/fuzz_request.c).
 */
#ifndef COCOBOOT_BROKER_REQUEST_DECODE_H
#define COCOBOOT_BROKER_REQUEST_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct unlock_fields {
	char volume[40];
	char provider[16];
	uint8_t *outblob, *auxblob;
	size_t outblob_len, auxblob_len;
};

/* 0, or -1 with a static one-line reason in *detail (nothing to free then). */
int unlock_request_decode(const char *body, size_t len, struct unlock_fields *out, const char **detail);
void unlock_fields_free(struct unlock_fields *f);

#endif
