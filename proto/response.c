#include "response.h"
#include "request.h"
#include "../common/json.h"

#include <stdio.h>
#include <stdlib.h>
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

/*
 * The reader decodes \u escapes; the schema is ASCII and refuses them. Every
 * backslash of a well-formed body starts an escape inside a string, so
 * skipping the escaped character finds exactly the \u ones.
 */
static int has_unicode_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u')
			return 1;
		i++;
	}
	return 0;
}

/* The members, read with the guest's one JSON reader (common/json.h). */
static int read_members(const struct json_doc *doc, struct coco_unlock_answer *out)
{
	const struct json_node *root = json_root(doc);
	int have_key = 0, have_error = 0;

	if (root->type != JSON_OBJECT)
		return COCO_PROTO_MALFORMED;
	for (const struct json_node *m = json_first(doc, root); m; m = json_next(doc, m)) {
		/* the schema's bounds: names under 16 bytes, values under 128 (base64 of a 64-byte key is 88) */
		if (m->type != JSON_STRING || strlen(m->key) >= 16 || m->str_len >= 128)
			return COCO_PROTO_MALFORMED;
		if (!strcmp(m->key, "key")) {
			size_t klen = 0;

			if (mbedtls_base64_decode(out->key, sizeof(out->key), &klen, (const unsigned char *)m->str,
						  m->str_len) || klen == 0)
				return COCO_PROTO_MALFORMED;
			out->key_len = klen;
			have_key = 1;
		} else if (!strcmp(m->key, "error")) {
			if (m->str_len >= sizeof(out->error) || m->str_len == 0)
				return COCO_PROTO_MALFORMED;
			memcpy(out->error, m->str, m->str_len + 1);
			have_error = 1;
		}
		/* other string members are ignored: later brokers may add some (the reader refuses repeats) */
	}
	return have_key || have_error ? COCO_PROTO_OK : COCO_PROTO_MALFORMED;
}

int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out)
{
	struct json_doc doc = { 0 };
	char *text = NULL;
	int ret = COCO_PROTO_MALFORMED;

	if (!body || !out)
		return COCO_PROTO_BAD_INPUT;
	memset(out, 0, sizeof(*out));
	if (len > COCO_MAX_BODY)
		return COCO_PROTO_TOO_LARGE;
	/*
	 * The reader decodes in place: a private copy (it holds the key in
	 * base64: wiped below). Nodes for an object of string members only,
	 * each at least 6 bytes ("":"",): a body with any other value runs out
	 * of them or is refused for it, malformed either way.
	 */
	doc.cap = (unsigned)(len / 6 + 3);
	doc.nodes = calloc(doc.cap, sizeof(*doc.nodes));
	text = malloc(len + 1);
	if (!doc.nodes || !text) {
		ret = COCO_PROTO_TOO_LARGE;
		goto out;
	}
	memcpy(text, body, len);
	text[len] = '\0';
	if (!has_unicode_escape(text, len) && json_parse(text, len, &doc) == 0)
		ret = read_members(&doc, out);
out:
	if (text)
		mbedtls_platform_zeroize(text, len + 1);
	free(text);
	free(doc.nodes);
	if (ret != COCO_PROTO_OK)
		mbedtls_platform_zeroize(out, sizeof(*out));
	return ret;
}
