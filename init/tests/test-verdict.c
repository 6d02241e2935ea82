/* Unit tests: HTTP framing and the meaning of the broker's answers. */
#include <stdio.h>
#include <string.h>

#include "tests/lib/check.h"
#include "init/verdict.h"

static char buf[70000];

static void test_incomplete(void)
{
	struct secret key;
	struct cb_err err;
	unsigned ra;
	const char *part = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"k";

	CHECK(secret_alloc(&key, 64) == 0, "secret");
	CHECK(cb_answer_verdict(part, strlen(part), 0, &key, &ra, &err) == CB_VERDICT_INCOMPLETE, "need more");
	CHECK(cb_answer_verdict(part, strlen(part), 1, &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_PROTOCOL && strstr(err.detail, "closed"), "EOF mid-answer: %s", err.detail);
	CHECK(cb_answer_verdict("SSH-2.0-x\r\n\r\n", 13, 1, &key, &ra, &err) == CB_VERDICT_FINAL &&
	      strstr(err.detail, "malformed"), "not HTTP");
	secret_free(&key);
}

static enum cb_verdict interpret(const char *text, struct secret *key, unsigned *ra, struct cb_err *err)
{
	snprintf(buf, sizeof(buf), "%s", text);
	return cb_answer_verdict(buf, strlen(buf), 1, key, ra, err);
}

static enum cb_verdict respond(const char *head, const char *body, struct secret *key, unsigned *ra,
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
	struct secret key;
	struct cb_err err;
	unsigned ra;
	int good = 1;

	CHECK(secret_alloc(&key, 64) == 0, "secret");
	CHECK(respond("HTTP/1.1 200 OK", ok, &key, &ra, &err) == CB_VERDICT_KEY, "200 key: %s", err.detail);
	for (int i = 0; i < 64; i++)
		good &= key.data[i] == i;
	CHECK(key.len == 64 && good, "key decoded");
	secret_wipe(&key);
	CHECK(respond("HTTP/1.1 200 OK", "{\"key\":\"AA==\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_PROTOCOL && key.len == 0, "short key refused");
	CHECK(respond("HTTP/1.1 200 OK", "{}", &key, &ra, &err) == CB_VERDICT_FINAL, "200 without key");
	CHECK(respond("HTTP/1.1 403 Forbidden", "{\"error\":\"measurement-mismatch\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_REFUSED && !strcmp(err.detail, "measurement-mismatch"), "403 reason: %s", err.detail);
	CHECK(respond("HTTP/1.1 403 Forbidden", "{\"error\":\"evil;rm\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      !strcmp(err.detail, "unparsable-reason"), "403 reason sanitised: %s", err.detail);
	CHECK(respond("HTTP/1.1 404 Not Found", "{\"error\":\"unknown-volume\"}", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_REFUSED && strstr(err.detail, "unknown-volume"), "404");
	CHECK(respond("HTTP/1.1 503 Busy\r\nRetry-After: 3", "", &key, &ra, &err) == CB_VERDICT_RETRY &&
	      ra == 3000, "503 retry after 3 s");
	CHECK(respond("HTTP/1.1 500 Oops", "", &key, &ra, &err) == CB_VERDICT_RETRY && ra == 0, "500 retry");
	CHECK(respond("HTTP/1.1 400 Bad", "", &key, &ra, &err) == CB_VERDICT_FINAL &&
	      err.code == CB_ERR_BROKER_PROTOCOL, "400 final");
	secret_free(&key);
}

int main(void)
{
	test_incomplete();
	test_interpret();
	return check_done();
}
