/* The guest's HTTP/1.1 framing: the request head it sends, the answer it reads (see http_client.h). */
#include "http_client.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

int coco_http_request_head(char *buf, size_t cap, const char *host, size_t body_len)
{
	int n;

	if (!buf || !host || strpbrk(host, "\r\n") || body_len > COCO_MAX_BODY)
		return COCO_PROTO_BAD_INPUT;
	n = snprintf(buf, cap,
		     "POST " COCO_UNLOCK_PATH " HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", host, body_len);
	if (n < 0 || (size_t)n >= cap)
		return COCO_PROTO_TOO_LARGE;
	return n;
}

static int ieq_prefix(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = line[i], b = name[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* Decimal header value; ignores surrounding blanks, rejects anything else. */
static int parse_decimal(const char *p, const char *end, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; p < end; p++, digits++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -1;
	}
	if (!digits)
		return -1;
	*out = v;
	return 0;
}

/* "HTTP/1.x SP 3DIGIT SP reason" up to the first CR; its status, and *LINE_END at that CR. */
static int status_line(const char *buf, const char *head_end, int *status, const char **line_end)
{
	unsigned long v;

	*line_end = memchr(buf, '\r', (size_t)(head_end - buf));
	if (!*line_end || *line_end - buf < 12 || memcmp(buf, "HTTP/1.", 7) ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' || buf[12] != ' ')
		return -1;
	if (parse_decimal(buf + 9, buf + 12, 999, &v) || v < 100)
		return -1;
	*status = (int)v;
	return 0;
}

/* One header line [p, line_end): the two that matter are read, chunking is refused. */
static int header_line(const char *p, const char *line_end, struct coco_http_response *out,
		       unsigned long *content_length, int *have_length)
{
	const char *colon = memchr(p, ':', (size_t)(line_end - p));
	size_t name_len;
	unsigned long v;

	if (!colon)
		return -1;
	name_len = (size_t)(colon - p);
	if (name_len == 14 && ieq_prefix(p, name_len, "content-length")) {
		if (*have_length || parse_decimal(colon + 1, line_end, COCO_MAX_BODY, content_length))
			return -1;
		*have_length = 1;
	} else if (name_len == 11 && ieq_prefix(p, name_len, "retry-after")) {
		if (parse_decimal(colon + 1, line_end, 86400, &v))
			return -1;
		out->retry_after = (unsigned)v;
	} else if (name_len == 17 && ieq_prefix(p, name_len, "transfer-encoding")) {
		return -1; /* the broker never chunks */
	}
	return 0;
}

int coco_http_response_parse(const char *buf, size_t len, struct coco_http_response *out)
{
	const char *head_end = NULL, *p, *line_end;
	unsigned long content_length = 0;
	int have_length = 0;
	size_t head_len;

	if (!buf || !out)
		return COCO_PROTO_BAD_INPUT;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i + 3 < len; i++) {
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			head_end = buf + i + 2; /* end of the last header line + CRLF */
			break;
		}
	}
	if (!head_end)
		return len > 8192 ? COCO_PROTO_MALFORMED : COCO_PROTO_INCOMPLETE;
	head_len = (size_t)(head_end - buf) + 2;
	if (status_line(buf, head_end, &out->status, &line_end))
		return COCO_PROTO_MALFORMED;
	for (p = line_end + 2; p < head_end; p = line_end + 2) {
		line_end = memchr(p, '\r', (size_t)(head_end - p));
		if (!line_end || line_end[1] != '\n' || header_line(p, line_end, out, &content_length, &have_length))
			return COCO_PROTO_MALFORMED;
	}
	if (!have_length)
		return COCO_PROTO_MALFORMED;
	if (len - head_len < content_length)
		return COCO_PROTO_INCOMPLETE;
	out->body = buf + head_len;
	out->body_len = content_length;
	out->total_len = head_len + content_length;
	return COCO_PROTO_OK;
}
