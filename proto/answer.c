/* Answer bodies: the broker's encoder and the guest's strict parser (see answer.h). */
#include "answer.h"
#include "request.h"
#include "common/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

/* ---- JSON: one object whose members are all strings ---- */

/*
 * The reader decodes \u escapes; the schema is ASCII and refuses them. Every
 * backslash of a well-formed body starts an escape inside a string, so
 * skipping the escaped character finds exactly the \u ones.
 */
static int has_unicode_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u')
			return 1;
		i++;
	}
	return 0;
}

/* The members, read with the guest's one JSON reader (common/json.h). */
static int read_members(const struct json_doc *doc, struct coco_unlock_answer *out)
{
	const struct json_node *root = json_root(doc);
	int have_key = 0, have_error = 0;

	if (root->type != JSON_OBJECT)
		return COCO_PROTO_MALFORMED;
	for (const struct json_node *m = json_first(doc, root); m; m = json_next(doc, m)) {
		/* the schema's bounds: names under 16 bytes, values under 128 (base64 of a 64-byte key is 88) */
		if (m->type != JSON_STRING || strlen(m->key) >= 16 || m->str_len >= 128)
			return COCO_PROTO_MALFORMED;
		if (!strcmp(m->key, "key")) {
			size_t klen = 0;

			if (mbedtls_base64_decode(out->key, sizeof(out->key), &klen, (const unsigned char *)m->str,
						  m->str_len) || klen == 0)
				return COCO_PROTO_MALFORMED;
			out->key_len = klen;
			have_key = 1;
		} else if (!strcmp(m->key, "error")) {
			if (m->str_len >= sizeof(out->error) || m->str_len == 0)
				return COCO_PROTO_MALFORMED;
			memcpy(out->error, m->str, m->str_len + 1);
			have_error = 1;
		}
		/* other string members are ignored: later brokers may add some (the reader refuses repeats) */
	}
	return have_key || have_error ? COCO_PROTO_OK : COCO_PROTO_MALFORMED;
}

int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out)
{
	struct json_doc doc = { 0 };
	char *text = NULL;
	int ret = COCO_PROTO_MALFORMED;

	if (!body || !out)
		return COCO_PROTO_BAD_INPUT;
	memset(out, 0, sizeof(*out));
	if (len > COCO_MAX_BODY)
		return COCO_PROTO_TOO_LARGE;
	/*
	 * The reader decodes in place: a private copy (it holds the key in
	 * base64: wiped below). Nodes for an object of string members only,
	 * each at least 6 bytes ("":"",): a body with any other value runs out
	 * of them or is refused for it, malformed either way.
	 */
	doc.cap = (unsigned)(len / 6 + 3);
	doc.nodes = calloc(doc.cap, sizeof(*doc.nodes));
	text = malloc(len + 1);
	if (!doc.nodes || !text) {
		ret = COCO_PROTO_TOO_LARGE;
		goto out;
	}
	memcpy(text, body, len);
	text[len] = '\0';
	if (!has_unicode_escape(text, len) && json_parse(text, len, &doc) == 0)
		ret = read_members(&doc, out);
out:
	if (text)
		mbedtls_platform_zeroize(text, len + 1);
	free(text);
	free(doc.nodes);
	if (ret != COCO_PROTO_OK)
		mbedtls_platform_zeroize(out, sizeof(*out));
	return ret;
}

int coco_answer_encode_key(const uint8_t *key, size_t key_len, char *buf, size_t cap, size_t *len)
{
	static const char open[] = "{\"key\":\"", close[] = "\"}";
	size_t olen = 0;

	if (!key || !key_len || key_len > VOLUME_KEY_LEN || !buf || cap < sizeof(open) + sizeof(close))
		return COCO_PROTO_BAD_INPUT;
	memcpy(buf, open, sizeof(open) - 1);
	/* room for the closing quote, brace and NUL stays free */
	if (mbedtls_base64_encode((unsigned char *)buf + sizeof(open) - 1, cap - (sizeof(open) - 1) - (sizeof(close) - 1),
				  &olen, key, key_len)) {
		mbedtls_platform_zeroize(buf, cap);
		return COCO_PROTO_TOO_LARGE;
	}
	memcpy(buf + sizeof(open) - 1 + olen, close, sizeof(close));
	if (len)
		*len = sizeof(open) - 1 + olen + sizeof(close) - 1;
	return COCO_PROTO_OK;
}

int coco_answer_encode_error(const char *code, char *buf, size_t cap, size_t *len)
{
	int n;

	if (!code || !code[0] || strlen(code) >= COCO_ERROR_CODE_MAX || strpbrk(code, "\"\\") || !buf)
		return COCO_PROTO_BAD_INPUT;
	n = snprintf(buf, cap, "{\"error\":\"%s\"}", code);
	if (n < 0 || (size_t)n >= cap)
		return COCO_PROTO_TOO_LARGE;
	if (len)
		*len = (size_t)n;
	return COCO_PROTO_OK;
}
