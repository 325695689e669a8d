/* Server mode http: answers each request with a 200 and the body length it
 * asks (?length=N, capped by --max-length), 400 and close when it cannot
 * be framed. */
#include "server_engine.h"
#include "tcpswarm/proto_http.h"

#include <string.h>

#define HTTP_MAX_HEADER 8192
#define HTTP_DEFAULT_LENGTH 1024

static void fill_body(struct rr_batch *b, uint64_t body)
{
	size_t room = b->cap - b->outlen;
	size_t now = body < room ? (size_t)body : room;
	memset(b->out + b->outlen, 'x', now);
	b->outlen += now;
	b->body_after = body - now;
}

/* One HTTP request at p: bytes consumed, 0 when it must wait. */
static size_t http_one(struct sworker *w, const uint8_t *p, size_t len, bool full_buffer, struct rr_batch *b)
{
	struct proto_http_req req;
	ssize_t r = proto_http_parse_request(p, len, HTTP_MAX_HEADER, &req);
	if (r == PROTO_HTTP_AGAIN && !full_buffer)
		return 0;
	if (r < 0 || req.bad_length) {
		/* 400 and close: what the peer sent cannot be framed */
		ssize_t h = proto_http_build_response_head((char *)b->out + b->outlen, b->cap - b->outlen, 400, 0, 0);
		if (h < 0)
			return 0;
		b->outlen += (size_t)h;
		b->close_after = b->bad = true;
		ctr_add(&w->sh->c.status[4], 1);
		ctr_add(&w->sh->c.req_errors, 1);
		return len; /* discard the rest */
	}
	if (!throttle_request(w))
		return 0; /* --max-rate: it waits for the next refill */
	uint64_t body = req.has_length ? req.length : HTTP_DEFAULT_LENGTH;
	if (body > w->ss->cfg->max_length)
		body = w->ss->cfg->max_length;
	ssize_t h = proto_http_build_response_head((char *)b->out + b->outlen, b->cap - b->outlen, 200, body,
						   req.keep_alive);
	if (h < 0)
		return 0;
	b->outlen += (size_t)h;
	if (req.method != PROTO_HTTP_HEAD)
		fill_body(b, body);
	if (!req.keep_alive)
		b->close_after = true;
	ctr_add(&w->sh->c.status[2], 1);
	ctr_add(&w->sh->c.req_answered, 1);
	return (size_t)r;
}

const struct server_protocol server_proto_http = {
	.name = "http",
	.init = rr_init,
	.free = rr_free,
	.serve = throttle_rr_serve,
	.answer_one = http_one,
};
