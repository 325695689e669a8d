/* --shard and --start-at: the N parts make the whole plan, and times parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcpswarm/shard.h"

static void test_parts_make_the_whole(void **state)
{
	(void)state;
	uint64_t ns[] = {3, 7, 10, 1000, 1001};
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		for (uint64_t count = 1; count <= 3; count++) {
			uint64_t sum = 0, next = 0;
			double rate = 0;
			for (uint64_t i = 1; i <= count; i++) {
				struct shard_spec sh = {.index = i, .count = count};
				struct shard_slice sl;
				char err[200];
				assert_int_equal(shard_split(&sh, ns[k], 900, 0, 7, 7, &sl, err, sizeof(err)), 0);
				sum += sl.conns;
				rate += sl.rate;
				assert_int_equal(sl.seed, 7 + i - 1);
				assert_int_equal(sl.src_first, next); /* source slices are disjoint and in order */
				next += sl.src_n;
				assert_true(sl.conns >= ns[k] / count && sl.conns <= ns[k] / count + 1);
			}
			assert_int_equal(sum, ns[k]);
			assert_int_equal(next, 7);
			assert_true(rate > 899.999 && rate < 900.001);
		}
	}
	uint64_t first;
	assert_int_equal(shard_part(10, 1, 3, &first), 4); /* the remainder to the first shards */
	assert_int_equal(first, 0);
	assert_int_equal(shard_part(10, 3, 3, &first), 3);
	assert_int_equal(first, 7);
	struct shard_spec sh = {.index = 1, .count = 5};
	struct shard_slice sl;
	char err[200];
	assert_int_equal(shard_split(&sh, 4, 0, 0, 1, 0, &sl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be split into 5"));
}

static void test_parse(void **state)
{
	(void)state;
	struct shard_spec sh;
	char err[200];
	assert_int_equal(shard_parse("2/3", &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	const char *bad[] = {"0/3", "4/3", "3", "1/0", "a/b", "1/3x", "", "-1/3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(shard_parse(bad[i], &sh, err, sizeof(err)), -1);
	int64_t at;
	assert_int_equal(start_at_parse("2026-12-01T20:30:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("2026-12-01T21:30:00+01:00", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("1796157000", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 1796157000);
	assert_int_equal(start_at_parse("2000-02-29T00:00:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(at, 951782400);
	assert_int_equal(start_at_parse("2026-12-01 20:30", &at, err, sizeof(err)), -1);
	/* days that do not exist are refused, not rolled into the next month */
	assert_int_equal(start_at_parse("2026-11-31T23:59:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("2026-02-29T00:00:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("1900-02-29T00:00:00Z", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_parse("2024-02-29T00:00:00Z", &at, err, sizeof(err)), 0);
	assert_int_equal(start_at_parse("tomorrow", &at, err, sizeof(err)), -1);
	assert_int_equal(start_at_check(1000, 1000, err, sizeof(err)), 0);
	assert_int_equal(start_at_check(1000 + 86400, 1000, err, sizeof(err)), 0);
	assert_int_equal(start_at_check(1000 + 86401, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "24 h"));
	assert_int_equal(start_at_check(1000 - 60, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in the past"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_make_the_whole),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
