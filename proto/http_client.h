/*
 * Wire protocol v1, HTTP/1.1 framing on the client's side (the guest and the
 * test clients): the request head it sends and a strict parser for the
 * response head that comes back. Hand-written because the guest is static
 * musl and links no HTTP library; fuzzed (proto/fuzz/fuzz-response.c).
 * The broker's side of the same framing is http_server.h.
 */
#ifndef COCOBOOT_PROTO_HTTP_CLIENT_H
#define COCOBOOT_PROTO_HTTP_CLIENT_H

#include <stddef.h>

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

#endif
