/*
 * Wire protocol v1, the client's side of the answer: the HTTP/1.1 request
 * framing it sends and a strict parser for what comes back
 *   200 {"key": "<base64>"}   403 {"error": "<code>"}   400/404/413/503 ...
 * The guest is static musl and links no HTTP library: the framing is
 * hand-written; the body is read with the guest's one JSON reader
 * (common/json.h). It accepts exactly this schema (an object of string
 * members, at most 64 KiB) and is fuzzed (broker/fuzz-service/).
 */
#ifndef COCOBOOT_PROTO_RESPONSE_H
#define COCOBOOT_PROTO_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/volume_key.h"

#define COCO_ERROR_CODE_MAX   64

/* Writes the request head for a body of body_len bytes; returns its length or a negative coco_proto_error. */
int coco_http_request_head(char *buf, size_t cap, const char *host, size_t body_len);

struct coco_http_response {
	int status;              /* e.g. 200 */
	unsigned retry_after;    /* seconds, from Retry-After (0: absent) */
	const char *body;        /* points into the parsed buffer */
	size_t body_len;
	size_t total_len;        /* bytes of the buffer this response used */
};

/*
 * Parse one HTTP/1.1 response from buf[0..len). Needs Content-Length (the
 * broker always sends it). COCO_PROTO_INCOMPLETE: read more and call again.
 */
int coco_http_response_parse(const char *buf, size_t len, struct coco_http_response *out);

struct coco_unlock_answer {
	uint8_t key[VOLUME_KEY_LEN];        /* wipe after use */
	size_t key_len;                     /* 0 when no key */
	char error[COCO_ERROR_CODE_MAX];    /* "" when none */
};

/* Parse the JSON body of an answer: {"key": b64} and/or {"error": code}. */
int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out);

#endif
