/*
 * Wire protocol v1, HTTP/1.1 framing on the broker's side: the request is
 * read with http_parser (Debian libhttp-parser; host only, the guest never
 * links this file): one request per connection, a fixed target, a body of at
 * most COCO_MAX_BODY bytes (announced or chunked), anything after the first
 * request ignored. The answer head is written here too. The client's side of
 * the same framing is http_client.h. Fuzzed (proto/fuzz/fuzz-request.c).
 */
#ifndef COCOBOOT_PROTO_HTTP_SERVER_H
#define COCOBOOT_PROTO_HTTP_SERVER_H

#include <stddef.h>

#include <http_parser.h>

enum coco_http_feed {
	COCO_HTTP_FEED_MORE = 0,      /* need more bytes */
	COCO_HTTP_FEED_COMPLETE,      /* a full request: check bad_target / bad_method, then use the body */
	COCO_HTTP_FEED_TOO_LARGE,     /* 413 */
	COCO_HTTP_FEED_MALFORMED,     /* 400 */
};

struct coco_http_request {
	http_parser parser;
	const char *target;      /* the path served */
	const char *alt_target;  /* a second path on the same listener (NULL: none); alt set when it was asked for */
	unsigned method;         /* the one method served (enum http_method) */
	char url[64];
	size_t url_len;
	int complete, too_large, bad_target, bad_method, oom, alt;
	char *body;              /* NUL-terminated when complete; malloc'd */
	size_t body_len;
};

void coco_http_request_init(struct coco_http_request *r, const char *target, unsigned method);
/* Feed received bytes; after a result other than MORE, stop feeding. */
enum coco_http_feed coco_http_request_feed(struct coco_http_request *r, const char *data, size_t len);
/* True once anything of a request has arrived (used when draining). */
int coco_http_request_started(const struct coco_http_request *r);
void coco_http_request_free(struct coco_http_request *r);

/* "OK", "Forbidden", ... for the status codes the broker sends ("Error" otherwise). */
const char *coco_http_status_text(int status);

/*
 * The answer head: status line, Content-Type, Content-Length, no-store,
 * Connection: close, and Retry-After when retry_after_s > 0. Returns its
 * length or a negative coco_proto_error.
 */
int coco_http_response_head(char *buf, size_t cap, int status, const char *ctype, size_t body_len,
			    int retry_after_s);

#endif
