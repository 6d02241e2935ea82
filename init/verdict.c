/* The broker's answer as a boot decision (see verdict.h). */
#include <stdio.h>
#include <string.h>

#include "verdict.h"
#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"
#include "proto/reasons.h"

/* A reason code is shown on the console: keep it to the documented alphabet. */
static void copy_reason(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < cap; src++) {
		if (!((*src >= 'a' && *src <= 'z') || (*src >= '0' && *src <= '9') || *src == '-' || *src == '_'))
			break;
		dst[n++] = *src;
	}
	if (n == 0 || *src)
		snprintf(dst, cap, "unparsable-reason");
	else
		dst[n] = '\0';
}

/* A 200 or 403 body: the key into KEY, or the refusal's code into ERR. */
static enum cb_verdict body_verdict(const struct coco_http_response *resp, struct secret *key, struct cb_err *err)
{
	struct secret answer_mem;
	struct coco_unlock_answer *answer;
	enum cb_verdict verdict = CB_VERDICT_FINAL;
	char reason[COCO_ERROR_CODE_MAX];
	int rc;

	/* The parsed answer holds the key: it lives in locked memory too. */
	if (secret_alloc(&answer_mem, sizeof(*answer)) < 0) {
		cb_fail(err, CB_ERR_SETUP, "cannot lock memory for the answer");
		return CB_VERDICT_FINAL;
	}
	answer = (struct coco_unlock_answer *)answer_mem.data;
	rc = coco_answer_parse(resp->body, resp->body_len, answer);
	if (resp->status == 403) {
		copy_reason(reason, sizeof(reason), rc == COCO_PROTO_OK ? answer->error : "");
		cb_fail(err, CB_ERR_BROKER_REFUSED, "%s", reason);
	} else if (rc != COCO_PROTO_OK || answer->key_len == 0) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "200 without a well-formed \"key\"");
	} else if (answer->key_len != VOLUME_KEY_LEN || key->cap < VOLUME_KEY_LEN) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "released key is %zu bytes, the volume needs %d", answer->key_len,
			VOLUME_KEY_LEN);
	} else {
		memcpy(key->data, answer->key, VOLUME_KEY_LEN);
		key->len = VOLUME_KEY_LEN;
		verdict = CB_VERDICT_KEY;
	}
	secret_free(&answer_mem);
	return verdict;
}

enum cb_verdict cb_answer_verdict(const char *buf, size_t len, int eof, struct secret *key,
				  unsigned *retry_after_ms, struct cb_err *err)
{
	struct coco_http_response resp;
	int rc = coco_http_response_parse(buf, len, &resp);

	*retry_after_ms = 0;
	if (rc == COCO_PROTO_INCOMPLETE && !eof)
		return CB_VERDICT_INCOMPLETE;
	if (rc != COCO_PROTO_OK) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "%s",
			rc == COCO_PROTO_INCOMPLETE ? "connection closed before the answer was complete"
						    : "malformed HTTP answer");
		return CB_VERDICT_FINAL;
	}
	*retry_after_ms = (resp.retry_after > CB_RETRY_AFTER_MAX_S ? CB_RETRY_AFTER_MAX_S : resp.retry_after) * 1000u;
	if (resp.status >= 500) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "broker answered %d%s", resp.status,
			resp.status == 503 ? " (busy)" : "");
		return CB_VERDICT_RETRY;
	}
	if (resp.status == 404) {
		cb_fail(err, CB_ERR_BROKER_REFUSED, "%s", COCO_REASON_UNKNOWN_VOLUME);
		return CB_VERDICT_FINAL;
	}
	if (resp.status != 200 && resp.status != 403) {
		cb_fail(err, CB_ERR_BROKER_PROTOCOL, "broker answered %d", resp.status);
		return CB_VERDICT_FINAL;
	}
	return body_verdict(&resp, key, err);
}
