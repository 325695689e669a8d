/* Parsing of user-facing quantities: counts, rates, durations, byte sizes,
 * fractions.
 *
 * Every parser takes the whole string (no trailing garbage), rejects
 * negatives, signs, whitespace, hex, exponents, "nan"/"inf", overflow and
 * empty input. They return 0 on success; on error -1, *out untouched, and a
 * message for the user in err (what was wrong and which forms are accepted,
 * without the option name: callers prefix it). */
#ifndef TCPSWARM_UNITS_H
#define TCPSWARM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* "10000", "10k", "1.5m", "2M" -> k=1e3, m=1e6 (either case), g=1e9.
 * Fractions allowed only where the result is whole ("1.5k" ok, "1.5" not). */
int units_parse_count(const char *s, uint64_t *out, char *err, size_t errcap);
/* A rate per second: same suffixes as count, optional "/s"; fractions allowed
 * ("0.5" = one every two seconds). "0" and "unlimited"/"max" give 0 = no limit. */
int units_parse_rate(const char *s, double *out, char *err, size_t errcap);
/* Durations to microseconds: "250us" (or U+00B5 "µs"), "10ms", "3s", "2m", "1h",
 * "1.5s"; a bare number is seconds. Fractions are rounded to the nearest
 * microsecond (a nonzero value that rounds to 0 is an error); at most ~100
 * years. */
int units_parse_duration(const char *s, uint64_t *out_us, char *err, size_t errcap);
/* Byte sizes: "32" or "32B"; binary k, K, KiB = 1024, m, M, MiB = 1048576,
 * g, G, GiB = 2^30; SI KB (or kB) = 1000, MB = 1e6, GB = 1e9.
 * Fractions allowed only where the result is whole ("1.5k" = 1536). */
int units_parse_bytes(const char *s, uint64_t *out, char *err, size_t errcap);
/* "A-B" inclusive ranges of the above (A <= B); a single value means A = B.
 * Each side takes the same forms as the single parser ("10ms-1s"). */
int units_parse_count_range(const char *s, uint64_t *lo, uint64_t *hi, char *err, size_t errcap);
int units_parse_duration_range(const char *s, uint64_t *lo_us, uint64_t *hi_us, char *err, size_t errcap);
/* A fraction from 0 to 1: "0.01", "1" or a percentage "1%", "12.5%". */
int units_parse_fraction(const char *s, double *out, char *err, size_t errcap);

/* Human output, three significant digits: "12.3k", "1.50M"; "850us", "12.4ms",
 * "3.20s", then "16m40s", "2h05m"; "512 B", "1.2 MiB". Always NUL-terminated
 * (truncated to cap). */
void units_fmt_count(char *out, size_t cap, double v);
void units_fmt_duration(char *out, size_t cap, uint64_t us);
void units_fmt_bytes(char *out, size_t cap, double bytes);

#endif
