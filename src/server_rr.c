/* The request/response core of the server (http and dns entries): parse
 * whole requests, answer in order; the mode only answers one request,
 * through its table entry.
 *
 * Input is read with MSG_PEEK and only the bytes of whole requests are then
 * consumed (recv with MSG_TRUNC, which discards without copying): a request
 * split across segments, or requests left unanswered because the peer is
 * not reading, stay in the kernel's receive buffer, so a connection never
 * owns an input buffer. Output that the peer does not take at once is kept
 * in a carry slot (exact bytes) plus a count of body bytes still owed,
 * which come from one static chunk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server_engine.h"

int rr_init(struct sworker *w)
{
	if (!(w->out = calloc(1, OUT_BYTES)))
		return -1;
	memset(w->out, 0, OUT_BYTES); /* fault it in before the RSS baseline */
	return 0;
}

void rr_free(struct sworker *w)
{
	free(w->out);
	w->out = NULL;
}

/* Keeps output the peer did not take: exact bytes in a carry slot. */
static int keep_pending(struct sworker *w, int fd, struct sconn *c, const struct rr_batch *b, size_t sent)
{
	size_t rest = b->outlen - sent;
	if (rest && server_keep_output(w, fd, c, b->out + sent, rest) < 0)
		return -1;
	c->body_left = (uint32_t)b->body_after;
	if (b->close_after)
		c->flags |= SF_CLOSE_AFTER | (b->bad ? SF_BAD : 0);
	return 0;
}

static bool owes_output(const struct sconn *c) { return c->carry || c->body_left || (c->flags & SF_CLOSE_AFTER); }

/* Answers the whole requests at the front of in: bytes consumed. */
static size_t answer_all(struct sworker *w, const uint8_t *in, size_t n, struct rr_batch *b)
{
	size_t used = 0;
	bool full = n == SERVER_PEEK_BYTES;
	while (used < n && !b->close_after && b->body_after == 0) {
		size_t k = w->proto->answer_one(w, in + used, n - used, full && used == 0, b);
		if (!k)
			break;
		used += k;
	}
	return used;
}

/* The peer ended its stream (half-close) with a request unfinished: no
 * byte can complete it, and MSG_PEEK would see the same partial bytes on
 * every event, never the end, so the socket would sit in CLOSE-WAIT. Close
 * it once the output owed for earlier requests is written. */
static void peer_ended(struct sworker *w, int fd, struct sconn *c)
{
	if (owes_output(c))
		c->flags |= SF_CLOSE_AFTER;
	else
		server_conn_close(w, fd, CR_PEER_CLOSED, 0);
}

void rr_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	if (owes_output(c) && server_flush(w, fd, c) <= 0)
		return;
	if (server_nothing_to_read(w, events))
		return;
	for (;;) {
		ssize_t n = server_peek(w, fd, w->scratch, SERVER_PEEK_BYTES);
		if (n <= 0)
			return; /* nothing more now, or closed */
		struct rr_batch b = {.out = w->out, .cap = OUT_BYTES};
		size_t used = answer_all(w, w->scratch, (size_t)n, &b);
		if (used == 0) {
			int more = server_peek_more(w, fd, (size_t)n);
			if (more > 0)
				continue; /* TLS: the request goes on in a record already here */
			if (more < 0)
				return;
			/* an incomplete request: more bytes bring a new edge, unless
			 * the peer hung up (then no edge ever comes) */
			if (events & REACTOR_HUP_EVENTS)
				peer_ended(w, fd, c);
			else
				server_watch_request(w, fd, c);
			return;
		}
		server_request_done(c);
		if (server_discard(w, fd, used) < 0)
			return;
		ssize_t s = server_send(w, fd, b.out, b.outlen);
		if (s < 0)
			return;
		if (keep_pending(w, fd, c, &b, (size_t)s) < 0)
			return;
		if (owes_output(c) && server_flush(w, fd, c) <= 0)
			return;
		if (used == (size_t)n && !w->tls && reactor_read_drained((size_t)n, SERVER_PEEK_BYTES, events))
			return; /* answered all a short peek held */
	}
}
