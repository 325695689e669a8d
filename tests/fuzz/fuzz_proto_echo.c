/* libFuzzer target: an echoed byte stream split into reads at points the
 * input chooses, consumed with a frame size it chooses: every complete
 * frame is seen exactly once whatever the split (the same count as one big
 * read), and the header parser never trusts a frame that is not one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/proto_echo.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

static int count_frame(void *ctx, const uint8_t *hdr)
{
	struct echo_hdr h;
	(void)proto_echo_parse(hdr, &h);
	(*(size_t *)ctx)++;
	return 0;
}

static size_t consume_split(const uint8_t *p, size_t len, size_t fsize, const uint8_t *cuts, size_t ncuts)
{
	uint16_t off = 0;
	uint8_t carry[ECHO_HDR];
	size_t frames = 0, at = 0;
	for (size_t i = 0; at < len; i++) {
		size_t step = i < ncuts ? (size_t)cuts[i] + 1 : len - at;
		if (step > len - at)
			step = len - at;
		CHECK(proto_echo_consume(p + at, step, fsize, &off, carry, count_frame, &frames) == 0);
		at += step;
	}
	return frames;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t fsize = ECHO_HDR + data[0] % 64; /* a frame size the client could use */
	size_t ncuts = data[1] % 32;
	if (ncuts > size - 2)
		ncuts = size - 2;
	const uint8_t *cuts = data + 2, *p = data + 2 + ncuts;
	size_t len = size - 2 - ncuts;
	size_t whole = consume_split(p, len, fsize, NULL, 0);
	CHECK(whole == len / fsize);
	CHECK(consume_split(p, len, fsize, cuts, ncuts) == whole);
	if (len >= ECHO_HDR) {
		struct echo_hdr h;
		if (proto_echo_parse(p, &h) == 0) {
			/* a header that parses rebuilds to the same bytes */
			uint8_t frame[ECHO_HDR + 64];
			proto_echo_build(frame, fsize, &h);
			struct echo_hdr h2;
			CHECK(proto_echo_parse(frame, &h2) == 0 && h2.conn == h.conn && h2.seq == h.seq &&
			      h2.intended_ns == h.intended_ns);
		}
	}
	return 0;
}
