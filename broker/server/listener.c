/* Listening sockets: open, stop and resume polling, accept (see server_state.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "proto/request.h"
#include "generation.h"
#include "log.h"
#include "metrics.h"
#include "server_state.h"

int listener_open(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	int fd, one = 1;

	if (config_parse_addr(addr, &ss, &len))
		return broker_fail(err, errlen, "bad address %s", addr);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* SOMAXCONN caps the backlog (4096 on Linux >= 5.4): a storm beyond the
	 * admitted handshakes waits there, in arrival order */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		broker_fail(err, errlen, "listen on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void listen_pause(struct server *s)
{
	if (s->listening)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	s->listening = 0;
}

/* Below both limits: more connections may be accepted. */
static int may_accept(const struct server *s)
{
	return s->nconns < s->cfg.max_connections && s->handshaking < s->cfg.max_handshakes;
}

/* EPOLLEXCLUSIVE: the socket is shared by every serving process; one
 * waiting process is woken per connection, not all of them. */
void listen_resume(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.u64 = TAG_LISTEN };

	if (s->listening || s->draining || s->listen_fd < 0 || !may_accept(s))
		return;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) == 0)
		s->listening = 1;
}

/* A new connection on fd: TLS set up for unlock, plain for /metrics. NULL on failure (fd closed). */
static struct conn *conn_new(struct server *s, int fd, int is_metrics)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->is_metrics = is_metrics;
	c->deadline = now_s() + s->cfg.handshake_timeout_ms / 1e3;
	if (is_metrics) {
		coco_http_request_init(&c->req, "/metrics", HTTP_GET);
		c->req.alt_target = "/healthz";
		c->state = ST_READ;
		return c;
	}
	coco_http_request_init(&c->req, COCO_UNLOCK_PATH, HTTP_POST);
	c->state = ST_HANDSHAKE;
	c->gen = generation_ref(s->gen);
	if (!(c->ssl = SSL_new(c->gen->tls)) || !SSL_set_fd(c->ssl, fd)) {
		SSL_free(c->ssl);
		ERR_clear_error();
		generation_unref(c->gen);
		close(fd);
		free(c);
		return NULL;
	}
	SSL_set_accept_state(c->ssl);
	c->in_handshake = 1;
	s->handshaking++;
	metrics_connections(1);
	return c;
}

/* Into the epoll set and the server's list. */
static void conn_add(struct server *s, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	c->events = EPOLLIN;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->fd, &ev))
		c->events = 0;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
}

/*
 * Admission: a process takes no more than max_handshakes connections into
 * their handshake at once (and max_connections in all). The rest stay in the
 * kernel's backlog, in arrival order, until a handshake here completes or
 * another process takes them: a storm is served first come first served
 * instead of every handshake at once, each slowed down by all the others.
 */
void accept_all(struct server *s, int lfd, int is_metrics)
{
	for (;;) {
		int fd, one = 1;
		struct conn *c;

		if (!is_metrics && !may_accept(s)) {
			listen_pause(s);
			return;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!(c = conn_new(s, fd, is_metrics)))
			return;
		conn_add(s, c);
		/* the handshake starts when the ClientHello arrives */
		if (!is_metrics && s->nconns >= s->cfg.max_connections && s->listening) {
			listen_pause(s);
			log_event("warning", "connection-limit", "detail", "max_connections reached; not accepting", NULL);
			return;
		}
	}
}
