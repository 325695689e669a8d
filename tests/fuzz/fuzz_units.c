/* libFuzzer target: every units_parse_* on a NUL-terminated copy of the
 * input, plus invariants the parsers promise (traps on violation). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/units.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

/* On error, err is a non-empty NUL-terminated string (on success it is
 * left alone). */
static void check_err(int r, const char *err, size_t cap)
{
	CHECK(r == 0 || r == -1);
	if (r != 0)
		CHECK(memchr(err, '\0', cap) != NULL && err[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	char err[160], out[64];
	uint64_t v, lo, hi;
	double d;
	int r;

	memset(err, 'Z', sizeof(err));
	r = units_parse_count(s, &v, err, sizeof(err));
	check_err(r, err, sizeof(err));
	if (r == 0) {
		CHECK(s[0] >= '0' && s[0] <= '9'); /* no sign, space or letter first */
		units_fmt_count(out, sizeof(out), (double)v);
		/* A count is a range of one. */
		CHECK(units_parse_count_range(s, &lo, &hi, err, sizeof(err)) == 0 && lo == v && hi == v);
	}

	memset(err, 'Z', sizeof(err));
	r = units_parse_rate(s, &d, err, sizeof(err));
	check_err(r, err, sizeof(err));
	if (r == 0) {
		CHECK(d >= 0 && d == d);
		units_fmt_count(out, sizeof(out), d);
	}

	memset(err, 'Z', sizeof(err));
	r = units_parse_duration(s, &v, err, sizeof(err));
	check_err(r, err, sizeof(err));
	if (r == 0) {
		CHECK(v <= 100ULL * 365 * 86400 * 1000000);
		units_fmt_duration(out, sizeof(out), v);
		CHECK(units_parse_duration_range(s, &lo, &hi, err, sizeof(err)) == 0 && lo == v && hi == v);
	}

	memset(err, 'Z', sizeof(err));
	r = units_parse_bytes(s, &v, err, sizeof(err));
	check_err(r, err, sizeof(err));
	if (r == 0)
		units_fmt_bytes(out, sizeof(out), (double)v);

	/* Ranges: lo <= hi whenever they succeed; untouched when they fail. */
	memset(err, 'Z', sizeof(err));
	lo = hi = 12345;
	r = units_parse_count_range(s, &lo, &hi, err, sizeof(err));
	check_err(r, err, sizeof(err));
	CHECK(r == 0 ? lo <= hi : (lo == 12345 && hi == 12345));

	memset(err, 'Z', sizeof(err));
	lo = hi = 12345;
	r = units_parse_duration_range(s, &lo, &hi, err, sizeof(err));
	check_err(r, err, sizeof(err));
	CHECK(r == 0 ? lo <= hi : (lo == 12345 && hi == 12345));

	/* Tiny error buffers must stay terminated too. */
	char tiny[3];
	memset(tiny, 'Z', sizeof(tiny));
	r = units_parse_count(s, &v, tiny, sizeof(tiny));
	CHECK(r == 0 || memchr(tiny, '\0', sizeof(tiny)) != NULL);

	/* Formatters on arbitrary doubles built from the input. */
	if (size >= sizeof(double)) {
		double x;
		memcpy(&x, data, sizeof(x));
		units_fmt_count(out, sizeof(out), x);
		CHECK(memchr(out, '\0', sizeof(out)) != NULL);
		units_fmt_bytes(out, sizeof(out), x);
		CHECK(memchr(out, '\0', sizeof(out)) != NULL);
		uint64_t u;
		memcpy(&u, data, sizeof(u));
		units_fmt_duration(out, sizeof(out), u);
		CHECK(memchr(out, '\0', sizeof(out)) != NULL);
	}
	free(s);
	return 0;
}
