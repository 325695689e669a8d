/* Log-linear latency histogram: 1 us .. 100 s at 3 significant digits.
 *
 * Values below 2048 us are counted exactly; above, each power of two is split
 * into 1024 linear sub-buckets, so any recorded value is reported within 0.1%
 * (1/1024). 18432 buckets of uint64 (~144 KiB): one per worker per interval,
 * never one per connection. Histograms of the same layout merge exactly by
 * adding counts, across workers, processes and machines (tcpswarm merge). */
#ifndef TCPSWARM_HIST_H
#define TCPSWARM_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_MIN_US 1ULL
#define HIST_MAX_US 100000000ULL /* 100 s: larger values are clamped and counted */
#define HIST_BUCKETS 18432

struct hist {
	uint64_t count;    /* values recorded */
	uint64_t clamped;  /* values above HIST_MAX_US, recorded as HIST_MAX_US */
	uint64_t min, max; /* exact, before clamping; min is UINT64_MAX when empty */
	uint64_t sum;      /* for the mean; saturates rather than wraps */
	uint64_t buckets[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
/* hist_reset for memory already all zero (calloc, a fresh mmap): writes
 * one field, so pages not yet touched stay untouched. */
void hist_init_zeroed(struct hist *h);
/* O(1): a shift, a compare and an add. 0 is recorded as 1. */
void hist_record(struct hist *h, uint64_t value_us);
void hist_record_n(struct hist *h, uint64_t value_us, uint64_t n);
/* dst += src, exactly. */
void hist_merge(struct hist *dst, const struct hist *src);
/* Value at percentile p (0..100), the highest value equivalent to the bucket
 * holding the rank ceil(p/100*count) (so p=100 gives max). 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/* Bucket <-> value mapping (exposed for serialisation and tests). */
size_t hist_bucket_of(uint64_t value_us);
uint64_t hist_bucket_low(size_t bucket);  /* smallest value in the bucket */
uint64_t hist_bucket_high(size_t bucket); /* largest value in the bucket */

/* Compact text form used in JSON reports: non-empty buckets only, as
 * "[[low_us,count],[low_us,count],...]". Returns the length written (without
 * the NUL) or, like snprintf, the length needed when cap is too small. */
size_t hist_format_sparse(const struct hist *h, char *out, size_t cap);
/* Parse that form back (for merge). Returns 0, or -1 on malformed input
 * (*h is then undefined). min/max/sum are approximated from bucket bounds. */
int hist_parse_sparse(struct hist *h, const char *text, size_t len);

#endif
