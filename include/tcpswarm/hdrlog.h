/* --hdr-log: latency histograms in the HdrHistogram interval log format
 * (log format 1.3, V2 compressed histograms, base64), so HdrHistogram's own
 * tools (HistogramLogProcessor, HdrHistogram-py, hdr-plot) read them.
 *
 * Our struct hist has the counts-array layout of an HDR histogram with
 * lowestDiscernibleValue 1, highestTrackableValue 100000000 and 3
 * significant digits (2048 sub-buckets, 17 buckets, 18432 counts): each of
 * our buckets is exactly one HDR index (hdr_index_of maps by value, so the
 * equality is checked, not assumed). Values are microseconds.
 *
 * Pure: bytes in, bytes out (zlib's compress2 and malloc only). */
#ifndef TCPSWARM_HDRLOG_H
#define TCPSWARM_HDRLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/hist.h"

#define HDR_COOKIE_V2 0x1c849303u            /* uncompressed V2 encoding */
#define HDR_COOKIE_V2_COMPRESSED 0x1c849304u /* the same, deflated (zlib) */
#define HDR_HEADER_BYTES 40                  /* V2 header before the counts */
#define HDR_LOWEST 1ULL
#define HDR_HIGHEST HIST_MAX_US
#define HDR_DIGITS 3

/* The HDR counts-array index of value v (lowest 1, 3 digits). */
size_t hdr_index_of(uint64_t v);
/* Uncompressed V2 encoding of h (40-byte header, then ZigZag LEB128 counts,
 * runs of zeros as one negative count). Length, or 0 if cap is too small. */
size_t hdr_encode_v2(const struct hist *h, uint8_t *out, size_t cap);
/* Compressed V2 encoding: cookie, deflated length, zlib stream of the above.
 * A malloc'd buffer (*len set), or NULL. */
uint8_t *hdr_encode_compressed(const struct hist *h, size_t *len);
/* Decodes an uncompressed V2 encoding into h (for tests and checks): 0, or -1
 * when malformed or of another layout. min/max/sum from bucket bounds. */
int hdr_decode_v2(const uint8_t *in, size_t n, struct hist *h);
/* Standard base64 (with padding), NUL-terminated. Length, or 0 if cap is
 * too small (cap must hold 4 * ceil(n / 3) + 1). */
size_t hdr_base64(const uint8_t *in, size_t n, char *out, size_t cap);

/* The log's header: version, a unit note, StartTime and BaseTime (both
 * `start_epoch`, seconds since the epoch), the legend. Like snprintf. */
int hdrlog_header(char *out, size_t cap, double start_epoch, const char *who);
/* One interval line, "start,length,max,base64\n" (start relative to the
 * BaseTime, seconds; max in microseconds): malloc'd, or NULL. */
char *hdrlog_line(double start_rel_s, double length_s, const struct hist *h);

#endif
