/*
 * One HTTPS GET with libcurl into memory: the body (up to a cap) and the
 * value of one response header.  Only https:// (no redirects to anything
 * else, no proxies from the environment), peer and host name verified
 * against the system CAs or ca_file.  Nothing here trusts the answer: the
 * caller verifies every byte against the pinned vendor roots.
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_HTTP_GET_H
#define COCOBOOT_BROKER_COLLATERAL_HTTP_GET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_BODY_MAX (1024 * 1024)    /* a KDS CRL is ~1 KB, a TCB info ~10 KB */
#define HTTP_HEADER_MAX (16 * 1024)    /* an issuer chain header is ~3 KB URL-encoded */

struct http_opts {
	const char *ca_file;       /* NULL: the system CAs */
	long timeout_s;
	const atomic_int *cancel;  /* NULL, or set to stop a transfer at once (serve's shutdown) */
};

struct http_answer {
	long status;
	uint8_t *body;
	size_t len;
	char *header;              /* the wanted header's raw value (NUL-terminated), or NULL */
};

/* Global set-up once per process (libcurl wants it before threads). */
int http_init(void);

/* A session keeps its connections (and TLS sessions) open between GETs to
 * one host: a run asks KDS and PCS several times each. */
struct http_session {
	void *curl;
};
int http_session_open(struct http_session *s);
void http_session_close(struct http_session *s);

/* GET url; 0 with *a filled (any HTTP status: the caller judges it), or -1
 * with the transport error in err (name resolution, connect, TLS, timeout,
 * body over HTTP_BODY_MAX).  want_headers: NULL, or a NULL-terminated list of
 * header names (case-insensitive; the names of several API versions) whose
 * value is kept (the last one sent). */
int http_get(struct http_session *session, const char *url, const char *const *want_headers,
	     const struct http_opts *o, struct http_answer *a, char *err, size_t errlen);
void http_answer_free(struct http_answer *a);

#endif
