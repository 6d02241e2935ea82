/*
 * The one JSON reader of the guest, small and strict, for untrusted input:
 * the LUKS2 header's JSON area (the allowlist, luks2_json.c, which the broker's
 * `volume confirm` runs too) and the broker's answer (proto/answer.c).
 * Stricter than RFC 8259 where that removes ambiguity between parsers:
 * duplicate keys, non-integer numbers, invalid UTF-8, "\u0000", and trailing
 * garbage are errors. Parses in place into a caller-provided node array: no
 * allocation, bounded depth and node count.
 */
#ifndef COCOBOOT_COMMON_JSON_H
#define COCOBOOT_COMMON_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_node {
	enum json_type type;
	const char *key;        /* member name inside an object (NUL-terminated), else NULL */
	const char *str;        /* JSON_STRING: decoded, NUL-terminated */
	size_t str_len;
	long long num;          /* JSON_NUMBER */
	unsigned count;         /* ARRAY/OBJECT: number of children */
	unsigned first_child;   /* index, 0 = none (the root is never a child) */
	unsigned next;          /* next sibling, 0 = none */
};

struct json_doc {
	struct json_node *nodes;
	unsigned cap;
	unsigned n;
	char error[96];
};

#define JSON_MAX_DEPTH 16

/*
 * Parse TEXT[0..LEN) (modified in place: strings are decoded where they lie).
 * LEN must not cover NUL bytes. Returns 0 with DOC->nodes[0] the root, or -1
 * with DOC->error describing what and where.
 */
int json_parse(char *text, size_t len, struct json_doc *doc);

const struct json_node *json_root(const struct json_doc *doc);
/* Member KEY of object OBJ, or NULL. */
const struct json_node *json_get(const struct json_doc *doc, const struct json_node *obj, const char *key);
const struct json_node *json_first(const struct json_doc *doc, const struct json_node *container);
const struct json_node *json_next(const struct json_doc *doc, const struct json_node *node);

/* Member KEY of OBJ if it is a string, else NULL. */
const char *json_get_string(const struct json_doc *doc, const struct json_node *obj, const char *key);

#endif
