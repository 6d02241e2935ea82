#include "response.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

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

int coco_http_response_parse(const char *buf, size_t len, struct coco_http_response *out)
{
	const char *head_end = NULL, *p, *line_end;
	unsigned long content_length = 0, v;
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

	/* Status line: HTTP/1.x SP 3DIGIT SP reason */
	line_end = memchr(buf, '\r', (size_t)(head_end - buf));
	if (!line_end || line_end - buf < 12 || memcmp(buf, "HTTP/1.", 7) ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' || buf[12] != ' ')
		return COCO_PROTO_MALFORMED;
	if (parse_decimal(buf + 9, buf + 12, 999, &v) || v < 100)
		return COCO_PROTO_MALFORMED;
	out->status = (int)v;

	for (p = line_end + 2; p < head_end; p = line_end + 2) {
		line_end = memchr(p, '\r', (size_t)(head_end - p));
		if (!line_end || line_end[1] != '\n')
			return COCO_PROTO_MALFORMED;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		if (!colon)
			return COCO_PROTO_MALFORMED;
		size_t name_len = (size_t)(colon - p);
		if (name_len == 14 && ieq_prefix(p, name_len, "content-length")) {
			if (have_length || parse_decimal(colon + 1, line_end, COCO_MAX_BODY, &content_length))
				return COCO_PROTO_MALFORMED;
			have_length = 1;
		} else if (name_len == 11 && ieq_prefix(p, name_len, "retry-after")) {
			if (parse_decimal(colon + 1, line_end, 86400, &v))
				return COCO_PROTO_MALFORMED;
			out->retry_after = (unsigned)v;
		} else if (name_len == 17 && ieq_prefix(p, name_len, "transfer-encoding")) {
			return COCO_PROTO_MALFORMED; /* the broker never chunks */
		}
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

/* ---- JSON: one object whose members are all strings ---- */

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int expect(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/*
 * A JSON string into out (NUL-terminated, at most cap-1 bytes). Only the
 * escapes a key broker could need; \u is refused (the schema is ASCII).
 */
static int read_string(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;

	if (expect(c, '"'))
		return -1;
	while (c->p < c->end) {
		char ch = *c->p++;
		if (ch == '"') {
			out[n] = '\0';
			return 0;
		}
		if ((unsigned char)ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			switch (*c->p++) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case '/': ch = '/'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			default: return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = ch;
	}
	return -1;
}

int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out)
{
	struct cursor c = { body, body + len };
	char name[16];
	/* base64 of the largest key (64 bytes) is 88 characters */
	char value[128];
	int have_key = 0, have_error = 0, ret = COCO_PROTO_MALFORMED;

	if (!body || !out)
		return COCO_PROTO_BAD_INPUT;
	memset(out, 0, sizeof(*out));
	if (len > COCO_MAX_BODY)
		return COCO_PROTO_TOO_LARGE;
	if (expect(&c, '{'))
		goto out;
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			if (read_string(&c, name, sizeof(name)) || expect(&c, ':') ||
			    read_string(&c, value, sizeof(value)))
				goto out;
			if (!strcmp(name, "key")) {
				size_t klen = 0;
				if (have_key || mbedtls_base64_decode(out->key, sizeof(out->key), &klen,
						(const unsigned char *)value, strlen(value)) || klen == 0)
					goto out;
				out->key_len = klen;
				have_key = 1;
			} else if (!strcmp(name, "error")) {
				if (have_error || strlen(value) >= sizeof(out->error) || !value[0])
					goto out;
				memcpy(out->error, value, strlen(value) + 1);
				have_error = 1;
			}
			/* other string members are ignored: later brokers may add some */
			skip_ws(&c);
			if (c.p < c.end && *c.p == ',') {
				c.p++;
				continue;
			}
			if (expect(&c, '}'))
				goto out;
			break;
		}
	}
	skip_ws(&c);
	if (c.p != c.end)
		goto out;
	ret = (have_key || have_error) ? COCO_PROTO_OK : COCO_PROTO_MALFORMED;
out:
	mbedtls_platform_zeroize(value, sizeof(value));
	if (ret != COCO_PROTO_OK) {
		mbedtls_platform_zeroize(out, sizeof(*out));
	}
	return ret;
}
