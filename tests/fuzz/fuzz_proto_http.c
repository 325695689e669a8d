/* libFuzzer target for proto_http.
 *
 * Input: 4 control bytes, then the payload. Control: max_header, whether the
 * first response answers a HEAD request, whether bodies until close are
 * accepted (bit 2 of byte 1; the stream then ends with EOF), and a seed for
 * split points.
 *  - Requests: the payload is parsed as pipelined requests; each complete one
 *    must need more at a few prefixes and describe itself consistently.
 *  - Responses: the payload is fed to the incremental reader whole, at
 *    random split points and (when short) byte by byte, each time by a caller
 *    that keeps a carry buffer as documented; all three must report the same
 *    responses, the same final error and the same carried tail.
 * Any broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/proto_http.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

#define MAXEV 64

struct sim {
	struct proto_http_resp_state st;
	size_t max_header;
	unsigned opts;
	uint8_t carry[32768];
	size_t clen;
	int nev;
	int err;
	struct {
		int status, close, interim;
		uint64_t body;
	} ev[MAXEV];
};

static void sim_init(struct sim *s, size_t max_header, int no_body, unsigned opts)
{
	s->max_header = max_header;
	s->opts = opts;
	s->clen = 0;
	s->nev = 0;
	s->err = 0;
	proto_http_resp_init(&s->st, no_body);
}

static void sim_process(struct sim *s, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct proto_http_resp_done d;
		ssize_t r = proto_http_resp_feed_opts(&s->st, p, len, s->max_header, s->opts, &d);
		if (r == -2) {
			CHECK(len < s->max_header || len < PROTO_HTTP_MAX_CHUNK_LINE);
			memmove(s->carry, p, len);
			s->clen = len;
			return;
		}
		if (r < 0) {
			CHECK(r == -1 || r == -3);
			s->err = (int)r;
			return;
		}
		CHECK(r > 0 && (size_t)r <= len);
		if (d.complete) {
			CHECK(d.status >= 100 && d.status <= 999);
			CHECK(!d.interim || d.status < 200);
			if (s->nev < MAXEV) {
				s->ev[s->nev].status = d.status;
				s->ev[s->nev].close = d.close;
				s->ev[s->nev].interim = d.interim;
				s->ev[s->nev].body = d.body_len;
			}
			s->nev++;
		}
		p += r;
		len -= (size_t)r;
	}
	s->clen = 0;
}

static void sim_feed(struct sim *s, const uint8_t *data, size_t n)
{
	if (s->err || n == 0)
		return;
	if (s->clen) {
		CHECK(s->clen + n <= sizeof(s->carry));
		memcpy(s->carry + s->clen, data, n);
		sim_process(s, s->carry, s->clen + n);
	} else {
		sim_process(s, data, n);
	}
}

/* EOF: a body until close completes; one cut short is an error (-4). */
static void sim_eof(struct sim *s)
{
	if (s->err)
		return;
	struct proto_http_resp_done d;
	int rc = proto_http_resp_eof(&s->st, &d);
	CHECK(rc >= -1 && rc <= 1);
	if (rc < 0)
		s->err = -4;
	if (rc == 1) {
		CHECK(d.complete && d.close && (s->opts & PROTO_HTTP_RESP_UNTIL_CLOSE));
		if (s->nev < MAXEV) {
			s->ev[s->nev].status = d.status;
			s->ev[s->nev].close = d.close;
			s->ev[s->nev].interim = d.interim;
			s->ev[s->nev].body = d.body_len;
		}
		s->nev++;
	}
}

static void sim_same(const struct sim *a, const struct sim *b)
{
	CHECK(a->err == b->err && a->nev == b->nev);
	if (!a->err)
		CHECK(a->clen == b->clen);
	for (int i = 0; i < a->nev && i < MAXEV; i++)
		CHECK(memcmp(&a->ev[i], &b->ev[i], sizeof(a->ev[i])) == 0);
}

static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void fuzz_requests(const uint8_t *p, size_t n, size_t max_header, uint32_t seed)
{
	size_t off = 0;
	for (;;) {
		struct proto_http_req r;
		ssize_t c = proto_http_parse_request(p + off, n - off, max_header, &r);
		CHECK(c >= -2);
		if (c <= 0)
			break;
		CHECK((size_t)c <= n - off);
		CHECK(r.head_len <= max_header && r.head_len + r.body_len == (uint64_t)c);
		CHECK(r.path >= p + off && r.path + r.path_len <= p + off + r.head_len);
		CHECK(!(r.has_length && r.bad_length) && r.method <= PROTO_HTTP_POST);
		CHECK(r.minor_version <= 9 && r.keep_alive <= 1);
		if (r.query)
			CHECK(r.query == r.path + r.path_len + 1);
		/* a prefix of a complete request is never an error */
		for (int k = 0; k < 3; k++) {
			size_t cut = next_rand(&seed) % (size_t)c;
			CHECK(proto_http_parse_request(p + off, cut, max_header, &r) == -2);
		}
		off += (size_t)c;
	}
}

static struct sim whole, split, bytes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t max_header = 16 + (size_t)data[0] * 64;
	int no_body = data[1] & 1;
	unsigned opts = data[1] & 4 ? PROTO_HTTP_RESP_UNTIL_CLOSE : 0;
	uint32_t seed = (uint32_t)data[2] << 8 | data[3];
	const uint8_t *p = data + 4;
	size_t n = size - 4;

	fuzz_requests(p, n, max_header, seed);

	sim_init(&whole, max_header, no_body, opts);
	sim_feed(&whole, p, n);
	if (opts)
		sim_eof(&whole);

	sim_init(&split, max_header, no_body, opts);
	for (size_t off = 0; off < n;) {
		size_t k = 1 + next_rand(&seed) % (data[1] & 2 ? 8 : 512);
		if (k > n - off)
			k = n - off;
		sim_feed(&split, p + off, k);
		off += k;
	}
	if (opts)
		sim_eof(&split);
	sim_same(&whole, &split);

	if (n <= 4096) {
		sim_init(&bytes, max_header, no_body, opts);
		for (size_t i = 0; i < n; i++)
			sim_feed(&bytes, p + i, 1);
		if (opts)
			sim_eof(&bytes);
		sim_same(&whole, &bytes);
	}
	return 0;
}
