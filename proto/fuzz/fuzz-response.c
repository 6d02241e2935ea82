/*
 * libFuzzer target: the guest's answer parsing (proto/http_client.c, answer.c), which
 * reads bytes from the network before anything about the peer is known
 * beyond its certificate. Both parsers must stay in bounds, never report a
 * key and an error inconsistently, and leave nothing behind on failure.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coco_http_response h;
	struct coco_unlock_answer a;
	/* a private copy, so reads past the end are caught by ASan */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (coco_http_response_parse(buf, size, &h) == COCO_PROTO_OK) {
		if (h.total_len > size || h.body < buf || h.body + h.body_len > buf + size)
			abort();
	}
	if (coco_answer_parse(buf, size, &a) == COCO_PROTO_OK) {
		if (a.key_len > sizeof(a.key) || (a.key_len == 0 && a.error[0] == '\0'))
			abort();
		if (memchr(a.error, '\0', sizeof(a.error)) == NULL)
			abort();
	} else {
		static const struct coco_unlock_answer zero;
		if (memcmp(&a, &zero, sizeof(a)) != 0)
			abort();
	}
	free(buf);
	return 0;
}
