/* --shard and --start-at: see include/tcpswarm/shard.h. */
#include "tcpswarm/shard.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -1;
		p++;
	}
	*end = p;
	*out = v;
	return p == s ? -1 : 0;
}

int shard_parse(const char *v, struct shard_spec *out, char *err, size_t cap)
{
	const char *p;
	uint64_t i, n;
	if (parse_u64(v, &p, &i) < 0 || *p != '/' || parse_u64(p + 1, &p, &n) < 0 || *p) {
		snprintf(err, cap, "expected I/N, e.g. 2/4 (shard 2 of 4), got '%s'", v);
		return -1;
	}
	if (n < 1 || n > 65536 || i < 1 || i > n) {
		snprintf(err, cap, "shard %s: expected 1 <= I <= N <= 65536", v);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->index = i;
	out->count = n;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : n[m - 1];
}

static int rfc3339(const char *v, int64_t *out)
{
	unsigned y, mo, d, h, mi, s, n = 0;
	if (sscanf(v, "%4u-%2u-%2u%*1[Tt ]%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
		return -1;
	const char *z = v + n;
	int64_t off = 0;
	if (*z == '.') /* fractions of a second: the start is to the second */
		while (*++z >= '0' && *z <= '9')
			;
	if ((*z == 'Z' || *z == 'z') && !z[1]) {
		off = 0;
	} else if ((*z == '+' || *z == '-') && strlen(z) == 6 && z[3] == ':') {
		unsigned oh, om;
		if (sscanf(z + 1, "%2u:%2u", &oh, &om) != 2 || oh > 23 || om > 59)
			return -1;
		off = (*z == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
	} else {
		return -1;
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
	return 0;
}

int start_at_parse(const char *v, int64_t *out, char *err, size_t cap)
{
	const char *p;
	uint64_t e;
	if (parse_u64(v, &p, &e) == 0 && !*p && e < (1ULL << 40)) {
		*out = (int64_t)e;
		return 0;
	}
	if (rfc3339(v, out) == 0)
		return 0;
	snprintf(err, cap, "expected epoch seconds or RFC 3339 (2026-12-01T20:30:00Z), got '%s'", v);
	return -1;
}

int start_at_check(int64_t at, int64_t now, char *err, size_t cap)
{
	if (at < now - START_AT_PAST_S) {
		snprintf(err, cap, "the start time is %" PRId64 " s in the past (clocks out of sync, or an old command?)",
			 now - at);
		return -1;
	}
	if (at > now + 86400) {
		snprintf(err, cap, "the start time is %" PRId64 " s ahead: more than 24 h (a typo in the date?)", at - now);
		return -1;
	}
	return 0;
}

uint64_t shard_part(uint64_t n, uint64_t index, uint64_t count, uint64_t *first)
{
	uint64_t base = n / count, extra = n % count, k = index - 1;
	*first = k * base + (k < extra ? k : extra);
	return base + (k < extra);
}

int shard_split(const struct shard_spec *sh, uint64_t conns, double rate, double connect_rate, uint64_t seed,
		size_t nsources, struct shard_slice *out, char *err, size_t cap)
{
	uint64_t first;
	if (conns < sh->count) {
		snprintf(err, cap, "-c %" PRIu64 " cannot be split into %" PRIu64 " shards (each needs a connection)",
			 conns, sh->count);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->conns = shard_part(conns, sh->index, sh->count, &first);
	double share = (double)out->conns / (double)conns;
	out->rate = rate * share;
	out->connect_rate = connect_rate * share;
	out->seed = seed + sh->index - 1;
	if (nsources >= sh->count) {
		out->src_n = (size_t)shard_part(nsources, sh->index, sh->count, &first);
		out->src_first = (size_t)first;
	} else if (nsources) { /* fewer sources than shards: shards share them round robin */
		out->src_n = 1;
		out->src_first = (size_t)((sh->index - 1) % nsources);
	}
	return 0;
}

void shard_split_schedule(const struct shard_slice *sl, uint64_t conns, struct schedule *rate)
{
	if (rate->n && conns)
		schedule_scale(rate, (double)sl->conns / (double)conns);
}
