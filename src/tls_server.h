/* The server engine's TLS layer (tls_server.c): one SSL object per
 * descriptor in a side array of the worker (the slot stays 20 bytes); the
 * handshake runs inside the first reads (accept state), counted when it
 * completes; server_send/recv/peek/discard hand over here when the server
 * has a certificate. */
#ifndef TCPSWARM_TLS_SERVER_H
#define TCPSWARM_TLS_SERVER_H

#include "server_engine.h"

/* Why a TLS call failed: the caller (server_conn.c, server.c) closes the
 * connection with it; this layer never closes one, so the calls go one
 * way, from the connection helpers down to their transport. */
struct server_tls_fail {
	enum close_reason why;
	int err;
};

/* Per worker, when the config has a TLS context: -1 with errno. */
int server_tls_init(struct sworker *w);
void server_tls_free(struct sworker *w);
/* A connection just accepted: its SSL object; -1 (why in *f) when there is none. */
int server_tls_accept(struct sworker *w, int fd, struct server_tls_fail *f);
/* At the close of fd: frees its SSL object (close_notify when notify). */
void server_tls_close(struct sworker *w, int fd, bool notify);
/* The transport calls (the first reads run the handshake): bytes (0: wait
 * for the socket), or -1 with why in *f. */
ssize_t server_tls_send(struct sworker *w, int fd, const void *buf, size_t len, struct server_tls_fail *f);
ssize_t server_tls_recv(struct sworker *w, int fd, void *buf, size_t cap, struct server_tls_fail *f);
ssize_t server_tls_peek(struct sworker *w, int fd, void *buf, size_t cap, struct server_tls_fail *f);
int server_tls_discard(struct sworker *w, int fd, size_t n, struct server_tls_fail *f);
/* After a peek of `peeked` bytes that hold no whole request: keeps them
 * aside so the next peek goes on into the next record. 1: a next record is
 * here already (peek again), 0: wait for the socket, -1 failed (*f). */
int server_tls_gather(struct sworker *w, int fd, size_t peeked, struct server_tls_fail *f);

#endif
