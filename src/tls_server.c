/* The server's TLS layer: SSL objects by descriptor, the handshake done
 * by the first read or peek, and the TLS transport. A worker's SSL objects
 * are its own (its connection table is, too); the SSL_CTX is shared
 * read-only. */
#include "tls_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpswarm/tls.h"

/* The start of a request that goes on in a later TLS record (see
 * server_tls_gather): read out of SSL, shown again before what SSL_peek
 * shows. Allocated only while a request spans records. */
struct tls_hold {
	size_t len;
	uint8_t b[SERVER_PEEK_BYTES];
};

struct stls {
	struct ssl_st **ssl;     /* maxfd, lazily mapped like the connection table */
	struct tls_hold **hold;  /* maxfd, likewise; NULL: nothing held */
};

int server_tls_init(struct sworker *w)
{
	struct stls *t = calloc(1, sizeof(*t));
	void *m = t ? mmap(NULL, w->ss->maxfd * sizeof(*t->ssl), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
		    : MAP_FAILED;
	void *h = m != MAP_FAILED ? mmap(NULL, w->ss->maxfd * sizeof(*t->hold), PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
				  : MAP_FAILED;
	if (h == MAP_FAILED) {
		if (m != MAP_FAILED)
			munmap(m, w->ss->maxfd * sizeof(*t->ssl));
		free(t);
		return -1;
	}
	t->ssl = m;
	t->hold = h;
	w->tls = t;
	return 0;
}

void server_tls_free(struct sworker *w)
{
	if (!w->tls)
		return;
	munmap(w->tls->ssl, w->ss->maxfd * sizeof(*w->tls->ssl));
	munmap(w->tls->hold, w->ss->maxfd * sizeof(*w->tls->hold));
	free(w->tls);
	w->tls = NULL;
}

int server_tls_accept(struct sworker *w, int fd, struct server_tls_fail *f)
{
	if (!(w->tls->ssl[fd] = tls_conn_new(w->ss->cfg->tls_ctx, fd, true, NULL, NULL))) {
		*f = (struct server_tls_fail){CR_IO_ERROR, ENOMEM};
		return -1;
	}
	return 0;
}

void server_tls_close(struct sworker *w, int fd, bool notify)
{
	tls_conn_free(w->tls->ssl[fd], notify);
	w->tls->ssl[fd] = NULL;
	free(w->tls->hold[fd]);
	w->tls->hold[fd] = NULL;
}

/* The handshake, until it completes: 1 done, 0 wait, -1 failed (*f). */
static int handshake(struct sworker *w, struct ssl_st *s, struct server_tls_fail *f)
{
	enum tls_fail why = TLS_FAIL_PROTOCOL;
	int err = 0;
	int rc = tls_handshake(s, &why, &err);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		if (err || why == TLS_FAIL_CLOSED) { /* the peer went away mid-handshake: not TLS's fault */
			*f = (struct server_tls_fail){err ? close_reason_of(err) : CR_PEER_CLOSED, err};
			return -1;
		}
		ctr_add(why == TLS_FAIL_CERT ? &w->sh->c.tls_fail_cert : &w->sh->c.tls_fail_protocol, 1);
		*f = (struct server_tls_fail){why == TLS_FAIL_CERT ? CR_TLS_CERT : CR_TLS_PROTOCOL, 0};
		return -1;
	}
	ctr_add(tls_resumed(s) ? &w->sh->c.tls_resumed : &w->sh->c.tls_full, 1);
	return 1;
}

/* The connection's SSL object once its handshake is done, else NULL with
 * *rc the result to return (0: wait, -1: failed, *f). */
static struct ssl_st *ready(struct sworker *w, int fd, ssize_t *rc, struct server_tls_fail *f)
{
	struct ssl_st *s = w->tls->ssl[fd];
	if (s && tls_done(s))
		return s;
	if (!s) { /* not reached: an accepted connection without one was closed */
		*f = (struct server_tls_fail){CR_IO_ERROR, 0};
		*rc = -1;
		return NULL;
	}
	int h = handshake(w, s, f);
	*rc = h < 0 ? -1 : 0;
	return h > 0 ? s : NULL;
}

/* A failed call's end: its reason in *f; -1. */
static ssize_t failed(ssize_t n, int err, struct server_tls_fail *f)
{
	if (n == TLS_EOF)
		*f = (struct server_tls_fail){CR_PEER_CLOSED, 0};
	else
		*f = (struct server_tls_fail){err ? close_reason_of(err) : CR_PROTOCOL, err};
	return -1;
}

ssize_t server_tls_send(struct sworker *w, int fd, const void *buf, size_t len, struct server_tls_fail *f)
{
	ssize_t rc = 0;
	struct ssl_st *s = ready(w, fd, &rc, f);
	if (!s)
		return rc;
	int err = 0;
	ssize_t n = tls_write(s, buf, len, &err);
	if (n >= 0) { /* TLS_AGAIN is 0: the peer is not reading; the carry retries the same bytes */
		ctr_add(&w->sh->c.bytes_out, (uint64_t)n);
		return n;
	}
	return failed(n, err, f);
}

/* recv or peek: TLS_AGAIN as 0 (nothing now), an end or error closes. */
static ssize_t read_or_peek(struct sworker *w, int fd, void *buf, size_t cap, bool peek, struct server_tls_fail *f)
{
	ssize_t rc = 0;
	struct ssl_st *s = ready(w, fd, &rc, f);
	if (!s)
		return rc;
	int err = 0;
	ssize_t n = peek ? tls_peek(s, buf, cap, &err) : tls_read(s, buf, cap, &err);
	if (n > 0)
		return n;
	return n == TLS_AGAIN ? 0 : failed(n, err, f);
}

ssize_t server_tls_recv(struct sworker *w, int fd, void *buf, size_t cap, struct server_tls_fail *f)
{
	ssize_t n = read_or_peek(w, fd, buf, cap, false, f);
	if (n > 0)
		ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
	return n;
}

/* What is held, then one record at most (SSL_peek never shows more). */
ssize_t server_tls_peek(struct sworker *w, int fd, void *buf, size_t cap, struct server_tls_fail *f)
{
	const struct tls_hold *h = w->tls->hold[fd];
	size_t held = h ? h->len : 0;
	if (held)
		memcpy(buf, h->b, held);
	if (held >= cap)
		return (ssize_t)cap;
	ssize_t n = read_or_peek(w, fd, (uint8_t *)buf + held, cap - held, true, f);
	return n < 0 ? n : (ssize_t)held + n;
}

/* A request goes on past the record SSL_peek showed. Without this its
 * start would be shown alone at every peek, and the records after it,
 * already read from the socket into SSL or waiting in it, bring no new
 * edge: the connection stalled (a hostile test's random bytes over DNS
 * over TLS hit it in 1 of 20 runs). The record shown moves into the hold
 * (read out of SSL: decrypted already, no socket I/O), so the next peek
 * shows the hold and the record after it. */
int server_tls_gather(struct sworker *w, int fd, size_t peeked, struct server_tls_fail *f)
{
	struct tls_hold *h = w->tls->hold[fd];
	size_t held = h ? h->len : 0;
	if (peeked <= held || peeked >= SERVER_PEEK_BYTES)
		return 0; /* nothing new shown, or the view is full: the caller judges it */
	if (!h && !(h = w->tls->hold[fd] = calloc(1, sizeof(*h)))) {
		*f = (struct server_tls_fail){CR_IO_ERROR, ENOMEM};
		return -1;
	}
	int err = 0;
	size_t rec = peeked - held;
	if (tls_read(w->tls->ssl[fd], h->b + held, rec, &err) != (ssize_t)rec) {
		*f = (struct server_tls_fail){CR_IO_ERROR, err};
		return -1;
	}
	h->len += rec;
	/* a next record now? An end or an error here is left to the next
	 * read, so the peer's hang-up goes the usual way (output owed is
	 * written first) */
	uint8_t one;
	int err2 = 0;
	return tls_peek(w->tls->ssl[fd], &one, 1, &err2) > 0;
}

int server_tls_discard(struct sworker *w, int fd, size_t n, struct server_tls_fail *f)
{
	ctr_add(&w->sh->c.bytes_in, n);
	struct tls_hold *h = w->tls->hold[fd];
	if (h) { /* the oldest bytes first */
		size_t take = n < h->len ? n : h->len;
		memmove(h->b, h->b + take, h->len - take);
		h->len -= take;
		n -= take;
		if (!h->len) {
			free(h);
			w->tls->hold[fd] = NULL;
		}
	}
	/* the bytes were peeked: they are decrypted and buffered, so this read
	 * takes them without touching the socket */
	int err = 0;
	if (n && tls_read(w->tls->ssl[fd], w->scratch, n, &err) != (ssize_t)n) {
		*f = (struct server_tls_fail){CR_IO_ERROR, err};
		return -1;
	}
	return 0;
}
