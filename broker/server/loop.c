/*
 * The event loop of `cocobroker serve` (see server.h, server_state.h):
 * epoll events to the listeners, connections, signals and finished jobs;
 * timeouts swept every tenth of a second; SIGHUP reloads, SIGTERM/SIGINT
 * drain.
 */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "broker/collateral/refresher.h"
#include "generation.h"
#include "log.h"
#include "sd_notify.h"
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

static void reload(struct server *s)
{
	struct broker_config cfg;
	struct generation *g;
	char err[512];

	sd_notify_send("RELOADING=1");
	if (config_load(&cfg, s->config_path, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
		sd_notify_send("READY=1\nSTATUS=reload failed, serving the previous configuration");
		return;
	}
	if (generation_new(&g, &cfg, &s->drbg, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
		sd_notify_send("READY=1\nSTATUS=reload failed, serving the previous configuration");
		config_free(&cfg);
		return;
	}
	if (strcmp(cfg.listen, s->cfg.listen) || strcmp(cfg.database, s->cfg.database) ||
	    strcmp(cfg.master_key, s->cfg.master_key) || cfg.workers != s->cfg.workers ||
	    (cfg.metrics_listen == NULL) != (s->cfg.metrics_listen == NULL) ||
	    (cfg.metrics_listen && strcmp(cfg.metrics_listen, s->cfg.metrics_listen)))
		log_event("warning", "reload", "detail",
			  "listen, metrics_listen, database, master_key and workers change only on restart", NULL);
	/* keep what needs a restart, take the rest */
	s->cfg.max_connections = cfg.max_connections;
	s->cfg.handshake_timeout_ms = cfg.handshake_timeout_ms;
	s->cfg.idle_timeout_ms = cfg.idle_timeout_ms;
	s->cfg.shutdown_timeout_ms = cfg.shutdown_timeout_ms;
	s->cfg.retry_after_s = cfg.retry_after_s;
	s->cfg.queue_depth = cfg.queue_depth;
	workers_set_queue_depth(s->workers, cfg.queue_depth);
	config_free(&cfg);
	generation_unref(s->gen);
	s->gen = g;
	log_event("info", "reloaded", "config", s->config_path, NULL);
	sd_notify_send("READY=1\nSTATUS=serving (reloaded)");
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
	log_event("info", "shutdown", "detail", "finishing in-flight requests", NULL);
	sd_notify_send("STOPPING=1\nSTATUS=finishing in-flight requests");
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

int server_run(const char *config_path)
{
	struct server *s = calloc(1, sizeof(*s));
	char err[512];
	int rc = 0;

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
	if (server_start(s, err, sizeof(err))) {
		log_event("error", "startup", "detail", err, NULL);
		rc = 1;
	} else {
		log_event("info", "listening", "listen", s->cfg.listen,
			  "metrics", s->cfg.metrics_listen ? s->cfg.metrics_listen : "off", NULL);
		sd_notify_send("READY=1\nSTATUS=serving");
		collateral_refresher_start(config_path);
		run_loop(s);
		collateral_refresher_stop();
		log_event("info", "stopped", NULL);
	}
	server_stop(s);
	free(s);
	return rc;
}
