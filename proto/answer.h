/*
 * Wire protocol v1, the body of the broker's answer to POST /v1/unlock:
 *   200 {"key": "<base64>"}   4xx/5xx {"error": "<reason code>"}
 * The broker encodes it here; the guest parses it here with a strict
 * parser on the guest's one JSON reader (common/json.h): an object of
 * string members, at most 64 KiB; fuzzed (proto/fuzz/fuzz-response.c).
 * Reason codes: reasons.h.
 */
#ifndef COCOBOOT_PROTO_ANSWER_H
#define COCOBOOT_PROTO_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "common/volume_key.h"

#define COCO_ERROR_CODE_MAX   64
/* {"key":"<base64 of 64 bytes>"} with its NUL */
#define COCO_KEY_ANSWER_MAX   (8 + 4 * ((VOLUME_KEY_LEN + 2) / 3) + 2 + 1)

/*
 * {"key":"<base64>"} into buf (NUL-terminated); *len without the NUL. The
 * caller wipes buf after use. Returns COCO_PROTO_OK or a negative coco_proto_error.
 */
int coco_answer_encode_key(const uint8_t *key, size_t key_len, char *buf, size_t cap, size_t *len);

/* {"error":"<code>"}; the code is one of reasons.h or verify's (no character needs escaping). */
int coco_answer_encode_error(const char *code, char *buf, size_t cap, size_t *len);

struct coco_unlock_answer {
	uint8_t key[VOLUME_KEY_LEN];   /* wipe after use */
	size_t key_len;                     /* 0 when no key */
	char error[COCO_ERROR_CODE_MAX];    /* "" when none */
};

/* Parse the JSON body of an answer: {"key": b64} and/or {"error": code}. */
int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out);

#endif
