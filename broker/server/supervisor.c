/*
 * cocobroker serve on every core: the first process (systemd's main PID)
 * starts `processes` serving processes (default: one per online CPU), each
 * with its own event loop, TLS and workers on the listening sockets they
 * share, and stays out of the traffic: it forwards SIGHUP and SIGTERM, says
 * "listening", "reloaded" and "stopped" once for all of them, and replaces a
 * process that dies. The serving processes die with it (PR_SET_PDEATHSIG):
 * a `kill -9` of the broker leaves nothing listening.
 *
 * Processes rather than threads: OpenSSL and the store are per process,
 * nothing is shared but the kernel's accept queue and the metrics mapping,
 * and one process crashing takes down its own connections only.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker/collateral/refresher.h"
#include "log.h"
#include "metrics.h"
#include "sd_notify.h"
#include "server_state.h"

/* a process that keeps dying is restarted at most this often */
#define RESTART_INTERVAL_S 1.0

struct supervisor {
	struct server *s;
	pid_t *pids;             /* 0: slot empty (not started, exited) */
	int n, alive;
	int sig_fd, status_rd, status_wr;
	int ready, reload_pending, reload_failed, draining;
	double next_restart;
};

static void start_one(struct supervisor *v, int i)
{
	pid_t parent = getpid(), pid = fork();
	sigset_t chld;

	if (pid < 0) {
		log_event("error", "process-start", "detail", strerror(errno), NULL);
		return;
	}
	if (pid > 0) {
		v->pids[i] = pid;
		v->alive++;
		return;
	}
	/* the serving process: dies with the supervisor */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	close(v->sig_fd);
	close(v->status_rd);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	metrics_slot(i);
	/* every process reads the collateral's expiry for its own metrics; only the first fetches (and logs),
	 * so the vendors see one client per broker (a thread here: the serving process never forks) */
	collateral_refresher_start(v->s->config_path, i == 0);
	int rc = serve_process(v->s, v->status_wr);
	collateral_refresher_stop();
	/* exit, not _exit: the sanitizer build checks the process for leaks */
	exit(rc);
}

static void signal_all(struct supervisor *v, int sig)
{
	for (int i = 0; i < v->n; i++)
		if (v->pids[i] > 0)
			kill(v->pids[i], sig);
}

/* Reap what exited; 1 if one exited before all were ready (start failed). */
static int reap(struct supervisor *v)
{
	int status, failed = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		char what[64];
		int i;

		for (i = 0; i < v->n && v->pids[i] != pid; i++)
			;
		if (i == v->n)
			continue;
		v->pids[i] = 0;
		v->alive--;
		if (v->reload_pending > 0)
			v->reload_pending--;
		if (v->draining)
			continue;
		if (v->ready < v->n) {
			failed = 1;
			continue;
		}
		if (WIFSIGNALED(status))
			snprintf(what, sizeof(what), "killed by signal %d", WTERMSIG(status));
		else
			snprintf(what, sizeof(what), "exited with status %d", WEXITSTATUS(status));
		log_event("error", "process-exited", "detail", what, "action", "restarting it", NULL);
	}
	return failed;
}

static void restart_missing(struct supervisor *v)
{
	double t = now_s();

	if (v->draining || v->alive == v->n || t < v->next_restart)
		return;
	for (int i = 0; i < v->n; i++)
		if (!v->pids[i])
			start_one(v, i);
	v->next_restart = t + RESTART_INTERVAL_S;
}

static void reloaded_one(struct supervisor *v, int ok)
{
	if (!ok)
		v->reload_failed = 1;
	if (v->reload_pending > 0 && --v->reload_pending == 0) {
		if (v->reload_failed) {
			sd_notify_send("READY=1\nSTATUS=reload failed, serving the previous configuration");
		} else {
			log_event("info", "reloaded", "config", v->s->config_path, NULL);
			sd_notify_send("READY=1\nSTATUS=serving (reloaded)");
		}
	}
}

static void read_status(struct supervisor *v)
{
	char buf[64];
	ssize_t n;

	while ((n = read(v->status_rd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == STATUS_READY)
				v->ready++;
			else if (buf[i] == STATUS_RELOADED || buf[i] == STATUS_RELOAD_FAILED)
				reloaded_one(v, buf[i] == STATUS_RELOADED);
		}
}

static void start_drain(struct supervisor *v)
{
	if (v->draining)
		return;
	v->draining = 1;
	log_event("info", "shutdown", "detail", "finishing in-flight requests", NULL);
	sd_notify_send("STOPPING=1\nSTATUS=finishing in-flight requests");
	signal_all(v, SIGTERM);
	/* the supervisor's copy: nothing new queues once the processes closed theirs */
	close(v->s->listen_fd);
	v->s->listen_fd = -1;
}

/* A process started later (a replacement) starts with the limits of the
 * last configuration that loaded, as the running ones have them. */
static void take_reloadable(struct supervisor *v)
{
	struct broker_config cfg;
	char err[512];

	if (config_load(&cfg, v->s->config_path, err, sizeof(err)))
		return; /* the serving processes log it */
	config_take_reloadable(&v->s->cfg, &cfg);
	config_free(&cfg);
}

/* 1 when a serving process failed to start. */
static int handle_signals(struct supervisor *v)
{
	struct signalfd_siginfo si;
	int failed = 0;

	while (read(v->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			failed |= reap(v);
		} else if (si.ssi_signo == SIGHUP) {
			if (v->draining)
				continue;
			sd_notify_send("RELOADING=1");
			take_reloadable(v);
			if (v->reload_pending == 0)
				v->reload_failed = 0;
			v->reload_pending += v->alive;
			signal_all(v, SIGHUP);
		} else {
			start_drain(v);
		}
	}
	return failed;
}

static void wait_events(struct supervisor *v, int timeout_ms)
{
	struct pollfd fds[2] = { { .fd = v->sig_fd, .events = POLLIN }, { .fd = v->status_rd, .events = POLLIN } };

	if (poll(fds, 2, timeout_ms) < 0 && errno != EINTR)
		log_event("warning", "poll", "detail", strerror(errno), NULL);
}

static int run(struct supervisor *v)
{
	char procs[16], hs[16];

	for (int i = 0; i < v->n; i++)
		start_one(v, i);
	if (v->alive < v->n)
		return 1;
	/* until every process listens (or one could not start) */
	while (v->ready < v->n) {
		wait_events(v, 1000);
		if (handle_signals(v))
			return 1;
		read_status(v);
		if (v->draining)
			break;
	}
	if (!v->draining) {
		snprintf(procs, sizeof(procs), "%d", v->n);
		snprintf(hs, sizeof(hs), "%d", v->s->cfg.max_handshakes);
		log_event("info", "listening", "listen", v->s->cfg.listen,
			  "metrics", v->s->cfg.metrics_listen ? v->s->cfg.metrics_listen : "off",
			  "processes", procs, "max_handshakes", hs, NULL);
		sd_notify_send("READY=1\nSTATUS=serving");
	}
	while (!v->draining || v->alive > 0) {
		wait_events(v, v->alive < v->n && !v->draining ? 100 : 1000);
		handle_signals(v);
		read_status(v);
		restart_missing(v);
	}
	log_event("info", "stopped", NULL);
	return 0;
}

int supervise(struct server *s)
{
	struct supervisor v = { .s = s, .n = s->cfg.processes, .sig_fd = -1, .status_rd = -1, .status_wr = -1 };
	int pipefd[2], rc;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!(v.pids = calloc((size_t)v.n, sizeof(*v.pids))) ||
	    (v.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 || pipe2(pipefd, O_CLOEXEC)) {
		log_event("error", "startup", "detail", "cannot start the serving processes", "errno", strerror(errno), NULL);
		free(v.pids);
		if (v.sig_fd >= 0)
			close(v.sig_fd);
		return 1;
	}
	v.status_rd = pipefd[0];
	v.status_wr = pipefd[1];
	fcntl(v.status_rd, F_SETFL, O_NONBLOCK);
	rc = run(&v);
	if (rc) {
		/* a process could not start: the others stop too, serve fails */
		v.draining = 1;
		signal_all(&v, SIGTERM);
		while (v.alive > 0 && waitpid(-1, NULL, 0) > 0)
			v.alive--;
	}
	close(v.sig_fd);
	close(v.status_rd);
	close(v.status_wr);
	free(v.pids);
	return rc;
}
