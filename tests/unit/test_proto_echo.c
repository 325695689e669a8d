/* Unit tests for proto_echo.c: frame build/parse round trip, build_part
 * against build, rejection of corrupt headers, and proto_echo_consume over
 * streams split at every byte, coalesced frames, early stop, and the carry
 * buffer used only when proto_echo_needs_carry says so. Every chunk handed
 * to the parser sits in a heap block of exactly its length, so ASan catches
 * a read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/proto_echo.h"

static const size_t sizes[] = {24, 25, 32, 1000};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define NFRAMES 3

static const struct echo_hdr hdrs[NFRAMES] = {
	{.conn = 1, .seq = 0, .intended_ns = 0, .lag_us = 0},
	{.conn = 0xdeadbeef, .seq = 0xffffffff, .intended_ns = 0x0123456789abcdefULL, .lag_us = 1234},
	{.conn = 7, .seq = 42, .intended_ns = UINT64_MAX, .lag_us = UINT32_MAX},
};

static void assert_hdr_eq(const struct echo_hdr *got, const struct echo_hdr *want)
{
	assert_int_equal(got->conn, want->conn);
	assert_int_equal(got->seq, want->seq);
	assert_true(got->intended_ns == want->intended_ns);
	assert_int_equal(got->lag_us, want->lag_us);
}

/* ---- build / parse ---------------------------------------------------------- */

static void test_round_trip(void **state)
{
	(void)state;
	const struct echo_hdr extra[] = {
		{0, 0, 0, 0},
		{UINT32_MAX, UINT32_MAX, UINT64_MAX, UINT32_MAX},
		{0x01020304, 0x05060708, 0x1112131415161718ULL, 0x21222324},
		{ECHO_MAGIC, ECHO_MAGIC, ECHO_MAGIC, ECHO_MAGIC}, /* every field the magic */
	};
	const size_t more_sizes[] = {24, 25, 32, 1000, 65535};
	for (size_t s = 0; s < sizeof(more_sizes) / sizeof(more_sizes[0]); s++) {
		size_t size = more_sizes[s];
		uint8_t *buf = malloc(size + 16);
		assert_non_null(buf);
		for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
			memset(buf, 0xa5, size + 16);
			proto_echo_build(buf, size, &extra[i]);
			for (size_t k = 0; k < 16; k++)
				assert_int_equal(buf[size + k], 0xa5); /* nothing past the frame */
			/* the filler is set, not left as it was */
			for (size_t k = ECHO_HDR; k < size; k++)
				assert_int_not_equal(buf[k], 0xa5);
			struct echo_hdr h;
			memset(&h, 0x5a, sizeof(h));
			assert_int_equal(proto_echo_parse(buf, &h), 0);
			assert_hdr_eq(&h, &extra[i]);
			/* the layout: conn, seq, intended (lo, hi), lag, check; little-endian */
			uint32_t w0 = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
			uint32_t w4 = (uint32_t)buf[16] | (uint32_t)buf[17] << 8 | (uint32_t)buf[18] << 16 | (uint32_t)buf[19] << 24;
			assert_int_equal(w0, extra[i].conn);
			assert_int_equal(w4, extra[i].lag_us);
		}
		free(buf);
	}
	/* different headers give different bytes */
	uint8_t a[ECHO_HDR], b[ECHO_HDR];
	proto_echo_build(a, ECHO_HDR, &hdrs[0]);
	proto_echo_build(b, ECHO_HDR, &hdrs[1]);
	assert_memory_not_equal(a, b, ECHO_HDR);
}

static void test_build_part_matches_build(void **state)
{
	(void)state;
	const size_t part_sizes[] = {24, 25, 32, 100, 1000};
	for (size_t s = 0; s < sizeof(part_sizes) / sizeof(part_sizes[0]); s++) {
		size_t size = part_sizes[s];
		uint8_t *full = malloc(size);
		uint8_t *part = malloc(size + 8);
		assert_non_null(full);
		assert_non_null(part);
		for (size_t hi = 0; hi < NFRAMES; hi++) {
			proto_echo_build(full, size, &hdrs[hi]);
			for (size_t from = 0; from <= size; from++) {
				/* every len for small frames; for 1000 every len near the
				 * header and the end, and a stride in between */
				for (size_t len = 0; from + len <= size; len += (size > 100 && len > 40 && from + len + 40 < size) ? 37 : 1) {
					memset(part, 0xa5, len + 8);
					proto_echo_build_part(part, size, &hdrs[hi], from, len);
					if (len && memcmp(part, full + from, len) != 0) {
						print_error("size %zu: build_part(from %zu, len %zu) differs from build\n", size, from, len);
						fail();
					}
					for (size_t k = 0; k < 8; k++)
						assert_int_equal(part[len + k], 0xa5); /* writes len bytes only */
				}
			}
		}
		free(full);
		free(part);
	}
}

static void test_corrupt_rejected(void **state)
{
	(void)state;
	uint8_t good[ECHO_HDR], bad[ECHO_HDR];
	struct echo_hdr h;
	proto_echo_build(good, ECHO_HDR, &hdrs[1]);
	assert_int_equal(proto_echo_parse(good, &h), 0);
	/* every single-bit flip anywhere in the header is caught */
	for (size_t byte = 0; byte < ECHO_HDR; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(bad, good, ECHO_HDR);
			bad[byte] ^= (uint8_t)(1u << bit);
			if (proto_echo_parse(bad, &h) != -1) {
				print_error("flip of byte %zu bit %d accepted\n", byte, bit);
				fail();
			}
		}
	}
	/* all-zero and all-filler headers */
	memset(bad, 0, ECHO_HDR);
	assert_int_equal(proto_echo_parse(bad, &h), -1);
	memset(bad, 'e', ECHO_HDR);
	assert_int_equal(proto_echo_parse(bad, &h), -1);
	/* a frame stitched from two others: the head of one, the tail of another
	 * (the two differ in their first byte, so every cut stitches) */
	uint8_t other[ECHO_HDR];
	proto_echo_build(other, ECHO_HDR, &hdrs[2]);
	for (size_t cut = 1; cut < ECHO_HDR; cut++) {
		memcpy(bad, good, cut);
		memcpy(bad + cut, other + cut, ECHO_HDR - cut);
		assert_int_equal(proto_echo_parse(bad, &h), -1);
	}
	/* the check word of a different header */
	memcpy(bad, good, ECHO_HDR);
	memcpy(bad + 20, other + 20, 4);
	assert_int_equal(proto_echo_parse(bad, &h), -1);
}

/* ---- consume ----------------------------------------------------------------- */

struct sink {
	struct echo_hdr got[16];
	size_t n;
	size_t stop_at; /* return stop_rc on this frame (1-based), 0 = never */
	int stop_rc;
};

static int on_frame(void *ctx, const uint8_t *hdr)
{
	struct sink *s = ctx;
	uint8_t copy[ECHO_HDR];
	memcpy(copy, hdr, ECHO_HDR); /* the 24 bytes are readable */
	assert_true(s->n < sizeof(s->got) / sizeof(s->got[0]));
	if (proto_echo_parse(copy, &s->got[s->n]) != 0) {
		print_error("frame %zu: callback got a header that does not parse\n", s->n);
		fail();
	}
	s->n++;
	return s->stop_at && s->n == s->stop_at ? s->stop_rc : 0;
}

/* Feeds stream[from, from+len) as one read: copied into a heap block of
 * exactly len bytes, and carry passed only when needs_carry says so. */
static int feed(const uint8_t *stream, size_t from, size_t len, size_t size, uint16_t *off, uint8_t *carry,
		struct sink *s)
{
	uint8_t *chunk = malloc(len ? len : 1);
	assert_non_null(chunk);
	memcpy(chunk, stream + from, len);
	uint8_t *c = proto_echo_needs_carry(*off, len, size) ? carry : NULL;
	int rc = proto_echo_consume(chunk, len, size, off, c, on_frame, s);
	free(chunk);
	return rc;
}

static uint8_t *make_stream(size_t size, size_t nframes)
{
	uint8_t *st = malloc(size * nframes);
	assert_non_null(st);
	for (size_t i = 0; i < nframes; i++)
		proto_echo_build(st + i * size, size, &hdrs[i % NFRAMES]);
	return st;
}

static void assert_all_frames(const struct sink *s, size_t nframes)
{
	if (s->n != nframes) {
		print_error("got %zu frames, want %zu\n", s->n, nframes);
		fail();
	}
	for (size_t i = 0; i < nframes; i++)
		assert_hdr_eq(&s->got[i], &hdrs[i % NFRAMES]);
}

static void test_consume_split_every_byte(void **state)
{
	(void)state;
	uint8_t *carry = malloc(ECHO_HDR); /* exactly ECHO_HDR: ASan catches more */
	assert_non_null(carry);
	for (size_t si = 0; si < NSIZES; si++) {
		size_t size = sizes[si], total = NFRAMES * size;
		uint8_t *st = make_stream(size, NFRAMES);
		for (size_t cut = 0; cut <= total; cut++) {
			struct sink s = {0};
			uint16_t off = 0;
			memset(carry, 0, ECHO_HDR);
			assert_int_equal(feed(st, 0, cut, size, &off, carry, &s), 0);
			assert_int_equal(s.n, cut / size); /* a frame is reported once complete */
			assert_int_equal(off, cut % size);
			assert_int_equal(feed(st, cut, total - cut, size, &off, carry, &s), 0);
			assert_int_equal(off, 0);
			assert_all_frames(&s, NFRAMES);
		}
		free(st);
	}
	free(carry);
}

static void test_consume_three_pieces(void **state)
{
	(void)state;
	uint8_t *carry = malloc(ECHO_HDR);
	assert_non_null(carry);
	for (size_t si = 0; si < NSIZES; si++) {
		size_t size = sizes[si], total = NFRAMES * size;
		uint8_t *st = make_stream(size, NFRAMES);
		size_t step = size > 100 ? 7 : 1; /* every pair for small frames */
		for (size_t a = 0; a <= total; a += (a < 60 || a + 60 > total) ? 1 : step) {
			for (size_t b = a; b <= total; b += (b - a < 60 || b + 60 > total) ? 1 : step) {
				struct sink s = {0};
				uint16_t off = 0;
				assert_int_equal(feed(st, 0, a, size, &off, carry, &s), 0);
				assert_int_equal(feed(st, a, b - a, size, &off, carry, &s), 0);
				assert_int_equal(s.n, b / size);
				assert_int_equal(feed(st, b, total - b, size, &off, carry, &s), 0);
				assert_int_equal(off, 0);
				assert_all_frames(&s, NFRAMES);
			}
		}
		free(st);
	}
	free(carry);
}

static void test_consume_byte_by_byte(void **state)
{
	(void)state;
	uint8_t *carry = malloc(ECHO_HDR);
	assert_non_null(carry);
	for (size_t si = 0; si < NSIZES; si++) {
		size_t size = sizes[si], total = NFRAMES * size;
		uint8_t *st = make_stream(size, NFRAMES);
		struct sink s = {0};
		uint16_t off = 0;
		for (size_t i = 0; i < total; i++) {
			assert_int_equal(feed(st, i, 1, size, &off, carry, &s), 0);
			assert_int_equal(s.n, (i + 1) / size);
		}
		assert_int_equal(off, 0);
		assert_all_frames(&s, NFRAMES);
		free(st);
	}
	free(carry);
}

static void test_consume_coalesced(void **state)
{
	(void)state;
	uint8_t *carry = malloc(ECHO_HDR);
	assert_non_null(carry);
	for (size_t si = 0; si < NSIZES; si++) {
		size_t size = sizes[si];
		const size_t n = 9;
		uint8_t *st = make_stream(size, n);
		/* whole frames in one read: no carry needed, NULL passed */
		struct sink s = {0};
		uint16_t off = 0;
		assert_false(proto_echo_needs_carry(0, n * size, size));
		assert_int_equal(proto_echo_consume(st, n * size, size, &off, NULL, on_frame, &s), 0);
		assert_int_equal(off, 0);
		assert_all_frames(&s, n);
		/* a tail of one frame, several whole ones and a head of the next */
		memset(&s, 0, sizeof(s));
		off = 0;
		size_t first = size / 2 + 1;
		assert_int_equal(feed(st, 0, first, size, &off, carry, &s), 0);
		assert_int_equal(s.n, 0);
		size_t mid = (size - first) + 6 * size + 5;
		assert_int_equal(feed(st, first, mid, size, &off, carry, &s), 0);
		assert_int_equal(s.n, 7);
		assert_int_equal(off, 5);
		assert_int_equal(feed(st, first + mid, n * size - first - mid, size, &off, carry, &s), 0);
		assert_int_equal(off, 0);
		assert_all_frames(&s, n);
		free(st);
	}
	free(carry);
}

static void test_consume_stop(void **state)
{
	(void)state;
	uint8_t *carry = malloc(ECHO_HDR);
	assert_non_null(carry);
	for (size_t si = 0; si < NSIZES; si++) {
		size_t size = sizes[si], total = NFRAMES * size;
		uint8_t *st = make_stream(size, NFRAMES);
		/* whole frames: stops at the second, the third is not reported */
		struct sink s = {.stop_at = 2, .stop_rc = 7};
		uint16_t off = 0;
		assert_int_equal(proto_echo_consume(st, total, size, &off, NULL, on_frame, &s), 7);
		assert_int_equal(s.n, 2);
		/* negative values propagate too */
		memset(&s, 0, sizeof(s));
		s.stop_at = 1;
		s.stop_rc = -3;
		off = 0;
		assert_int_equal(proto_echo_consume(st, total, size, &off, NULL, on_frame, &s), -3);
		assert_int_equal(s.n, 1);
		/* the second frame completes from carry (split inside it) */
		for (size_t cut = size + 1; cut < 2 * size; cut += size > 100 ? 97 : 1) {
			memset(&s, 0, sizeof(s));
			s.stop_at = 2;
			s.stop_rc = 9;
			off = 0;
			assert_int_equal(feed(st, 0, cut, size, &off, carry, &s), 0);
			assert_int_equal(s.n, 1);
			assert_int_equal(feed(st, cut, total - cut, size, &off, carry, &s), 9);
			assert_int_equal(s.n, 2);
			assert_hdr_eq(&s.got[1], &hdrs[1]);
		}
		free(st);
	}
	free(carry);
}

static void test_needs_carry(void **state)
{
	(void)state;
	assert_false(proto_echo_needs_carry(0, 0, 32));
	assert_false(proto_echo_needs_carry(0, 32, 32));
	assert_false(proto_echo_needs_carry(0, 96, 32));
	assert_true(proto_echo_needs_carry(0, 31, 32));
	assert_true(proto_echo_needs_carry(0, 33, 32));
	assert_true(proto_echo_needs_carry(1, 31, 32)); /* completes a split frame */
	assert_true(proto_echo_needs_carry(5, 0, 32));
	/* the carry-free path really does not touch carry: NULL with whole frames */
	uint8_t *st = make_stream(25, NFRAMES);
	struct sink s = {0};
	uint16_t off = 0;
	assert_int_equal(proto_echo_consume(st, 0, 25, &off, NULL, on_frame, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(proto_echo_consume(st, 3 * 25, 25, &off, NULL, on_frame, &s), 0);
	assert_int_equal(s.n, 3);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_build_part_matches_build),
		cmocka_unit_test(test_corrupt_rejected),
		cmocka_unit_test(test_consume_split_every_byte),
		cmocka_unit_test(test_consume_three_pieces),
		cmocka_unit_test(test_consume_byte_by_byte),
		cmocka_unit_test(test_consume_coalesced),
		cmocka_unit_test(test_consume_stop),
		cmocka_unit_test(test_needs_carry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
