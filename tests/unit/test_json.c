/* Unit tests for src/json.c: output captured in a memory FILE, compared
 * byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/json.h"

struct mem {
	FILE *f;
	char *buf;
	size_t len;
};

static void mem_open(struct mem *m, struct jw *w, bool pretty)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	jw_init(w, m->f, pretty);
}

/* Finishes the writer, checks it succeeded and the output is want. */
static void mem_check(struct mem *m, struct jw *w, const char *want)
{
	assert_int_equal(jw_finish(w), 0);
	assert_int_equal(fclose(m->f), 0);
	assert_string_equal(m->buf, want);
	assert_int_equal(m->len, strlen(want));
	free(m->buf);
}

/* in written as the one element of a compact array must give want_json. */
static void check_str(const char *in, const char *want_json)
{
	struct mem m;
	struct jw w;
	char *want = malloc(strlen(want_json) + 4);
	assert_non_null(want);
	sprintf(want, "[%s]\n", want_json);
	mem_open(&m, &w, false);
	jw_arr_begin(&w, NULL);
	jw_str(&w, NULL, in);
	jw_arr_end(&w);
	mem_check(&m, &w, want);
	free(want);
}

static void check_double(double v, const char *want_json)
{
	struct mem m;
	struct jw w;
	char want[64];
	snprintf(want, sizeof(want), "%s\n", want_json);
	mem_open(&m, &w, false);
	jw_double(&w, NULL, v);
	mem_check(&m, &w, want);
}

static void write_sample(struct jw *w)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "tool", "tcpswarm");
	jw_u64(w, "n", 3);
	jw_arr_begin(w, "list");
	jw_i64(w, NULL, -1);
	jw_obj_begin(w, NULL);
	jw_bool(w, "ok", true);
	jw_null(w, "none");
	jw_obj_end(w);
	jw_arr_begin(w, NULL);
	jw_arr_end(w);
	jw_arr_end(w);
	jw_obj_begin(w, "empty");
	jw_obj_end(w);
	jw_raw(w, "hist", "[[1,2]]");
	jw_double(w, "d", 0.5);
	jw_obj_end(w);
}

static void test_compact(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;
	mem_open(&m, &w, false);
	write_sample(&w);
	mem_check(&m, &w,
		  "{\"tool\":\"tcpswarm\",\"n\":3,\"list\":[-1,{\"ok\":true,\"none\":null},[]],"
		  "\"empty\":{},\"hist\":[[1,2]],\"d\":0.5}\n");
}

static void test_pretty(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;
	mem_open(&m, &w, true);
	write_sample(&w);
	mem_check(&m, &w,
		  "{\n"
		  "  \"tool\": \"tcpswarm\",\n"
		  "  \"n\": 3,\n"
		  "  \"list\": [\n"
		  "    -1,\n"
		  "    {\n"
		  "      \"ok\": true,\n"
		  "      \"none\": null\n"
		  "    },\n"
		  "    []\n"
		  "  ],\n"
		  "  \"empty\": {},\n"
		  "  \"hist\": [[1,2]],\n"
		  "  \"d\": 0.5\n"
		  "}\n");
}

static void test_scalars_top_level(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;
	mem_open(&m, &w, false);
	jw_u64(&w, NULL, UINT64_MAX);
	jw_i64(&w, NULL, INT64_MIN);
	jw_bool(&w, NULL, false);
	jw_str(&w, NULL, NULL);
	jw_raw(&w, NULL, NULL);
	/* several top-level values come out one per line */
	mem_check(&m, &w, "18446744073709551615\n-9223372036854775808\nfalse\nnull\nnull\n");
}

static void test_doubles(void **state)
{
	(void)state;
	check_double(0, "0");
	check_double(-0.0, "-0");
	check_double(0.5, "0.5");
	check_double(-2.25, "-2.25");
	check_double(1.0 / 3.0, "0.333333");
	check_double(1e6, "1e+06");
	check_double(123456789.0, "1.23457e+08");
	check_double(1.5e-7, "1.5e-07");
	check_double(NAN, "null");
	check_double(-NAN, "null");
	check_double(INFINITY, "null");
	check_double(-INFINITY, "null");
	check_double(1.7976931348623157e308, "1.79769e+308");
}

/* A decimal-comma locale set elsewhere in the program must not leak in. */
static void test_double_locale(void **state)
{
	(void)state;
	static const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
	const char *got = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !got; i++)
		got = setlocale(LC_NUMERIC, names[i]);
	if (!got)
		skip(); /* no such locale installed here */
	check_double(0.5, "0.5");
	setlocale(LC_NUMERIC, "C");
}

static void test_escapes(void **state)
{
	(void)state;
	check_str("", "\"\"");
	check_str("plain text", "\"plain text\"");
	check_str("q\"b\\s/", "\"q\\\"b\\\\s/\"");
	check_str("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	check_str("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""); /* DEL is legal JSON */
	check_str("a\x1b[0m", "\"a\\u001b[0m\"");
}

static void test_utf8(void **state)
{
	(void)state;
	/* valid: 2, 3 and 4 bytes, the ends of the ranges */
	check_str("\xC3\xA9", "\"\xC3\xA9\"");                  /* é */
	check_str("\xE2\x82\xAC", "\"\xE2\x82\xAC\"");          /* € */
	check_str("\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\"");  /* U+1F600 */
	check_str("\xC2\x80\xDF\xBF", "\"\xC2\x80\xDF\xBF\"");
	check_str("\xE0\xA0\x80\xEF\xBF\xBF", "\"\xE0\xA0\x80\xEF\xBF\xBF\"");
	check_str("\xED\x9F\xBF", "\"\xED\x9F\xBF\"");          /* U+D7FF */
	check_str("\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\"");  /* U+10FFFF */

#define R "\xEF\xBF\xBD" /* U+FFFD */
	check_str("\xFF", "\"" R "\"");
	check_str("a\x80z", "\"a" R "z\"");                     /* lone continuation */
	check_str("\xC3", "\"" R "\"");                         /* truncated at the end */
	check_str("\xC3z", "\"" R "z\"");
	check_str("\xE2\x82", "\"" R "\"");                     /* one U+FFFD per maximal prefix */
	check_str("\xE2\x82z", "\"" R "z\"");
	check_str("\xF0\x9F\x98", "\"" R "\"");
	check_str("\xC0\xAF", "\"" R R "\"");                   /* overlong '/' */
	check_str("\xE0\x80\xAF", "\"" R R R "\"");             /* overlong */
	check_str("\xED\xA0\x80", "\"" R R R "\"");             /* surrogate U+D800 */
	check_str("\xF4\x90\x80\x80", "\"" R R R R "\"");       /* above U+10FFFF */
	check_str("\xF5\x80", "\"" R R "\"");
	check_str("\xC3\"", "\"" R "\\\"\"");                   /* escape after invalid */
#undef R
}

static void test_key_escaped(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;
	mem_open(&m, &w, false);
	jw_obj_begin(&w, NULL);
	jw_u64(&w, "a\"b\n\xFF", 1);
	jw_obj_end(&w);
	mem_check(&m, &w, "{\"a\\\"b\\n\xEF\xBF\xBD\":1}\n");
}

static void test_deep_nesting(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;
	char want[3 * JW_MAX_DEPTH];
	int n = JW_MAX_DEPTH - 1; /* the deepest allowed */

	mem_open(&m, &w, false);
	for (int i = 0; i < n; i++)
		jw_arr_begin(&w, NULL);
	for (int i = 0; i < n; i++)
		jw_arr_end(&w);
	memset(want, '[', (size_t)n);
	memset(want + n, ']', (size_t)n);
	strcpy(want + 2 * n, "\n");
	mem_check(&m, &w, want);

	mem_open(&m, &w, false);
	for (int i = 0; i <= n; i++)
		jw_arr_begin(&w, NULL);
	assert_int_equal(jw_finish(&w), EOVERFLOW);
	fclose(m.f);
	free(m.buf);
}

static void test_misuse(void **state)
{
	(void)state;
	struct mem m;
	struct jw w;

	mem_open(&m, &w, false);
	jw_obj_end(&w); /* an end with no begin */
	assert_int_equal(w.err, EINVAL);
	jw_u64(&w, NULL, 1); /* does nothing once failed */
	assert_int_equal(jw_finish(&w), EINVAL);
	fclose(m.f);
	assert_int_equal(m.len, 0);
	free(m.buf);

	mem_open(&m, &w, false);
	jw_obj_begin(&w, NULL); /* never closed: finishing must say so */
	assert_int_equal(jw_finish(&w), EINVAL);
	fclose(m.f);
	free(m.buf);
}

static void test_write_errors(void **state)
{
	(void)state;
	struct jw w;

	/* /dev/full: writes are buffered, the flush in jw_finish fails */
	FILE *f = fopen("/dev/full", "w");
	if (f) {
		jw_init(&w, f, false);
		jw_str(&w, NULL, "x");
		assert_int_equal(jw_finish(&w), ENOSPC);
		fclose(f);
	}

	/* a stream opened for reading fails on the first write; it sticks */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	jw_init(&w, f, false);
	jw_arr_begin(&w, NULL);
	assert_int_equal(w.err, EBADF);
	jw_arr_end(&w);
	assert_int_equal(jw_finish(&w), EBADF);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_scalars_top_level),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_double_locale),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_key_escaped),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_write_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
