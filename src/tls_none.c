/* TLS in a build without OpenSSL (TCPSWARM_TLS off): the contexts are
 * refused with the one message, so --tls and --tls-cert stop at argv; the
 * connection calls are never reached (no context, no TLS connection). */
#include <stdio.h>

#include "tcpswarm/tls.h"

bool tls_built_in(void) { return false; }

int tls_client_ctx_new(struct client_config *cfg, char *err, size_t cap)
{
	(void)cfg;
	snprintf(err, cap, "option --tls: " TLS_MISSING_MSG);
	return -1;
}

int tls_server_ctx_new(struct server_config *cfg, char *err, size_t cap)
{
	(void)cfg;
	snprintf(err, cap, "option --tls-cert: " TLS_MISSING_MSG);
	return -1;
}

struct ssl_st *tls_conn_new(struct ssl_ctx_st *ctx, int fd, bool server, const char *sni,
			    struct ssl_session_st **keep)
{
	(void)ctx, (void)fd, (void)server, (void)sni, (void)keep;
	return NULL;
}

void tls_conn_resume(struct ssl_st *s, struct ssl_session_st *sess) { (void)s, (void)sess; }
void tls_session_free(struct ssl_session_st *sess) { (void)sess; }
void tls_conn_free(struct ssl_st *s, bool notify) { (void)s, (void)notify; }

int tls_handshake(struct ssl_st *s, enum tls_fail *why, int *err)
{
	(void)s, (void)err;
	*why = TLS_FAIL_PROTOCOL;
	return -1;
}

ssize_t tls_read(struct ssl_st *s, void *buf, size_t cap, int *err)
{
	(void)s, (void)buf, (void)cap;
	*err = 0;
	return TLS_FAILED;
}

ssize_t tls_peek(struct ssl_st *s, void *buf, size_t cap, int *err) { return tls_read(s, buf, cap, err); }

ssize_t tls_write(struct ssl_st *s, const void *buf, size_t len, int *err)
{
	return tls_read(s, (void *)buf, len, err);
}

bool tls_resumed(const struct ssl_st *s) { return (void)s, false; }
bool tls_done(const struct ssl_st *s) { return (void)s, false; }
bool tls_alpn_missed(const struct ssl_st *s) { return (void)s, false; }
