/*
 * Queueing the answer of a connection (see server_state.h). An answer that
 * carries a key is written from secret memory (common/secret.h) and wiped as
 * soon as the last byte is handed to TLS; every other answer from the heap.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "proto/answer.h"
#include "proto/request.h"
#include "metrics.h"
#include "server_state.h"

/* Head and body into c->out (secret memory when key is set), then write. */
static void queue(struct server *s, struct conn *c, int status, const char *ctype, const char *body,
		  size_t body_len, int retry_after, int key)
{
	char head[256];
	int n = coco_http_response_head(head, sizeof(head), status, ctype, body_len,
					retry_after ? s->cfg.retry_after_s : 0);

	conn_answer_free(c);
	if (n < 0) {
		c->state = ST_CLOSING;
		return;
	}
	c->out_cap = (size_t)n + body_len;
	if (key) {
		if (secret_alloc(&c->out_secret, c->out_cap) == 0)
			c->out = (char *)c->out_secret.data;
	} else {
		c->out = malloc(c->out_cap);
	}
	if (!c->out) {
		c->state = ST_CLOSING;
		return;
	}
	memcpy(c->out, head, (size_t)n);
	memcpy(c->out + n, body, body_len);
	c->out_len = c->out_cap;
	c->out_off = 0;
	c->state = ST_WRITE;
	c->deadline = now_s() + s->cfg.idle_timeout_ms / 1e3;
	metrics_request(status);
}

void conn_answer(struct server *s, struct conn *c, int status, const char *ctype,
		 const char *body, size_t body_len, int retry_after)
{
	queue(s, c, status, ctype, body, body_len, retry_after, 0);
}

void conn_answer_key(struct server *s, struct conn *c, const struct secret *answer)
{
	queue(s, c, 200, "application/json", (const char *)answer->data, answer->len, 0, 1);
}

void conn_answer_free(struct conn *c)
{
	if (c->out_secret.data)
		secret_free(&c->out_secret);
	else if (c->out) {
		mbedtls_platform_zeroize(c->out, c->out_cap);
		free(c->out);
	}
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
}

void conn_error(struct server *s, struct conn *c, int status, const char *code, int retry_after)
{
	char body[96];
	size_t n = 0;

	if (coco_answer_encode_error(code, body, sizeof(body), &n) != COCO_PROTO_OK) {
		c->state = ST_CLOSING;
		return;
	}
	conn_answer(s, c, status, "application/json", body, n, retry_after);
}
