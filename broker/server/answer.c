/* Queueing the answer of a connection (see server_state.h). */
#include <stdlib.h>
#include <string.h>

#include "../../proto/answer.h"
#include "../../proto/request.h"
#include "metrics.h"
#include "server_state.h"

void conn_answer(struct server *s, struct conn *c, int status, const char *ctype,
		 const char *body, size_t body_len, int retry_after)
{
	char head[256];
	int n = coco_http_response_head(head, sizeof(head), status, ctype, body_len,
					retry_after ? s->cfg.retry_after_s : 0);

	if (n < 0) {
		c->state = ST_CLOSING;
		return;
	}
	c->out_cap = (size_t)n + body_len;
	c->out = malloc(c->out_cap);
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
