/* Unit tests for proto_raw: escapes good and bad (every error message), reply
 * framing by delimiter and by size split at every byte position, replies
 * across many reads, stopping at max_replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tcpswarm/proto_raw.h"

/* ---- escapes ---- */

static void expect_bytes(const char *text, const void *want, size_t n)
{
	uint8_t out[256];
	char err[256] = "";
	ssize_t r = proto_raw_unescape(text, out, sizeof(out), err, sizeof(err));
	if (r != (ssize_t)n)
		fail_msg("'%s': %zd bytes (%s), want %zu", text, r, err, n);
	assert_memory_equal(out, want, n);
	/* measuring without a buffer gives the same count */
	assert_int_equal(proto_raw_unescape(text, NULL, 0, err, sizeof(err)), n);
}

static void expect_error(const char *text, const char *want)
{
	uint8_t out[256];
	char err[256] = "";
	assert_int_equal(proto_raw_unescape(text, out, sizeof(out), err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': error\n  '%s'\nwant\n  '%s'", text, err, want);
	/* measuring reports the same error */
	err[0] = 0;
	assert_int_equal(proto_raw_unescape(text, NULL, 0, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

#define ACC "accepted escapes: \\r \\n \\t \\\\ \\0 \\xHH"

static void test_escapes_good(void **state)
{
	(void)state;
	expect_bytes("", "", 0);
	expect_bytes("PING\\r\\n", "PING\r\n", 6);
	expect_bytes("a\\tb\\\\c", "a\tb\\c", 5);
	expect_bytes("\\x00\\x41\\xff\\xFf\\x0a", "\x00" "A\xff\xff\n", 5);
	expect_bytes("\\0", "", 1);
	expect_bytes("a\\0b", "a\0b", 3);
	expect_bytes("\\x0012", "\x00" "12", 3); /* exactly two hex digits */
	expect_bytes("\\\\x41", "\\x41", 4);     /* an escaped backslash, then text */
	expect_bytes("*1\\r\\n$4\\r\\nPING\\r\\n", "*1\r\n$4\r\nPING\r\n", 14);
	expect_bytes("caf\xc3\xa9", "caf\xc3\xa9", 5); /* other bytes as they are */
}

static void test_escapes_bad(void **state)
{
	(void)state;
	expect_error("abc\\", "position 4: trailing lone '\\' (write \\\\ for a backslash); " ACC);
	expect_error("\\", "position 1: trailing lone '\\' (write \\\\ for a backslash); " ACC);
	expect_error("PING\\q", "position 5: unknown escape '\\q'; " ACC);
	expect_error("\\a", "position 1: unknown escape '\\a'; " ACC);
	expect_error("x\\ y", "position 2: unknown escape '\\' then byte 0x20; " ACC);
	expect_error("\\\x01", "position 1: unknown escape '\\' then byte 0x01; " ACC);
	expect_error("\\x", "position 1: '\\x' needs two hex digits, e.g. \\x0d; " ACC);
	expect_error("ab\\x4", "position 3: '\\x' needs two hex digits, e.g. \\x0d; " ACC);
	expect_error("\\xg0", "position 1: '\\x' needs two hex digits, e.g. \\x0d; " ACC);
	expect_error("\\x0g", "position 1: '\\x' needs two hex digits, e.g. \\x0d; " ACC);
	expect_error("\\012",
		     "position 1: '\\0' followed by a digit (octal is not supported; write \\xHH); " ACC);
	expect_error("\\r\\n\\09",
		     "position 5: '\\0' followed by a digit (octal is not supported; write \\xHH); " ACC);
	/* too long for the buffer */
	uint8_t out[4];
	char err[64];
	assert_int_equal(proto_raw_unescape("abcd", out, 4, err, sizeof(err)), 4);
	assert_int_equal(proto_raw_unescape("abcde", out, 4, err, sizeof(err)), -1);
	assert_string_equal(err, "longer than 4 bytes");
	assert_int_equal(proto_raw_unescape("ab\\r\\n\\t", out, 4, err, sizeof(err)), -1);
	assert_int_equal(proto_raw_unescape(NULL, out, 4, err, sizeof(err)), -1);
	/* a tiny or missing error buffer is fine */
	assert_int_equal(proto_raw_unescape("\\q", out, 4, NULL, 0), -1);
	assert_int_equal(proto_raw_unescape("\\q", out, 4, err, 1), -1);
	assert_string_equal(err, "");
}

/* ---- framing ---- */

static void test_framing_setup(void **state)
{
	(void)state;
	struct proto_raw_framing fr;
	char err[128];
	assert_int_equal(proto_raw_framing_delim(&fr, (const uint8_t *)"", 0, err, sizeof(err)), -1);
	assert_string_equal(err, "the delimiter must be 1 to 64 bytes, got 0");
	uint8_t big[65];
	memset(big, 'x', sizeof(big));
	assert_int_equal(proto_raw_framing_delim(&fr, big, 65, err, sizeof(err)), -1);
	assert_string_equal(err, "the delimiter must be 1 to 64 bytes, got 65");
	assert_int_equal(proto_raw_framing_delim(&fr, big, 64, err, sizeof(err)), 0);
	assert_int_equal(proto_raw_framing_bytes(&fr, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "the reply size must be 1 to 4294967295 bytes");
	assert_int_equal(proto_raw_framing_bytes(&fr, 4294967296ULL, err, sizeof(err)), -1);
	assert_int_equal(proto_raw_framing_bytes(&fr, 4294967295ULL, err, sizeof(err)), 0);
	/* the KMP table of a self-overlapping delimiter */
	assert_int_equal(proto_raw_framing_delim(&fr, (const uint8_t *)"abab\0a", 6, err, sizeof(err)), 0);
	const uint8_t want[6] = {0, 0, 1, 2, 0, 1};
	assert_memory_equal(fr.fallback, want, 6);
}

/* The reference: where each reply of a delimiter-framed stream ends, by
 * naive search from the end of the previous one. */
static size_t naive_ends(const uint8_t *s, size_t n, const uint8_t *d, size_t dl, size_t *ends, size_t cap)
{
	size_t k = 0, from = 0;
	for (size_t i = 0; i + dl <= n && k < cap; i++)
		if (i >= from && memcmp(s + i, d, dl) == 0) {
			ends[k++] = i + dl;
			from = i + dl;
		}
	return k;
}

/* Feeds s in pieces at the given cut points with max_replies unlimited;
 * returns the replies counted and checks the state matches the tail. */
static size_t feed_cuts(const struct proto_raw_framing *fr, const uint8_t *s, size_t n, const size_t *cuts,
			size_t ncuts, struct proto_raw_state *st)
{
	size_t total = 0, off = 0;
	memset(st, 0, sizeof(*st));
	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : n, used = 99;
		total += proto_raw_feed(fr, st, s + off, end - off, SIZE_MAX, &used);
		assert_int_equal(used, end - off);
		off = end;
	}
	return total;
}

/* A stream split at every position and at every pair of positions gives the
 * naive count; the last partial match is in the state. */
static void delim_case(const char *delim, size_t dl, const char *stream, size_t n)
{
	struct proto_raw_framing fr;
	char err[128];
	assert_int_equal(proto_raw_framing_delim(&fr, (const uint8_t *)delim, dl, err, sizeof(err)), 0);
	const uint8_t *s = (const uint8_t *)stream;
	size_t ends[64];
	size_t want = naive_ends(s, n, (const uint8_t *)delim, dl, ends, 64);
	size_t last = want ? ends[want - 1] : 0;
	/* expected tail state: longest suffix of the tail that is a delimiter prefix */
	size_t tail_k = 0;
	for (size_t k = dl - 1; k > 0; k--)
		if (n - last >= k && memcmp(s + n - k, delim, k) == 0) {
			tail_k = k;
			break;
		}
	struct proto_raw_state st;
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			size_t cuts[2] = {a, b};
			if (feed_cuts(&fr, s, n, cuts, 2, &st) != want)
				fail_msg("delim '%s' stream '%s' cut %zu,%zu: wrong count", delim, stream, a, b);
			assert_int_equal(st.v, tail_k);
		}
	}
	/* byte by byte: a reply ends exactly at each naive end */
	memset(&st, 0, sizeof(st));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t used, r = proto_raw_feed(&fr, &st, s + i, 1, SIZE_MAX, &used);
		assert_int_equal(used, 1);
		if (r) {
			assert_int_equal(r, 1);
			assert_true(k < want);
			assert_int_equal(ends[k], i + 1);
			k++;
		}
	}
	assert_int_equal(k, want);
}

#define DC(d, s) delim_case(d, sizeof(d) - 1, s, sizeof(s) - 1)

static void test_delim_split_everywhere(void **state)
{
	(void)state;
	/* 1 byte */
	DC("\n", "a\nbb\n\nccc");
	DC("\0", "x\0y\0");
	/* 2 bytes: split between \r and \n, a \r that is not followed by \n */
	DC("\r\n", "+PONG\r\n+PONG\r\n");
	DC("\r\n", "+PONG\r\r\n");
	DC("\r\n", "\r\r\r\n\n\r\nx\r");
	DC("\n\n", "\n\n\n\n\n"); /* overlapping: "\n\n" twice, one left */
	/* 5 bytes, self-overlapping, with failed partial matches */
	DC("abcab", "abcabcabxabcab");
	DC("abcab", "ababcaabcabcab");
	DC("\r\n\r\n", "HTTP\r\n\r\r\n\r\nX\r\n\r");
	DC("aaaab", "aaaaaaabaaaab");
	DC("END\r\n", "ENDEND\r\nEN\r\nEND\r\nEND\r");
}

static void test_delim_many_reads(void **state)
{
	(void)state;
	struct proto_raw_framing fr;
	assert_int_equal(proto_raw_framing_delim(&fr, (const uint8_t *)"\r\n", 2, NULL, 0), 0);
	/* 1000 replies of 997 bytes each, read 4096 at a time */
	static uint8_t stream[1000 * 999];
	for (size_t i = 0; i < 1000; i++) {
		memset(stream + i * 999, 'v', 997);
		memcpy(stream + i * 999 + 997, "\r\n", 2);
	}
	struct proto_raw_state st = {0};
	size_t total = 0;
	for (size_t off = 0; off < sizeof(stream); off += 4096) {
		size_t k = sizeof(stream) - off < 4096 ? sizeof(stream) - off : 4096, used;
		total += proto_raw_feed(&fr, &st, stream + off, k, SIZE_MAX, &used);
		assert_int_equal(used, k);
	}
	assert_int_equal(total, 1000);
	assert_int_equal(st.v, 0);
}

static void test_delim_max_replies(void **state)
{
	(void)state;
	struct proto_raw_framing fr;
	assert_int_equal(proto_raw_framing_delim(&fr, (const uint8_t *)"\r\n", 2, NULL, 0), 0);
	const uint8_t *s = (const uint8_t *)"+OK\r\n+OK\r\n+OK\r";
	struct proto_raw_state st = {0};
	size_t used;
	assert_int_equal(proto_raw_feed(&fr, &st, s, 14, 0, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(proto_raw_feed(&fr, &st, s, 14, 1, &used), 1);
	assert_int_equal(used, 5);
	assert_int_equal(st.v, 0);
	assert_int_equal(proto_raw_feed(&fr, &st, s + 5, 9, 5, &used), 1);
	assert_int_equal(used, 9);
	assert_int_equal(st.v, 1); /* the "\r" at the end */
	assert_int_equal(proto_raw_feed(&fr, &st, (const uint8_t *)"\n", 1, 1, &used), 1);
	assert_int_equal(used, 1);
	assert_int_equal(st.v, 0);
}

static void test_bytes_split_everywhere(void **state)
{
	(void)state;
	const size_t sizes[] = {1, 2, 5, 7};
	uint8_t s[23];
	memset(s, 'z', sizeof(s));
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct proto_raw_framing fr;
		assert_int_equal(proto_raw_framing_bytes(&fr, sizes[z], NULL, 0), 0);
		size_t want = sizeof(s) / sizes[z];
		struct proto_raw_state st;
		for (size_t a = 0; a <= sizeof(s); a++)
			for (size_t b = a; b <= sizeof(s); b++) {
				size_t cuts[2] = {a, b};
				assert_int_equal(feed_cuts(&fr, s, sizeof(s), cuts, 2, &st), want);
				assert_int_equal(st.v, sizeof(s) % sizes[z]);
			}
	}
	/* stopping at max_replies leaves the next reply untouched */
	struct proto_raw_framing fr;
	assert_int_equal(proto_raw_framing_bytes(&fr, 4, NULL, 0), 0);
	struct proto_raw_state st = {0};
	size_t used;
	assert_int_equal(proto_raw_feed(&fr, &st, s, 3, 1, &used), 0);
	assert_int_equal(used, 3);
	assert_int_equal(st.v, 3);
	assert_int_equal(proto_raw_feed(&fr, &st, s, 10, 2, &used), 2);
	assert_int_equal(used, 5); /* 1 finishing the first, 4 the second */
	assert_int_equal(st.v, 0);
	assert_int_equal(proto_raw_feed(&fr, &st, s, 10, 0, &used), 0);
	assert_int_equal(used, 0);
	/* a big reply over many reads */
	assert_int_equal(proto_raw_framing_bytes(&fr, 1000000, NULL, 0), 0);
	memset(&st, 0, sizeof(st));
	size_t total = 0;
	static uint8_t chunk[65536];
	for (size_t off = 0; off < 3000000; off += sizeof(chunk)) {
		size_t k = 3000000 - off < sizeof(chunk) ? 3000000 - off : sizeof(chunk);
		total += proto_raw_feed(&fr, &st, chunk, k, SIZE_MAX, &used);
		assert_int_equal(used, k);
	}
	assert_int_equal(total, 3);
	assert_int_equal(st.v, 0);
}

static void test_none_counts_bytes_only(void **state)
{
	(void)state;
	struct proto_raw_framing fr;
	proto_raw_framing_none(&fr);
	struct proto_raw_state st = {0};
	size_t used;
	assert_int_equal(proto_raw_feed(&fr, &st, (const uint8_t *)"abc\r\n", 5, 10, &used), 0);
	assert_int_equal(used, 5);
	assert_int_equal(proto_raw_feed(&fr, &st, (const uint8_t *)"abc\r\n", 5, 0, &used), 0);
	assert_int_equal(used, 5);
	assert_int_equal(st.v, 0);
	/* bad arguments consume nothing */
	assert_int_equal(proto_raw_feed(NULL, &st, (const uint8_t *)"a", 1, 1, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(proto_raw_feed(&fr, &st, NULL, 1, 1, &used), 0);
	assert_int_equal(used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_good),
		cmocka_unit_test(test_escapes_bad),
		cmocka_unit_test(test_framing_setup),
		cmocka_unit_test(test_delim_split_everywhere),
		cmocka_unit_test(test_delim_many_reads),
		cmocka_unit_test(test_delim_max_replies),
		cmocka_unit_test(test_bytes_split_everywhere),
		cmocka_unit_test(test_none_counts_bytes_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
