/* The broker's HTTP/1.1 framing: the request it reads, the head of its answer (see http_server.h). */
#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

static int on_message_begin(http_parser *p)
{
	struct coco_http_request *r = p->data;

	r->url_len = 0; /* marks the request as started */
	r->url[0] = '\0';
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct coco_http_request *r = p->data;

	if (r->url_len + len >= sizeof(r->url)) {
		r->bad_target = 1;
		return 0;
	}
	memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	r->url[r->url_len] = '\0';
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct coco_http_request *r = p->data;

	if (r->bad_target || strcmp(r->url, r->target))
		r->bad_target = 1;
	else if (p->method != r->method)
		r->bad_method = 1;
	/* announced too large: answer 413 without reading it */
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > COCO_MAX_BODY) {
		r->too_large = 1;
		return -1;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct coco_http_request *r = p->data;
	char *nb;

	if (r->body_len + len > COCO_MAX_BODY) {
		r->too_large = 1;
		return -1;
	}
	if (!(nb = realloc(r->body, r->body_len + len + 1))) {
		r->oom = 1;
		return -1;
	}
	r->body = nb;
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct coco_http_request *r = p->data;

	r->complete = 1;
	http_parser_pause(p, 1); /* one request per connection */
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void coco_http_request_init(struct coco_http_request *r, const char *target, unsigned method)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
	r->target = target;
	r->method = method;
	r->url_len = (size_t)-1; /* nothing received yet */
}

int coco_http_request_started(const struct coco_http_request *r)
{
	return r->url_len != (size_t)-1;
}

enum coco_http_feed coco_http_request_feed(struct coco_http_request *r, const char *data, size_t len)
{
	enum http_errno e;

	if (r->complete)
		return COCO_HTTP_FEED_COMPLETE;
	http_parser_execute(&r->parser, &settings, data, len);
	e = HTTP_PARSER_ERRNO(&r->parser);
	if (r->too_large)
		return COCO_HTTP_FEED_TOO_LARGE;
	if (r->complete)
		return COCO_HTTP_FEED_COMPLETE;
	if (e != HPE_OK || r->oom)
		return COCO_HTTP_FEED_MALFORMED;
	return COCO_HTTP_FEED_MORE;
}

void coco_http_request_free(struct coco_http_request *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

const char *coco_http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

int coco_http_response_head(char *buf, size_t cap, int status, const char *ctype, size_t body_len,
			    int retry_after_s)
{
	int n;

	if (!buf || !ctype || strpbrk(ctype, "\r\n") || status < 100 || status > 999)
		return COCO_PROTO_BAD_INPUT;
	if (retry_after_s > 0)
		n = snprintf(buf, cap,
			     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			     "Cache-Control: no-store\r\nConnection: close\r\nRetry-After: %d\r\n\r\n",
			     status, coco_http_status_text(status), ctype, body_len, retry_after_s);
	else
		n = snprintf(buf, cap,
			     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			     status, coco_http_status_text(status), ctype, body_len);
	if (n < 0 || (size_t)n >= cap)
		return COCO_PROTO_TOO_LARGE;
	return n;
}
