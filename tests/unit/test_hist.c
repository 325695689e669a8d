/* Unit tests for src/hist.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpswarm/hist.h"

/* splitmix64: fixed seed, same values on every run and platform. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Log-uniform over [1, hi]. */
static uint64_t rng_log_uniform(double hi)
{
	double u = (double)(rng_next() >> 11) / 9007199254740992.0; /* [0,1) */
	return (uint64_t)exp(u * log(hi));
}

static struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));
	assert_non_null(h);
	hist_reset(h);
	return h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void assert_hist_equal(const struct hist *a, const struct hist *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->clamped, b->clamped);
	assert_int_equal(a->min, b->min);
	assert_int_equal(a->max, b->max);
	assert_int_equal(a->sum, b->sum);
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		if (a->buckets[i] != b->buckets[i])
			fail_msg("bucket %zu: %llu != %llu", i, (unsigned long long)a->buckets[i],
				 (unsigned long long)b->buckets[i]);
}

static void test_bucket_round_trip(void **state)
{
	(void)state;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
		assert_true(lo <= hi);
		assert_int_equal(hist_bucket_of(lo), b);
		assert_int_equal(hist_bucket_of(hi), b);
		if (b + 1 < HIST_BUCKETS)
			assert_int_equal(hist_bucket_low(b + 1), hi + 1);
		/* the width promise: within 1/1024 of the low bound */
		assert_true((hi - lo) * 1024 <= lo || lo == 0);
	}
	assert_int_equal(hist_bucket_low(0), 0);
	/* the last bucket must reach past HIST_MAX_US */
	assert_true(hist_bucket_high(HIST_BUCKETS - 1) >= HIST_MAX_US);
}

static void test_boundaries(void **state)
{
	(void)state;
	static const struct {
		uint64_t v;
		size_t bucket;
		uint64_t low, high;
	} cases[] = {
		{ 1, 1, 1, 1 },
		{ 2047, 2047, 2047, 2047 },
		{ 2048, 2048, 2048, 2049 },
		{ 2049, 2048, 2048, 2049 },
		{ 2050, 2049, 2050, 2051 },
		{ 4095, 3071, 4094, 4095 },
		{ 4096, 3072, 4096, 4099 },
		{ 100000000, 17909, 99942400, 100007935 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t b = hist_bucket_of(cases[i].v);
		assert_int_equal(b, cases[i].bucket);
		assert_int_equal(hist_bucket_low(b), cases[i].low);
		assert_int_equal(hist_bucket_high(b), cases[i].high);

		struct hist *h = hist_new();
		hist_record(h, cases[i].v);
		assert_int_equal(h->count, 1);
		assert_int_equal(h->buckets[b], 1);
		assert_int_equal(h->clamped, 0);
		assert_int_equal(h->min, cases[i].v);
		assert_int_equal(h->max, cases[i].v);
		for (double p = 0; p <= 100; p += 12.5)
			assert_int_equal(hist_percentile(h, p), cases[i].v);
		free(h);
	}
}

static void test_clamp(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, HIST_MAX_US + 1);
	hist_record(h, UINT64_MAX);
	hist_record(h, HIST_MAX_US);
	assert_int_equal(h->count, 3);
	assert_int_equal(h->clamped, 2);
	assert_int_equal(h->buckets[hist_bucket_of(HIST_MAX_US)], 3);
	assert_int_equal(h->min, HIST_MAX_US);
	assert_int_equal(h->max, UINT64_MAX); /* exact, before clamping */
	assert_int_equal(h->sum, UINT64_MAX); /* saturated, not wrapped */
	assert_int_equal(hist_percentile(h, 100), UINT64_MAX);
	assert_int_equal(hist_percentile(h, 50), hist_bucket_high(hist_bucket_of(HIST_MAX_US)));
	/* out-of-range inputs to the mapping stay in bounds */
	assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
	free(h);
}

static void test_zero_and_empty(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	char buf[16];

	assert_int_equal(h->count, 0);
	assert_int_equal(h->min, UINT64_MAX);
	assert_int_equal(h->max, 0);
	assert_int_equal(hist_percentile(h, 0), 0);
	assert_int_equal(hist_percentile(h, 50), 0);
	assert_int_equal(hist_percentile(h, 100), 0);
	assert_true(hist_mean(h) == 0.0);
	assert_int_equal(hist_format_sparse(h, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "[]");

	hist_record(h, 0); /* 0 is recorded as 1 */
	assert_int_equal(h->buckets[0], 0);
	assert_int_equal(h->buckets[1], 1);
	assert_int_equal(h->min, 1);
	assert_int_equal(hist_percentile(h, 50), 1);

	hist_record_n(h, 7, 0); /* n = 0 changes nothing */
	assert_int_equal(h->count, 1);
	assert_int_equal(h->max, 1);
	free(h);
}

/* 1..1000 once each: ranks are exact, so percentiles are too. */
static void test_percentile_exact(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	for (uint64_t v = 1; v <= 1000; v++)
		hist_record(h, v);
	assert_int_equal(hist_percentile(h, 0), 1);      /* rank at least 1 */
	assert_int_equal(hist_percentile(h, 0.1), 1);
	assert_int_equal(hist_percentile(h, 0.15), 2);   /* ceil(1.5) */
	assert_int_equal(hist_percentile(h, 50), 500);
	assert_int_equal(hist_percentile(h, 90), 900);
	assert_int_equal(hist_percentile(h, 99), 990);
	assert_int_equal(hist_percentile(h, 99.9), 999); /* not 1000 from rounding */
	assert_int_equal(hist_percentile(h, 100), 1000);
	assert_int_equal(hist_percentile(h, 150), 1000);
	assert_int_equal(hist_percentile(h, -5), 1);
	assert_int_equal(hist_percentile(h, NAN), 1);
	assert_true(fabs(hist_mean(h) - 500.5) < 1e-9);
	free(h);
}

/* A bucket's high bound may be returned, but never above max. */
static void test_percentile_capped_by_max(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	hist_record(h, 4096); /* bucket 4096..4099 */
	hist_record(h, 4096);
	assert_int_equal(hist_percentile(h, 50), 4096);
	hist_record(h, 4097);
	assert_int_equal(hist_percentile(h, 50), 4097);
	assert_int_equal(hist_percentile(h, 100), 4097);
	free(h);
}

#define NREF 100000

static void test_percentile_vs_reference(void **state)
{
	(void)state;
	static const struct {
		uint64_t num, den;
	} ps[] = { { 0, 1 }, { 1, 1000 }, { 1, 100 }, { 1, 10 }, { 1, 4 }, { 1, 2 },
		   { 3, 4 }, { 9, 10 }, { 99, 100 }, { 999, 1000 }, { 9999, 10000 },
		   { 99999, 100000 }, { 1, 1 } };
	uint64_t *ref = malloc(NREF * sizeof(*ref));
	struct hist *h = hist_new();
	assert_non_null(ref);

	rng_state = 42;
	for (size_t i = 0; i < NREF; i++) {
		ref[i] = rng_log_uniform(1e8);
		hist_record(h, ref[i]);
	}
	qsort(ref, NREF, sizeof(*ref), cmp_u64);
	assert_int_equal(h->min, ref[0]);
	assert_int_equal(h->max, ref[NREF - 1]);

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t rank = (ps[i].num * NREF + ps[i].den - 1) / ps[i].den;
		if (rank == 0)
			rank = 1;
		uint64_t want = ref[rank - 1];
		uint64_t got = hist_percentile(h, 100.0 * (double)ps[i].num / (double)ps[i].den);
		/* the bucket's high bound: never below, at most 0.1% above */
		if (got < want || (double)(got - want) > 0.001 * (double)want)
			fail_msg("p=%llu/%llu: got %llu, reference %llu", (unsigned long long)ps[i].num,
				 (unsigned long long)ps[i].den, (unsigned long long)got,
				 (unsigned long long)want);
	}

	double mean = 0;
	for (size_t i = 0; i < NREF; i++)
		mean += (double)ref[i];
	mean /= NREF;
	assert_true(fabs(hist_mean(h) - mean) <= 1e-9 * mean);
	free(h);
	free(ref);
}

static void test_merge_equals_single(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new(), *empty = hist_new();

	rng_state = 7;
	for (int i = 0; i < 50000; i++) {
		uint64_t v = rng_log_uniform(3e8); /* some values clamp */
		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	hist_record_n(b, 12345, 1000);
	hist_record_n(all, 12345, 1000);
	assert_true(all->clamped > 0);

	hist_merge(a, b);
	assert_hist_equal(a, all);
	hist_merge(a, empty); /* merging nothing is the identity */
	assert_hist_equal(a, all);
	hist_merge(empty, all); /* into an empty one: a copy */
	assert_hist_equal(empty, all);
	free(a);
	free(b);
	free(all);
	free(empty);
}

static void test_record_n(void **state)
{
	(void)state;
	struct hist *a = hist_new(), *b = hist_new();
	for (int i = 0; i < 5; i++)
		hist_record(a, 3000);
	hist_record_n(b, 3000, 5);
	assert_hist_equal(a, b);
	free(a);
	free(b);
}

static void test_format_exact(void **state)
{
	(void)state;
	struct hist *h = hist_new();
	char buf[64];
	hist_record(h, 1);
	hist_record(h, 1);
	hist_record(h, 5);
	hist_record(h, 2049);
	hist_record(h, HIST_MAX_US + 5);
	const char *want = "[[1,2],[5,1],[2048,1],[99942400,1]]";
	size_t n = hist_format_sparse(h, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_string_equal(buf, want);

	/* too small: like snprintf, truncated, terminated, full length returned */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hist_format_sparse(h, buf, 10), strlen(want));
	assert_string_equal(buf, "[[1,2],[5");
	assert_int_equal(buf[10], 'x');
	assert_int_equal(hist_format_sparse(h, NULL, 0), strlen(want));
	assert_int_equal(hist_format_sparse(h, buf, strlen(want)), strlen(want));
	assert_int_equal(buf[strlen(want) - 1], '\0');
	free(h);
}

static char *format_alloc(const struct hist *h)
{
	size_t n = hist_format_sparse(h, NULL, 0);
	char *s = malloc(n + 1);
	assert_non_null(s);
	assert_int_equal(hist_format_sparse(h, s, n + 1), n);
	return s;
}

static void test_sparse_round_trip(void **state)
{
	(void)state;
	struct hist *h = hist_new(), *back = hist_new(), *again = hist_new();

	double clamped_sum = 0; /* what the buckets can know of the values */
	rng_state = 99;
	for (int i = 0; i < 20000; i++) {
		uint64_t v = rng_log_uniform(2e8);
		hist_record(h, v);
		clamped_sum += (double)(v < HIST_MAX_US ? v : HIST_MAX_US);
	}
	char *text = format_alloc(h);
	assert_int_equal(hist_parse_sparse(back, text, strlen(text)), 0);
	assert_int_equal(back->count, h->count);
	assert_memory_equal(back->buckets, h->buckets, sizeof(h->buckets));
	/* min/max come from bucket bounds: they bracket the exact ones */
	assert_int_equal(back->min, hist_bucket_low(hist_bucket_of(h->min)));
	assert_int_equal(back->max, hist_bucket_high(hist_bucket_of(HIST_MAX_US)));
	double mean = clamped_sum / 20000;
	assert_true(fabs(hist_mean(back) - mean) < 0.001 * mean);

	char *text2 = format_alloc(back);
	assert_string_equal(text, text2);
	assert_int_equal(hist_parse_sparse(again, text2, strlen(text2)), 0);
	assert_hist_equal(back, again);

	assert_int_equal(hist_parse_sparse(back, "[]", 2), 0);
	assert_int_equal(back->count, 0);
	assert_int_equal(back->min, UINT64_MAX);

	/* JSON whitespace between tokens, as another tool may re-indent it */
	const char *spaced = " [ [1, 2] ,\n\t[2048 ,3]\r] \n";
	assert_int_equal(hist_parse_sparse(back, spaced, strlen(spaced)), 0);
	assert_int_equal(back->count, 5);
	assert_int_equal(back->buckets[1], 2);
	assert_int_equal(back->buckets[2048], 3);
	assert_int_equal(back->min, 1);
	assert_int_equal(back->max, 2049);
	assert_int_equal(back->sum, 2 * 1 + 3 * 2048);

	free(text);
	free(text2);
	free(h);
	free(back);
	free(again);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *bad[] = {
		"", " ", "[", "]", "[[1,2]", "[1,2]]", "[[1,2]]x", "[[1,2]],", "[[1,2]]]",
		"[[1,2],]", "[,[1,2]]", "[[1,2][3,4]]", "[[1,2,3]]", "[[1]]", "[[,2]]", "[[1,]]",
		"[[]]", "[1,2]", "{}", "[[-1,2]]", "[[1,-2]]", "[[+1,2]]", "[[1.0,2]]",
		"[[1e3,2]]", "[[01,2]]", "[[1,02]]", "[[1,0x2]]", "[[1,2]]\x01", "[[1 2]]",
		"[[1,18446744073709551616]]",                 /* count overflows */
		"[[1,99999999999999999999999]]",
		"[[18446744073709551617,1]]",                 /* value overflows */
		"[[1,18446744073709551615],[2,1]]",           /* total overflows */
		"[[0,1]]",                                    /* bucket 0 is never used */
		"[[5,0]]",                                    /* empty buckets are left out */
		"[[2049,1]]",                                 /* not a bucket's low bound */
		"[[100007936,1]]",                            /* a bucket above HIST_MAX_US */
		"[[134217727,1]]", "[[200000000,1]]",
		"[[5,1],[3,1]]",                              /* not ascending */
		"[[5,1],[5,1]]",                              /* duplicate */
	};
	struct hist *h = hist_new();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hist_parse_sparse(h, bad[i], strlen(bad[i])) != -1)
			fail_msg("accepted \"%s\"", bad[i]);

	/* NUL inside len is garbage, not a terminator */
	assert_int_equal(hist_parse_sparse(h, "[[1,2]]\0", 8), -1);
	assert_int_equal(hist_parse_sparse(h, "[[1,2]\0]", 8), -1);
	/* len, not the NUL, ends the input: a valid prefix is taken as is */
	assert_int_equal(hist_parse_sparse(h, "[[1,2]]garbage", 7), 0);
	assert_int_equal(hist_parse_sparse(h, "[[1,18446744073709551615]]", 26), 0);
	assert_int_equal(hist_parse_sparse(h, "[[99942400,1]]", 14), 0);
	free(h);
}

/* Every prefix of a valid text ends right before a PROT_NONE page: a read
 * past len faults (picohttpparser's guard-page test). */
static void test_parse_guard_page(void **state)
{
	(void)state;
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);

	const char *text = "[[1,2],[2048,30],[99942400,18446744073709551]]";
	size_t len = strlen(text);
	struct hist *h = hist_new();
	for (size_t n = 0; n <= len; n++) {
		char *p = map + page - n;
		memcpy(p, text, n);
		assert_int_equal(hist_parse_sparse(h, p, n), n == len ? 0 : -1);
	}
	assert_int_equal(h->count, 2 + 30 + 18446744073709551ULL);
	munmap(map, 2 * (size_t)page);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_round_trip),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_zero_and_empty),
		cmocka_unit_test(test_percentile_exact),
		cmocka_unit_test(test_percentile_capped_by_max),
		cmocka_unit_test(test_percentile_vs_reference),
		cmocka_unit_test(test_merge_equals_single),
		cmocka_unit_test(test_record_n),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_sparse_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_guard_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
