/* The server engine's TLS layer (tls_server.c): one SSL object per
 * descriptor in a side array of the worker (the slot stays 20 bytes); the
 * handshake runs inside the first reads (accept state), counted when it
 * completes; server_send/recv/peek/discard hand over here when the server
 * has a certificate. */
#ifndef TCPSWARM_TLS_SERVER_H
#define TCPSWARM_TLS_SERVER_H

#include "server_internal.h"

/* Per worker, when the config has a TLS context: -1 with errno. */
int server_tls_init(struct sworker *w);
void server_tls_free(struct sworker *w);
/* A connection just accepted: its SSL object; -1 when it was closed. */
int server_tls_accept(struct sworker *w, int fd);
/* At the close of fd: frees its SSL object (close_notify when notify). */
void server_tls_close(struct sworker *w, int fd, bool notify);
ssize_t server_tls_send(struct sworker *w, int fd, const void *buf, size_t len);
ssize_t server_tls_recv(struct sworker *w, int fd, void *buf, size_t cap);
ssize_t server_tls_peek(struct sworker *w, int fd, void *buf, size_t cap);
int server_tls_discard(struct sworker *w, int fd, size_t n);

#endif
