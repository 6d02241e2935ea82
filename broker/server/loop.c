/*
 * The event loop of a serving process of `cocobroker serve` (see server.h,
 * server_state.h): epoll events to the listeners, connections, signals and
 * finished jobs; timeouts swept every tenth of a second; SIGHUP reloads,
 * SIGTERM/SIGINT drain. server_run prepares what the processes share and
 * hands over to the supervisor.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "generation.h"
#include "log.h"
#include "metrics.h"
#include "server_state.h"
#include "workers.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------- signals and reloads */

/* Tell the supervisor how a step ended (supervisor.c: STATUS_*). */
static void report(struct server *s, char status)
{
	(void)!write(s->status_fd, &status, 1);
}

/* SIGHUP, forwarded by the supervisor to every serving process: each loads
 * the configuration itself and reports back; the supervisor says "reloaded"
 * once all have. */
static void reload(struct server *s)
{
	struct broker_config cfg;
	struct generation *g;
	char err[512];

	if (config_load(&cfg, s->config_path, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
		report(s, STATUS_RELOAD_FAILED);
		return;
	}
	if (generation_new(&g, &cfg, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
		config_free(&cfg);
		report(s, STATUS_RELOAD_FAILED);
		return;
	}
	config_take_reloadable(&s->cfg, &cfg);
	workers_set_queue_depth(s->workers, cfg.queue_depth);
	config_free(&cfg);
	generation_unref(s->gen);
	s->gen = g;
	listen_resume(s);
	report(s, STATUS_RELOADED);
}

static void start_drain(struct server *s)
{
	if (s->draining)
		return;
	s->draining = 1;
	s->drain_deadline = now_s() + s->cfg.shutdown_timeout_ms / 1e3;
	listen_pause(s);
	close(s->listen_fd);
	s->listen_fd = -1;
}

static void handle_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(s);
		else
			start_drain(s);
	}
}

/* ------------------------------------------------------------- the loop */

/* Drop what timed out, close what is done; while draining, anything not in flight. */
static void sweep(struct server *s)
{
	double t = now_s();
	struct conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->state == ST_WORKING)
			continue;
		if (c->state != ST_CLOSING && t > c->deadline) {
			if (c->state != ST_LINGER)
				metrics_timeout();
			c->state = ST_CLOSING;
		}
		if (s->draining && (c->state == ST_HANDSHAKE ||
				    (c->state == ST_READ && !coco_http_request_started(&c->req))))
			c->state = ST_CLOSING;
		if (c->state == ST_CLOSING)
			conn_free(s, c);
	}
	listen_resume(s);
}

static void finish_jobs(struct server *s)
{
	struct job *job = workers_take_done(s->workers), *next;

	for (; job; job = next) {
		struct conn *c = job->conn;

		next = job->next;
		job_finished(s, job);
		conn_step(s, c);
	}
}

static void handle_event(struct server *s, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;

	if (tag == TAG_LISTEN) {
		if (s->listen_fd >= 0)
			accept_all(s, s->listen_fd, 0);
	} else if (tag == TAG_METRICS) {
		accept_all(s, s->metrics_fd, 1);
	} else if (tag == TAG_SIGNAL) {
		handle_signals(s);
	} else if (tag == TAG_DONE) {
		finish_jobs(s);
	} else {
		conn_step(s, ev->data.ptr);
	}
}

/* Until drained (0) or the drain deadline passed with requests in flight (0 too). */
static void run_loop(struct server *s)
{
	struct epoll_event events[256];
	double last_sweep = 0;

	for (;;) {
		int n = epoll_wait(s->epfd, events, 256, 100);
		double t;

		for (int i = 0; i < n; i++)
			handle_event(s, &events[i]);
		t = now_s();
		/* timeouts need no precision beyond a tenth of a second */
		if (t - last_sweep > 0.1 || s->draining) {
			sweep(s);
			last_sweep = t;
		}
		if (s->draining && !s->conns)
			return;
		if (s->draining && t > s->drain_deadline) {
			log_event("warning", "shutdown", "detail", "timeout with requests in flight", NULL);
			return;
		}
	}
}

/* One serving process (supervisor.c starts them): its workers, TLS and
 * event loop on the shared listening sockets, until drained. */
int serve_process(struct server *s, int status_fd)
{
	char err[512];
	int rc = 0;

	s->status_fd = status_fd;
	/* memory locks are not inherited across fork */
	lock_all_memory();
	if (server_start(s, err, sizeof(err))) {
		log_event("error", "startup", "detail", err, NULL);
		rc = 1;
	} else {
		report(s, STATUS_READY);
		run_loop(s);
	}
	server_stop(s);
	config_free(&s->cfg);
	return rc;
}

int server_run(const char *config_path)
{
	struct server *s = calloc(1, sizeof(*s));
	char err[512] = "";
	int rc;

	if (!s)
		return 1;
	if (forbid_core_dumps()) {
		log_event("error", "startup", "detail", "cannot forbid core dumps", "errno", strerror(errno), NULL);
		free(s);
		return 1;
	}
	s->config_path = config_path;
	s->listen_fd = s->metrics_fd = s->sig_fd = s->epfd = -1;
	if (config_load(&s->cfg, config_path, err, sizeof(err))) {
		log_event("error", "config", "detail", err, NULL);
		free(s);
		return 2;
	}
	/* secrets must never reach swap; buffers of connections hold keys briefly.
	 * (Not under AddressSanitizer: locking its shadow mappings would fail them.) */
	lock_all_memory();
	if (metrics_share() || server_prepare(s, err, sizeof(err))) {
		if (!err[0])
			snprintf(err, sizeof(err), "cannot share the metrics: %s", strerror(errno));
		log_event("error", "startup", "detail", err, NULL);
		rc = 1;
	} else {
		rc = supervise(s);
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->metrics_fd >= 0)
		close(s->metrics_fd);
	config_free(&s->cfg);
	free(s);
	return rc;
}
