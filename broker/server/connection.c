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

#include <mbedtls/platform_util.h>
#include <openssl/err.h>

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
		if (c->in_handshake)
			s->handshaking--;
		SSL_free(c->ssl);
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

/* The client's SubjectPublicKeyInfo DER (what mbedTLS calls pk_raw), or 0. */
static int peer_spki(SSL *ssl, unsigned char **der)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	int len;

	*der = NULL;
	if (!peer || (len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), der)) <= 0) {
		OPENSSL_free(*der);
		*der = NULL;
		return 0;
	}
	return len;
}

/* The exporter value as the guest derives it (proto/binding.h): TLS 1.3
 * exporters treat an absent and an empty context alike; OpenSSL is given
 * the empty one, as mbedTLS is. */
static int session_ekm(SSL *ssl, uint8_t ekm[COCO_EKM_LEN])
{
	static const unsigned char empty_context[1];

	return SSL_export_keying_material(ssl, ekm, COCO_EKM_LEN, COCO_EXPORTER_LABEL,
					  strlen(COCO_EXPORTER_LABEL), empty_context, 0, 1) == 1 ? 0 : -1;
}

/* The broker's own view of the session: the inblob the evidence must carry. */
static void after_handshake(struct conn *c)
{
	unsigned char *spki;
	uint8_t ekm[COCO_EKM_LEN];
	int spki_len = peer_spki(c->ssl, &spki);

	c->in.has_client_cert = 0;
	if (!spki_len) {
		snprintf(c->in.client_key, sizeof(c->in.client_key), "none");
		return;
	}
	if (session_ekm(c->ssl, ekm) == 0 &&
	    coco_binding_compute(spki, (size_t)spki_len, ekm, c->in.inblob) == 0 &&
	    coco_client_key_id(spki, (size_t)spki_len, c->in.client_key) == 0) {
		c->in.has_client_cert = 1;
		/* the test configuration shows the exporter, so that a test can compare
		 * it with the guest's for the same session (never in production) */
		if (cb_trust_has_test_roots(c->gen->trust)) {
			char hex[2 * COCO_EKM_LEN + 1];

			for (int i = 0; i < COCO_EKM_LEN; i++)
				snprintf(hex + 2 * i, 3, "%02X", ekm[i]);
			log_event("info", "test-session-exporter", "client_key", c->in.client_key, "ekm", hex, NULL);
		}
	}
	mbedtls_platform_zeroize(ekm, sizeof(ekm));
	OPENSSL_free(spki);
}

/* The TLS handshake as far as it goes; then ST_READ, or ST_CLOSING on failure. */
static void drive_handshake(struct server *s, struct conn *c)
{
	int ret, why;
	char msg[160];

	ERR_clear_error();
	ret = SSL_do_handshake(c->ssl);
	if (ret == 1) {
		c->in_handshake = 0;
		s->handshaking--;
		after_handshake(c);
		c->state = ST_READ;
		c->deadline = now_s() + s->cfg.idle_timeout_ms / 1e3;
		listen_resume(s);
		return;
	}
	why = SSL_get_error(c->ssl, ret);
	if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
		conn_set_interest(s, c, why == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return;
	}
	metrics_handshake_failure();
	if (why == SSL_ERROR_SSL)
		ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", why == SSL_ERROR_SYSCALL ? "connection closed or reset" : "TLS error");
	ERR_clear_error();
	log_event("info", "handshake-failed", "detail", msg, NULL);
	c->state = ST_CLOSING;
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
		int n, why;

		ERR_clear_error();
		n = SSL_read(c->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (feed(s, c, (const char *)buf, (size_t)n))
				return;
			continue;
		}
		why = SSL_get_error(c->ssl, n);
		ERR_clear_error();
		if (why == SSL_ERROR_WANT_READ) {
			conn_set_interest(s, c, EPOLLIN);
			return;
		}
		if (why == SSL_ERROR_WANT_WRITE) {
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
	ERR_clear_error();
	n = SSL_write(c->ssl, c->out + c->out_off, (int)(c->out_len - c->out_off));
	if (n <= 0) {
		int why = SSL_get_error(c->ssl, (int)n);

		ERR_clear_error();
		if (why == SSL_ERROR_WANT_WRITE || why == SSL_ERROR_WANT_READ) {
			conn_set_interest(s, c, why == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN);
			return 0;
		}
		return -1;
	}
	return n;
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
		(void)SSL_shutdown(c->ssl); /* close_notify, best effort */
	ERR_clear_error();
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
