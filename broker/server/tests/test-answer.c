/*
 * Unit tests of the connection's answer buffer (broker/server/answer.c): an
 * answer that carries a key is written from its own secret mapping (locked,
 * not dumped: the kernel's view in /proc/self/smaps) and is all zero when it
 * is freed; an error answer stays on the heap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/server/server_state.h"
#include "common/secret.h"
#include "proto/answer.h"
#include "proto/http_client.h"
#include "proto/request.h"
#include "tests/lib/check.h"
#include "tests/lib/smaps.h"

static int unmapped, wiped_when_unmapped;

static void observe_unmap(const uint8_t *data, size_t len)
{
	unmapped++;
	wiped_when_unmapped = 1;
	for (size_t i = 0; i < len; i++)
		if (data[i])
			wiped_when_unmapped = 0;
}

/* A key answer as a worker hands it on: {"key": ...} in secret memory. */
static int worker_answer(struct secret *answer, uint8_t key[VOLUME_KEY_LEN])
{
	for (int i = 0; i < VOLUME_KEY_LEN; i++)
		key[i] = (uint8_t)(0xa0 + i);
	if (secret_alloc(answer, COCO_KEY_ANSWER_MAX))
		return -1;
	return coco_answer_encode_key(key, VOLUME_KEY_LEN, (char *)answer->data, answer->cap, &answer->len);
}

int main(void)
{
	struct server s = { .cfg = { .retry_after_s = 1, .idle_timeout_ms = 1000 } };
	struct conn *c = calloc(1, sizeof(*c));
	struct secret answer = { 0 };
	struct coco_http_response h;
	struct coco_unlock_answer parsed;
	uint8_t key[VOLUME_KEY_LEN];
	char flags[512] = "";
	long locked_kb = -1;

	CHECK(c && worker_answer(&answer, key) == 0, "a key answer encoded into secret memory");
	conn_answer_key(&s, c, &answer);
	CHECK(c->state == ST_WRITE && c->out && c->out_len > answer.len, "queued for writing");
	CHECK(c->out == (char *)c->out_secret.data, "the connection's buffer is its own secret mapping");
	CHECK(smaps_mapping(c->out, flags, sizeof(flags), &locked_kb) == 0, "the buffer starts a mapping");
	CHECK(strstr(flags, " lo") != NULL, "mlock'ed (VmFlags:%s)", flags);
	CHECK(strstr(flags, " dd") != NULL, "MADV_DONTDUMP (VmFlags:%s)", flags);
	CHECK(locked_kb * 1024 >= (long)c->out_secret.map_len, "Locked: %ld kB", locked_kb);
	/* what goes out is a whole answer the guest reads back to the same key */
	CHECK(coco_http_response_parse(c->out, c->out_len, &h) == COCO_PROTO_OK && h.status == 200 &&
	      coco_answer_parse(h.body, h.body_len, &parsed) == COCO_PROTO_OK &&
	      parsed.key_len == VOLUME_KEY_LEN && !memcmp(parsed.key, key, VOLUME_KEY_LEN),
	      "the guest reads the key back from the bytes to be sent");

	secret_before_unmap = observe_unmap;
	secret_free(&answer);
	CHECK(unmapped == 1 && wiped_when_unmapped, "the worker's copy is wiped once the connection has its own");
	c->out_off = c->out_len;   /* sent */
	conn_answer_free(c);
	CHECK(unmapped == 2 && wiped_when_unmapped, "the connection's copy is wiped when freed");
	CHECK(!c->out && !c->out_secret.data && c->out_len == 0, "nothing left queued");

	conn_error(&s, c, 403, "policy-mismatch", 0);
	CHECK(c->state == ST_WRITE && c->out && !c->out_secret.data, "an error answer is on the heap, not locked");
	conn_answer_free(c);
	CHECK(unmapped == 2 && !c->out, "and freed without a secret mapping");
	free(c);
	return check_done();
}
