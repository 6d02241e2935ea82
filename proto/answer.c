/* Answer bodies: the broker's encoder and the guest's strict parser (see answer.h). */
#include "answer.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/platform_util.h>

/* ---- JSON: one object whose members are all strings ---- */

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int expect(struct cursor *c, char ch)
{
	skip_ws(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/*
 * A JSON string into out (NUL-terminated, at most cap-1 bytes). Only the
 * escapes a key broker could need; \u is refused (the schema is ASCII).
 */
static int read_string(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;

	if (expect(c, '"'))
		return -1;
	while (c->p < c->end) {
		char ch = *c->p++;
		if (ch == '"') {
			out[n] = '\0';
			return 0;
		}
		if ((unsigned char)ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			switch (*c->p++) {
			case '"': ch = '"'; break;
			case '\\': ch = '\\'; break;
			case '/': ch = '/'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			default: return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = ch;
	}
	return -1;
}

/* One member into OUT: "key" (base64, once), "error" (non-empty, once); others are ignored. */
static int take_member(const char *name, const char *value, struct coco_unlock_answer *out)
{
	size_t klen = 0;

	if (!strcmp(name, "key")) {
		if (out->key_len || mbedtls_base64_decode(out->key, sizeof(out->key), &klen,
							  (const unsigned char *)value, strlen(value)) || klen == 0)
			return -1;
		out->key_len = klen;
	} else if (!strcmp(name, "error")) {
		if (out->error[0] || strlen(value) >= sizeof(out->error) || !value[0])
			return -1;
		memcpy(out->error, value, strlen(value) + 1);
	}
	/* other string members are ignored: later brokers may add some */
	return 0;
}

/* The members of an object whose '{' was read, through its '}'. VALUE: scratch of CAP bytes. */
static int read_members(struct cursor *c, struct coco_unlock_answer *out, char *value, size_t cap)
{
	char name[16];

	skip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (read_string(c, name, sizeof(name)) || expect(c, ':') || read_string(c, value, cap) ||
		    take_member(name, value, out))
			return -1;
		skip_ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return expect(c, '}');
	}
}

int coco_answer_parse(const char *body, size_t len, struct coco_unlock_answer *out)
{
	struct cursor c = { body, body + len };
	/* base64 of the largest key (64 bytes) is 88 characters */
	char value[128];
	int ret = COCO_PROTO_MALFORMED;

	if (!body || !out)
		return COCO_PROTO_BAD_INPUT;
	memset(out, 0, sizeof(*out));
	if (len > COCO_MAX_BODY)
		return COCO_PROTO_TOO_LARGE;
	if (expect(&c, '{') == 0 && read_members(&c, out, value, sizeof(value)) == 0) {
		skip_ws(&c);
		/* one whole object and nothing after it, with a key or an error */
		if (c.p == c.end && (out->key_len || out->error[0]))
			ret = COCO_PROTO_OK;
	}
	mbedtls_platform_zeroize(value, sizeof(value));
	if (ret != COCO_PROTO_OK)
		mbedtls_platform_zeroize(out, sizeof(*out));
	return ret;
}

int coco_answer_encode_key(const uint8_t *key, size_t key_len, char *buf, size_t cap, size_t *len)
{
	static const char open[] = "{\"key\":\"", close[] = "\"}";
	size_t olen = 0;

	if (!key || !key_len || key_len > COCO_VOLUME_KEY_MAX || !buf || cap < sizeof(open) + sizeof(close))
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
