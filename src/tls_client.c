/* The client's TLS layer: SSL objects by slot, the handshake phase between
 * the TCP connect and the protocol's on_open, session resumption
 * (--tls-resume) and the TLS transport. A worker's SSL objects and its
 * kept session are its own; the SSL_CTX is shared read-only. */
#include "tls_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpswarm/hist.h"
#include "tcpswarm/stats.h"

#include "tcpswarm/tls.h"

struct ctls_slot {
	struct ssl_st *ssl;   /* from the TCP connect to the close, else NULL */
	uint64_t hs_start_ns; /* when the handshake began (the TCP connect completed), mono_ns */
};

struct ctls {
	struct ctls_slot *slot;          /* nconns, lazily mapped like the slots */
	struct ssl_session_st *session;  /* --tls-resume: the newest ticket, or NULL */
	struct hist hs;                  /* handshake time since the last publish */
};

int client_tls_init(struct cworker *w, char *err, size_t errcap)
{
	struct ctls *t = calloc(1, sizeof(*t));
	size_t bytes = (size_t)(w->nconns ? w->nconns : 1) * sizeof(struct ctls_slot);
	void *m = t ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
		    : MAP_FAILED;
	if (m == MAP_FAILED) {
		free(t);
		snprintf(err, errcap, "worker %u: cannot reserve its TLS table: %s", w->id, strerror(errno));
		return -1;
	}
	t->slot = m;
	hist_reset(&t->hs);
	w->tls = t;
	return 0;
}

void client_tls_free(struct cworker *w)
{
	struct ctls *t = w->tls;
	if (!t)
		return;
	for (uint32_t i = 0; i < w->nconns; i++)
		tls_conn_free(t->slot[i].ssl, false);
	munmap(t->slot, (size_t)(w->nconns ? w->nconns : 1) * sizeof(struct ctls_slot));
	if (t->session)
		tls_session_free(t->session);
	free(t);
	w->tls = NULL;
}

static struct ctls_slot *slot_of(const struct cworker *w, const struct cconn *c)
{
	return &w->tls->slot[client_slot_of(w, c)];
}

bool client_tls_handshaking(const struct cworker *w, const struct cconn *c)
{
	return w->tls && c->state == CS_CONNECTING && slot_of(w, c)->ssl;
}

int client_tls_begin(struct cworker *w, struct cconn *c, struct client_tls_fail *f)
{
	struct ctls_slot *s = slot_of(w, c);
	const struct client_config *cfg = w->cfg;
	s->ssl = tls_conn_new(cfg->tls_ctx, c->fd, false, cfg->tls_sni, cfg->tls_resume ? &w->tls->session : NULL);
	if (!s->ssl) {
		*f = (struct client_tls_fail){CR_CONNECT_FAILED, ENOMEM};
		return -1;
	}
	if (cfg->tls_resume)
		tls_conn_resume(s->ssl, w->tls->session);
	/* the clock itself, not the turn's: on loopback the server's reply can
	 * be there before this first step returns, a handshake within a turn */
	s->hs_start_ns = mono_ns();
	return client_tls_step(w, c, f);
}

int client_tls_step(struct cworker *w, struct cconn *c, struct client_tls_fail *f)
{
	struct ctls_slot *s = slot_of(w, c);
	enum tls_fail why = TLS_FAIL_PROTOCOL;
	int err = 0;
	int rc = tls_handshake(s->ssl, &why, &err);
	if (rc == 0)
		return 0; /* edge-triggered: the handshake read or wrote to EAGAIN */
	if (rc < 0) { /* a server that hangs up in the middle failed it too: protocol */
		ctr_add(why == TLS_FAIL_CERT ? &w->sh->c.tls_fail_cert : &w->sh->c.tls_fail_protocol, 1);
		*f = (struct client_tls_fail){why == TLS_FAIL_CERT ? CR_TLS_CERT : CR_TLS_PROTOCOL, err};
		return -1;
	}
	hist_record(&w->tls->hs, (mono_ns() - s->hs_start_ns + 500) / 1000); /* once per connection */
	ctr_add(tls_resumed(s->ssl) ? &w->sh->c.tls_resumed : &w->sh->c.tls_full, 1);
	if (w->cfg->tls_alpn && tls_alpn_missed(s->ssl))
		ctr_add(&w->sh->c.tls_alpn_missed, 1);
	return 1;
}

enum close_reason client_tls_end(struct cworker *w, struct cconn *c, enum close_reason why, bool notify)
{
	struct ctls_slot *s = slot_of(w, c);
	if (!s->ssl)
		return why;
	if (c->state == CS_CONNECTING && why == CR_CONNECT_TIMEOUT) {
		ctr_add(&w->sh->c.tls_fail_timeout, 1);
		why = CR_TLS_TIMEOUT;
	}
	tls_conn_free(s->ssl, notify && c->state == CS_OPEN);
	s->ssl = NULL;
	return why;
}

void client_tls_publish(struct cworker *w)
{
	hist_merge(&w->sh->hs_lat_total, &w->tls->hs);
	hist_reset(&w->tls->hs);
}

ssize_t client_tls_send(struct cworker *w, struct cconn *c, const void *buf, size_t len, struct client_tls_fail *f)
{
	int err = 0;
	ssize_t n = tls_write(slot_of(w, c)->ssl, buf, len, &err);
	if (n > 0) {
		ctr_add(&w->sh->c.bytes_out, (uint64_t)n);
		return n;
	}
	if (n == TLS_AGAIN) {
		/* the protocols rebuild the same bytes for the retry, as after a
		 * full socket buffer (the context lets the buffer move) */
		c->flags &= ~CF_WRITABLE;
		return 0;
	}
	*f = (struct client_tls_fail){err ? close_reason_of(err) : CR_PROTOCOL, err};
	return -1;
}

ssize_t client_tls_recv(struct cworker *w, struct cconn *c, void *buf, size_t cap, struct client_tls_fail *f)
{
	int err = 0;
	ssize_t n = tls_read(slot_of(w, c)->ssl, buf, cap, &err);
	if (n > 0) {
		ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
		return n;
	}
	if (n == TLS_AGAIN)
		return 0;
	if (n == TLS_EOF) {
		*f = (struct client_tls_fail){CR_PEER_CLOSED, 0};
		return -1;
	}
	*f = (struct client_tls_fail){err ? close_reason_of(err) : CR_PROTOCOL, err};
	return -1;
}
