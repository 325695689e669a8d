/* Server modes http and dns: parse whole requests, answer in order.
 *
 * Input is read with MSG_PEEK and only the bytes of whole requests are then
 * consumed (recv with MSG_TRUNC, which discards without copying): a request
 * split across segments, or requests left unanswered because the peer is
 * not reading, stay in the kernel's receive buffer, so a connection never
 * owns an input buffer. Output that the peer does not take at once is kept
 * in a carry slot (exact bytes) plus a count of body bytes still owed,
 * which come from one static chunk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_internal.h"
#include "tcpswarm/proto_dns.h"
#include "tcpswarm/proto_http.h"

#define HTTP_MAX_HEADER 8192
#define HTTP_DEFAULT_LENGTH 1024

struct batch {
	uint8_t *out;
	size_t outlen, cap;
	uint64_t body_after; /* body bytes owed after out (the last response) */
	bool close_after, bad;
};

static void fill_body(struct batch *b, uint64_t body)
{
	size_t room = b->cap - b->outlen;
	size_t now = body < room ? (size_t)body : room;
	memset(b->out + b->outlen, 'x', now);
	b->outlen += now;
	b->body_after = body - now;
}

/* One HTTP request at p: bytes consumed, 0 when it must wait (incomplete,
 * or no room left in this batch). */
static size_t http_one(struct sworker *w, const uint8_t *p, size_t len, bool full_buffer, struct batch *b)
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

static bool name_matches(const char *want, const char *qname)
{
	return !want || !strcmp(want, qname);
}

/* One DNS message at p (with its length prefix). A message that cannot fit
 * the peek buffer would never complete: it is refused like a malformed one. */
static size_t dns_one(struct sworker *w, const uint8_t *p, size_t len, bool full_buffer, struct batch *b)
{
	ssize_t fl = proto_dns_frame(p, len, SCRATCH_BYTES - 2);
	if (fl == -2 && !full_buffer)
		return 0; /* need more */
	uint8_t *out = b->out + b->outlen;
	size_t room = b->cap - b->outlen;
	if (fl < 0) { /* a length that cannot be a message: FORMERR, close */
		ssize_t n = proto_dns_build_error(out, room, p + 2, len > 2 ? len - 2 : 0, PROTO_DNS_FORMERR);
		if (n < 0)
			return 0;
		b->outlen += (size_t)n;
		b->close_after = b->bad = true;
		ctr_add(&w->sh->c.rcode[PROTO_DNS_FORMERR], 1);
		ctr_add(&w->sh->c.req_errors, 1);
		return len;
	}
	const uint8_t *msg = p + 2;
	size_t mlen = (size_t)fl - 2;
	struct proto_dns_query q;
	ssize_t n;
	int rcode;
	if (proto_dns_parse_query(msg, mlen, &q) < 0) {
		rcode = PROTO_DNS_FORMERR;
		n = proto_dns_build_error(out, room, msg, mlen, rcode);
		ctr_add(&w->sh->c.req_errors, 1);
	} else {
		const struct server_config *cfg = w->ss->cfg;
		rcode = name_matches(w->ss->name, q.qname) ? PROTO_DNS_NOERROR : PROTO_DNS_NXDOMAIN;
		bool v6 = q.qtype == PROTO_DNS_T_AAAA;
		n = proto_dns_build_answer(out, room, msg, mlen, &q, rcode, v6 ? cfg->answer6 : cfg->answer4,
					   v6 ? AF_INET6 : AF_INET, 60);
	}
	if (n < 0)
		return 0;
	b->outlen += (size_t)n;
	ctr_add(&w->sh->c.rcode[rcode], 1);
	ctr_add(&w->sh->c.req_answered, 1);
	return (size_t)fl;
}

/* Keeps output the peer did not take: exact bytes in a carry slot. */
static int keep_pending(struct sworker *w, int fd, struct sconn *c, const struct batch *b, size_t sent)
{
	size_t rest = b->outlen - sent;
	if (rest) {
		if (!(c->carry = carry_get(&w->carry))) {
			server_conn_close(w, fd, CR_NO_CARRY, 0);
			return -1;
		}
		memcpy(carry_ptr(&w->carry, c->carry), b->out + sent, rest);
		c->pend_off = 0;
		c->pend_len = (uint16_t)rest;
	}
	c->body_left = (uint32_t)b->body_after;
	if (b->close_after)
		c->flags |= SF_CLOSE_AFTER | (b->bad ? SF_BAD : 0);
	return 0;
}

void rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	const bool http = w->ss->cfg->mode == MODE_HTTP;
	if ((c->carry || c->body_left || (c->flags & SF_CLOSE_AFTER)) && server_flush(w, fd, c) <= 0)
		return;
	for (;;) {
		ssize_t n = recv(fd, w->scratch, SCRATCH_BYTES, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0) {
			server_conn_close(w, fd, CR_PEER_CLOSED, 0);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				server_conn_close(w, fd, errno == ECONNRESET ? CR_RESET : CR_IO_ERROR, errno);
			return;
		}
		struct batch b = {.out = w->out, .cap = OUT_BYTES};
		size_t used = 0;
		bool full = (size_t)n == SCRATCH_BYTES;
		while (used < (size_t)n && !b.close_after && b.body_after == 0) {
			size_t k = http ? http_one(w, w->scratch + used, (size_t)n - used, full && used == 0, &b)
					: dns_one(w, w->scratch + used, (size_t)n - used, full && used == 0, &b);
			if (!k)
				break;
			used += k;
		}
		if (used == 0)
			return; /* an incomplete request: more bytes bring a new edge */
		/* MSG_TRUNC: TCP discards without copying; the buffer is there for
		 * interceptors (ASan) that assume recv writes what it returns */
		if (recv(fd, w->scratch, used, MSG_TRUNC | MSG_DONTWAIT) < 0) {
			server_conn_close(w, fd, CR_IO_ERROR, errno);
			return;
		}
		ctr_add(&w->sh->c.bytes_in, used);
		ssize_t s = send(fd, b.out, b.outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (s < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				server_conn_close(w, fd, errno == EPIPE || errno == ECONNRESET ? CR_RESET : CR_IO_ERROR, errno);
				return;
			}
			s = 0;
		}
		ctr_add(&w->sh->c.bytes_out, (uint64_t)s);
		if (keep_pending(w, fd, c, &b, (size_t)s) < 0)
			return;
		if ((c->carry || c->body_left || (c->flags & SF_CLOSE_AFTER)) && server_flush(w, fd, c) <= 0)
			return;
		if (used == (size_t)n && reactor_read_drained((size_t)n, SCRATCH_BYTES, events))
			return; /* answered all a short peek held */
	}
}
