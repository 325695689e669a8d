/* Log-linear histogram: see include/tcpswarm/hist.h for the layout.
 *
 * Bucket of v: below 2048 it is v itself. Above, with k = floor(log2 v) and
 * s = k - 10, the top 11 bits m = v >> s lie in [1024, 2048) and the bucket is
 * s * 1024 + m. That formula also gives v for 1024 <= v < 2048 (s = 0), so
 * the exact and log-linear ranges join without a gap. The last bucket,
 * 16 * 1024 + 2047, holds values up to 2^27 - 1 > HIST_MAX_US. */
#include "tcpswarm/hist.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tcpswarm/arith.h"

#define SUB_BITS 10
#define SUB_COUNT (1u << SUB_BITS)    /* 1024 sub-buckets per power of two */
#define EXACT_LIMIT (2 * SUB_COUNT)   /* 2048: values below are exact */
#define TOP_VALUE ((1ULL << 27) - 1)  /* highest value the layout holds */

_Static_assert(HIST_BUCKETS == 18 * SUB_COUNT, "bucket count matches the layout");
_Static_assert(HIST_MAX_US <= TOP_VALUE, "HIST_MAX_US fits in the buckets");

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_init_zeroed(struct hist *h) { h->min = UINT64_MAX; }

size_t hist_bucket_of(uint64_t v)
{
	if (v < EXACT_LIMIT)
		return (size_t)v;
	if (v > TOP_VALUE) /* past the layout: the last bucket, never out of bounds */
		v = TOP_VALUE;
	unsigned s = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
	return (size_t)s * SUB_COUNT + (size_t)(v >> s);
}

uint64_t hist_bucket_low(size_t b)
{
	if (b < EXACT_LIMIT)
		return b;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	unsigned s = (unsigned)(b / SUB_COUNT) - 1;
	return (uint64_t)(b - (size_t)s * SUB_COUNT) << s;
}

uint64_t hist_bucket_high(size_t b)
{
	if (b < EXACT_LIMIT)
		return b;
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	unsigned s = (unsigned)(b / SUB_COUNT) - 1;
	return hist_bucket_low(b) + (1ULL << s) - 1;
}

void hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	if (v == 0)
		v = 1;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->sum = sat_add(h->sum, sat_mul(v, n));
	h->count += n;
	if (v > HIST_MAX_US) {
		h->clamped += n;
		v = HIST_MAX_US;
	}
	h->buckets[hist_bucket_of(v)] += n;
}

void hist_record(struct hist *h, uint64_t v)
{
	hist_record_n(h, v, 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum = sat_add(dst->sum, src->sum);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (!(p > 0)) /* also catches NaN */
		p = 0;
	if (p > 100)
		p = 100;
	double r = p / 100.0 * (double)h->count;
	/* 99.9 / 100 * 1000 is 999.0000000000001 in binary: snap values that
	 * are an integer up to rounding, or ceil() would skip a whole rank. */
	double near = nearbyint(r);
	if (fabs(r - near) <= 1e-9 * near)
		r = near;
	uint64_t rank = r >= (double)h->count ? h->count : (uint64_t)ceil(r);
	if (rank == 0)
		rank = 1;
	if (rank == h->count) /* exact, even for values that were clamped */
		return h->max;

	uint64_t seen = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			uint64_t high = hist_bucket_high(b);
			return high < h->max ? high : h->max;
		}
	}
	return h->max; /* count larger than the buckets hold: inconsistent input */
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/* snprintf-like appender: counts everything, stores what fits. */
struct outbuf {
	char *p;
	size_t cap, len;
};

static void put(struct outbuf *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		memcpy(o->p + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

size_t hist_format_sparse(const struct hist *h, char *out, size_t cap)
{
	struct outbuf o = { out, cap, 0 };
	char tmp[64];
	bool first = true;

	put(&o, "[", 1);
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		if (h->buckets[b] == 0)
			continue;
		int n = snprintf(tmp, sizeof(tmp), "%s[%llu,%llu]", first ? "" : ",",
				 (unsigned long long)hist_bucket_low(b),
				 (unsigned long long)h->buckets[b]);
		put(&o, tmp, (size_t)n);
		first = false;
	}
	put(&o, "]", 1);
	if (cap > 0)
		out[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

/* Parser over [p, end): never reads at or past end. */
struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool eat(struct scan *s, char c)
{
	skip_ws(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A JSON non-negative integer: no sign, no leading zeros, no overflow. */
static bool number(struct scan *s, uint64_t *out)
{
	skip_ws(s);
	const char *start = s->p;
	uint64_t v = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		uint64_t digit = (uint64_t)(*s->p - '0');
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digit, &v))
			return false;
		s->p++;
	}
	if (s->p == start || (*start == '0' && s->p - start > 1))
		return false;
	*out = v;
	return true;
}

/* Strict: each low_us must be the exact low bound of a bucket up to the one
 * holding HIST_MAX_US (a different layout is caught, not misread), buckets
 * strictly ascending, counts non-zero, total count without overflow. JSON
 * whitespace between tokens is accepted. */
int hist_parse_sparse(struct hist *h, const char *text, size_t len)
{
	struct scan s = { text, text + len };
	size_t next = 1; /* lowest bucket the next pair may name; 0 is never used */

	hist_reset(h);
	if (!eat(&s, '['))
		return -1;
	if (!eat(&s, ']')) {
		do {
			uint64_t low, n;
			if (!eat(&s, '[') || !number(&s, &low) || !eat(&s, ',') ||
			    !number(&s, &n) || !eat(&s, ']'))
				return -1;
			if (low > HIST_MAX_US || n == 0)
				return -1;
			size_t b = hist_bucket_of(low);
			if (b < next || hist_bucket_low(b) != low)
				return -1;
			if (__builtin_add_overflow(h->count, n, &h->count))
				return -1;
			h->buckets[b] = n;
			next = b + 1;
			/* midpoint of the bucket stands in for the lost values */
			uint64_t mid = low + (hist_bucket_high(b) - low) / 2;
			h->sum = sat_add(h->sum, sat_mul(mid, n));
			if (h->min == UINT64_MAX)
				h->min = low;
			h->max = hist_bucket_high(b);
		} while (eat(&s, ','));
		if (!eat(&s, ']'))
			return -1;
	}
	skip_ws(&s);
	return s.p == s.end ? 0 : -1;
}
