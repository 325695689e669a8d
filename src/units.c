/* Parsing and formatting of user-facing quantities (see units.h).
 *
 * Numbers are scanned by hand instead of with strtod/strtoull: those accept
 * leading whitespace, signs, hex, exponents, "nan"/"inf" and depend on the
 * locale's decimal point, all of which we must reject anyway. The decimal
 * fraction is kept as digits and multiplied by the suffix exactly, so
 * "1.5k" is exactly 1500 and "0.1s" exactly 100000 us (no float rounding). */
#include "tcpswarm/units.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Significant fraction digits kept; enough to represent any k/2^30 exactly. */
#define FRAC_MAX 40
/* ~100 years, in microseconds: durations past this are typos, not plans. */
#define DURATION_MAX_US (100ULL * 365 * 86400 * 1000000)

#define ACCEPT_COUNT "a whole number with optional k, m, g (x1000, x1e6, x1e9); e.g. 20k, 1.5m"
#define ACCEPT_RATE  "a number per second with optional k, m, g and optional /s, or 0, unlimited, max; e.g. 500, 10k/s, 0.5"
#define ACCEPT_DUR   "a number with us, ms, s, m or h (a bare number is seconds); e.g. 250ms, 3s, 1.5m"
#define ACCEPT_BYTES "a whole number of bytes with optional k/KiB, m/MiB, g/GiB (powers of 1024) or KB, MB, GB (powers of 1000); e.g. 4k, 1MiB"
#define ACCEPT_RANGE "A-B with A <= B, or a single value"

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit count_units[] = {
	{ "", 1 },
	{ "k", 1000ULL }, { "K", 1000ULL },
	{ "m", 1000000ULL }, { "M", 1000000ULL },
	{ "g", 1000000000ULL }, { "G", 1000000000ULL },
	{ NULL, 0 },
};

/* Multipliers in microseconds; "" (bare number) is seconds. */
static const struct unit duration_units[] = {
	{ "", 1000000ULL },
	{ "us", 1ULL }, { "\xc2\xb5s", 1ULL }, /* UTF-8 "µs" */
	{ "ms", 1000ULL },
	{ "s", 1000000ULL },
	{ "m", 60000000ULL },
	{ "h", 3600000000ULL },
	{ NULL, 0 },
};

static const struct unit byte_units[] = {
	{ "", 1 }, { "B", 1 },
	{ "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "m", 1ULL << 20 }, { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
	{ "g", 1ULL << 30 }, { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
	{ "KB", 1000ULL }, { "kB", 1000ULL },
	{ "MB", 1000000ULL },
	{ "GB", 1000000000ULL },
	{ NULL, 0 },
};

/* A scanned "DIGITS[.DIGITS]SUFFIX" (not yet scaled). */
struct num {
	uint64_t ip;       /* integer part */
	int ip_overflow;   /* integer part exceeds UINT64_MAX */
	unsigned char frac[FRAC_MAX]; /* fraction digits 0..9, trailing zeros stripped */
	size_t fraclen;
	int frac_dropped;  /* nonzero digits beyond FRAC_MAX were dropped */
	const char *suffix;
	size_t sufflen;
};

/* The whole input is quoted in messages, cut to keep them readable. */
static void fail(char *err, size_t errcap, const char *s, size_t len, const char *what,
		 const char *accepted)
{
	if (!err || errcap == 0)
		return;
	int q = len > 64 ? 64 : (int)len;
	snprintf(err, errcap, "'%.*s%s': %s (accepted: %s)", q, s, len > 64 ? "..." : "", what,
		 accepted);
}

static int scan_number(const char *s, size_t len, struct num *n, const char *accepted, char *err,
		       size_t errcap)
{
	memset(n, 0, sizeof(*n));
	if (len == 0) {
		fail(err, errcap, s, len, "empty value", accepted);
		return -1;
	}
	unsigned char c0 = (unsigned char)s[0];
	if (c0 == '-') {
		fail(err, errcap, s, len, "negative values are not accepted", accepted);
		return -1;
	}
	if (c0 == '+') {
		fail(err, errcap, s, len, "a sign is not accepted", accepted);
		return -1;
	}
	if (c0 == ' ' || (c0 >= '\t' && c0 <= '\r')) {
		fail(err, errcap, s, len, "leading whitespace is not accepted", accepted);
		return -1;
	}
	if (c0 < '0' || c0 > '9') {
		fail(err, errcap, s, len, "not a number", accepted);
		return -1;
	}
	size_t i = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (n->ip > (UINT64_MAX - d) / 10)
			n->ip_overflow = 1; /* keep scanning so the message says "too large" */
		else
			n->ip = n->ip * 10 + d;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9') {
			fail(err, errcap, s, len, "expected digits after '.'", accepted);
			return -1;
		}
		size_t last_nz = 0; /* fraclen up to the last nonzero digit */
		size_t k = 0;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			unsigned char d = (unsigned char)(s[i] - '0');
			if (k < FRAC_MAX) {
				n->frac[k] = d;
				if (d)
					last_nz = k + 1;
			} else if (d) {
				n->frac_dropped = 1;
			}
		}
		n->fraclen = last_nz;
	}
	n->suffix = s + i;
	n->sufflen = len - i;
	return 0;
}

static const struct unit *find_unit(const struct unit *table, const char *suf, size_t len)
{
	for (const struct unit *u = table; u->name; u++)
		if (strlen(u->name) == len && memcmp(u->name, suf, len) == 0)
			return u;
	return NULL;
}

static int unknown_suffix(const char *s, size_t len, const struct num *n, const char *accepted,
			  char *err, size_t errcap)
{
	char what[96];
	int q = n->sufflen > 24 ? 24 : (int)n->sufflen;
	snprintf(what, sizeof(what), "unknown suffix '%.*s%s'", q, n->suffix,
		 n->sufflen > 24 ? "..." : "");
	fail(err, errcap, s, len, what, accepted);
	return -1;
}

/* value * mult, exactly: *whole gets the integer part, rem[] the remaining
 * fraction digits (trailing zeros stripped, *remlen 0 when whole). The
 * fraction is multiplied digit by digit from the right; the carry stays
 * below mult, so nothing overflows for mult < 2^60. Returns -1 past
 * UINT64_MAX. */
static int scale(const struct num *n, uint64_t mult, uint64_t *whole, unsigned char *rem,
		 size_t *remlen)
{
	if (n->ip_overflow || (mult && n->ip > UINT64_MAX / mult))
		return -1;
	uint64_t carry = 0;
	memcpy(rem, n->frac, n->fraclen);
	for (size_t k = n->fraclen; k-- > 0;) {
		uint64_t t = rem[k] * mult + carry;
		rem[k] = (unsigned char)(t % 10);
		carry = t / 10;
	}
	uint64_t w = n->ip * mult;
	if (w > UINT64_MAX - carry)
		return -1;
	*whole = w + carry;
	size_t l = n->fraclen;
	while (l > 0 && rem[l - 1] == 0)
		l--;
	*remlen = l;
	return 0;
}

static int parse_whole(const char *s, size_t len, const struct unit *table, const char *accepted,
		       uint64_t *out, char *err, size_t errcap)
{
	struct num n;
	if (scan_number(s, len, &n, accepted, err, errcap) < 0)
		return -1;
	const struct unit *u = find_unit(table, n.suffix, n.sufflen);
	if (!u)
		return unknown_suffix(s, len, &n, accepted, err, errcap);
	if (n.frac_dropped) {
		fail(err, errcap, s, len, "too many decimal places", accepted);
		return -1;
	}
	unsigned char rem[FRAC_MAX];
	size_t remlen;
	uint64_t v;
	if (scale(&n, u->mult, &v, rem, &remlen) < 0) {
		fail(err, errcap, s, len, "too large (at most 18446744073709551615)", accepted);
		return -1;
	}
	if (remlen) {
		fail(err, errcap, s, len, "not a whole number", accepted);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_count_n(const char *s, size_t len, uint64_t *out, char *err, size_t errcap)
{
	return parse_whole(s, len, count_units, ACCEPT_COUNT, out, err, errcap);
}

static int parse_duration_n(const char *s, size_t len, uint64_t *out_us, char *err, size_t errcap)
{
	struct num n;
	if (scan_number(s, len, &n, ACCEPT_DUR, err, errcap) < 0)
		return -1;
	const struct unit *u = find_unit(duration_units, n.suffix, n.sufflen);
	if (!u)
		return unknown_suffix(s, len, &n, ACCEPT_DUR, err, errcap);
	unsigned char rem[FRAC_MAX];
	size_t remlen;
	uint64_t v;
	if (scale(&n, u->mult, &v, rem, &remlen) < 0 || v > DURATION_MAX_US) {
		fail(err, errcap, s, len, "too long (at most 100 years)", ACCEPT_DUR);
		return -1;
	}
	/* Sub-microsecond parts are rounded to the nearest microsecond. */
	if (remlen && rem[0] >= 5)
		v++;
	if (v == 0 && (remlen || n.frac_dropped)) {
		fail(err, errcap, s, len, "shorter than the 1us resolution", ACCEPT_DUR);
		return -1;
	}
	if (v > DURATION_MAX_US) {
		fail(err, errcap, s, len, "too long (at most 100 years)", ACCEPT_DUR);
		return -1;
	}
	*out_us = v;
	return 0;
}

int units_parse_count(const char *s, uint64_t *out, char *err, size_t errcap)
{
	return parse_count_n(s ? s : "", s ? strlen(s) : 0, out, err, errcap);
}

int units_parse_duration(const char *s, uint64_t *out_us, char *err, size_t errcap)
{
	return parse_duration_n(s ? s : "", s ? strlen(s) : 0, out_us, err, errcap);
}

int units_parse_bytes(const char *s, uint64_t *out, char *err, size_t errcap)
{
	if (!s)
		s = "";
	return parse_whole(s, strlen(s), byte_units, ACCEPT_BYTES, out, err, errcap);
}

int units_parse_rate(const char *s, double *out, char *err, size_t errcap)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	if (strcmp(s, "unlimited") == 0 || strcmp(s, "max") == 0) {
		*out = 0;
		return 0;
	}
	struct num n;
	if (scan_number(s, len, &n, ACCEPT_RATE, err, errcap) < 0)
		return -1;
	size_t sl = n.sufflen;
	if (sl >= 2 && memcmp(n.suffix + sl - 2, "/s", 2) == 0)
		sl -= 2;
	const struct unit *u = find_unit(count_units, n.suffix, sl);
	if (!u)
		return unknown_suffix(s, len, &n, ACCEPT_RATE, err, errcap);
	unsigned char rem[FRAC_MAX];
	size_t remlen;
	uint64_t v;
	if (scale(&n, u->mult, &v, rem, &remlen) < 0) {
		fail(err, errcap, s, len, "too large (at most 18446744073709551615 per second)",
		     ACCEPT_RATE);
		return -1;
	}
	double f = 0, p = 0.1;
	for (size_t k = 0; k < remlen && k < 20; k++, p /= 10)
		f += rem[k] * p;
	*out = (double)v + f;
	return 0;
}

/* Splits "A-B" at the first '-' (no value contains one, since signs are
 * rejected). A leading '-' is left to the value parser ("negative"). */
typedef int (*parse_n_fn)(const char *s, size_t len, uint64_t *out, char *err, size_t errcap);

static int parse_range(const char *s, parse_n_fn parse, uint64_t *lo, uint64_t *hi, char *err,
		       size_t errcap)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	const char *dash = len > 0 ? memchr(s + 1, '-', len - 1) : NULL;
	if (!dash) {
		uint64_t v;
		if (parse(s, len, &v, err, errcap) < 0)
			return -1;
		*lo = *hi = v;
		return 0;
	}
	uint64_t a, b;
	char sub[256];
	size_t alen = (size_t)(dash - s);
	if (parse(s, alen, &a, sub, sizeof(sub)) < 0 ||
	    parse(dash + 1, len - alen - 1, &b, sub, sizeof(sub)) < 0) {
		if (err && errcap)
			snprintf(err, errcap, "in range '%.64s%s': %s", s, len > 64 ? "..." : "",
				 sub);
		return -1;
	}
	if (a > b) {
		fail(err, errcap, s, len, "start is greater than end", ACCEPT_RANGE);
		return -1;
	}
	*lo = a;
	*hi = b;
	return 0;
}

int units_parse_count_range(const char *s, uint64_t *lo, uint64_t *hi, char *err, size_t errcap)
{
	return parse_range(s, parse_count_n, lo, hi, err, errcap);
}

int units_parse_duration_range(const char *s, uint64_t *lo_us, uint64_t *hi_us, char *err,
			       size_t errcap)
{
	return parse_range(s, parse_duration_n, lo_us, hi_us, err, errcap);
}

/* ---- formatting ---------------------------------------------------------- */

/* No libm: callers need not link -lm for these few helpers. */
static int is_finite(double v)
{
	return v == v && v - v == 0; /* false for NaN and +-inf */
}

/* Three significant digits: "1.50", "12.3", "850". */
static int decimals3(double v)
{
	return v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
}

void units_fmt_count(char *out, size_t cap, double v)
{
	static const char *const names[] = { "", "k", "M", "G", "T", "P" };
	if (!out || cap == 0)
		return;
	if (!is_finite(v)) {
		snprintf(out, cap, "%s", v != v ? "nan" : v > 0 ? "inf" : "-inf");
		return;
	}
	const char *sign = v < 0 ? "-" : "";
	double a = v < 0 ? -v : v;
	size_t u = 0;
	/* Bump the unit before rounding could print "1000k". */
	while (a >= 999.5 && u + 1 < sizeof(names) / sizeof(names[0])) {
		a /= 1000;
		u++;
	}
	if (u == 0 && a == (double)(uint64_t)a) /* a < 999.5 here: the cast is safe */
		snprintf(out, cap, "%s%.0f", sign, a);
	else
		snprintf(out, cap, "%s%.*f%s", sign, decimals3(a), a, names[u]);
}

void units_fmt_duration(char *out, size_t cap, uint64_t us)
{
	if (!out || cap == 0)
		return;
	if (us < 1000) {
		snprintf(out, cap, "%lluus", (unsigned long long)us);
		return;
	}
	double ms = (double)us / 1e3;
	if (ms < 999.5) {
		snprintf(out, cap, "%.*fms", decimals3(ms), ms);
		return;
	}
	double s = (double)us / 1e6;
	if (s < 999.5) {
		snprintf(out, cap, "%.*fs", decimals3(s), s);
		return;
	}
	uint64_t secs = (us + 500000) / 1000000;
	if (secs < 3600)
		snprintf(out, cap, "%llum%02llus", (unsigned long long)(secs / 60),
			 (unsigned long long)(secs % 60));
	else
		snprintf(out, cap, "%lluh%02llum", (unsigned long long)(secs / 3600),
			 (unsigned long long)((secs % 3600) / 60));
}

void units_fmt_bytes(char *out, size_t cap, double bytes)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	if (!out || cap == 0)
		return;
	if (!is_finite(bytes)) {
		snprintf(out, cap, "%s", bytes != bytes ? "nan" : bytes > 0 ? "inf" : "-inf");
		return;
	}
	const char *sign = bytes < 0 ? "-" : "";
	double a = bytes < 0 ? -bytes : bytes;
	size_t u = 0;
	while (a >= 1023.5 && u + 1 < sizeof(names) / sizeof(names[0])) {
		a /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, cap, "%s%.0f B", sign, a);
	else
		snprintf(out, cap, "%s%.*f %s", sign, a < 99.95 ? 1 : 0, a, names[u]);
}

/* ---- fractions ----------------------------------------------------------- */

#define ACCEPT_FRACTION "a fraction from 0 to 1 (0.01) or a percentage (1%)"

int units_parse_fraction(const char *s, double *out, char *err, size_t errcap)
{
	if (!s)
		s = "";
	size_t len = strlen(s);
	struct num n;
	if (scan_number(s, len, &n, ACCEPT_FRACTION, err, errcap) < 0)
		return -1;
	bool pct = n.sufflen == 1 && n.suffix[0] == '%';
	if (n.sufflen && !pct) {
		fail(err, errcap, s, len, "expected nothing or '%' after the number", ACCEPT_FRACTION);
		return -1;
	}
	/* the digits were checked: strtod reads exactly them (and stops at '%') */
	double x = n.ip_overflow ? 2 : strtod(s, NULL);
	if (pct)
		x /= 100;
	if (!(x <= 1)) {
		fail(err, errcap, s, len, pct ? "over 100%" : "over 1", ACCEPT_FRACTION);
		return -1;
	}
	*out = x;
	return 0;
}
