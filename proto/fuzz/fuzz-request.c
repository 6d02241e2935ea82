/*
 * libFuzzer target: everything the broker does with request bytes before the
 * evidence is verified: HTTP framing (proto/http_server.c over http_parser) fed in
 * chunks of fuzzer-chosen sizes, then the JSON body decode (proto/request_decode.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/uuid.h"
#include "proto/request.h"
#include "proto/http_server.h"
#include "proto/request_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coco_http_request r;
	struct coco_request_fields f;
	const char *detail;
	size_t chunk, off = 1;
	enum coco_http_feed res = COCO_HTTP_FEED_MORE;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	coco_http_request_init(&r, COCO_UNLOCK_PATH, HTTP_POST);
	while (off < size && res == COCO_HTTP_FEED_MORE) {
		size_t n = size - off < chunk ? size - off : chunk;
		char *copy = malloc(n);
		memcpy(copy, data + off, n);
		res = coco_http_request_feed(&r, copy, n);
		free(copy);
		off += n;
	}
	if (r.body_len > COCO_MAX_BODY)
		abort();
	if (res == COCO_HTTP_FEED_COMPLETE && r.body) {
		if (coco_request_decode(r.body, r.body_len, &f, &detail) == 0) {
			if (!uuid_parse(f.volume, NULL) || !coco_provider_is_valid(f.provider) ||
			    !f.outblob || f.outblob_len == 0)
				abort();
			coco_request_fields_free(&f);
		}
	}
	/* the body alone, as JSON */
	{
		char *copy = malloc(size);
		memcpy(copy, data, size);
		if (coco_request_decode(copy, size, &f, &detail) == 0)
			coco_request_fields_free(&f);
		free(copy);
	}
	coco_http_request_free(&r);
	return 0;
}
