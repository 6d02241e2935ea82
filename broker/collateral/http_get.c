/* HTTPS GET with libcurl (see http_get.h). */
#include "http_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "issuer_chain.h"

int http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct sink {
	struct http_answer *a;
	size_t cap;
	const char *const *want_headers;
	int too_big, bad_header;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;

	if (s->a->len + add > HTTP_BODY_MAX) {
		s->too_big = 1;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (s->a->len + add > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		while (cap < s->a->len + add)
			cap *= 2;
		uint8_t *b = realloc(s->a->body, cap);
		if (!b)
			return 0;
		s->a->body = b;
		s->cap = cap;
	}
	memcpy(s->a->body + s->a->len, p, add);
	s->a->len += add;
	return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	/* status lines and the blank end of headers have no colon: not ours */
	if (!s->want_headers || !memchr(p, ':', len))
		return len;
	for (const char *const *h = s->want_headers; *h; h++)
		if (header_line_value(p, len, *h, HTTP_HEADER_MAX, &s->a->header) < 0)
			s->bad_header = 1;
	return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_int *cancel = arg;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(cancel); /* non-zero: curl stops with CURLE_ABORTED_BY_CALLBACK */
}

int http_session_open(struct http_session *s)
{
	return (s->curl = curl_easy_init()) ? 0 : -1;
}

void http_session_close(struct http_session *s)
{
	if (s->curl)
		curl_easy_cleanup(s->curl);
	s->curl = NULL;
}

static int perform(CURL *c, const char *url, const char *const *want_headers, const struct http_opts *o,
		   struct http_answer *a, char *err, size_t errlen);

int http_get(struct http_session *session, const char *url, const char *const *want_headers,
	     const struct http_opts *o, struct http_answer *a, char *err, size_t errlen)
{
	CURL *c = session ? session->curl : curl_easy_init();
	int r;

	memset(a, 0, sizeof *a);
	if (!c) {
		snprintf(err, errlen, "GET %s: cannot create a libcurl handle", url);
		return -1;
	}
	/* every option set afresh; the connection cache stays */
	if (session)
		curl_easy_reset(c);
	r = perform(c, url, want_headers, o, a, err, errlen);
	if (!session)
		curl_easy_cleanup(c);
	return r;
}

static int perform(CURL *c, const char *url, const char *const *want_headers, const struct http_opts *o,
		   struct http_answer *a, char *err, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct sink s = { .a = a, .want_headers = want_headers };
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	/* HTTPS only, also after a redirect; no proxy from the environment (an
	 * operator who wants one names a caching PCCS as the URL instead) */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cocobroker-collateral");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	if (o->cancel) {
		if (atomic_load(o->cancel)) {
			snprintf(err, errlen, "GET %s: cancelled (the broker is stopping)", url);
			return -1;
		}
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	/* the error buffer is ours: curl must not write to it after we return */
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "GET %s: answer larger than %d bytes", url, HTTP_BODY_MAX);
		goto fail;
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "GET %s: cancelled (the broker is stopping)", url);
		goto fail;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "GET %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
		goto fail;
	}
	if (s.bad_header) {
		snprintf(err, errlen, "GET %s: malformed %s header", url, want_headers[0]);
		goto fail;
	}
	return 0;
fail:
	http_answer_free(a);
	return -1;
}

void http_answer_free(struct http_answer *a)
{
	free(a->body);
	free(a->header);
	memset(a, 0, sizeof *a);
}
