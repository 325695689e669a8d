/* HdrHistogram V2 encoding of a struct hist and the interval log lines
 * (see include/tcpswarm/hdrlog.h). Big-endian header, as HdrHistogram
 * writes it:
 *   int32 cookie, int32 payload length, int32 normalizing index offset (0),
 *   int32 significant digits, int64 lowest discernible value,
 *   int64 highest trackable value, double integer-to-double ratio (1.0),
 * then the counts from index 0 up to the highest non-empty one, each a
 * ZigZag LEB128 number; a run of two or more zeros is one negative count. */
#include "tcpswarm/hdrlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define SUB_HALF_BITS 10 /* log2(1024): half of the 2048 sub-buckets of 3 digits */

size_t hdr_index_of(uint64_t v)
{
	/* bucket = how far v's top bit lies above the 2048 sub-buckets */
	unsigned lz = (unsigned)__builtin_clzll(v | ((2ULL << SUB_HALF_BITS) - 1));
	unsigned bucket = (64 - SUB_HALF_BITS - 1) - lz;
	uint64_t sub = v >> bucket;
	return ((size_t)(bucket + 1) << SUB_HALF_BITS) + (size_t)(sub - (1ULL << SUB_HALF_BITS));
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* ZigZag, then 7 bits a byte, low first; the 9th byte carries 8 bits. */
static size_t put_zigzag(uint8_t *p, size_t at, size_t cap, int64_t value)
{
	uint64_t v = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
	for (int i = 0; i < 9; i++) {
		if (at >= cap)
			return 0;
		if (i == 8 || v < 0x80) {
			p[at++] = (uint8_t)v;
			return at;
		}
		p[at++] = (uint8_t)((v & 0x7f) | 0x80);
		v >>= 7;
	}
	return at;
}

static size_t get_zigzag(const uint8_t *p, size_t at, size_t n, int64_t *value)
{
	uint64_t v = 0;
	for (int i = 0; i < 9; i++) {
		if (at >= n)
			return 0;
		uint8_t b = p[at++];
		if (i == 8) {
			v |= (uint64_t)b << 56;
			break;
		}
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	*value = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return at;
}

static void put_header(uint8_t *out, uint32_t cookie, uint32_t payload)
{
	double ratio = 1.0;
	uint64_t ratio_bits;
	memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
	put_be(out, cookie, 4);
	put_be(out + 4, payload, 4);
	put_be(out + 8, 0, 4);
	put_be(out + 12, HDR_DIGITS, 4);
	put_be(out + 16, HDR_LOWEST, 8);
	put_be(out + 24, HDR_HIGHEST, 8);
	put_be(out + 32, ratio_bits, 8);
}

/* HDR counts indexed by value: our bucket b holds values that all fall in
 * one HDR index, the one of its lowest value. */
static size_t hdr_counts(const struct hist *h, uint64_t *counts, size_t ncounts)
{
	size_t limit = 1; /* an empty histogram still encodes one zero count */
	memset(counts, 0, ncounts * sizeof(*counts));
	for (size_t b = 0; b < HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		size_t i = hdr_index_of(hist_bucket_low(b));
		if (i >= ncounts)
			i = ncounts - 1;
		counts[i] += h->buckets[b];
		if (i + 1 > limit)
			limit = i + 1;
	}
	return limit;
}

size_t hdr_encode_v2(const struct hist *h, uint8_t *out, size_t cap)
{
	uint64_t *counts = cap >= HDR_HEADER_BYTES ? malloc(HIST_BUCKETS * sizeof(*counts)) : NULL;
	if (!counts)
		return 0;
	size_t limit = hdr_counts(h, counts, HIST_BUCKETS);
	size_t at = HDR_HEADER_BYTES;
	for (size_t i = 0; i < limit && at;) {
		uint64_t c = counts[i++];
		int64_t zeros = 0;
		if (!c)
			for (zeros = 1; i < limit && !counts[i]; i++)
				zeros++;
		at = put_zigzag(out, at, cap, zeros > 1 ? -zeros : (int64_t)(c > INT64_MAX ? INT64_MAX : c));
	}
	free(counts);
	if (!at)
		return 0;
	put_header(out, HDR_COOKIE_V2, (uint32_t)(at - HDR_HEADER_BYTES));
	return at;
}

uint8_t *hdr_encode_compressed(const struct hist *h, size_t *len)
{
	size_t rawcap = HDR_HEADER_BYTES + (size_t)HIST_BUCKETS * 9;
	uint8_t *raw = malloc(rawcap);
	uLongf zlen = compressBound((uLong)rawcap);
	uint8_t *out = malloc(8 + zlen);
	size_t n = raw && out ? hdr_encode_v2(h, raw, rawcap) : 0;
	if (!n || compress2(out + 8, &zlen, raw, (uLong)n, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free(raw);
		free(out);
		return NULL;
	}
	free(raw);
	put_be(out, HDR_COOKIE_V2_COMPRESSED, 4);
	put_be(out + 4, zlen, 4);
	*len = 8 + zlen;
	return out;
}

static int header_ok(const uint8_t *in, size_t n, size_t *payload)
{
	if (n < HDR_HEADER_BYTES || get_be(in, 4) != HDR_COOKIE_V2)
		return -1;
	*payload = (size_t)get_be(in + 4, 4);
	return *payload <= n - HDR_HEADER_BYTES && get_be(in + 8, 4) == 0 && get_be(in + 12, 4) == HDR_DIGITS &&
			       get_be(in + 16, 8) == HDR_LOWEST && get_be(in + 24, 8) == HDR_HIGHEST
		       ? 0
		       : -1;
}

int hdr_decode_v2(const uint8_t *in, size_t n, struct hist *h)
{
	size_t payload;
	if (header_ok(in, n, &payload) < 0)
		return -1;
	hist_reset(h);
	size_t end = HDR_HEADER_BYTES + payload, at = HDR_HEADER_BYTES, index = 0;
	while (at < end) {
		int64_t c;
		if (!(at = get_zigzag(in, at, end, &c)))
			return -1;
		if (c < 0) {
			index += (size_t)-c;
			continue;
		}
		/* index == value for the layouts that agree (hdr_index_of) */
		if (index >= HIST_BUCKETS)
			return -1;
		if (c)
			hist_record_n(h, hist_bucket_low(index), (uint64_t)c);
		index++;
	}
	return 0;
}

size_t hdr_base64(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = 4 * ((n + 2) / 3);
	if (cap < need + 1)
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

int hdrlog_header(char *out, size_t cap, double start_epoch, const char *who)
{
	char date[64] = "";
	time_t secs = (time_t)start_epoch;
	struct tm tm;
	if (gmtime_r(&secs, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return snprintf(out, cap,
			"#[Histogram log format version 1.3]\n"
			"#[%s latency from the intended send time, one histogram a second; values in microseconds "
			"(HistogramLogProcessor -outputValueUnitRatio 1 prints them as such, 1000 in ms)]\n"
			"#[StartTime: %.3f (seconds since epoch), %s]\n"
			"#[BaseTime: %.3f (seconds since epoch)]\n"
			"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
			who, start_epoch, date, start_epoch);
}

char *hdrlog_line(double start_rel_s, double length_s, const struct hist *h)
{
	size_t zlen;
	uint8_t *z = hdr_encode_compressed(h, &zlen);
	if (!z)
		return NULL;
	size_t cap = 4 * ((zlen + 2) / 3) + 96;
	char *line = malloc(cap);
	if (line) {
		int n = snprintf(line, cap, "%.3f,%.3f,%.3f,", start_rel_s, length_s, (double)(h->count ? h->max : 0));
		size_t b = n > 0 ? hdr_base64(z, zlen, line + n, cap - (size_t)n - 1) : 0;
		if (b)
			memcpy(line + n + b, "\n", 2);
		else {
			free(line);
			line = NULL;
		}
	}
	free(z);
	return line;
}
