/* The client engine's TLS layer (tls_client.c): one SSL object per
 * connection slot in a side array of the worker (the slot stays 64 bytes),
 * the handshake after the TCP connect, and the transport calls
 * client_send/client_recv hand over to when --tls is on. */
#ifndef TCPSWARM_TLS_CLIENT_H
#define TCPSWARM_TLS_CLIENT_H

#include "client_engine.h"

/* Why a TLS step failed: the caller (client_conn.c, client.c) closes the
 * connection with it; this layer never closes one itself, so the calls go
 * one way, from the connection core down to its transport. */
struct client_tls_fail {
	enum close_reason why;
	int err;
};

/* Per worker, when cfg->tls: -1 with a message in err. */
int client_tls_init(struct cworker *w, char *err, size_t errcap);
void client_tls_free(struct cworker *w);
/* The TCP connect of c completed and its TLS handshake goes on. */
bool client_tls_handshaking(const struct cworker *w, const struct cconn *c);
/* After the TCP connect: starts the handshake and takes its first step;
 * then on each event of the slot. 1: done (counted, its time recorded),
 * 0: waits for the socket, -1: failed, why in *f (the caller closes). */
int client_tls_begin(struct cworker *w, struct cconn *c, struct client_tls_fail *f);
int client_tls_step(struct cworker *w, struct cconn *c, struct client_tls_fail *f);
/* At every end of c (client_conn_end): frees its SSL object; a handshake
 * cut by the connect timeout is counted as a TLS timeout, which it
 * returns as the reason. notify: send close_notify (our own close). */
enum close_reason client_tls_end(struct cworker *w, struct cconn *c, enum close_reason why, bool notify);
/* The handshake histogram into the worker's shared slot (the caller
 * holds w->sh->lock), and reset. */
void client_tls_publish(struct cworker *w);
/* client_send and client_recv over TLS: bytes moved (counted), 0 (wait for
 * the socket), or -1 with why in *f (CR_PEER_CLOSED: the peer's close_notify
 * or EOF); the caller closes. */
ssize_t client_tls_send(struct cworker *w, struct cconn *c, const void *buf, size_t len, struct client_tls_fail *f);
ssize_t client_tls_recv(struct cworker *w, struct cconn *c, void *buf, size_t cap, struct client_tls_fail *f);

#endif
