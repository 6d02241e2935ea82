/*
 * Minimal HTTP/1.1 client framing for the broker's API. Only what the broker
 * sends is accepted; anything else is a protocol error, never a guess.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>

#include "http.h"
#include "json.h"

int cb_http_format_post(char *out, size_t cap, const char *host, const char *port, const char *path, size_t body_len)
{
	int bracket = strchr(host, ':') != NULL;
	int n = snprintf(out, cap,
			 "POST %s HTTP/1.1\r\n"
			 "Host: %s%s%s:%s\r\n"
			 "User-Agent: cocoboot\r\n"
			 "Content-Type: application/json\r\n"
			 "Accept: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Connection: close\r\n"
			 "\r\n",
			 path, bracket ? "[" : "", host, bracket ? "]" : "", port, body_len);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int why_fail(char *why, size_t why_len, const char *reason)
{
	snprintf(why, why_len, "%s", reason);
	return -1;
}

/* Decimal with no sign; -1 when empty, non-digit, or above LIMIT. */
static long long parse_decimal(const char *p, const char *end, long long limit)
{
	long long v = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > limit)
			return -2;
	}
	return v;
}

int cb_http_parse_response(const char *buf, size_t len, int eof, struct cb_http_response *r, char *why, size_t why_len)
{
	const char *end = NULL, *line, *next;
	long long content_length = -1;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			end = buf + i + 2;  /* the final CRLF of the last header line */
			break;
		}
	if (!end) {
		if (len >= 8192)
			return why_fail(why, why_len, "response headers longer than 8 KiB");
		return eof ? why_fail(why, why_len, "connection closed before the response headers ended") : 0;
	}
	r->header_len = (size_t)(end - buf) + 2;

	if (r->header_len < 14 || (memcmp(buf, "HTTP/1.1 ", 9) && memcmp(buf, "HTTP/1.0 ", 9)) ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9' ||
	    (buf[12] != ' ' && buf[12] != '\r'))
		return why_fail(why, why_len, "malformed HTTP status line");
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');

	line = memchr(buf, '\n', r->header_len) + 1;
	for (; line < end; line = next) {
		const char *eol = memchr(line, '\r', (size_t)(end - line));
		const char *colon;

		if (!eol || eol[1] != '\n')
			return why_fail(why, why_len, "header line without CRLF");
		next = eol + 2;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon || colon == line)
			return why_fail(why, why_len, "malformed header line");
		if ((size_t)(colon - line) == 14 && !strncasecmp(line, "Content-Length", 14)) {
			long long v = parse_decimal(colon + 1, eol, CB_HTTP_MAX_RESPONSE);

			if (v == -2)
				return why_fail(why, why_len, "response body larger than 64 KiB");
			if (v < 0 || (content_length >= 0 && v != content_length))
				return why_fail(why, why_len, "bad Content-Length");
			content_length = v;
		} else if ((size_t)(colon - line) == 17 && !strncasecmp(line, "Transfer-Encoding", 17)) {
			return why_fail(why, why_len, "Transfer-Encoding is not supported");
		} else if ((size_t)(colon - line) == 11 && !strncasecmp(line, "Retry-After", 11)) {
			long long v = parse_decimal(colon + 1, eol, 1LL << 40);

			/* Only delay-seconds: an HTTP-date would trust the host-controlled clock. */
			if (v >= 0) {
				r->has_retry_after = 1;
				r->retry_after_s = v > CB_RETRY_AFTER_MAX_S ? CB_RETRY_AFTER_MAX_S : (unsigned)v;
			}
		}
	}

	r->body = buf + r->header_len;
	if (content_length >= 0) {
		if (len - r->header_len < (size_t)content_length)
			return eof ? why_fail(why, why_len, "connection closed inside the response body") : 0;
		r->body_len = (size_t)content_length;
		return 1;
	}
	if (len - r->header_len > CB_HTTP_MAX_RESPONSE)
		return why_fail(why, why_len, "response body larger than 64 KiB");
	if (!eof)
		return 0;
	r->body_len = len - r->header_len;
	return 1;
}

/* A reason code is shown on the console: keep it to the documented alphabet. */
static void copy_reason(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < cap; src++) {
		if (!((*src >= 'a' && *src <= 'z') || (*src >= '0' && *src <= '9') || *src == '-' || *src == '_'))
			break;
		dst[n++] = *src;
	}
	if (n == 0 || (src && *src))
		snprintf(dst, cap, "unparsable-reason");
	else
		dst[n] = '\0';
}

enum cb_verdict cb_http_interpret_unlock(const struct cb_http_response *r, char *body, struct cb_secret *key,
					 unsigned *retry_after_ms, struct cb_err *err)
{
	struct json_node nodes[16];
	struct json_doc doc = { .nodes = nodes, .cap = 16 };
	const struct json_node *root;
	int parsed;

	*retry_after_ms = r->has_retry_after ? r->retry_after_s * 1000u : 0;
	parsed = json_parse(body, r->body_len, &doc) == 0;
	root = parsed ? json_root(&doc) : NULL;

	if (r->status == 200) {
		const char *b64 = json_get_string(&doc, root, "key");
		size_t out = 0;

		if (!root || root->type != JSON_OBJECT || !b64) {
			cb_fail(err, CB_ERR_BROKER_PROTOCOL, "200 without a JSON \"key\"");
			return CB_VERDICT_FINAL;
		}
		if (mbedtls_base64_decode(key->data, key->cap, &out, (const unsigned char *)b64, strlen(b64)) != 0 ||
		    out != 64) {
			cb_secret_wipe(key);
			cb_fail(err, CB_ERR_BROKER_PROTOCOL, "released key is not 64 bytes of base64");
			return CB_VERDICT_FINAL;
		}
		key->len = out;
		return CB_VERDICT_KEY;
	}
	if (r->status == 403) {
		char reason[64];

		copy_reason(reason, sizeof(reason), json_get_string(&doc, root, "error"));
		cb_fail(err, CB_ERR_BROKER_REFUSED, "%s", reason);
		return CB_VERDICT_FINAL;
	}
	if (r->status == 404) {
		cb_fail(err, CB_ERR_BROKER_REFUSED, "unknown-volume");
		return CB_VERDICT_FINAL;
	}
	if (r->status >= 500) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "broker answered %d%s", r->status,
			r->status == 503 ? " (busy)" : "");
		return CB_VERDICT_RETRY;
	}
	cb_fail(err, CB_ERR_BROKER_PROTOCOL, "broker answered %d", r->status);
	return CB_VERDICT_FINAL;
}
