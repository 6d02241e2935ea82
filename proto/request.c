#include "request.h"
#include "common/cc_eventlog.h"
#include "common/uuid.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

int coco_provider_is_valid(const char *s)
{
	return s && (!strcmp(s, COCO_PROVIDER_SNP) || !strcmp(s, COCO_PROVIDER_TDX));
}

int coco_enrol_name_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= COCO_ENROL_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static size_t b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t coco_request_encoded_max(size_t outblob_len, size_t auxblob_len)
{
	/* fixed text (53 bytes, 68 with "event_log") + uuid + provider + enrol + the base64 fields + NUL */
	return 96 + 36 + 16 + 12 + COCO_ENROL_NAME_MAX + b64_len(outblob_len) + b64_len(auxblob_len) + 1;
}

/* Appends base64 of src at buf+*pos; keeps room for the NUL. */
static int put_b64(char *buf, size_t cap, size_t *pos, const uint8_t *src, size_t n)
{
	size_t olen = 0;

	if (mbedtls_base64_encode((unsigned char *)buf + *pos, cap - *pos, &olen, src, n))
		return COCO_PROTO_TOO_LARGE;
	*pos += olen;
	return COCO_PROTO_OK;
}

static int put_str(char *buf, size_t cap, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap - *pos)
		return COCO_PROTO_TOO_LARGE;
	memcpy(buf + *pos, s, n + 1);
	*pos += n;
	return COCO_PROTO_OK;
}

int coco_request_encode(const struct coco_unlock_request *req,
			char *buf, size_t cap, size_t *len)
{
	size_t pos = 0;
	int ret;

	if (!req || !buf || cap == 0 || !uuid_parse(req->volume, NULL) ||
	    !coco_provider_is_valid(req->provider) || !req->outblob || req->outblob_len == 0 ||
	    (req->enrol && !coco_enrol_name_is_valid(req->enrol)))
		return COCO_PROTO_BAD_INPUT;
	/* volume and provider were validated above: no character needs escaping */
	if ((ret = put_str(buf, cap, &pos, "{\"volume\":\"")) ||
	    (ret = put_str(buf, cap, &pos, req->volume)) ||
	    (ret = put_str(buf, cap, &pos, "\",\"provider\":\"")) ||
	    (ret = put_str(buf, cap, &pos, req->provider)) ||
	    (ret = put_str(buf, cap, &pos, "\",\"outblob\":\"")) ||
	    (ret = put_b64(buf, cap, &pos, req->outblob, req->outblob_len)))
		return ret;
	if (req->auxblob && req->auxblob_len) {
		if ((ret = put_str(buf, cap, &pos, "\",\"auxblob\":\"")) ||
		    (ret = put_b64(buf, cap, &pos, req->auxblob, req->auxblob_len)))
			return ret;
	}
	if (req->event_log && req->event_log_len) {
		if (req->event_log_len > CC_EVENTLOG_MAX || strcmp(req->provider, COCO_PROVIDER_TDX))
			return COCO_PROTO_BAD_INPUT;
		if ((ret = put_str(buf, cap, &pos, "\",\"event_log\":\"")) ||
		    (ret = put_b64(buf, cap, &pos, req->event_log, req->event_log_len)))
			return ret;
	}
	if (req->enrol && ((ret = put_str(buf, cap, &pos, "\",\"enrol\":\"")) ||
			   (ret = put_str(buf, cap, &pos, req->enrol))))
		return ret;
	if ((ret = put_str(buf, cap, &pos, "\"}")))
		return ret;
	if (pos > COCO_MAX_BODY)
		return COCO_PROTO_TOO_LARGE;
	if (len)
		*len = pos;
	return COCO_PROTO_OK;
}
