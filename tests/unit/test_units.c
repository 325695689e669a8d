/* Unit tests for units.c: every parser with good and bad input, ranges,
 * error messages and formatters. */
#include <math.h> /* NAN, INFINITY only: no libm needed */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/units.h"

#define SENTINEL 0xdeadbeefULL

static void count_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	int r = units_parse_count(s, &v, err, sizeof(err));
	if (r != 0)
		print_error("count '%s' failed: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_int_equal(v, want);
}

/* Bad input: -1, out untouched, a message naming the input and the accepted
 * forms, and (when given) containing `what`. */
static void count_bad(const char *s, const char *what)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	assert_int_equal(units_parse_count(s, &v, err, sizeof(err)), -1);
	assert_int_equal(v, SENTINEL);
	assert_non_null(strstr(err, "accepted:"));
	if (s && strlen(s) < 40) {
		char q[64];
		snprintf(q, sizeof(q), "'%s'", s);
		assert_non_null(strstr(err, q));
	}
	if (what && !strstr(err, what)) {
		print_error("count '%s': message '%s' lacks '%s'\n", s, err, what);
		fail();
	}
}

static void test_count_good(void **state)
{
	(void)state;
	count_ok("0", 0);
	count_ok("10000", 10000);
	count_ok("007", 7);
	count_ok("10k", 10000);
	count_ok("10K", 10000);
	count_ok("1.5k", 1500);
	count_ok("1.500k", 1500);
	count_ok("1.5m", 1500000);
	count_ok("2M", 2000000);
	count_ok("1g", 1000000000);
	count_ok("3G", 3000000000ULL);
	count_ok("1.234567891g", 1234567891ULL);
	count_ok("1.0", 1); /* trailing zeros make it whole */
	count_ok("18446744073709551615", UINT64_MAX);
	count_ok("18446744073709551.615k", UINT64_MAX);
}

static void test_count_bad(void **state)
{
	(void)state;
	count_bad("0.5", "not a whole number");
	count_bad("1.5", "not a whole number");
	count_bad("1.2345k", "not a whole number");
	count_bad("10x", "unknown suffix 'x'");
	count_bad("10kk", "unknown suffix 'kk'");
	count_bad("", "empty");
	count_bad("-1", "negative");
	count_bad("+1", "sign");
	count_bad(" 1", "whitespace");
	count_bad("1 ", "unknown suffix ' '");
	count_bad("10 k", NULL);
	count_bad("0x10", "unknown suffix 'x10'");
	count_bad("nan", "not a number");
	count_bad("inf", "not a number");
	count_bad("1e3", "unknown suffix 'e3'");
	count_bad("1.", "digits after '.'");
	count_bad(".5", "not a number");
	count_bad("18446744073709551616", "too large");
	count_bad("99999999999999999999999999", "too large");
	count_bad("18446744073709552k", "too large");
	count_bad("20000000000g", "too large");
	count_bad("10/s", "unknown suffix");
	count_bad("1,000", NULL);
	count_bad("1.0000000000000000000000000000000000000000001k", "decimal places");

	/* NULL input and a NULL err buffer must not crash. */
	uint64_t v = SENTINEL;
	assert_int_equal(units_parse_count(NULL, &v, NULL, 0), -1);
	assert_int_equal(units_parse_count("x", &v, NULL, 0), -1);
	assert_int_equal(v, SENTINEL);
}

static void test_count_message(void **state)
{
	(void)state;
	uint64_t v;
	char err[256];
	assert_int_equal(units_parse_count("10x", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "'10x': unknown suffix 'x' (accepted: a whole number with "
				 "optional k, m, g (x1000, x1e6, x1e9); e.g. 20k, 1.5m)");
	/* A tiny buffer is still NUL-terminated. */
	memset(err, 'Z', sizeof(err));
	assert_int_equal(units_parse_count("10x", &v, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'Z');
	/* Huge input is quoted, but cut. */
	char big[500];
	memset(big, '7', sizeof(big) - 2);
	big[sizeof(big) - 2] = 'x';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(units_parse_count(big, &v, err, sizeof(err)), -1);
	assert_true(strlen(err) < 255);
	assert_non_null(strstr(err, "..."));
}

/* Every whole number printed with a k suffix and three decimals parses back
 * to itself: the fraction is scaled exactly, not through a double. */
static void test_count_exact_fraction(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t n = x >> (i % 60);
		char s[64];
		snprintf(s, sizeof(s), "%llu.%03lluk", (unsigned long long)(n / 1000),
			 (unsigned long long)(n % 1000));
		uint64_t v;
		char err[256];
		assert_int_equal(units_parse_count(s, &v, err, sizeof(err)), 0);
		assert_int_equal(v, n);
	}
}

static void rate_ok(const char *s, double want)
{
	double v = -1;
	char err[256] = "";
	int r = units_parse_rate(s, &v, err, sizeof(err));
	if (r != 0)
		print_error("rate '%s' failed: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_float_equal(v, want, want * 1e-12);
}

static void rate_bad(const char *s, const char *what)
{
	double v = -1;
	char err[256] = "";
	assert_int_equal(units_parse_rate(s, &v, err, sizeof(err)), -1);
	assert_true(v == -1);
	assert_non_null(strstr(err, "accepted:"));
	if (what && !strstr(err, what)) {
		print_error("rate '%s': message '%s' lacks '%s'\n", s, err, what);
		fail();
	}
}

static void test_rate(void **state)
{
	(void)state;
	rate_ok("10k/s", 10000);
	rate_ok("10k", 10000);
	rate_ok("100/s", 100);
	rate_ok("1.5k/s", 1500);
	rate_ok("2M/s", 2e6);
	rate_ok("0.5", 0.5);
	rate_ok("0.25/s", 0.25);
	rate_ok("1.2345k", 1234.5);
	rate_ok("0", 0);
	rate_ok("0.0", 0);
	rate_ok("unlimited", 0);
	rate_ok("max", 0);

	rate_bad("10x", "unknown suffix 'x'");
	rate_bad("10x/s", "unknown suffix 'x/s'");
	rate_bad("10/m", "unknown suffix '/m'");
	rate_bad("10/s/s", "unknown suffix");
	rate_bad("/s", "not a number");
	rate_bad("", "empty");
	rate_bad("-1", "negative");
	rate_bad("inf", "not a number");
	rate_bad("nan", "not a number");
	rate_bad("1e3", "unknown suffix");
	rate_bad("Unlimited", "not a number");
	rate_bad("18446744073709551616", "too large");
}

static void dur_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	int r = units_parse_duration(s, &v, err, sizeof(err));
	if (r != 0)
		print_error("duration '%s' failed: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_int_equal(v, want);
}

static void dur_bad(const char *s, const char *what)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	assert_int_equal(units_parse_duration(s, &v, err, sizeof(err)), -1);
	assert_int_equal(v, SENTINEL);
	assert_non_null(strstr(err, "accepted:"));
	if (what && !strstr(err, what)) {
		print_error("duration '%s': message '%s' lacks '%s'\n", s, err, what);
		fail();
	}
}

static void test_duration(void **state)
{
	(void)state;
	dur_ok("3s", 3000000);
	dur_ok("1.5s", 1500000);
	dur_ok("250us", 250);
	dur_ok("250\xc2\xb5s", 250);
	dur_ok("10ms", 10000);
	dur_ok("2.5ms", 2500);
	dur_ok("2m", 120000000);
	dur_ok("1.5m", 90000000);
	dur_ok("1h", 3600000000ULL);
	dur_ok("5", 5000000);
	dur_ok("0.1", 100000);
	dur_ok("0", 0);
	dur_ok("0ms", 0);
	dur_ok("1.0000004s", 1000000); /* rounded to the nearest microsecond */
	dur_ok("1.0000005s", 1000001);
	dur_ok("0.5us", 1);
	dur_ok("876000h", 876000ULL * 3600 * 1000000); /* 100 years: the maximum */

	dur_bad("10x", "unknown suffix 'x'");
	dur_bad("1d", "unknown suffix 'd'");
	dur_bad("3 s", "unknown suffix ' s'");
	dur_bad("3S", "unknown suffix 'S'");
	dur_bad("-1s", "negative");
	dur_bad("", "empty");
	dur_bad("s", "not a number");
	dur_bad("0.4us", "1us resolution");
	dur_bad("876001h", "100 years");
	dur_bad("18446744073709551615h", "100 years");
	dur_bad("18446744073709551616", "100 years");
	dur_bad("1e3ms", "unknown suffix");
}

static void bytes_ok(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	int r = units_parse_bytes(s, &v, err, sizeof(err));
	if (r != 0)
		print_error("bytes '%s' failed: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_int_equal(v, want);
}

static void bytes_bad(const char *s, const char *what)
{
	uint64_t v = SENTINEL;
	char err[256] = "";
	assert_int_equal(units_parse_bytes(s, &v, err, sizeof(err)), -1);
	assert_int_equal(v, SENTINEL);
	assert_non_null(strstr(err, "accepted:"));
	if (what && !strstr(err, what)) {
		print_error("bytes '%s': message '%s' lacks '%s'\n", s, err, what);
		fail();
	}
}

static void test_bytes(void **state)
{
	(void)state;
	bytes_ok("32", 32);
	bytes_ok("32B", 32);
	bytes_ok("4k", 4096);
	bytes_ok("4K", 4096);
	bytes_ok("4KiB", 4096);
	bytes_ok("1KB", 1000);
	bytes_ok("1kB", 1000);
	bytes_ok("1m", 1048576);
	bytes_ok("1M", 1048576);
	bytes_ok("1MiB", 1048576);
	bytes_ok("1MB", 1000000);
	bytes_ok("1g", 1073741824ULL);
	bytes_ok("2GiB", 2147483648ULL);
	bytes_ok("1GB", 1000000000ULL);
	bytes_ok("1.5k", 1536);
	bytes_ok("0.5m", 524288);
	/* 2^-30 GiB is exactly one byte: 30 decimals, scaled exactly. */
	bytes_ok("0.000000000931322574615478515625g", 1);
	bytes_ok("17179869183.999999999068677425384521484375g", UINT64_MAX);

	bytes_bad("1.5", "not a whole number");
	bytes_bad("1.3k", "not a whole number");
	bytes_bad("4kb", "unknown suffix 'kb'");
	bytes_bad("4KIB", "unknown suffix 'KIB'");
	bytes_bad("4b", "unknown suffix 'b'");
	bytes_bad("", "empty");
	bytes_bad("-4k", "negative");
	bytes_bad("16777216T", "unknown suffix 'T'");
	bytes_bad("17179869184g", "too large");
}

static void test_count_range(void **state)
{
	(void)state;
	uint64_t lo = SENTINEL, hi = SENTINEL;
	char err[512];
	assert_int_equal(units_parse_count_range("10-20", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 10);
	assert_int_equal(hi, 20);
	assert_int_equal(units_parse_count_range("1k-2.5k", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 2500);
	assert_int_equal(units_parse_count_range("7", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 7);
	assert_int_equal(units_parse_count_range("5-5", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 5);
	assert_int_equal(hi, 5);

	lo = hi = SENTINEL;
	assert_int_equal(units_parse_count_range("20-10", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'20-10'"));
	assert_non_null(strstr(err, "greater than"));
	assert_int_equal(lo, SENTINEL);
	assert_int_equal(hi, SENTINEL);
	assert_int_equal(units_parse_count_range("-5", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "negative"));
	assert_int_equal(units_parse_count_range("5-", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(units_parse_count_range("1-2-3", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown suffix '-3'"));
	assert_int_equal(units_parse_count_range("1x-3", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in range '1x-3'"));
	assert_non_null(strstr(err, "unknown suffix 'x'"));
	assert_int_equal(units_parse_count_range("", &lo, &hi, err, sizeof(err)), -1);
	assert_int_equal(units_parse_count_range("0.5-1", &lo, &hi, err, sizeof(err)), -1);
	assert_int_equal(lo, SENTINEL);
	assert_int_equal(hi, SENTINEL);
}

static void test_duration_range(void **state)
{
	(void)state;
	uint64_t lo = SENTINEL, hi = SENTINEL;
	char err[512];
	assert_int_equal(units_parse_duration_range("10ms-1s", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 10000);
	assert_int_equal(hi, 1000000);
	assert_int_equal(units_parse_duration_range("250us", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 250);
	assert_int_equal(hi, 250);
	assert_int_equal(units_parse_duration_range("1-2", &lo, &hi, err, sizeof(err)), 0);
	assert_int_equal(lo, 1000000);
	assert_int_equal(hi, 2000000);
	/* Compared after scaling: 1s is greater than 10ms. */
	assert_int_equal(units_parse_duration_range("1s-10ms", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "greater than"));
	assert_int_equal(units_parse_duration_range("1s-2x", &lo, &hi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown suffix 'x'"));
	assert_int_equal(lo, 1000000);
}

static void fmt_count_is(double v, const char *want)
{
	char out[32];
	units_fmt_count(out, sizeof(out), v);
	assert_string_equal(out, want);
}

static void fmt_dur_is(uint64_t us, const char *want)
{
	char out[32];
	units_fmt_duration(out, sizeof(out), us);
	assert_string_equal(out, want);
}

static void fmt_bytes_is(double b, const char *want)
{
	char out[32];
	units_fmt_bytes(out, sizeof(out), b);
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	fmt_count_is(0, "0");
	fmt_count_is(999, "999");
	fmt_count_is(0.5, "0.50");
	fmt_count_is(12.34, "12.3");
	fmt_count_is(12345, "12.3k");
	fmt_count_is(1500000, "1.50M");
	fmt_count_is(999400, "999k");
	fmt_count_is(999600, "1.00M"); /* not "1000k" */
	fmt_count_is(2.5e9, "2.50G");
	fmt_count_is(-1500, "-1.50k");
	fmt_count_is(NAN, "nan");
	fmt_count_is(INFINITY, "inf");
	fmt_bytes_is(-INFINITY, "-inf");

	fmt_dur_is(0, "0us");
	fmt_dur_is(850, "850us");
	fmt_dur_is(999, "999us");
	fmt_dur_is(1000, "1.00ms");
	fmt_dur_is(12400, "12.4ms");
	fmt_dur_is(999999, "1.00s"); /* not "1000ms" */
	fmt_dur_is(3200000, "3.20s");
	fmt_dur_is(120000000, "120s");
	fmt_dur_is(1000000000, "16m40s");
	fmt_dur_is(7500000000ULL, "2h05m");

	fmt_bytes_is(0, "0 B");
	fmt_bytes_is(512, "512 B");
	fmt_bytes_is(1536, "1.5 KiB");
	fmt_bytes_is(1.2 * 1048576, "1.2 MiB");
	fmt_bytes_is(1048575, "1.0 MiB");
	fmt_bytes_is(200.0 * 1073741824.0, "200 GiB");

	char small[4];
	units_fmt_duration(small, sizeof(small), 12400);
	assert_string_equal(small, "12.");
	units_fmt_count(small, 0, 1); /* cap 0: nothing written, no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_good),
		cmocka_unit_test(test_count_bad),
		cmocka_unit_test(test_count_message),
		cmocka_unit_test(test_count_exact_fraction),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count_range),
		cmocka_unit_test(test_duration_range),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
