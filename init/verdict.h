/*
 * What the broker's answer means for the boot: a key, a retry, or a final
 * refusal with a stable code. The HTTP framing and the body's syntax are
 * proto/'s (http_client.h, answer.h; one implementation with the broker).
 */
#ifndef COCOBOOT_VERDICT_H
#define COCOBOOT_VERDICT_H

#include <stddef.h>

#include "errors.h"
#include "common/secret.h"

enum cb_verdict { CB_VERDICT_INCOMPLETE, CB_VERDICT_KEY, CB_VERDICT_RETRY, CB_VERDICT_FINAL };

#define CB_RETRY_AFTER_MAX_S 300

/*
 * Interpret the bytes received so far, BUF[0..LEN) (EOF: the broker closed).
 * 200 {"key": b64} of exactly 64 bytes -> KEY, decoded into KEY (a secret
 * buffer of at least 64 bytes). 503 and other 5xx -> RETRY (RETRY_AFTER_MS
 * from Retry-After, capped at CB_RETRY_AFTER_MAX_S). 403 {"error": code} ->
 * FINAL, CB_ERR_BROKER_REFUSED with the code; 404 -> refused
 * COCO_REASON_UNKNOWN_VOLUME; other statuses or bad syntax -> FINAL,
 * CB_ERR_BROKER_PROTOCOL. INCOMPLETE: read more.
 */
enum cb_verdict cb_answer_verdict(const char *buf, size_t len, int eof, struct secret *key,
				  unsigned *retry_after_ms, struct cb_err *err);

#endif
