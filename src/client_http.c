/* HTTP/1.1 on the client: the request/response core with a keep-alive GET
 * per request asking a reproducible body length (?length=N), checked on
 * every 2xx answer; body bytes are only counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "tcpswarm/proto_http.h"

#define HTTP_MAX_HEADER 8192

_Static_assert(sizeof(struct proto_http_resp_state) <= sizeof(union rr_parse_state),
	       "the response parser state must fit the carry slot's state");

/* Per worker: the Host header value of each target. */
typedef char host_name[64];

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

static ssize_t http_build(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap)
{
	const struct client_config *cfg = w->cfg;
	const host_name *host = w->proto_state;
	uint32_t slot = client_slot_of(w, c);
	return proto_http_build_request((char *)out, cap, cfg->path, asked_length(w, slot, c->seq_tx), 1,
					host[slot % cfg->ntargets], cfg->headers, cfg->nheaders);
}

static ssize_t http_parse_one(struct cworker *w, struct cconn *c, union rr_parse_state *st, const uint8_t *p,
			      size_t len, struct rr_reply *r)
{
	struct proto_http_resp_state hs;
	struct proto_http_resp_done done;
	memcpy(&hs, st, sizeof(hs));
	memset(&done, 0, sizeof(done));
	ssize_t n = proto_http_resp_feed(&hs, p, len, HTTP_MAX_HEADER, &done);
	memcpy(st, &hs, sizeof(hs));
	if (n == PROTO_HTTP_AGAIN)
		return 0;
	if (n < 0 || (done.complete && !done.interim && c->seq_tx == c->seq_rx))
		return -1;
	if (!done.complete || done.interim)
		return n; /* bytes of a reply still going, or a 1xx before it */
	int cls = done.status >= 100 && done.status < 600 ? done.status / 100 : 0;
	ctr_add(&w->sh->c.status[cls], 1);
	if (cls == 2 && done.body_len != asked_length(w, client_slot_of(w, c), c->seq_rx))
		ctr_add(&w->sh->c.bad_length, 1);
	r->answered = true;
	r->close = done.close;
	return n;
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
	for (unsigned i = 0; i < cfg->ntargets; i++)
		addr_format(&cfg->targets[i], host[i], sizeof(host[i]));
	if (proto_http_build_request((char *)w->scratch, CLIENT_SCRATCH_BYTES, cfg->path, cfg->len_hi, 1, host[0],
				     cfg->headers, cfg->nheaders) < 0) {
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
};
