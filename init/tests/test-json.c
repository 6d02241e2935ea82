/* Unit tests: the strict JSON parser. */
#include <stdio.h>
#include <string.h>

#include "tests/lib/check.h"
#include "common/json.h"

static struct json_node nodes[64];
static struct json_doc doc = { .nodes = nodes, .cap = 64 };
static char buf[1024];

static int parse(const char *text)
{
	snprintf(buf, sizeof(buf), "%s", text);
	return json_parse(buf, strlen(buf), &doc);
}

static void test_accepts(void)
{
	const struct json_node *r, *a;

	CHECK(parse(" {\"a\": [1, -2, true, false, null, \"x\"], \"b\": {}} ") == 0, "object: %s", doc.error);
	r = json_root(&doc);
	CHECK(r->type == JSON_OBJECT && r->count == 2, "root");
	a = json_get(&doc, r, "a");
	CHECK(a && a->type == JSON_ARRAY && a->count == 6, "array");
	CHECK(json_first(&doc, a)->num == 1 && json_next(&doc, json_first(&doc, a))->num == -2, "numbers");
	CHECK(json_get(&doc, r, "b")->type == JSON_OBJECT, "empty object");
	CHECK(json_get(&doc, r, "zz") == NULL, "missing member");
	CHECK(parse("\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"") == 0, "escapes: %s", doc.error);
	CHECK(!strcmp(json_root(&doc)->str, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80"), "decoded escapes");
	CHECK(parse("\"\xc3\xa9\"") == 0 && json_root(&doc)->str_len == 2, "raw UTF-8");
	CHECK(parse("-9223372036854775808") == 0 && json_root(&doc)->num == (-9223372036854775807LL - 1), "int64 min");
	CHECK(parse("9223372036854775807") == 0 && json_root(&doc)->num == 9223372036854775807LL, "int64 max");
	CHECK(parse("{\"key\":\"v\"}") == 0 && !strcmp(json_get_string(&doc, json_root(&doc), "key"), "v"), "get_string");
}

static void test_rejects(void)
{
	static const char *const bad[][2] = {
		{ "", "end of input" },
		{ "{\"a\":1,\"a\":2}", "duplicate" },
		{ "{\"a\":1,}", "member name" },
		{ "[1,]", "unexpected" },
		{ "1.5", "non-integer" },
		{ "1e3", "non-integer" },
		{ "01", "leading zero" },
		{ "-", "bad number" },
		{ "9223372036854775808", "out of range" },
		{ "\"\\u0000\"", "\\u0000" },
		{ "\"\\ud800\"", "surrogate" },
		{ "\"\\udc00\"", "surrogate" },
		{ "\"\\x\"", "bad escape" },
		{ "\"\xff\"", "UTF-8" },
		{ "\"\xc0\xaf\"", "UTF-8" },
		{ "\"\xed\xa0\x80\"", "UTF-8" },
		{ "\"a\tb\"", "control" },
		{ "\"abc", "unterminated" },
		{ "{} {}", "trailing" },
		{ "tru", "unexpected" },
		{ "[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", "too deep" },
		{ "{\"a\" 1}", "':'" },
		{ "[1 2]", "','" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i][0]) == -1, "'%s' must fail", bad[i][0]);
		CHECK(strstr(doc.error, bad[i][1]) != NULL, "'%s': error '%s' lacks '%s'", bad[i][0], doc.error, bad[i][1]);
	}
	{
		char many[400] = "[";

		for (int i = 0; i < 100; i++)
			strcat(many, "1,");
		strcat(many, "1]");
		CHECK(parse(many) == -1 && strstr(doc.error, "too many"), "node limit");
	}
	{
		char with_nul[] = "[1,\0 2]";

		CHECK(json_parse(with_nul, sizeof(with_nul) - 1, &doc) == -1 && strstr(doc.error, "NUL"), "embedded NUL");
	}
}

int main(void)
{
	test_accepts();
	test_rejects();
	return check_done();
}
