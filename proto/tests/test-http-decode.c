/*
 * Unit tests of the broker's side of the wire: request framing and the
 * answer head (proto/http_server.c), the body decode (proto/request_decode.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/check.h"
#include "proto/http_client.h"
#include "proto/http_server.h"
#include "proto/request_decode.h"
#include "proto/request.h"
#include "common/cc_eventlog.h"

static enum coco_http_feed feed_all(struct coco_http_request *r, const char *text, size_t step)
{
	enum coco_http_feed res = COCO_HTTP_FEED_MORE;
	size_t len = strlen(text);

	for (size_t off = 0; off < len && res == COCO_HTTP_FEED_MORE; off += step)
		res = coco_http_request_feed(r, text + off, len - off < step ? len - off : step);
	return res;
}

static void test_http(void)
{
	static const char post[] = "POST /v1/unlock HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\n\r\nhello";
	static const char chunked[] = "POST /v1/unlock HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
	struct coco_http_request r;
	char big[256];

	for (size_t step = 1; step <= sizeof(post); step += 7) {
		coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
		CHECK(!coco_http_request_started(&r), "nothing received yet");
		CHECK(feed_all(&r, post, step) == COCO_HTTP_FEED_COMPLETE && r.body_len == 5 &&
		      !strcmp(r.body, "hello") && !r.bad_target && !r.bad_method, "POST in steps of %zu", step);
		CHECK(coco_http_request_started(&r), "started");
		coco_http_request_free(&r);
	}
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, chunked, 4) == COCO_HTTP_FEED_COMPLETE && !strcmp(r.body, "hello"), "chunked body");
	coco_http_request_free(&r);

	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	snprintf(big, sizeof(big), "POST /v1/unlock HTTP/1.1\r\nContent-Length: %d\r\n\r\n", COCO_MAX_BODY + 1);
	CHECK(feed_all(&r, big, 1000) == COCO_HTTP_FEED_TOO_LARGE && r.body_len == 0, "announced 64 KiB + 1: 413 unread");
	coco_http_request_free(&r);

	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	snprintf(big, sizeof(big), "POST /v1/unlock HTTP/1.1\r\nContent-Length: %d\r\n\r\n", COCO_MAX_BODY);
	CHECK(feed_all(&r, big, 1000) == COCO_HTTP_FEED_MORE, "exactly 64 KiB announced is fine");
	coco_http_request_free(&r);
	{
		/* chunks adding up to more than the limit */
		coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
		enum coco_http_feed res = feed_all(&r, "POST /v1/unlock HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 1000);
		char chunk[8200];
		memset(chunk, 'x', sizeof(chunk));
		memcpy(chunk, "2000\r\n", 6);
		memcpy(chunk + 6 + 0x2000, "\r\n", 2);
		for (int i = 0; i < 10 && res == COCO_HTTP_FEED_MORE; i++)
			res = coco_http_request_feed(&r, chunk, 6 + 0x2000 + 2);
		CHECK(res == COCO_HTTP_FEED_TOO_LARGE && r.body_len <= COCO_MAX_BODY, "chunked over 64 KiB: 413");
		coco_http_request_free(&r);
	}
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, "POST /v1/other HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 100) == COCO_HTTP_FEED_COMPLETE &&
	      r.bad_target, "other path flagged");
	coco_http_request_free(&r);
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, "GET /v1/unlock HTTP/1.1\r\n\r\n", 100) == COCO_HTTP_FEED_COMPLETE && r.bad_method &&
	      !r.bad_target, "GET flagged");
	coco_http_request_free(&r);
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	snprintf(big, sizeof(big), "POST /v1/unlock%0100d HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(feed_all(&r, big, 100) == COCO_HTTP_FEED_COMPLETE && r.bad_target, "long target flagged");
	coco_http_request_free(&r);
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, "\x16\x03\x01\x02\x00garbage\r\n\r\n", 100) == COCO_HTTP_FEED_MALFORMED, "garbage: 400");
	coco_http_request_free(&r);
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, "POST /v1/unlock HTTP/1.1\r\nContent-Length: 2\r\n\r\nabPOST /x HTTP/1.1\r\n\r\n", 100) ==
	      COCO_HTTP_FEED_COMPLETE && r.body_len == 2 && !r.bad_target, "a second request is ignored");
	coco_http_request_free(&r);
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	CHECK(feed_all(&r, "POST /v1/unlock HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 100) ==
	      COCO_HTTP_FEED_MALFORMED, "two Content-Length headers: 400");
	coco_http_request_free(&r);
}

#define UUID "0F4C2A1E-5B6D-4E8F-9A0B-1C2D3E4F5A6B"

static int decodes(const char *json)
{
	struct coco_request_fields f;
	const char *detail;
	int ok = coco_request_decode(json, strlen(json), &f, &detail) == 0;

	if (ok)
		coco_request_fields_free(&f);
	return ok;
}

/* The optional TDX event log: carried, bounded, TDX only. */
static void test_decode_event_log(void)
{
	struct coco_request_fields f;
	const char *detail = NULL;
	const char *good = "{\"volume\":\"" UUID "\",\"provider\":\"tdx_guest\",\"outblob\":\"AP8Q\",\"event_log\":\"YWJj\"}";
	size_t n = (CC_EVENTLOG_MAX + 3) / 3 * 4, head;
	char *big = malloc(n + 200);

	CHECK(coco_request_decode(good, strlen(good), &f, &detail) == 0 && f.event_log_len == 3 &&
	      !memcmp(f.event_log, "abc", 3), "event_log decodes");
	coco_request_fields_free(&f);
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AP8Q\",\"event_log\":\"YWJj\"}"),
	      "event_log with sev_guest refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"tdx_guest\",\"outblob\":\"AP8Q\",\"event_log\":\"\"}"),
	      "empty event_log refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"tdx_guest\",\"outblob\":\"AP8Q\",\"event_log\":\"YW\"}"),
	      "event_log that is not base64 refused");
	if (!big)
		return;
	/* base64 of CC_EVENTLOG_MAX + 3 bytes: one group too many */
	head = (size_t)sprintf(big, "{\"volume\":\"" UUID "\",\"provider\":\"tdx_guest\",\"outblob\":\"AP8Q\",\"event_log\":\"");
	memset(big + head, 'A', n);
	strcpy(big + head + n, "\"}");
	CHECK(coco_request_decode(big, strlen(big), &f, &detail) != 0 && !strcmp(detail, "event_log is larger than 40 KiB"),
	      "event_log over 40 KiB refused: %s", detail);
	n -= 4; /* the last whole group under the bound, then one byte more: exactly CC_EVENTLOG_MAX */
	strcpy(big + head + n, "AA==\"}");
	CHECK(coco_request_decode(big, strlen(big), &f, &detail) == 0 && f.event_log_len == CC_EVENTLOG_MAX,
	      "event_log of exactly 40 KiB accepted (%zu bytes)", f.event_log_len);
	coco_request_fields_free(&f);
	free(big);
}

static void test_decode(void)
{
	struct coco_request_fields f;
	const char *detail = NULL;
	const char *good = "{\"volume\":\"" UUID "\",\"provider\":\"tdx_guest\",\"outblob\":\"AP8Q\",\"auxblob\":\"YWI=\"}";

	CHECK(coco_request_decode(good, strlen(good), &f, &detail) == 0, "decodes");
	CHECK(!strcmp(f.volume, "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"), "volume lowercased: %s", f.volume);
	CHECK(!strcmp(f.provider, "tdx_guest"), "provider");
	CHECK(f.outblob_len == 3 && f.outblob[0] == 0 && f.outblob[1] == 0xff && f.outblob[2] == 0x10, "outblob");
	CHECK(f.auxblob_len == 2 && !memcmp(f.auxblob, "ab", 2), "auxblob");
	coco_request_fields_free(&f);
	CHECK(decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"}"), "auxblob optional");
	CHECK(!decodes("{\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"}"), "volume required");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"outblob\":\"AAAA\"}"), "provider required");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\"}"), "outblob required");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"x\":1}"), "unknown member");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"}"),
	      "duplicate member");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev\",\"outblob\":\"AAAA\"}"), "unknown provider");
	CHECK(!decodes("{\"volume\":\"x\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"}"), "bad UUID");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"\"}"), "empty outblob");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"A===\"}"), "bad base64");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":[1]}"), "array outblob");
	CHECK(!decodes("[]"), "array body");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\""), "truncated");
	CHECK(!decodes(""), "empty body");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"} {}"), "trailing data");
	/* a first boot's fleet policy */
	{
		const char *en = "{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":\"web.eu-1\"}";

		CHECK(coco_request_decode(en, strlen(en), &f, &detail) == 0 && !strcmp(f.enrol, "web.eu-1"),
		      "enrol decodes");
		coco_request_fields_free(&f);
		CHECK(decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\"}"), "enrol optional");
	}
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":\"Web\"}"),
	      "enrol: upper case refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":\"\"}"),
	      "enrol: empty refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":1}"),
	      "enrol: a number refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":\"a\","
		       "\"enrol\":\"a\"}"), "enrol: duplicate refused");
	CHECK(!decodes("{\"volume\":\"" UUID "\",\"provider\":\"sev_guest\",\"outblob\":\"AAAA\",\"enrol\":"
		       "\"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddde\"}"), "enrol: 41 characters refused");
	test_decode_event_log();
}

/* The answer head the broker writes, read back with the guest's parser. */
static void test_response_head(void)
{
	char buf[512];
	struct coco_http_response h;
	int n = coco_http_response_head(buf, sizeof(buf), 503, "application/json", 2, 7);

	CHECK(n > 0 && !strncmp(buf, "HTTP/1.1 503 Service Unavailable\r\n", 34), "status line: %.40s", buf);
	CHECK(n > 0 && strstr(buf, "\r\nCache-Control: no-store\r\n") && strstr(buf, "\r\nRetry-After: 7\r\n"),
	      "no-store and Retry-After");
	memcpy(buf + n, "{}", 3);
	CHECK(coco_http_response_parse(buf, (size_t)n + 2, &h) == COCO_PROTO_OK && h.status == 503 &&
	      h.retry_after == 7 && h.body_len == 2, "the guest's parser reads it");
	n = coco_http_response_head(buf, sizeof(buf), 200, "text/plain; version=0.0.4", 10, 0);
	CHECK(n > 0 && !strstr(buf, "Retry-After") && strstr(buf, "\r\nContent-Length: 10\r\n"), "no Retry-After");
	CHECK(coco_http_response_head(buf, 20, 200, "text/plain", 1, 0) == COCO_PROTO_TOO_LARGE, "small buffer");
	CHECK(coco_http_response_head(buf, sizeof(buf), 200, "a\r\nX: y", 1, 0) == COCO_PROTO_BAD_INPUT, "CRLF in type");
	CHECK(!strcmp(coco_http_status_text(413), "Content Too Large") && !strcmp(coco_http_status_text(299), "Error"),
	      "status texts");
}

int main(void)
{
	test_http();
	test_decode();
	test_response_head();
	return check_done();
}
