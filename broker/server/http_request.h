/*
 * HTTP/1.1 request framing for the broker's listeners, on http_parser
 * (Debian libhttp-parser): one request per connection, a fixed target, a body
 * of at most COCO_MAX_BODY bytes (announced or chunked), anything after the
 * first request ignored.
 */
#ifndef COCOBOOT_BROKER_HTTP_REQUEST_H
#define COCOBOOT_BROKER_HTTP_REQUEST_H

#include <stddef.h>

#include <http_parser.h>

enum http_feed {
	HTTP_FEED_MORE = 0,      /* need more bytes */
	HTTP_FEED_COMPLETE,      /* a full request: check bad_target / bad_method, then use the body */
	HTTP_FEED_TOO_LARGE,     /* 413 */
	HTTP_FEED_MALFORMED,     /* 400 */
};

struct http_request {
	http_parser parser;
	const char *target;      /* the one path served */
	unsigned method;         /* the one method served (enum http_method) */
	char url[64];
	size_t url_len;
	int complete, too_large, bad_target, bad_method, oom;
	char *body;              /* NUL-terminated when complete; malloc'd */
	size_t body_len;
};

void http_request_init(struct http_request *r, const char *target, unsigned method);
/* Feed received bytes; after a result other than MORE, stop feeding. */
enum http_feed http_request_feed(struct http_request *r, const char *data, size_t len);
/* True once anything of a request has arrived (used when draining). */
int http_request_started(const struct http_request *r);
void http_request_free(struct http_request *r);

#endif
