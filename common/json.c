/*
 * Strict in-place JSON parser (see json.h for why it is stricter than the RFC).
 * Recursive descent, depth bounded by JSON_MAX_DEPTH so the stack is bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "json.h"

struct parser {
	char *s;
	size_t len;
	size_t pos;
	struct json_doc *doc;
};

static int fail(struct parser *p, const char *what)
{
	snprintf(p->doc->error, sizeof(p->doc->error), "%s at byte %zu", what, p->pos);
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int new_node(struct parser *p, enum json_type type, unsigned *idx)
{
	if (p->doc->n >= p->doc->cap)
		return fail(p, "too many JSON values");
	*idx = p->doc->n++;
	memset(&p->doc->nodes[*idx], 0, sizeof(struct json_node));
	p->doc->nodes[*idx].type = type;
	return 0;
}

static int read_hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = hex_digit_value(p->s[p->pos + i]);

		if (h < 0)
			return fail(p, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	p->pos += 4;
	*out = v;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at S (at most AVAIL bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the string starting at the opening quote; the result overwrites it in place. */
static int parse_string(struct parser *p, const char **out, size_t *out_len)
{
	char *dst = p->s + p->pos;  /* the opening quote's slot; decoding never outruns reading */
	size_t n = 0;

	p->pos++;
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len)
			return fail(p, "unterminated string");
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			dst[n] = '\0';
			*out = dst;
			*out_len = n;
			return 0;
		}
		if (c < 0x20)
			return fail(p, "control character in string");
		if (c == '\\') {
			char e;

			if (++p->pos >= p->len)
				return fail(p, "truncated escape");
			e = p->s[p->pos++];
			switch (e) {
			case '"': dst[n++] = '"'; break;
			case '\\': dst[n++] = '\\'; break;
			case '/': dst[n++] = '/'; break;
			case 'b': dst[n++] = '\b'; break;
			case 'f': dst[n++] = '\f'; break;
			case 'n': dst[n++] = '\n'; break;
			case 'r': dst[n++] = '\r'; break;
			case 't': dst[n++] = '\t'; break;
			case 'u': {
				unsigned cp, lo;

				if (read_hex4(p, &cp) < 0)
					return -1;
				if (cp == 0)
					return fail(p, "\\u0000 in string");
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return fail(p, "lone low surrogate");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
						return fail(p, "lone high surrogate");
					p->pos += 2;
					if (read_hex4(p, &lo) < 0)
						return -1;
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(p, "bad surrogate pair");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				/* 6 (or 12) source bytes always cover the at most 4 output bytes */
				n += put_utf8(dst + n, cp);
				break;
			}
			default:
				p->pos--;
				return fail(p, "bad escape");
			}
			continue;
		}
		{
			size_t seq = utf8_sequence((const unsigned char *)p->s + p->pos, p->len - p->pos);

			if (seq == 0)
				return fail(p, "invalid UTF-8 in string");
			memmove(dst + n, p->s + p->pos, seq);
			n += seq;
			p->pos += seq;
		}
	}
}

static int parse_number(struct parser *p, long long *out)
{
	int negative = 0;
	unsigned long long v = 0;
	size_t start;

	if (p->s[p->pos] == '-') {
		negative = 1;
		p->pos++;
	}
	start = p->pos;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		unsigned d = (unsigned)(p->s[p->pos] - '0');

		if (v > (UINT64_MAX - d) / 10 || v * 10 + d > (unsigned long long)INT64_MAX + (negative ? 1 : 0))
			return fail(p, "number out of range");
		v = v * 10 + d;
		p->pos++;
	}
	if (p->pos == start)
		return fail(p, "bad number");
	if (p->s[start] == '0' && p->pos - start > 1)
		return fail(p, "leading zero in number");
	if (p->pos < p->len && (p->s[p->pos] == '.' || p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
		return fail(p, "non-integer number");
	if (negative)
		*out = v == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

static int parse_literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "unexpected character");
	p->pos += n;
	return 0;
}

static int parse_value(struct parser *p, unsigned depth, unsigned *idx);

static int parse_container(struct parser *p, unsigned depth, unsigned idx, int is_object)
{
	char close = is_object ? '}' : ']';
	unsigned last = 0;

	if (depth >= JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len;
		unsigned child;

		skip_ws(p);
		if (is_object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected member name");
			if (parse_string(p, &key, &key_len) < 0)
				return -1;
			for (unsigned c = p->doc->nodes[idx].first_child; c; c = p->doc->nodes[c].next)
				if (!strcmp(p->doc->nodes[c].key, key))
					return fail(p, "duplicate member name");
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
			skip_ws(p);
		}
		if (parse_value(p, depth + 1, &child) < 0)
			return -1;
		p->doc->nodes[child].key = key;
		if (last)
			p->doc->nodes[last].next = child;
		else
			p->doc->nodes[idx].first_child = child;
		last = child;
		p->doc->nodes[idx].count++;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated container");
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return fail(p, "expected ',' or end of container");
	}
}

static int parse_value(struct parser *p, unsigned depth, unsigned *idx)
{
	char c;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input");
	c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if (new_node(p, c == '{' ? JSON_OBJECT : JSON_ARRAY, idx) < 0)
			return -1;
		return parse_container(p, depth, *idx, c == '{');
	case '"': {
		const char *s;
		size_t n;

		if (new_node(p, JSON_STRING, idx) < 0 || parse_string(p, &s, &n) < 0)
			return -1;
		p->doc->nodes[*idx].str = s;
		p->doc->nodes[*idx].str_len = n;
		return 0;
	}
	case 't':
		return new_node(p, JSON_TRUE, idx) < 0 ? -1 : parse_literal(p, "true");
	case 'f':
		return new_node(p, JSON_FALSE, idx) < 0 ? -1 : parse_literal(p, "false");
	case 'n':
		return new_node(p, JSON_NULL, idx) < 0 ? -1 : parse_literal(p, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			if (new_node(p, JSON_NUMBER, idx) < 0)
				return -1;
			return parse_number(p, &p->doc->nodes[*idx].num);
		}
		return fail(p, "unexpected character");
	}
}

int json_parse(char *text, size_t len, struct json_doc *doc)
{
	struct parser p = { .s = text, .len = len, .doc = doc };
	unsigned root;

	doc->n = 0;
	doc->error[0] = '\0';
	if (memchr(text, '\0', len))
		return fail(&p, "NUL byte in JSON text");
	if (parse_value(&p, 0, &root) < 0)
		return -1;
	skip_ws(&p);
	if (p.pos != len)
		return fail(&p, "trailing data after JSON value");
	return 0;
}

const struct json_node *json_root(const struct json_doc *doc)
{
	return doc->n ? &doc->nodes[0] : NULL;
}

const struct json_node *json_first(const struct json_doc *doc, const struct json_node *container)
{
	if (!container || (container->type != JSON_OBJECT && container->type != JSON_ARRAY) || !container->first_child)
		return NULL;
	return &doc->nodes[container->first_child];
}

const struct json_node *json_next(const struct json_doc *doc, const struct json_node *node)
{
	return node && node->next ? &doc->nodes[node->next] : NULL;
}

const struct json_node *json_get(const struct json_doc *doc, const struct json_node *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json_node *c = json_first(doc, obj); c; c = json_next(doc, c))
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

const char *json_get_string(const struct json_doc *doc, const struct json_node *obj, const char *key)
{
	const struct json_node *v = json_get(doc, obj, key);

	return v && v->type == JSON_STRING ? v->str : NULL;
}
