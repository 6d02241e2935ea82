/* A complete request: answered at once, or verified by a worker (see server_state.h). */
#include <stdlib.h>

#include <mbedtls/platform_util.h>

#include "proto/reasons.h"
#include "generation.h"
#include "metrics.h"
#include "server_state.h"
#include "workers.h"

#define METRICS_MAX  (64 * 1024)

static void answer_metrics(struct server *s, struct conn *c)
{
	char *text = malloc(METRICS_MAX);
	size_t n;

	if (!text) {
		c->state = ST_CLOSING;
		return;
	}
	n = metrics_render(text, METRICS_MAX);
	conn_answer(s, c, 200, "text/plain; version=0.0.4", text, n, 0);
	free(text);
}

static void answer_health(struct server *s, struct conn *c)
{
	char body[64];
	size_t n;
	int status = metrics_health(body, sizeof(body), &n);

	conn_answer(s, c, status, "application/json", body, n, status == 503 ? 1 : 0);
}

/* The unlock request to the worker pool; 503 when it is full. */
static void submit_unlock(struct server *s, struct conn *c)
{
	struct job *job = calloc(1, sizeof(*job));

	if (!job) {
		conn_error(s, c, 503, COCO_REASON_OVERLOADED, 1);
		return;
	}
	job->conn = c;
	job->gen = generation_ref(c->gen);
	job->in = c->in;
	job->in.body = c->req.body ? c->req.body : "";
	job->in.body_len = c->req.body_len;
	job->t_queued = now_s();
	if (workers_submit(s->workers, job)) {
		generation_unref(job->gen);
		free(job);
		metrics_overload();
		conn_error(s, c, 503, COCO_REASON_OVERLOADED, 1);
		return;
	}
	metrics_inflight(1);
	c->job = job;
	c->state = ST_WORKING;
	conn_set_interest(s, c, 0);
}

void dispatch(struct server *s, struct conn *c)
{
	if (c->req.bad_target)
		conn_error(s, c, 404, COCO_REASON_NOT_FOUND, 0);
	else if (c->req.bad_method)
		conn_error(s, c, 405, COCO_REASON_METHOD_NOT_ALLOWED, 0);
	else if (c->is_metrics && c->req.alt)
		answer_health(s, c);
	else if (c->is_metrics)
		answer_metrics(s, c);
	else
		submit_unlock(s, c);
}

void job_finished(struct server *s, struct job *job)
{
	struct conn *c = job->conn;
	double elapsed = now_s() - job->t_queued;
	struct unlock_output *o = &job->out;

	metrics_inflight(-1);
	if (o->status == 200)
		metrics_release(elapsed);
	else if (o->status == 403 || o->status == 404)
		metrics_refusal(o->reason, elapsed);
	c->job = NULL;
	if (o->status == 200)
		conn_answer_key(s, c, &o->key_answer);
	else
		conn_answer(s, c, o->status, "application/json", o->body, o->body_len, o->retry_after);
	secret_free(&o->key_answer);   /* the worker's copy: the connection has its own */
	mbedtls_platform_zeroize(o, sizeof(*o));
	generation_unref(job->gen);
	free(job);
}
