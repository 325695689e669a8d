/* Unit tests for src/hdrlog.c: the V2 encoding against vectors worked out by
 * hand from HdrHistogram's layout, the compressed form round trip, base64
 * and the log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tcpswarm/hdrlog.h"

static struct hist *new_hist(void)
{
	struct hist *h = malloc(sizeof(*h));
	assert_non_null(h);
	hist_reset(h);
	return h;
}

/* cookie 0x1c849303, payload length, offset 0, 3 digits, lowest 1,
 * highest 100000000 (0x05f5e100), ratio 1.0 (0x3ff0000000000000) */
static void assert_header(const uint8_t *b, uint8_t payload)
{
	const uint8_t want[HDR_HEADER_BYTES] = {0x1c, 0x84, 0x93, 0x03, 0, 0, 0, payload, 0, 0, 0, 0, 0, 0, 0, 3,
						0,    0,    0,    0,    0, 0, 0, 1,       0, 0, 0, 0, 0x05, 0xf5, 0xe1, 0,
						0x3f, 0xf0, 0,    0,    0, 0, 0, 0};
	assert_memory_equal(b, want, HDR_HEADER_BYTES);
}

static void test_empty(void **state)
{
	(void)state;
	struct hist *h = new_hist();
	uint8_t b[64];
	/* one zero count: a lone zero is written as 0, not as a run */
	assert_int_equal(hdr_encode_v2(h, b, sizeof(b)), HDR_HEADER_BYTES + 1);
	assert_header(b, 1);
	assert_int_equal(b[40], 0x00);
	free(h);
}

static void test_one_value(void **state)
{
	(void)state;
	struct hist *h = new_hist();
	uint8_t b[64];
	hist_record(h, 1000);
	/* 1000 zeros: zigzag(-1000) = 1999 = 0x7cf -> cf 0f; then count 1 -> 02 */
	assert_int_equal(hdr_encode_v2(h, b, sizeof(b)), HDR_HEADER_BYTES + 3);
	assert_header(b, 3);
	assert_int_equal(b[40], 0xcf);
	assert_int_equal(b[41], 0x0f);
	assert_int_equal(b[42], 0x02);

	/* 300 x 1: a lone zero (index 0), then zigzag(300) = 600 -> d8 04 */
	hist_reset(h);
	hist_record_n(h, 1, 300);
	assert_int_equal(hdr_encode_v2(h, b, sizeof(b)), HDR_HEADER_BYTES + 3);
	assert_int_equal(b[40], 0x00);
	assert_int_equal(b[41], 0xd8);
	assert_int_equal(b[42], 0x04);

	/* 5000 us: HDR bucket 2, sub-bucket 1250, index 3*1024 + 226 = 3298;
	 * zigzag(-3298) = 6595 -> c3 33 */
	hist_reset(h);
	hist_record(h, 5000);
	assert_int_equal(hdr_encode_v2(h, b, sizeof(b)), HDR_HEADER_BYTES + 3);
	assert_int_equal(b[40], 0xc3);
	assert_int_equal(b[41], 0x33);
	assert_int_equal(b[42], 0x02);
	assert_int_equal(hdr_encode_v2(h, b, HDR_HEADER_BYTES + 2), 0); /* too small */
	free(h);
}

/* Our buckets are HDR's indices: the same index for every value. */
static void test_index_matches_layout(void **state)
{
	(void)state;
	const uint64_t v[] = {1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 5000, 123456, 99999999, 100000000};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(hdr_index_of(v[i]), hist_bucket_of(v[i]));
	assert_int_equal(hdr_index_of(3), 3);
	assert_int_equal(hdr_index_of(5000), 3298);
	assert_true(hdr_index_of(HDR_HIGHEST) < HIST_BUCKETS);
}

static void test_compressed_round_trip(void **state)
{
	(void)state;
	struct hist *h = new_hist(), *back = new_hist();
	const uint64_t v[] = {1, 7, 7, 900, 2048, 2049, 70000, 5000000, 100000000};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		hist_record_n(h, v[i], i + 1);
	size_t zlen;
	uint8_t *z = hdr_encode_compressed(h, &zlen);
	assert_non_null(z);
	assert_memory_equal(z, ((uint8_t[]){0x1c, 0x84, 0x93, 0x04}), 4);
	uint32_t declared = (uint32_t)z[4] << 24 | (uint32_t)z[5] << 16 | (uint32_t)z[6] << 8 | z[7];
	assert_int_equal(declared, zlen - 8);
	uLongf rawlen = HDR_HEADER_BYTES + HIST_BUCKETS * 9;
	uint8_t *raw = malloc(rawlen);
	assert_int_equal(uncompress(raw, &rawlen, z + 8, zlen - 8), Z_OK);
	assert_int_equal(hdr_decode_v2(raw, rawlen, back), 0);
	assert_int_equal(back->count, h->count);
	assert_memory_equal(back->buckets, h->buckets, sizeof(h->buckets));
	raw[12] = 2; /* 2 significant digits: another layout */
	assert_int_equal(hdr_decode_v2(raw, rawlen, back), -1);
	free(raw);
	free(z);
	free(h);
	free(back);
}

static void test_base64(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(hdr_base64((const uint8_t *)"Man", 3, out, sizeof(out)), 4);
	assert_string_equal(out, "TWFu");
	hdr_base64((const uint8_t *)"Ma", 2, out, sizeof(out));
	assert_string_equal(out, "TWE=");
	hdr_base64((const uint8_t *)"M", 1, out, sizeof(out));
	assert_string_equal(out, "TQ==");
	assert_int_equal(hdr_base64((const uint8_t *)"Man", 3, out, 4), 0);
}

static void test_log_lines(void **state)
{
	(void)state;
	char head[1024];
	int n = hdrlog_header(head, sizeof(head), 1764633600.25, "tcpswarm client");
	assert_true(n > 0 && (size_t)n < sizeof(head));
	assert_non_null(strstr(head, "#[StartTime: 1764633600.250 (seconds since epoch), 2025-12-02T00:00:00Z]\n"));
	assert_non_null(strstr(head, "#[BaseTime: 1764633600.250 (seconds since epoch)]\n"));
	assert_non_null(strstr(head, "microseconds"));
	struct hist *h = new_hist();
	hist_record(h, 1234);
	char *line = hdrlog_line(2.0, 1.0, h);
	assert_non_null(line);
	/* the compressed cookie 1c 84 93 04 reads "HISTBA" in base64 */
	assert_int_equal(strncmp(line, "2.000,1.000,1234.000,HISTBA", 27), 0);
	assert_int_equal(line[strlen(line) - 1], '\n');
	free(line);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_value),
		cmocka_unit_test(test_index_matches_layout),
		cmocka_unit_test(test_compressed_round_trip),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_log_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
