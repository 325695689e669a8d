/* HTTP/1.1 on the client: the request/response core with a keep-alive
 * request per request (--method, --body). With --length (tcpswarm's own
 * server) each asks a reproducible body length (?length=N), checked on every
 * 2xx answer; without it any body is read by its framing (Content-Length,
 * chunked, or until the server closes) and only counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_engine.h"
#include "tcpswarm/proto_http.h"

#define HTTP_MAX_HEADER 8192

_Static_assert(sizeof(struct proto_http_resp_state) <= sizeof(union rr_parse_state),
	       "the response parser state must fit the carry slot's state");

/* Per worker: the Host header value of each target. */
typedef char host_name[sizeof(((struct client_config *)0)->url_host)];

/* The length asked by request seq of a connection: random-looking but
 * reproducible, so a rewritten request asks the same and the answer can be
 * checked. */
static uint64_t asked_length(const struct cworker *w, uint32_t slot, uint32_t seq)
{
	const struct client_config *cfg = w->cfg;
	uint64_t x = ((uint64_t)slot * w->nworkers + w->id) << 32 | seq;
	x ^= cfg->seed * 0x9E3779B97F4A7C15ULL;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return cfg->len_lo + x % (cfg->len_hi - cfg->len_lo + 1);
}

static ssize_t build_for(const struct cworker *w, uint8_t *out, size_t cap, const char *host, uint64_t length)
{
	const struct client_config *cfg = w->cfg;
	struct proto_http_request rq = {.method = cfg->method, .target = cfg->path, .host = host,
					.extra_headers = cfg->headers, .nextra = cfg->nheaders, .body = cfg->body,
					.body_len = cfg->body_len, .has_body = cfg->has_body, .length = length,
					.has_length = cfg->has_length};
	return proto_http_build((char *)out, cap, &rq);
}

static ssize_t http_build(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap)
{
	const host_name *host = w->proto_state;
	uint32_t slot = client_slot_of(w, c);
	uint64_t len = w->cfg->has_length ? asked_length(w, slot, c->seq_tx) : 0;
	return build_for(w, out, cap, host[slot % w->cfg->ntargets], len);
}

/* A final response: by status class, its length checked if one was asked. */
static void count_response(struct cworker *w, struct cconn *c, const struct proto_http_resp_done *done)
{
	int cls = done->status >= 100 && done->status < 600 ? done->status / 100 : 0;
	ctr_add(&w->sh->c.status[cls], 1);
	if (w->cfg->has_length && cls == 2 && w->cfg->method != PROTO_HTTP_HEAD &&
	    done->body_len != asked_length(w, client_slot_of(w, c), c->seq_rx))
		ctr_add(&w->sh->c.bad_length, 1);
}

static bool is_zero(const struct proto_http_resp_state *hs)
{
	static const struct proto_http_resp_state zero;
	return !memcmp(hs, &zero, sizeof(zero));
}

static ssize_t http_parse_one(struct cworker *w, struct cconn *c, union rr_parse_state *st, const uint8_t *p,
			      size_t len, struct rr_reply *r)
{
	struct proto_http_resp_state hs;
	struct proto_http_resp_done done;
	memcpy(&hs, st, sizeof(hs));
	memset(&done, 0, sizeof(done));
	if (is_zero(&hs) && w->cfg->method == PROTO_HTTP_HEAD)
		proto_http_resp_init(&hs, 1); /* the answer to HEAD has no body */
	ssize_t n = proto_http_resp_feed_opts(&hs, p, len, HTTP_MAX_HEADER, PROTO_HTTP_RESP_UNTIL_CLOSE, &done);
	memcpy(st, &hs, sizeof(hs));
	if (n == PROTO_HTTP_AGAIN)
		return 0;
	if (n < 0 || (done.complete && !done.interim && c->seq_tx == c->seq_rx))
		return -1;
	if (!done.complete || done.interim)
		return n; /* bytes of a reply still going, or a 1xx before it */
	count_response(w, c, &done);
	r->answered = true;
	r->close = done.close;
	return n;
}

/* The server closed: a body read until the close is complete now. */
static void http_on_eof(struct cworker *w, struct cconn *c)
{
	union rr_parse_state st;
	struct proto_http_resp_state hs;
	struct proto_http_resp_done done;
	rr_carried_state(w, c, &st);
	memcpy(&hs, &st, sizeof(hs));
	memset(&done, 0, sizeof(done));
	if (c->seq_tx != c->seq_rx && proto_http_resp_eof(&hs, &done) == 1) {
		count_response(w, c, &done);
		rr_answered(w, c);
	}
}

static int http_init(struct cworker *w, char *err, size_t errcap)
{
	const struct client_config *cfg = w->cfg;
	host_name *host = calloc(cfg->ntargets, sizeof(*host));
	if (!host) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	w->proto_state = host;
	for (unsigned i = 0; i < cfg->ntargets; i++) {
		if (cfg->has_url)
			snprintf(host[i], sizeof(host[i]), "%s", cfg->url_host);
		else
			addr_format(&cfg->targets[i], host[i], sizeof(host[i]));
	}
	if (build_for(w, w->scratch, CLIENT_SCRATCH_BYTES, host[0], cfg->len_hi) < 0) {
		snprintf(err, errcap, "--path or --header is not valid in an HTTP request (path '%s')", cfg->path);
		return -1;
	}
	return 0;
}

static void http_free(struct cworker *w)
{
	free(w->proto_state);
	w->proto_state = NULL;
}

const struct client_protocol client_proto_http = {
	.name = "http",
	.carry_slot_bytes = RR_CARRY_SLOT,
	.max_in_flight = 1, /* t_out holds the intended time of one request */
	.init = http_init,
	.free = http_free,
	.on_open = rr_on_open,
	.send_due = rr_send_due,
	.on_readable = rr_on_readable,
	.build = http_build,
	.parse_one = http_parse_one,
	.on_eof = http_on_eof,
};
