/* One TLS connection's calls: handshake, read, peek, write, close. Each
 * maps OpenSSL's result to the engines' transport results (bytes, again,
 * end, failed) and leaves OpenSSL's error queue empty, so the next
 * SSL_get_error of this thread reads this connection's error only. */
#include "tls_internal.h"

#include <errno.h>

#include <openssl/err.h>
#include <openssl/x509.h>

struct ssl_st *tls_conn_new(struct ssl_ctx_st *ctx, int fd, bool server, const char *sni, struct ssl_session_st **keep)
{
	SSL *s = SSL_new(ctx);
	BIO *b = s ? tls_sock_bio(fd) : NULL;
	if (!b) {
		SSL_free(s);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_bio(s, b, b);
	if (server) {
		SSL_set_accept_state(s);
		return s;
	}
	SSL_set_connect_state(s);
	SSL_set_app_data(s, keep);
	if (sni && !SSL_set_tlsext_host_name(s, sni))
		ERR_clear_error(); /* a name OpenSSL refuses as SNI: sent without */
	return s;
}

void tls_conn_resume(struct ssl_st *s, struct ssl_session_st *sess)
{
	if (sess && !SSL_set_session(s, sess))
		ERR_clear_error();
}

void tls_session_free(struct ssl_session_st *sess) { SSL_SESSION_free(sess); }

void tls_conn_free(struct ssl_st *s, bool notify)
{
	if (!s)
		return;
	if (notify && SSL_is_init_finished(s))
		SSL_shutdown(s); /* one try: the socket closes right after */
	SSL_set_app_data(s, NULL);
	SSL_free(s);
	ERR_clear_error();
}

/* A WANT_READ to call again at once: the socket was not seen empty. At
 * most a few times in a row (a peer streaming records keeps it non-empty;
 * the caller's loop takes the rest). */
#define AGAIN_TRIES 8
static bool read_on(SSL *s, int rc, int *tries)
{
	if (rc > 0 || tls_sock_drained() || ++*tries > AGAIN_TRIES || SSL_get_error(s, rc) != SSL_ERROR_WANT_READ)
		return false;
	ERR_clear_error();
	tls_sock_forget();
	return true;
}

/* The result of a failed call rc: again, end or failed (*err set). */
static ssize_t result_of(SSL *s, int rc, int *err)
{
	int saved = errno;
	int e = SSL_get_error(s, rc);
	ERR_clear_error();
	*err = 0;
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return TLS_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL: /* never EINTR: the socket BIO retries a signal itself, since
				 * OpenSSL allows no further call after a SYSCALL error */
		*err = saved;
		return saved ? TLS_FAILED : TLS_EOF;
	default:
		return TLS_FAILED;
	}
}

int tls_handshake(struct ssl_st *s, enum tls_fail *why, int *err)
{
	int rc, tries = 0;
	tls_sock_forget();
	do
		rc = SSL_do_handshake(s);
	while (read_on(s, rc, &tries));
	if (rc == 1) {
		SSL_free_buffers(s); /* the handshake's record buffers: none while idle */
		return 1;
	}
	int saved = errno;
	int e = SSL_get_error(s, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		return 0;
	}
	*err = e == SSL_ERROR_SYSCALL ? saved : 0;
	unsigned long lib = ERR_peek_last_error();
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !saved) ||
	    ERR_GET_REASON(lib) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		*why = TLS_FAIL_CLOSED;
		ERR_clear_error();
		return -1;
	}
	/* a certificate we refused, or one the peer refused (its alert) */
	bool cert = SSL_get_verify_result(s) != X509_V_OK || ERR_GET_REASON(lib) == SSL_R_CERTIFICATE_VERIFY_FAILED ||
		    (ERR_GET_REASON(lib) >= SSL_AD_REASON_OFFSET + SSL_AD_BAD_CERTIFICATE &&
		     ERR_GET_REASON(lib) <= SSL_AD_REASON_OFFSET + SSL_AD_UNKNOWN_CA);
	*why = cert ? TLS_FAIL_CERT : TLS_FAIL_PROTOCOL;
	ERR_clear_error();
	return -1;
}

ssize_t tls_read(struct ssl_st *s, void *buf, size_t cap, int *err)
{
	/* SSL_read returns one record at most: read on until the buffer is full
	 * or the socket is empty, so that a short count still means drained */
	size_t got = 0;
	int tries = 0;
	tls_sock_forget();
	while (got < cap) {
		size_t n = 0;
		int rc = SSL_read_ex(s, (char *)buf + got, cap - got, &n);
		if (read_on(s, rc, &tries))
			continue;
		if (rc <= 0) {
			ssize_t r = result_of(s, rc, err);
			if (!got && r == TLS_AGAIN)
				SSL_free_buffers(s); /* a read that found no data (a ticket, an empty
						      * edge): RELEASE_BUFFERS frees only after data */
			return got ? (ssize_t)got : r; /* an end or error after bytes: told by the next call */
		}
		got += n;
	}
	return (ssize_t)got;
}

ssize_t tls_peek(struct ssl_st *s, void *buf, size_t cap, int *err)
{
	size_t n = 0;
	int rc, tries = 0;
	tls_sock_forget();
	do
		rc = SSL_peek_ex(s, buf, cap, &n);
	while (read_on(s, rc, &tries));
	return rc > 0 ? (ssize_t)n : result_of(s, rc, err);
}

ssize_t tls_write(struct ssl_st *s, const void *buf, size_t len, int *err)
{
	size_t n = 0;
	int rc = SSL_write_ex(s, buf, len, &n);
	if (rc > 0)
		return (ssize_t)n;
	ssize_t r = result_of(s, rc, err);
	return r == TLS_EOF ? TLS_FAILED : r;
}

bool tls_resumed(const struct ssl_st *s) { return SSL_session_reused((SSL *)s) == 1; }

bool tls_done(const struct ssl_st *s) { return SSL_is_init_finished(s); }

bool tls_alpn_missed(const struct ssl_st *s)
{
	const unsigned char *p = NULL;
	unsigned len = 0;
	SSL_get0_alpn_selected(s, &p, &len);
	return len == 0;
}
