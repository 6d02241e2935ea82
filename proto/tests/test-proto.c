/*
 * Unit tests of proto/, the wire-protocol module shared by the guest and the
 * broker. Built twice: for the host (with sanitizers) and as a static musl
 * binary against the guest's trimmed mbedTLS, so both builds are exercised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "tests/lib/check.h"
#include "common/hex.h"
#include "common/uuid.h"
#include "proto/binding.h"
#include "proto/client_cert.h"
#include "proto/reasons.h"
#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"
#include "common/cc_eventlog.h"

static void test_binding(void)
{
	/* independent value: python3 hashlib, SHA-512(b"cocoboot-v1\0" + SHA-256(spki) + ekm) */
	static const char want[] =
		"3a60adfef39ed0245ce6929c8f1f82634937c8f5b781d38a20f916fd418c6437"
		"564f8669426dcfdf03585d456a0ec1a8f5709e8f7dd47f79265ca20d970bad6b";
	uint8_t spki[91], ekm[COCO_EKM_LEN], inblob[COCO_INBLOB_LEN], other[COCO_INBLOB_LEN];
	char got[2 * COCO_INBLOB_LEN + 1];

	for (size_t i = 0; i < sizeof(spki); i++)
		spki[i] = (uint8_t)i;
	memset(ekm, 0x42, sizeof(ekm));
	CHECK(coco_binding_compute(spki, sizeof(spki), ekm, inblob) == 0, "binding computes");
	hex_encode(got, inblob, sizeof(inblob));
	CHECK(!strcmp(got, want), "binding known answer: got %s", got);
	spki[0] ^= 1;
	coco_binding_compute(spki, sizeof(spki), ekm, other);
	CHECK(memcmp(inblob, other, sizeof(other)) != 0, "another SPKI gives another inblob");
	spki[0] ^= 1;
	ekm[31] ^= 1;
	coco_binding_compute(spki, sizeof(spki), ekm, other);
	CHECK(memcmp(inblob, other, sizeof(other)) != 0, "another exporter value gives another inblob");
	CHECK(coco_binding_compute(spki, 0, ekm, other) != 0, "empty SPKI refused");
	CHECK(coco_binding_compute(NULL, 5, ekm, other) != 0, "NULL SPKI refused");
}

static void test_uuid(void)
{
	CHECK(uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", NULL), "lowercase UUID");
	CHECK(uuid_parse("0F4C2A1E-5B6D-4E8F-9A0B-1C2D3E4F5A6B", NULL), "uppercase UUID");
	CHECK(!uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6", NULL), "short UUID refused");
	CHECK(!uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6bb", NULL), "long UUID refused");
	CHECK(!uuid_parse("0f4c2a1e5b6d-4e8f-9a0b-1c2d3e4f5a6b-", NULL), "misplaced dash refused");
	CHECK(!uuid_parse("0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6g", NULL), "non-hex refused");
	CHECK(!uuid_parse("\"f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", NULL), "quote refused");
	CHECK(!uuid_parse(NULL, NULL), "NULL refused");
	CHECK(coco_provider_is_valid("sev_guest") && coco_provider_is_valid("tdx_guest"), "providers");
	CHECK(!coco_provider_is_valid("sev") && !coco_provider_is_valid(""), "unknown provider refused");
}

static void test_request(void)
{
	static const uint8_t out[] = { 0x00, 0xff, 0x10 }, aux[] = { 'a', 'b' };
	struct coco_unlock_request r = {
		.volume = "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b", .provider = "sev_guest",
		.outblob = out, .outblob_len = sizeof(out), .auxblob = aux, .auxblob_len = sizeof(aux),
	};
	char buf[512], small[40];
	size_t len = 0;

	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_OK, "encode");
	CHECK(!strcmp(buf, "{\"volume\":\"0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b\",\"provider\":\"sev_guest\","
			   "\"outblob\":\"AP8Q\",\"auxblob\":\"YWI=\"}"), "encoded body: %s", buf);
	CHECK(len == strlen(buf), "length without NUL");
	CHECK(len < coco_request_encoded_max(sizeof(out), sizeof(aux)), "upper bound holds");
	r.auxblob = NULL;
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_OK && !strstr(buf, "auxblob"),
	      "auxblob omitted when absent: %s", buf);
	CHECK(coco_request_encode(&r, small, sizeof(small), &len) == COCO_PROTO_TOO_LARGE, "small buffer");
	r.enrol = "web";
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_OK &&
		      !strcmp(buf, "{\"volume\":\"0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b\",\"provider\":\"sev_guest\","
				   "\"outblob\":\"AP8Q\",\"enrol\":\"web\"}"), "a first boot names its fleet: %s", buf);
	r.enrol = "we\"b";
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "a fleet name that needs escaping");
	r.enrol = NULL;
	r.volume = "not-a-uuid";
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "bad volume");
	r.volume = "0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b";
	r.provider = "sev\"guest";
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "bad provider");
	r.provider = "tdx_guest";
	r.event_log = aux;
	r.event_log_len = sizeof(aux);
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_OK && strstr(buf, ",\"event_log\":\"YWI=\"}") &&
	      len < coco_request_encoded_max(sizeof(out), 0 + sizeof(aux) + 3), "event_log encoded (TDX): %s", buf);
	r.provider = "sev_guest";
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "event_log with sev_guest refused");
	r.provider = "tdx_guest";
	r.event_log_len = CC_EVENTLOG_MAX + 1;
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "event_log over 40 KiB refused");
	r.event_log = NULL;
	r.event_log_len = 0;
	r.outblob_len = 0;
	CHECK(coco_request_encode(&r, buf, sizeof(buf), &len) == COCO_PROTO_BAD_INPUT, "empty outblob");
	{
		/* a body above the protocol limit is refused even with a big buffer */
		size_t n = 50000, cap = coco_request_encoded_max(n, 0);
		uint8_t *blob = calloc(1, n);
		char *big = malloc(cap);
		r.outblob = blob;
		r.outblob_len = n;
		CHECK(blob && big && coco_request_encode(&r, big, cap, &len) == COCO_PROTO_TOO_LARGE,
		      "body over 64 KiB refused");
		free(blob);
		free(big);
	}
}

static void test_http(void)
{
	char head[256];
	struct coco_http_response h;
	int n = coco_http_request_head(head, sizeof(head), "broker.example", 123);
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "content-length: 9\r\n\r\n{\"key\":1}extra";
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After:  7 \r\nContent-Length: 2\r\n\r\n{}";

	CHECK(n > 0 && strstr(head, "POST /v1/unlock HTTP/1.1\r\n") == head, "request line");
	CHECK(n > 0 && strstr(head, "\r\nContent-Length: 123\r\n") && !strcmp(head + n - 4, "\r\n\r\n"), "head");
	CHECK(coco_http_request_head(head, sizeof(head), "evil\r\nX: y", 1) == COCO_PROTO_BAD_INPUT, "CRLF in host");
	CHECK(coco_http_request_head(head, 10, "h", 1) == COCO_PROTO_TOO_LARGE, "small head buffer");

	CHECK(coco_http_response_parse(ok, strlen(ok), &h) == COCO_PROTO_OK && h.status == 200 &&
	      h.body_len == 9 && !memcmp(h.body, "{\"key\":1}", 9) && h.total_len == strlen(ok) - 5,
	      "200 with a body");
	CHECK(coco_http_response_parse(ok, 20, &h) == COCO_PROTO_INCOMPLETE, "partial head");
	CHECK(coco_http_response_parse(ok, strlen(ok) - 8, &h) == COCO_PROTO_INCOMPLETE, "partial body");
	CHECK(coco_http_response_parse(busy, strlen(busy), &h) == COCO_PROTO_OK && h.status == 503 &&
	      h.retry_after == 7, "Retry-After");
#define BAD(text, what) CHECK(coco_http_response_parse(text, strlen(text), &h) == COCO_PROTO_MALFORMED, what)
	BAD("HTTP/1.1 200 OK\r\n\r\n", "no Content-Length");
	BAD("HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n", "not HTTP/1.x");
	BAD("HTTP/1.1 20x OK\r\nContent-Length: 0\r\n\r\n", "bad status");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "negative length");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", "length over the limit");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", "two lengths");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\nx", "chunked");
	BAD("HTTP/1.1 200 OK\r\nBroken header\r\nContent-Length: 1\r\n\r\nx", "header without colon");
}

#define ESC "{\"error\":\"a\\/b\",\"detail\":\"x\"}"
static void test_answer(void)
{
	struct coco_unlock_answer a;
	uint8_t key[64];
	char body[256];

	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 7);
	/* base64 of key[] (python3: base64.b64encode(bytes(i*7 % 256 for i in range(64)))) */
	snprintf(body, sizeof(body), " { \"key\" : \"%s\" } ",
		 "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tng5+71/AMKERgfJi00O0JJUFdeZWxzeoGIj5adpKuyuQ==");
	CHECK(coco_answer_parse(body, strlen(body), &a) == COCO_PROTO_OK && a.key_len == 64 &&
	      !memcmp(a.key, key, 64) && !a.error[0], "key answer");
	CHECK(coco_answer_parse("{\"error\":\"binding-mismatch\"}", 28, &a) == COCO_PROTO_OK &&
	      !strcmp(a.error, "binding-mismatch") && a.key_len == 0, "error answer");
	CHECK(coco_answer_parse(ESC, strlen(ESC), &a) == COCO_PROTO_OK &&
	      !strcmp(a.error, "a/b"), "escape and ignored member");
#define NOPE(text, what) CHECK(coco_answer_parse(text, strlen(text), &a) == COCO_PROTO_MALFORMED && \
			       a.key_len == 0 && !a.error[0], what)
	NOPE("{}", "empty object");
	NOPE("", "empty body");
	NOPE("[]", "array");
	NOPE("{\"key\":\"@@@@\"}", "bad base64");
	NOPE("{\"key\":\"\"}", "empty key");
	NOPE("{\"error\":\"x\"} x", "trailing garbage");
	NOPE("{\"error\":\"x\",}", "trailing comma");
	NOPE("{\"error\":5}", "number member");
	NOPE("{\"error\":\"x\",\"error\":\"y\"}", "duplicate error");
	NOPE("{\"error\":\"\\u0041\"}", "unicode escape refused");
	NOPE("{\"error\":\"unterminated}", "unterminated string");
	NOPE("{\"error\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
	     "error code too long");
	/* 96 bytes of key: larger than any volume key */
	NOPE("{\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
	     "key too long");
}

/* The broker's encoders, read back with the guest's parser. */
static void test_answer_encode(void)
{
	struct coco_unlock_answer a;
	uint8_t key[64];
	char body[COCO_KEY_ANSWER_MAX];
	size_t len = 0;

	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(255 - i);
	CHECK(coco_answer_encode_key(key, sizeof(key), body, sizeof(body), &len) == COCO_PROTO_OK &&
	      len == strlen(body) && !strncmp(body, "{\"key\":\"", 8), "key answer encodes: %s", body);
	CHECK(coco_answer_parse(body, len, &a) == COCO_PROTO_OK && a.key_len == 64 && !memcmp(a.key, key, 64),
	      "round trip of the key");
	CHECK(coco_answer_encode_key(key, sizeof(key), body, sizeof(body) - 1, &len) == COCO_PROTO_TOO_LARGE,
	      "one byte short");
	CHECK(coco_answer_encode_error(COCO_REASON_BINDING_MISMATCH, body, sizeof(body), &len) == COCO_PROTO_OK &&
	      !strcmp(body, "{\"error\":\"binding-mismatch\"}") && len == strlen(body), "error answer encodes");
	CHECK(coco_answer_parse(body, len, &a) == COCO_PROTO_OK && !strcmp(a.error, "binding-mismatch"),
	      "round trip of the error");
	CHECK(coco_answer_encode_error("a\"b", body, sizeof(body), &len) == COCO_PROTO_BAD_INPUT, "quote refused");
	CHECK(coco_answer_encode_error("", body, sizeof(body), &len) == COCO_PROTO_BAD_INPUT, "empty code refused");
	CHECK(coco_answer_encode_error("overloaded", body, 12, &len) == COCO_PROTO_TOO_LARGE, "small buffer");
}

static void test_identity(void)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	struct coco_client_identity a, b;
	unsigned char point[65], hash[32];
	size_t n = 0;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	CHECK(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) == 0, "drbg");
	CHECK(coco_client_identity_generate(&a, mbedtls_ctr_drbg_random, &drbg) == 0, "identity a");
	CHECK(coco_client_identity_generate(&b, mbedtls_ctr_drbg_random, &drbg) == 0, "identity b");
	CHECK(mbedtls_ecp_write_public_key(mbedtls_pk_ec(a.key), MBEDTLS_ECP_PF_UNCOMPRESSED, &n, point, sizeof(point)) == 0 &&
	      n == sizeof(point), "public point");
	/* the SPKI DER of a P-256 key: 26 bytes of algorithm and BIT STRING header, then the point */
	CHECK(a.cert.pk_raw.len == 91 && !memcmp(a.cert.pk_raw.p + 26, point, sizeof(point)),
	      "certificate SPKI carries the key's public point");
	CHECK(a.cert.pk_raw.len == b.cert.pk_raw.len && memcmp(a.cert.pk_raw.p, b.cert.pk_raw.p, a.cert.pk_raw.len),
	      "fresh key each time");
	CHECK(a.cert.serial.len == 16 && memcmp(a.cert.serial.p, b.cert.serial.p, 16), "fresh 16-byte serial each time");
	CHECK(mbedtls_pk_get_bitlen(&a.cert.pk) == 256, "P-256");
	CHECK(a.cert.version == 3 && a.cert.MBEDTLS_PRIVATE(sig_md) == MBEDTLS_MD_SHA256 && a.cert.MBEDTLS_PRIVATE(sig_pk) == MBEDTLS_PK_ECDSA,
	      "v3, ecdsa-with-SHA256");
	CHECK(mbedtls_sha256(a.cert.tbs.p, a.cert.tbs.len, hash, 0) == 0 &&
	      mbedtls_pk_verify(&a.cert.pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), a.cert.MBEDTLS_PRIVATE(sig).p, a.cert.MBEDTLS_PRIVATE(sig).len) == 0,
	      "self-signature verifies");
	hash[0] ^= 1;
	CHECK(mbedtls_pk_verify(&a.cert.pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), a.cert.MBEDTLS_PRIVATE(sig).p, a.cert.MBEDTLS_PRIVATE(sig).len) != 0,
	      "signature does not verify another hash");
	coco_client_identity_free(&a);
	coco_client_identity_free(&b);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
}

int main(void)
{
	test_binding();
	test_uuid();
	test_request();
	test_http();
	test_answer();
	test_answer_encode();
	test_identity();
	return check_done();
}
