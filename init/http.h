/*
 * The HTTP/1.1 side of wire protocol v1 as the guest needs it: frame one
 * POST, parse one response (status, Content-Length, Retry-After, body), and
 * turn the broker's answer into a key, a retry or a final refusal.
 */
#ifndef COCOBOOT_HTTP_H
#define COCOBOOT_HTTP_H

#include <stddef.h>

#include "errors.h"
#include "secret.h"

#define CB_HTTP_MAX_RESPONSE 65536
#define CB_RETRY_AFTER_MAX_S 300

struct cb_http_response {
	int status;
	int has_retry_after;
	unsigned retry_after_s;   /* capped at CB_RETRY_AFTER_MAX_S */
	size_t header_len;        /* bytes up to and including the blank line */
	const char *body;
	size_t body_len;
};

/* Request head for a POST of BODY_LEN bytes of JSON. Returns its length, or -1 if CAP is too small. */
int cb_http_format_post(char *out, size_t cap, const char *host, const char *port, const char *path, size_t body_len);

/*
 * Parse BUF[0..LEN). EOF says the peer closed (a response without
 * Content-Length then ends there). Returns 1 when complete, 0 when more bytes
 * are needed, -1 when malformed (reason in WHY).
 */
int cb_http_parse_response(const char *buf, size_t len, int eof, struct cb_http_response *r, char *why, size_t why_len);

enum cb_verdict { CB_VERDICT_KEY, CB_VERDICT_RETRY, CB_VERDICT_FINAL };

/*
 * What the broker's answer means. 200 with {"key": b64} of 64 bytes: the key
 * is decoded into KEY (a secret buffer) -> KEY. 503 and other 5xx -> RETRY
 * (RETRY_AFTER_MS from Retry-After, else 0). 403 {"error": code} -> FINAL,
 * CB_ERR_BROKER_REFUSED with the code; 404 -> refused "unknown-volume";
 * anything else -> FINAL or RETRY with CB_ERR_BROKER_PROTOCOL. BODY is
 * modified (JSON is decoded in place): it should live in secret memory.
 */
enum cb_verdict cb_http_interpret_unlock(const struct cb_http_response *r, char *body, struct cb_secret *key,
					 unsigned *retry_after_ms, struct cb_err *err);

#endif
