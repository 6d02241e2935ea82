/*
 * The bounded worker pool that verifies unlock requests. The event loop
 * submits; when workers + queue_depth requests are already pending it gets
 * a refusal at once and answers 503 instead of queueing without bound.
 * Finished jobs come back on a list, announced through an eventfd the
 * event loop polls.
 */
#ifndef COCOBOOT_BROKER_WORKERS_H
#define COCOBOOT_BROKER_WORKERS_H

#include "unlock.h"

struct generation;

struct job {
	void *conn;                 /* owner, opaque to the pool */
	struct generation *gen;     /* trust store etc. in force when the request arrived */
	struct unlock_input in;
	struct unlock_output out;
	double t_queued;
	struct job *next;
};

struct workers;

/* Each worker opens its own store connection. 0 or -1 with err. */
int workers_start(struct workers **out, int n, int queue_depth, const char *db_path,
		  const uint8_t *master_key, char *err, size_t errlen);
/* Admission limit may change on reload. */
void workers_set_queue_depth(struct workers *w, int queue_depth);
/* 0 accepted, -1 full. */
int workers_submit(struct workers *w, struct job *job);
/* eventfd that becomes readable when finished jobs wait. */
int workers_done_fd(const struct workers *w);
/* Take the list of finished jobs (NULL if none). */
struct job *workers_take_done(struct workers *w);
/* Pending = queued + running. */
int workers_pending(struct workers *w);
/* Finish the queue, join the threads. */
void workers_stop(struct workers *w);

#endif
