/* json_read: values, escapes, numbers exact to 64 bits, and every kind of
 * malformed text refused with a position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/json_read.h"

static int parse(const char *text, struct jr_value *v, char *err)
{
	return jr_parse(text, strlen(text), v, err, 200);
}

static void test_values(void **state)
{
	(void)state;
	struct jr_value v;
	char err[200];
	const char *t = " {\"a\": {\"b\": [1, 2.5, -3e2, true, false, null]}, \"u\": 18446744073709551615,"
			" \"big\": 18446744073709551616, \"s\": \"x\\\"\\\\\\/\\n\\u00e9\\ud83d\\ude00\"} ";
	assert_int_equal(parse(t, &v, err), 0);
	const struct jr_value *b = jr_path(&v, "a.b");
	assert_non_null(b);
	assert_int_equal(b->type, JR_ARRAY);
	assert_int_equal(b->n, 6);
	uint64_t u;
	assert_true(jr_as_u64(&b->kids[0], &u));
	assert_int_equal(u, 1);
	assert_false(jr_as_u64(&b->kids[1], &u)); /* 2.5 is not an integer */
	double d;
	assert_true(jr_as_double(&b->kids[2], &d));
	assert_true(d == -300.0);
	assert_int_equal(b->kids[3].type, JR_BOOL);
	assert_true(b->kids[3].boolean);
	assert_false(b->kids[4].boolean);
	assert_int_equal(b->kids[5].type, JR_NULL);
	assert_true(jr_as_u64(jr_get(&v, "u"), &u));
	assert_true(u == UINT64_MAX);
	assert_false(jr_as_u64(jr_get(&v, "big"), &u)); /* past 2^64: not exact */
	assert_string_equal(jr_as_str(jr_get(&v, "s")), "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
	assert_null(jr_path(&v, "a.c"));
	assert_null(jr_get(b, "x"));
	/* raw spans point at the value's own text */
	assert_int_equal(b->raw_len, strlen("[1, 2.5, -3e2, true, false, null]"));
	assert_memory_equal(b->raw, "[1, 2.5", 7);
	jr_free(&v);
}

static void test_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "1e", "tru", "nul", "\"abc",
		"\"a\x01\"", "\"\\x\"", "\"\\u12g4\"", "\"\\ud800\"", "\"\\udc00\"", "{1:2}", "[1] 2", "{\"a\":}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jr_value v;
		char err[200] = "";
		if (parse(bad[i], &v, err) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err, "line 1 column"));
		jr_free(&v);
	}
	struct jr_value v;
	char err[200];
	assert_int_equal(parse("{\n  \"a\": [1,\n  x]}", &v, err), -1);
	assert_non_null(strstr(err, "line 3 column 3"));
	jr_free(&v);
}

static void test_depth(void **state)
{
	(void)state;
	char deep[2 * JR_MAX_DEPTH + 8];
	struct jr_value v;
	char err[200];
	size_t n = JR_MAX_DEPTH + 1;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = 0;
	assert_int_equal(parse(deep, &v, err), -1);
	assert_non_null(strstr(err, "too deep"));
	jr_free(&v);
	n = JR_MAX_DEPTH;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = 0;
	assert_int_equal(parse(deep, &v, err), 0);
	jr_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
