/* TLS (OpenSSL) as a transport under every protocol: the contexts, built
 * once from the options before the load (a bad file is a usage error), and
 * the calls one connection's bytes go through. The engines keep the SSL
 * objects in side arrays of their own (tls_client.c, tls_server.c), so the
 * connection slots keep their size.
 *
 * Built without OpenSSL (TCPSWARM_TLS off), tls_none.c answers every
 * context request with "built without TLS" and the engines never get here.
 * The SSL_CTX is shared read-only by the worker threads once built; every
 * SSL object belongs to one worker. */
#ifndef TCPSWARM_TLS_H
#define TCPSWARM_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tcpswarm/config.h"

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

#define TLS_MISSING_MSG "built without TLS (rebuild with libssl-dev)"

/* true when this binary was built with OpenSSL */
bool tls_built_in(void);

/* The client's context from cfg's TLS options (--sni, --ca, --insecure,
 * --alpn, --tls-resume) into cfg->tls_ctx. 0, or -1 with a message naming
 * the option (and OpenSSL's reason) in err. */
int tls_client_ctx_new(struct client_config *cfg, char *err, size_t cap);
/* The server's from --tls-cert/--tls-key into cfg->tls_ctx; the same. */
int tls_server_ctx_new(struct server_config *cfg, char *err, size_t cap);

/* What a transport call returns besides a byte count above 0. */
enum { TLS_AGAIN = 0, TLS_EOF = -1, TLS_FAILED = -2 };
/* Why a handshake failed: a certificate (refused by us or by the peer),
 * anything else of TLS, or the peer closed the connection in the middle. */
enum tls_fail { TLS_FAIL_CERT, TLS_FAIL_PROTOCOL, TLS_FAIL_CLOSED };

/* A TLS connection over the non-blocking socket fd, client side (sni: the
 * server name to send, NULL: none) or server side (sni NULL); its I/O never
 * raises SIGPIPE. NULL when out of memory. keep (client, --tls-resume):
 * where the session tickets this connection receives land (the one there
 * before is freed), so a later connection resumes with tls_conn_resume. */
struct ssl_st *tls_conn_new(struct ssl_ctx_st *ctx, int fd, bool server, const char *sni,
			    struct ssl_session_st **keep);
/* Offers session sess (may be NULL) in s's handshake, before it starts. */
void tls_conn_resume(struct ssl_st *s, struct ssl_session_st *sess);
void tls_session_free(struct ssl_session_st *sess);
/* Frees it; notify: send a close_notify first (best effort, no wait). */
void tls_conn_free(struct ssl_st *s, bool notify);
/* One handshake step: 1 done, 0 wait for the socket, -1 failed (why: its
 * reason; *err an errno when the socket failed, else 0). */
int tls_handshake(struct ssl_st *s, enum tls_fail *why, int *err);
/* Reads until cap is full or the socket has nothing more (a short count
 * means drained, as a short recv does); TLS_AGAIN, TLS_EOF (close_notify
 * or FIN) or TLS_FAILED (*err: errno or 0) when nothing was read. */
ssize_t tls_read(struct ssl_st *s, void *buf, size_t cap, int *err);
/* The next decrypted bytes, left queued (at most one record's worth). */
ssize_t tls_peek(struct ssl_st *s, void *buf, size_t cap, int *err);
/* Writes from buf (a retry after TLS_AGAIN must start with the same bytes,
 * from any address, at least as many); bytes taken, TLS_AGAIN, TLS_FAILED. */
ssize_t tls_write(struct ssl_st *s, const void *buf, size_t len, int *err);
/* After a handshake: whether it resumed a session, and whether the ALPN
 * protocols offered found none agreed. */
bool tls_resumed(const struct ssl_st *s);
/* The handshake is done. */
bool tls_done(const struct ssl_st *s);
bool tls_alpn_missed(const struct ssl_st *s);

#endif
