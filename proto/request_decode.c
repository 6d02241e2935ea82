#include "request_decode.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <mbedtls/base64.h>

#include "common/cc_eventlog.h"
#include "common/uuid.h"
#include "request.h"

void coco_request_fields_free(struct coco_request_fields *d)
{
	free(d->outblob);
	free(d->auxblob);
	free(d->event_log);
}

static int b64_field(const cJSON *item, uint8_t **out, size_t *len)
{
	const char *s = item->valuestring;
	size_t n = strlen(s), olen = 0;

	if (n == 0 || mbedtls_base64_decode(NULL, 0, &olen, (const unsigned char *)s, n) !=
			      MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL)
		return -1;
	if (!(*out = malloc(olen)) ||
	    mbedtls_base64_decode(*out, olen, len, (const unsigned char *)s, n) || *len == 0)
		return -1;
	return 0;
}

enum member { M_VOLUME, M_PROVIDER, M_OUTBLOB, M_AUXBLOB, M_EVENT_LOG, M_ENROL, M_COUNT };

static int member_index(const char *name)
{
	static const char *const names[M_COUNT] = { "volume", "provider", "outblob", "auxblob", "event_log", "enrol" };

	for (int i = 0; i < M_COUNT; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/* The value of one known member into d; -1 with *detail when it has a bad form. */
static int decode_value(enum member m, const cJSON *item, struct coco_request_fields *d, const char **detail)
{
	switch (m) {
	case M_VOLUME:
		*detail = "volume is not a UUID";
		/* the store keys volumes by the canonical (lowercase) form */
		return uuid_parse(item->valuestring, d->volume) ? 0 : -1;
	case M_PROVIDER:
		*detail = "unknown provider";
		if (!coco_provider_is_valid(item->valuestring))
			return -1;
		snprintf(d->provider, sizeof(d->provider), "%s", item->valuestring);
		return 0;
	case M_ENROL:
		*detail = "enrol is not a policy name";
		if (!coco_enrol_name_is_valid(item->valuestring))
			return -1;
		snprintf(d->enrol, sizeof(d->enrol), "%s", item->valuestring);
		return 0;
	case M_OUTBLOB:
		*detail = "outblob is not base64";
		return b64_field(item, &d->outblob, &d->outblob_len);
	case M_AUXBLOB:
		*detail = "auxblob is not base64";
		return b64_field(item, &d->auxblob, &d->auxblob_len);
	default:
		/* bounded before decoding: base64 of CC_EVENTLOG_MAX bytes at most */
		*detail = "event_log is larger than 40 KiB";
		if (strlen(item->valuestring) > (CC_EVENTLOG_MAX + 2) / 3 * 4)
			return -1;
		*detail = "event_log is not base64";
		if (b64_field(item, &d->event_log, &d->event_log_len))
			return -1;
		*detail = "event_log is larger than 40 KiB";
		return d->event_log_len > CC_EVENTLOG_MAX ? -1 : 0;
	}
}

/* Each member known, once, a string with a good value. */
static int decode_members(const cJSON *root, struct coco_request_fields *d, const char **detail)
{
	int seen[M_COUNT] = { 0 }, m;
	const cJSON *item;

	cJSON_ArrayForEach(item, root) {
		if ((m = member_index(item->string)) < 0) {
			*detail = "unknown member";
			return -1;
		}
		if (seen[m]++) {
			*detail = "duplicate member";
			return -1;
		}
		if (!cJSON_IsString(item)) {
			*detail = "members must be strings";
			return -1;
		}
		if (decode_value((enum member)m, item, d, detail))
			return -1;
	}
	*detail = "volume, provider and outblob are required";
	if (!seen[M_VOLUME] || !seen[M_PROVIDER] || !seen[M_OUTBLOB])
		return -1;
	*detail = "event_log comes with provider tdx_guest only";
	return seen[M_EVENT_LOG] && strcmp(d->provider, COCO_PROVIDER_TDX) ? -1 : 0;
}

/* Strict: an object with exactly the protocol's members, each once, each a string. */
int coco_request_decode(const char *body, size_t len, struct coco_request_fields *d, const char **detail)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	int ret = -1;

	memset(d, 0, sizeof(*d));
	*detail = "body is not a JSON object";
	if (!cJSON_IsObject(root))
		goto out;
	/* cJSON stops after the first value: anything but blanks after it is an error */
	for (; end && end < body + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
			*detail = "data after the JSON object";
			goto out;
		}
	}
	ret = decode_members(root, d, detail);
out:
	cJSON_Delete(root);
	if (ret)
		coco_request_fields_free(d);
	return ret;
}
