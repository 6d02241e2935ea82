#include "request_decode.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <mbedtls/base64.h>

#include "../../common/uuid.h"
#include "../../proto/request.h"

void unlock_fields_free(struct unlock_fields *d)
{
	free(d->outblob);
	free(d->auxblob);
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

/* Strict: an object with exactly the protocol's members, each once, each a string. */
int unlock_request_decode(const char *body, size_t len, struct unlock_fields *d, const char **detail)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0), *item;
	int seen_volume = 0, seen_provider = 0, seen_outblob = 0, seen_auxblob = 0, ret = -1;

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
	cJSON_ArrayForEach(item, root) {
		int *seen;
		if (!strcmp(item->string, "volume"))
			seen = &seen_volume;
		else if (!strcmp(item->string, "provider"))
			seen = &seen_provider;
		else if (!strcmp(item->string, "outblob"))
			seen = &seen_outblob;
		else if (!strcmp(item->string, "auxblob"))
			seen = &seen_auxblob;
		else {
			*detail = "unknown member";
			goto out;
		}
		if ((*seen)++) {
			*detail = "duplicate member";
			goto out;
		}
		if (!cJSON_IsString(item)) {
			*detail = "members must be strings";
			goto out;
		}
		if (seen == &seen_volume) {
			*detail = "volume is not a UUID";
			/* the store keys volumes by the canonical (lowercase) form */
			if (!uuid_parse(item->valuestring, d->volume))
				goto out;
		} else if (seen == &seen_provider) {
			*detail = "unknown provider";
			if (!coco_provider_is_valid(item->valuestring))
				goto out;
			snprintf(d->provider, sizeof(d->provider), "%s", item->valuestring);
		} else if (seen == &seen_outblob) {
			*detail = "outblob is not base64";
			if (b64_field(item, &d->outblob, &d->outblob_len))
				goto out;
		} else {
			*detail = "auxblob is not base64";
			if (b64_field(item, &d->auxblob, &d->auxblob_len))
				goto out;
		}
	}
	*detail = "volume, provider and outblob are required";
	if (!seen_volume || !seen_provider || !seen_outblob)
		goto out;
	ret = 0;
out:
	cJSON_Delete(root);
	if (ret)
		unlock_fields_free(d);
	return ret;
}

