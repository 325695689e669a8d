/* Private to the TLS files: OpenSSL's types and the socket BIO. */
#ifndef TCPSWARM_TLS_INTERNAL_H
#define TCPSWARM_TLS_INTERNAL_H

#include <openssl/ssl.h>

#include "tcpswarm/tls.h"

/* A BIO reading and writing the non-blocking socket fd (tls_ctx.c). */
BIO *tls_sock_bio(int fd);

#endif
