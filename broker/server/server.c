#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

#include "../../common/secret.h"
#include "../../proto/binding.h"
#include "../../proto/request.h"
#include "../store/master_key.h"
#include "../store/store.h"
#include "config.h"
#include "generation.h"
#include "http_request.h"
#include "log.h"
#include "metrics.h"
#include "workers.h"

#define READ_CHUNK   16384
#define METRICS_MAX  (64 * 1024)

/* ST_LINGER: answer sent, write side shut; unread request bytes are drained
 * so that closing does not reset the connection before the client reads the
 * answer (e.g. a 413 while it is still sending). */
enum conn_state { ST_HANDSHAKE, ST_READ, ST_WORKING, ST_WRITE, ST_LINGER, ST_CLOSING };

#define LINGER_S 1.0

struct conn {
	int fd;
	int is_metrics;          /* plain HTTP /metrics listener */
	enum conn_state state;
	uint32_t events;         /* current epoll interest */
	double deadline;
	mbedtls_ssl_context ssl;
	struct generation *gen;
	struct http_request req;
	struct job *job;         /* between submit and completion */
	char *out;               /* answer being written; may hold a key: wiped */
	size_t out_len, out_off, out_cap;
	struct unlock_input in;
	struct conn *prev, *next;
};

struct server {
	struct broker_config cfg;
	const char *config_path;
	int epfd, listen_fd, metrics_fd, sig_fd;
	int listening;           /* listen_fd in the epoll set */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct generation *gen;
	struct workers *workers;
	struct conn *conns;
	int nconns, draining;
	double drain_deadline;
};

/* epoll user data: small integers for the fixed descriptors, pointers for connections */
enum { TAG_LISTEN = 1, TAG_METRICS, TAG_SIGNAL, TAG_DONE };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- sockets */

static int make_listener(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	int fd, one = 1;

	if (config_parse_addr(addr, &ss, &len)) {
		snprintf(err, errlen, "bad address %s", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		snprintf(err, errlen, "listen on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* events 0 takes the descriptor out of the set: epoll would still report
 * hang-ups, and a connection waiting for its worker has nothing to do. */
static void set_interest(struct server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	int op = !events ? EPOLL_CTL_DEL : !c->events ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

	if (c->events == events)
		return;
	if (epoll_ctl(s->epfd, op, c->fd, &ev) == 0)
		c->events = events;
}

static void listen_pause(struct server *s)
{
	if (s->listening)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	s->listening = 0;
}

/* Accept again when below the limits; called as connections close and by the sweep. */
static void listen_resume(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_LISTEN };

	if (s->listening || s->draining || s->listen_fd < 0 || s->nconns >= s->cfg.max_connections)
		return;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) == 0)
		s->listening = 1;
}

static int tls_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int tls_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* ------------------------------------------------------------ connections */

static void conn_free(struct server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	if (!c->is_metrics) {
		mbedtls_ssl_free(&c->ssl);
		generation_unref(c->gen);
		metrics_connections(-1);
	}
	close(c->fd);
	http_request_free(&c->req);
	if (c->out) {
		mbedtls_platform_zeroize(c->out, c->out_cap);
		free(c->out);
	}
	mbedtls_platform_zeroize(&c->in, sizeof(c->in));
	free(c);
	listen_resume(s);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* Queue an answer and switch to writing it. body may hold a key: the caller wipes its copy. */
static void conn_answer(struct server *s, struct conn *c, int status, const char *ctype,
			const char *body, size_t body_len, int retry_after)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Cache-Control: no-store\r\nConnection: close\r\n",
		     status, status_text(status), ctype, body_len);
	if (retry_after)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Retry-After: %d\r\n", s->cfg.retry_after_s);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
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

static void conn_error(struct server *s, struct conn *c, int status, const char *code, int retry_after)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}", code);

	conn_answer(s, c, status, "application/json", body, (size_t)n, retry_after);
}

/* ---------------------------------------------------------- request logic */

static void dispatch(struct server *s, struct conn *c)
{
	struct job *job;

	if (c->req.bad_target) {
		conn_error(s, c, 404, "not-found", 0);
		return;
	}
	if (c->req.bad_method) {
		conn_error(s, c, 405, "method-not-allowed", 0);
		return;
	}
	if (c->is_metrics) {
		char *text = malloc(METRICS_MAX);
		size_t n;
		if (!text) {
			c->state = ST_CLOSING;
			return;
		}
		n = metrics_render(text, METRICS_MAX);
		conn_answer(s, c, 200, "text/plain; version=0.0.4", text, n, 0);
		free(text);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		conn_error(s, c, 503, "overloaded", 1);
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
		conn_error(s, c, 503, "overloaded", 1);
		return;
	}
	metrics_inflight(1);
	c->job = job;
	c->state = ST_WORKING;
	set_interest(s, c, 0);
}

static void job_finished(struct server *s, struct job *job)
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
	conn_answer(s, c, o->status, "application/json", o->body, o->body_len, o->retry_after);
	mbedtls_platform_zeroize(o, sizeof(*o));
	generation_unref(job->gen);
	free(job);
}

/* ------------------------------------------------------------ I/O driving */

static void after_handshake(struct conn *c)
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);

	if (!peer || !peer->pk_raw.p) {
		c->in.has_client_cert = 0;
		snprintf(c->in.client_key, sizeof(c->in.client_key), "none");
		return;
	}
	if (coco_binding_for_session(&c->ssl, peer->pk_raw.p, peer->pk_raw.len, c->in.inblob)) {
		c->in.has_client_cert = 0;
		return;
	}
	if (coco_client_key_id(peer->pk_raw.p, peer->pk_raw.len, c->in.client_key)) {
		c->in.has_client_cert = 0;
		return;
	}
	c->in.has_client_cert = 1;
}

/* Feed received bytes to the HTTP parser; 0 to go on, -1 after answering or to close. */
static int feed(struct server *s, struct conn *c, const char *buf, size_t len)
{
	switch (http_request_feed(&c->req, buf, len)) {
	case HTTP_FEED_MORE:
		return 0;
	case HTTP_FEED_TOO_LARGE:
		conn_error(s, c, 413, "too-large", 0);
		return -1;
	case HTTP_FEED_MALFORMED:
		conn_error(s, c, 400, "malformed-request", 0);
		return -1;
	case HTTP_FEED_COMPLETE:
		break;
	}
	dispatch(s, c);
	return -1;
}

static void drive_plain_read(struct server *s, struct conn *c)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			if (feed(s, c, buf, (size_t)n))
				return;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->state = ST_CLOSING;
		return;
	}
}

static void drive_tls_read(struct server *s, struct conn *c)
{
	unsigned char buf[READ_CHUNK];

	for (;;) {
		int n = mbedtls_ssl_read(&c->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (feed(s, c, (const char *)buf, (size_t)n))
				return;
			continue;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_READ) {
			set_interest(s, c, EPOLLIN);
			return;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE) {
			set_interest(s, c, EPOLLOUT);
			return;
		}
		/* EOF or close_notify before a full request, or a TLS error */
		c->state = ST_CLOSING;
		return;
	}
}

static void drive(struct server *s, struct conn *c)
{
	int ret;

	if (c->state == ST_HANDSHAKE) {
		ret = mbedtls_ssl_handshake(&c->ssl);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
			set_interest(s, c, EPOLLIN);
			return;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
			set_interest(s, c, EPOLLOUT);
			return;
		}
		if (ret) {
			char msg[96];
			metrics_handshake_failure();
			mbedtls_strerror(ret, msg, sizeof(msg));
			log_event("info", "handshake-failed", "detail", msg, NULL);
			c->state = ST_CLOSING;
			return;
		}
		after_handshake(c);
		c->state = ST_READ;
		c->deadline = now_s() + s->cfg.idle_timeout_ms / 1e3;
	}
	if (c->state == ST_READ) {
		if (c->is_metrics)
			drive_plain_read(s, c);
		else
			drive_tls_read(s, c);
	}
	if (c->state == ST_WRITE) {
		while (c->out_off < c->out_len) {
			if (c->is_metrics) {
				ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
				if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
					set_interest(s, c, EPOLLOUT);
					return;
				}
				if (n <= 0) {
					c->state = ST_CLOSING;
					break;
				}
				c->out_off += (size_t)n;
			} else {
				ret = mbedtls_ssl_write(&c->ssl, (const unsigned char *)c->out + c->out_off,
							c->out_len - c->out_off);
				if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
					set_interest(s, c, ret == MBEDTLS_ERR_SSL_WANT_WRITE ? EPOLLOUT : EPOLLIN);
					return;
				}
				if (ret <= 0) {
					c->state = ST_CLOSING;
					break;
				}
				c->out_off += (size_t)ret;
			}
		}
		if (c->state == ST_WRITE) {
			if (!c->is_metrics)
				(void)mbedtls_ssl_close_notify(&c->ssl); /* best effort */
			shutdown(c->fd, SHUT_WR);
			c->state = ST_LINGER;
			c->deadline = now_s() + LINGER_S;
			set_interest(s, c, EPOLLIN);
		}
	}
	if (c->state == ST_LINGER) {
		char sink[4096];
		for (;;) {
			ssize_t n = recv(c->fd, sink, sizeof(sink), 0);
			if (n > 0)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			c->state = ST_CLOSING; /* the client closed too */
			return;
		}
	}
}

/* Drive a connection and release it once it is done. */
static void step(struct server *s, struct conn *c)
{
	drive(s, c);
	if (c->state == ST_CLOSING)
		conn_free(s, c);
}

static void accept_all(struct server *s, int lfd, int is_metrics)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;
		struct epoll_event ev;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* out of descriptors: stop polling the listener (it would fire
				 * forever) until a connection closes or the next sweep */
				log_event("warning", "accept", "detail", strerror(errno), NULL);
				if (lfd == s->listen_fd)
					listen_pause(s);
			}
			return;
		}
		if (!(c = calloc(1, sizeof(*c)))) {
			close(fd);
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->is_metrics = is_metrics;
		if (is_metrics)
			http_request_init(&c->req, "/metrics", HTTP_GET);
		else
			http_request_init(&c->req, COCO_UNLOCK_PATH, HTTP_POST);
		c->deadline = now_s() + s->cfg.handshake_timeout_ms / 1e3;
		if (is_metrics) {
			c->state = ST_READ;
		} else {
			c->state = ST_HANDSHAKE;
			c->gen = generation_ref(s->gen);
			mbedtls_ssl_init(&c->ssl);
			if (mbedtls_ssl_setup(&c->ssl, &c->gen->tls)) {
				mbedtls_ssl_free(&c->ssl);
				generation_unref(c->gen);
				close(fd);
				free(c);
				return;
			}
			mbedtls_ssl_set_bio(&c->ssl, &c->fd, tls_send, tls_recv, NULL);
			metrics_connections(1);
		}
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			c->events = 0;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		/* the handshake starts when the ClientHello arrives */
		if (!is_metrics && s->nconns >= s->cfg.max_connections && s->listening) {
			listen_pause(s);
			log_event("warning", "connection-limit", "detail", "max_connections reached; not accepting", NULL);
			return;
		}
	}
}

/* --------------------------------------------------- signals and reloads */

static void reload(struct server *s)
{
	struct broker_config cfg;
	struct generation *g;
	char err[512];

	if (config_load(&cfg, s->config_path, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
		return;
	}
	if (generation_new(&g, &cfg, &s->drbg, err, sizeof(err))) {
		log_event("error", "reload-failed", "detail", err, NULL);
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

/* ------------------------------------------------------------- main loop */

/* Drop what timed out, close what is done; while draining, anything not in flight. */
static void sweep(struct server *s, int timeouts)
{
	double t = now_s();
	struct conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->state == ST_WORKING)
			continue;
		if (c->state != ST_CLOSING && timeouts && t > c->deadline) {
			if (c->state != ST_LINGER)
				metrics_timeout();
			c->state = ST_CLOSING;
		}
		if (s->draining && (c->state == ST_HANDSHAKE || (c->state == ST_READ && !http_request_started(&c->req))))
			c->state = ST_CLOSING;
		if (c->state == ST_CLOSING)
			conn_free(s, c);
	}
	listen_resume(s);
}

static int setup(struct server *s, char *err, size_t errlen)
{
	struct secret master;
	int created = 0, ret;
	struct store *probe;
	sigset_t mask;
	struct epoll_event ev;
	psa_status_t ps;

	if ((ps = psa_crypto_init()) != PSA_SUCCESS) {
		snprintf(err, errlen, "psa_crypto_init failed (%d)", (int)ps);
		return -1;
	}
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
				  (const unsigned char *)"cocobroker", 10)) {
		snprintf(err, errlen, "cannot seed the DRBG");
		return -1;
	}
	if (secret_alloc(&master, MASTER_KEY_LEN)) {
		snprintf(err, errlen, "cannot lock memory for the master key: %s", strerror(errno));
		return -1;
	}
	if (master_key_load(s->cfg.master_key, 1, master.data, &created, err, errlen)) {
		secret_free(&master);
		return -1;
	}
	if (created)
		log_event("info", "master-key-created", "path", s->cfg.master_key, NULL);
	/* a wrong master key stops the broker here, before it listens */
	ret = store_open(&probe, s->cfg.database, master.data, err, errlen);
	if (ret == STORE_OK) {
		if (store_notice(probe)[0])
			log_event("info", "store-migrated", "detail", store_notice(probe), NULL);
		store_close(probe);
		ret = workers_start(&s->workers, s->cfg.workers, s->cfg.queue_depth, s->cfg.database,
				    master.data, err, errlen);
	}
	secret_free(&master);
	if (ret)
		return -1;
	if (generation_new(&s->gen, &s->cfg, &s->drbg, err, errlen))
		return -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if ((s->listen_fd = make_listener(s->cfg.listen, err, errlen)) < 0)
		return -1;
	s->metrics_fd = -1;
	if (s->cfg.metrics_listen && (s->metrics_fd = make_listener(s->cfg.metrics_listen, err, errlen)) < 0)
		return -1;
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_LISTEN;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev);
	s->listening = 1;
	if (s->metrics_fd >= 0) {
		ev.data.u64 = TAG_METRICS;
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->metrics_fd, &ev);
	}
	ev.data.u64 = TAG_SIGNAL;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sig_fd, &ev);
	ev.data.u64 = TAG_DONE;
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, workers_done_fd(s->workers), &ev);

	return 0;
}

/*
 * mlockall(MCL_FUTURE) under a finite RLIMIT_MEMLOCK would make allocations
 * fail once the limit is reached, i.e. under load: lock everything only when
 * the limit allows it (root or LimitMEMLOCK=infinity), else only the key
 * buffers (common/secret) are locked.
 */
static void lock_all_memory(void)
{
	struct rlimit rl;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	if (geteuid() != 0 && (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur != RLIM_INFINITY)) {
		log_event("warning", "mlockall", "detail",
			  "RLIMIT_MEMLOCK is finite: only key buffers are locked (set LimitMEMLOCK=infinity)", NULL);
		return;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		log_event("warning", "mlockall", "detail", strerror(errno), NULL);
}

/*
 * Volume keys pass through ordinary stack and heap buffers on their way out
 * (the base64 answer, TLS records): a core dump of a crash could carry them,
 * whatever the service manager's LimitCORE says. Nothing but a debugger needs
 * a broker core, so the process makes itself undumpable, as cocoboot does.
 */
static int forbid_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &none))
		return -1;
	return 0;
}

int server_run(const char *config_path)
{
	struct server *s = calloc(1, sizeof(*s));
	struct epoll_event events[256];
	char err[512];
	double last_sweep = 0;
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
	if (setup(s, err, sizeof(err))) {
		log_event("error", "startup", "detail", err, NULL);
		rc = 1;
		goto out;
	}
	log_event("info", "listening", "listen", s->cfg.listen,
		  "metrics", s->cfg.metrics_listen ? s->cfg.metrics_listen : "off", NULL);

	for (;;) {
		int n = epoll_wait(s->epfd, events, 256, 100);
		double t;

		for (int i = 0; i < n; i++) {
			uint64_t tag = events[i].data.u64;
			if (tag == TAG_LISTEN) {
				if (s->listen_fd >= 0)
					accept_all(s, s->listen_fd, 0);
			} else if (tag == TAG_METRICS) {
				accept_all(s, s->metrics_fd, 1);
			} else if (tag == TAG_SIGNAL) {
				handle_signals(s);
			} else if (tag == TAG_DONE) {
				struct job *job = workers_take_done(s->workers), *next;
				for (; job; job = next) {
					struct conn *c = job->conn;
					next = job->next;
					job_finished(s, job);
					step(s, c);
				}
			} else {
				step(s, events[i].data.ptr);
			}
		}
		t = now_s();
		/* timeouts need no precision beyond a tenth of a second */
		if (t - last_sweep > 0.1 || s->draining) {
			sweep(s, 1);
			last_sweep = t;
		}
		if (s->draining) {
			if (!s->conns)
				break;
			if (t > s->drain_deadline) {
				log_event("warning", "shutdown", "detail", "timeout with requests in flight", NULL);
				break;
			}
		}
	}
	log_event("info", "stopped", NULL);
out:
	if (s->workers)
		workers_stop(s->workers);
	while (s->conns) {
		s->conns->state = ST_CLOSING;
		s->conns->job = NULL;
		conn_free(s, s->conns);
	}
	generation_unref(s->gen);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->metrics_fd >= 0)
		close(s->metrics_fd);
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	config_free(&s->cfg);
	free(s);
	return rc;
}
