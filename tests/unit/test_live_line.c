/* live_line: fields by priority into a width. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/live_line.h"

/* A client-like line: time, conn, req, ans, bytes, latency, err. */
static void client_line(struct live_line *l)
{
	memset(l, 0, sizeof(*l));
	live_add(l, 0, "  12s/30s", "12s/30s");
	live_add(l, 1, "conn 1.0k/1.0k +5/s", "conn 1.0k/1.0k");
	live_add(l, 7, "req 10.0k/s", NULL);
	live_add(l, 2, "ans 9.8k/s intended 10.0k/s", "ans 9.8k/10.0k/s");
	live_add(l, 8, "in 1.2MiB/s out 1.2MiB/s", NULL);
	live_add(l, 3, "p50 1.1ms p99 3.2ms", "p99 3.2ms");
	live_add(l, 4, "err 0", NULL);
}

static void test_unlimited_is_everything_full(void **state)
{
	(void)state;
	struct live_line l;
	char out[512];
	client_line(&l);
	size_t c = live_fit(&l, 0, out, sizeof(out));
	assert_string_equal(out, "  12s/30s  conn 1.0k/1.0k +5/s  req 10.0k/s  ans 9.8k/s intended 10.0k/s  "
				 "in 1.2MiB/s out 1.2MiB/s  p50 1.1ms p99 3.2ms  err 0");
	assert_int_equal(c, strlen(out));
	/* a wide terminal gives the same line */
	live_fit(&l, 200, out, sizeof(out));
	assert_int_equal(strlen(out), c);
}

static void test_narrow_drops_least_important_keeps_order(void **state)
{
	(void)state;
	struct live_line l;
	char out[512];
	client_line(&l);
	/* at 79: the bytes (the least important) go; the rest stays, brief, and
	 * the room left makes the most important ones full */
	size_t c = live_fit(&l, 79, out, sizeof(out));
	assert_true(c <= 79);
	assert_string_equal(out, "  12s/30s  conn 1.0k/1.0k +5/s  req 10.0k/s  ans 9.8k/10.0k/s  p99 3.2ms  err 0");
	/* 60: req goes too */
	c = live_fit(&l, 60, out, sizeof(out));
	assert_true(c <= 60);
	assert_string_equal(out, "12s/30s  conn 1.0k/1.0k  ans 9.8k/10.0k/s  p99 3.2ms  err 0");
}

static void test_brief_forms_before_dropping(void **state)
{
	(void)state;
	struct live_line l;
	char out[512];
	client_line(&l);
	/* 50 columns: the five most important, brief ones first, room spent on time's full form */
	size_t c = live_fit(&l, 50, out, sizeof(out));
	assert_true(c <= 50);
	assert_string_equal(out, "  12s/30s  conn 1.0k/1.0k  ans 9.8k/10.0k/s  err 0");
	c = live_fit(&l, 30, out, sizeof(out));
	assert_true(c <= 30);
	assert_string_equal(out, "12s/30s  conn 1.0k/1.0k  err 0");
}

static void test_every_width_fits(void **state)
{
	(void)state;
	struct live_line l;
	char out[512];
	client_line(&l);
	size_t prev = 0;
	for (unsigned w = 1; w <= 200; w++) {
		size_t c = live_fit(&l, w, out, sizeof(out));
		assert_true(c <= w);
		assert_int_equal(c, strlen(out));
		assert_true(c >= prev); /* more room never shows less */
		prev = c;
		if (w >= 7)
			assert_non_null(strstr(out, "12s/30s"));
		else /* the most important field, cut */
			assert_memory_equal(out, "12s/30s", w);
	}
}

static void test_cut_when_nothing_fits(void **state)
{
	(void)state;
	struct live_line l = { .n = 0 };
	char out[64];
	assert_int_equal(live_fit(&l, 80, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	live_add(&l, 0, "elapsed 123s", "123s");
	assert_int_equal(live_fit(&l, 3, out, sizeof(out)), 3);
	assert_string_equal(out, "123");
	/* a small buffer caps the bytes, never splitting a character */
	memset(&l, 0, sizeof(l));
	live_add(&l, 0, "p99 12\xc2\xb5s", NULL);
	assert_int_equal(live_cols(l.f[0].full), 8);
	assert_int_equal(live_fit(&l, 8, out, sizeof(out)), 8);
	char tiny[8];
	live_fit(&l, 0, tiny, sizeof(tiny));
	assert_string_equal(tiny, "p99 12");
	/* the table is bounded */
	for (int i = 0; i < LIVE_MAX_FIELDS; i++)
		live_add(&l, 1, "x", NULL);
	assert_int_equal(live_add(&l, 1, "y", NULL), -1);
	assert_int_equal(l.n, LIVE_MAX_FIELDS);
}

static void test_lower_field_fills_a_gap(void **state)
{
	(void)state;
	struct live_line l = { .n = 0 };
	char out[64];
	live_add(&l, 0, "t 1s", NULL);
	live_add(&l, 1, "a very long field that cannot fit", NULL);
	live_add(&l, 2, "err 0", NULL);
	live_fit(&l, 20, out, sizeof(out));
	assert_string_equal(out, "t 1s  err 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited_is_everything_full),
		cmocka_unit_test(test_narrow_drops_least_important_keeps_order),
		cmocka_unit_test(test_brief_forms_before_dropping),
		cmocka_unit_test(test_every_width_fits),
		cmocka_unit_test(test_cut_when_nothing_fits),
		cmocka_unit_test(test_lower_field_fills_a_gap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
