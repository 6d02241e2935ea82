/*
 * One connection through its states (see server_state.h): TLS handshake,
 * reading the request into the HTTP parser, waiting for its worker, writing
 * the answer, lingering until the client closes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>

#include "proto/binding.h"
#include "proto/reasons.h"
#include "generation.h"
#include "log.h"
#include "metrics.h"
#include "server_state.h"

#define READ_CHUNK   16384
#define LINGER_S     1.0

/* events 0 takes the descriptor out of the set: epoll would still report
 * hang-ups, and a connection waiting for its worker has nothing to do. */
void conn_set_interest(struct server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	int op = !events ? EPOLL_CTL_DEL : !c->events ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

	if (c->events == events)
		return;
	if (epoll_ctl(s->epfd, op, c->fd, &ev) == 0)
		c->events = events;
}

int conn_tls_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

int conn_tls_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

void conn_free(struct server *s, struct conn *c)
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
	coco_http_request_free(&c->req);
	conn_answer_free(c);
	mbedtls_platform_zeroize(&c->in, sizeof(c->in));
	free(c);
	listen_resume(s);
}

/* The broker's own view of the session: the inblob the evidence must carry. */
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

/* The TLS handshake as far as it goes; then ST_READ, or ST_CLOSING on failure. */
static void drive_handshake(struct server *s, struct conn *c)
{
	int ret = mbedtls_ssl_handshake(&c->ssl);
	char msg[96];

	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
		conn_set_interest(s, c, ret == MBEDTLS_ERR_SSL_WANT_READ ? EPOLLIN : EPOLLOUT);
		return;
	}
	if (ret) {
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

/* Feed received bytes to the HTTP parser; 0 to go on, -1 after answering or to close. */
static int feed(struct server *s, struct conn *c, const char *buf, size_t len)
{
	switch (coco_http_request_feed(&c->req, buf, len)) {
	case COCO_HTTP_FEED_MORE:
		return 0;
	case COCO_HTTP_FEED_TOO_LARGE:
		conn_error(s, c, 413, COCO_REASON_TOO_LARGE, 0);
		return -1;
	case COCO_HTTP_FEED_MALFORMED:
		conn_error(s, c, 400, COCO_REASON_MALFORMED_REQUEST, 0);
		return -1;
	case COCO_HTTP_FEED_COMPLETE:
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
			conn_set_interest(s, c, EPOLLIN);
			return;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE) {
			conn_set_interest(s, c, EPOLLOUT);
			return;
		}
		/* EOF or close_notify before a full request, or a TLS error */
		c->state = ST_CLOSING;
		return;
	}
}

/* Write some of the answer: bytes written, 0 to wait for the socket, -1 to close. */
static ssize_t write_some(struct server *s, struct conn *c)
{
	ssize_t n;

	if (c->is_metrics) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			conn_set_interest(s, c, EPOLLOUT);
			return 0;
		}
		return n <= 0 ? -1 : n;
	}
	n = mbedtls_ssl_write(&c->ssl, (const unsigned char *)c->out + c->out_off, c->out_len - c->out_off);
	if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) {
		conn_set_interest(s, c, n == MBEDTLS_ERR_SSL_WANT_WRITE ? EPOLLOUT : EPOLLIN);
		return 0;
	}
	return n <= 0 ? -1 : n;
}

/* The whole answer out, then shut the write side and linger. */
static void drive_write(struct server *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write_some(s, c);

		if (n == 0)
			return;
		if (n < 0) {
			c->state = ST_CLOSING;
			return;
		}
		c->out_off += (size_t)n;
	}
	conn_answer_free(c);   /* all of it is with TLS now: a key answer is wiped at once */
	if (!c->is_metrics)
		(void)mbedtls_ssl_close_notify(&c->ssl); /* best effort */
	shutdown(c->fd, SHUT_WR);
	c->state = ST_LINGER;
	c->deadline = now_s() + LINGER_S;
	conn_set_interest(s, c, EPOLLIN);
}

static void drive_linger(struct conn *c)
{
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

void conn_step(struct server *s, struct conn *c)
{
	if (c->state == ST_HANDSHAKE)
		drive_handshake(s, c);
	if (c->state == ST_READ) {
		if (c->is_metrics)
			drive_plain_read(s, c);
		else
			drive_tls_read(s, c);
	}
	if (c->state == ST_WRITE)
		drive_write(s, c);
	if (c->state == ST_LINGER)
		drive_linger(c);
	if (c->state == ST_CLOSING)
		conn_free(s, c);
}
