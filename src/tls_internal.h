/* Private to the TLS files: OpenSSL's types and the socket BIO. */
#ifndef TCPSWARM_TLS_INTERNAL_H
#define TCPSWARM_TLS_INTERNAL_H

#include <openssl/ssl.h>

#include "tcpswarm/tls.h"

/* A BIO reading and writing the non-blocking socket fd (tls_ctx.c). */
BIO *tls_sock_bio(int fd);
/* Whether this thread's last socket read of a BIO found the socket empty
 * (EAGAIN), and forgetting it before a call: OpenSSL can answer WANT_READ
 * with records still queued in the socket (seen after a TLS 1.3 session
 * ticket: the reply behind it sat unread), which an edge-triggered reader
 * must not take for drained. */
bool tls_sock_drained(void);
void tls_sock_forget(void);

#endif
