/* libFuzzer target for proto_raw.
 *
 * Input: 1 control byte c, then text. Bit 0 of c: the text is parsed as
 * escapes (the result must measure the same as it writes, and re-escaping
 * every byte as \xHH must give it back). Otherwise the first (c >> 1) % 8 + 1
 * bytes are a delimiter and the rest a reply stream: fed whole, at
 * pseudo-random split points and byte by byte, the reply count and final
 * state must agree with a naive search, and stopping at max_replies must
 * resume exactly. Any broken invariant aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/proto_raw.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void fuzz_escapes(const uint8_t *p, size_t n)
{
	static char text[4097], again[4 * 4096 + 1];
	static uint8_t out[4096], back[4096];
	if (n > 4096)
		n = 4096;
	memcpy(text, p, n);
	text[n] = 0; /* the text ends at its first NUL, as argv would */
	char err[256];
	ssize_t m = proto_raw_unescape(text, NULL, 0, err, sizeof(err));
	ssize_t w = proto_raw_unescape(text, out, sizeof(out), err, sizeof(err));
	CHECK(m == w);
	if (w < 0)
		return;
	CHECK((size_t)w <= strlen(text));
	for (ssize_t i = 0; i < w; i++)
		snprintf(again + 4 * i, 5, "\\x%02x", out[i]);
	again[4 * w] = 0;
	CHECK(proto_raw_unescape(again, back, sizeof(back), err, sizeof(err)) == w);
	CHECK(memcmp(out, back, (size_t)w) == 0);
}

static size_t naive_count(const uint8_t *s, size_t n, const uint8_t *d, size_t dl)
{
	size_t k = 0;
	for (size_t i = 0; i + dl <= n;)
		if (memcmp(s + i, d, dl) == 0) {
			k++;
			i += dl;
		} else {
			i++;
		}
	return k;
}

static void fuzz_framing(const uint8_t *d, size_t dl, const uint8_t *s, size_t n, uint8_t c)
{
	struct proto_raw_framing fr;
	CHECK(proto_raw_framing_delim(&fr, d, dl, NULL, 0) == 0);
	size_t want = naive_count(s, n, d, dl), used;
	struct proto_raw_state whole = {0}, split = {0}, one = {0};
	CHECK(proto_raw_feed(&fr, &whole, s, n, SIZE_MAX, &used) == want && used == n);
	size_t got = 0;
	uint32_t seed = c * 2654435761u;
	for (size_t off = 0; off < n;) {
		seed = seed * 1664525u + 1013904223u;
		size_t k = 1 + (seed >> 8) % 17;
		if (k > n - off)
			k = n - off;
		got += proto_raw_feed(&fr, &split, s + off, k, SIZE_MAX, &used);
		CHECK(used == k);
		off += k;
	}
	CHECK(got == want && split.v == whole.v && whole.v < dl);
	/* one reply at a time, resuming where it stopped */
	got = 0;
	for (size_t off = 0; off < n;) {
		size_t r = proto_raw_feed(&fr, &one, s + off, n - off, 1, &used);
		CHECK(r <= 1 && used <= n - off && (r == 1 || used == n - off));
		CHECK(r == 0 || (used >= dl && memcmp(s + off + used - dl, d, dl) == 0 && one.v == 0));
		got += r;
		off += used;
	}
	CHECK(got == want && one.v == whole.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t c = data[0];
	if (c & 1) {
		fuzz_escapes(data + 1, size - 1);
		return 0;
	}
	size_t dl = (size_t)(c >> 1) % 8 + 1;
	if (size < 1 + dl)
		return 0;
	fuzz_framing(data + 1, dl, data + 1 + dl, size - 1 - dl, c);
	return 0;
}
