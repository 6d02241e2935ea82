/* Unit tests: HTTP framing and the meaning of the broker's answers. */
#include <stdio.h>
#include <string.h>

#include "../lib/check.h"
#include "http.h"

static char buf[70000];

static int parse(const char *text, int eof, struct cb_http_response *r, char *why)
{
	snprintf(buf, sizeof(buf), "%s", text);
	return cb_http_parse_response(buf, strlen(buf), eof, r, why, 128);
}

static void test_parse(void)
{
	struct cb_http_response r;
	char why[128];

	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, &r, why) == 1, "complete");
	CHECK(r.status == 200 && r.body_len == 5 && !memcmp(r.body, "hello", 5), "status, body");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 0, &r, why) == 0, "partial body: need more");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 1, &r, why) == -1, "partial body at EOF");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Len", 0, &r, why) == 0, "partial headers");
	CHECK(parse("HTTP/1.1 200 OK\r\n\r\nuntil-eof", 1, &r, why) == 1 && r.body_len == 9, "no length: until EOF");
	CHECK(parse("HTTP/1.1 503 Busy\r\nretry-after:  7 \r\nContent-Length: 0\r\n\r\n", 0, &r, why) == 1 &&
	      r.status == 503 && r.has_retry_after && r.retry_after_s == 7, "Retry-After");
	CHECK(parse("HTTP/1.1 503 Busy\r\nRetry-After: 99999\r\nContent-Length: 0\r\n\r\n", 0, &r, why) == 1 &&
	      r.retry_after_s == CB_RETRY_AFTER_MAX_S, "Retry-After capped");
	CHECK(parse("HTTP/1.1 503 Busy\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n", 0, &r, why) == 1 &&
	      !r.has_retry_after, "HTTP-date ignored");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n", 0, &r, why) == -1 && strstr(why, "64 KiB"), "too big");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0, &r, why) == -1, "conflicting lengths");
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, &r, why) == -1, "chunked refused");
	CHECK(parse("HTTP/1.1 2x0 OK\r\n\r\n", 0, &r, why) == -1 && strstr(why, "status line"), "bad status");
	CHECK(parse("SSH-2.0-x\r\n\r\n", 0, &r, why) == -1, "not HTTP");
	CHECK(parse("HTTP/1.1 200 OK\r\nbroken\r\n\r\n", 0, &r, why) == -1 && strstr(why, "malformed header"), "bad header");
}

static enum cb_verdict interpret(const char *text, struct cb_secret *key, unsigned *ra, struct cb_err *err)
{
	struct cb_http_response r;
	char why[128];

	if (parse(text, 1, &r, why) != 1)
		return (enum cb_verdict)-1;
	return cb_http_interpret_unlock(&r, buf + r.header_len, key, ra, err);
}

static enum cb_verdict respond(const char *head, const char *body, struct cb_secret *key, unsigned *ra,
			       struct cb_err *err)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s\r\nContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	return interpret(text, key, ra, err);
}

static void test_interpret(void)
{
	/* 64 bytes 0x00..0x3f in base64 */
	static const char ok[] = "{\"key\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==\"}";
	struct cb_secret key;
	struct cb_err err;
	unsigned ra;
	int good = 1;

	CHECK(cb_secret_alloc(&key, 64) == 0, "secret");
	CHECK(respond("HTTP/1.1 200 OK", ok, &key, &ra, &err) == CB_VERDICT_KEY, "200 key: %s", err.detail);
	for (int i = 0; i < 64; i++)
		good &= key.data[i] == i;
	CHECK(key.len == 64 && good, "key decoded");
	cb_secret_wipe(&key);
	CHECK(respond("HTTP/1.1 200 OK", "{\"key\":\"AA==\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_PROTOCOL && key.len == 0, "short key refused");
	CHECK(respond("HTTP/1.1 200 OK", "{}", &key, &ra, &err) == CB_VERDICT_FINAL, "200 without key");
	CHECK(respond("HTTP/1.1 403 Forbidden", "{\"error\":\"measurement-mismatch\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_REFUSED && !strcmp(err.detail, "measurement-mismatch"), "403 reason: %s", err.detail);
	CHECK(respond("HTTP/1.1 403 Forbidden", "{\"error\":\"evil\\u001b[2J\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      !strcmp(err.detail, "unparsable-reason"), "403 reason sanitised: %s", err.detail);
	CHECK(respond("HTTP/1.1 404 Not Found", "", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_REFUSED && strstr(err.detail, "unknown-volume"), "404");
	CHECK(respond("HTTP/1.1 503 Busy\r\nRetry-After: 3", "", &key, &ra, &err) == CB_VERDICT_RETRY &&
	      ra == 3000, "503 retry after 3 s");
	CHECK(respond("HTTP/1.1 500 Oops", "", &key, &ra, &err) == CB_VERDICT_RETRY && ra == 0, "500 retry");
	CHECK(respond("HTTP/1.1 400 Bad", "", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_PROTOCOL, "400 final");
	cb_secret_free(&key);
}

static void test_format(void)
{
	char out[512];
	int n = cb_http_format_post(out, sizeof(out), "fd00::1", "8443", "/v1/unlock", 42);

	CHECK(n > 0 && strstr(out, "POST /v1/unlock HTTP/1.1\r\n") == out, "request line");
	CHECK(strstr(out, "Host: [fd00::1]:8443\r\n") && strstr(out, "Content-Length: 42\r\n"), "headers");
	CHECK(n >= 4 && !memcmp(out + n - 4, "\r\n\r\n", 4), "blank line");
	CHECK(cb_http_format_post(out, 20, "h", "1", "/", 1) == -1, "too small");
}

int main(void)
{
	test_parse();
	test_interpret();
	test_format();
	return check_done();
}
