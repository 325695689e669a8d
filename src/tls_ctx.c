/* The TLS contexts, built once from the options before the load (a file
 * OpenSSL cannot use is a usage error naming the option), and the socket
 * BIO every TLS connection writes through (send with MSG_NOSIGNAL: a peer
 * that reset must not raise SIGPIPE in a load generator). */
#include "tls_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <openssl/err.h>

bool tls_built_in(void) { return true; }

/* ---- the socket BIO: recv/send on the fd in the BIO's data ---------------- */

static BIO_METHOD *sock_method;
/* The contexts live to the end of the process (the workers' SSL objects
 * hold them; processes exit with them): kept here, not lost with argv. */
static SSL_CTX *client_ctx, *server_ctx;

static int sock_write(BIO *b, const char *buf, int len)
{
	ssize_t n;
	do /* a signal: again now, as the plain path (a retry flag waited for an EPOLLOUT edge) */
		n = send((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)n;
}

static _Thread_local bool last_read_empty; /* each worker thread reads its own sockets */

bool tls_sock_drained(void) { return last_read_empty; }
void tls_sock_forget(void) { last_read_empty = false; }

static int sock_read(BIO *b, char *buf, int len)
{
	ssize_t n;
	do /* a signal: again now (test_io_wrap_tls) */
		n = recv((int)(intptr_t)BIO_get_data(b), buf, (size_t)len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	BIO_clear_retry_flags(b);
	last_read_empty = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	if (last_read_empty)
		BIO_set_retry_read(b);
	return (int)n;
}

static long sock_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* unbuffered: nothing else applies */
}

static int sock_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

BIO *tls_sock_bio(int fd)
{
	BIO *b = BIO_new(sock_method);
	if (b)
		BIO_set_data(b, (void *)(intptr_t)fd);
	return b;
}

static int sock_method_init(void)
{
	if (sock_method)
		return 0;
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tcpswarm socket");
	if (!m || !BIO_meth_set_write(m, sock_write) || !BIO_meth_set_read(m, sock_read) ||
	    !BIO_meth_set_ctrl(m, sock_ctrl) || !BIO_meth_set_create(m, sock_create))
		return -1;
	sock_method = m; /* lives to the end of the process, shared read-only */
	return 0;
}

/* ---- contexts ----------------------------------------------------------------- */

/* OpenSSL's reason for the last failure, and the queue emptied. */
static const char *reason(char *buf, size_t cap)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, buf, cap);
	else
		snprintf(buf, cap, "%s", errno ? strerror(errno) : "unknown error");
	ERR_clear_error();
	return buf;
}

static int fail(char *err, size_t cap, const char *opt, const char *file)
{
	char why[256];
	reason(why, sizeof(why));
	if (file)
		snprintf(err, cap, "option %s: '%s': %s", opt, file, why);
	else
		snprintf(err, cap, "option %s: %s", opt, why);
	return -1;
}

/* Both sides: no record buffers held by an idle connection, writes that
 * may move and complete in part (the engines rebuild a partial write),
 * a FIN without close_notify read as an end, not an error; TLS 1.2 or
 * later. */
static SSL_CTX *ctx_new(const SSL_METHOD *m)
{
	SSL_CTX *ctx = SSL_CTX_new(m);
	if (!ctx)
		return NULL;
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_ENABLE_PARTIAL_WRITE);
	/* SSL_MODE_AUTO_RETRY stays (OpenSSL 3's default): without it a read
	 * that handled a post-handshake message (a session ticket) returns
	 * WANT_READ with records still in the socket, and an edge-triggered
	 * reader would take that for drained (seen: replies left unread) */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	return ctx;
}

/* "h2,http/1.1" as ALPN's wire form: length-prefixed names. */
static int alpn_wire(const char *list, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = 0;
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == 0 || k > 255 || n + 1 + k > cap)
			return -1;
		out[n++] = (unsigned char)k;
		memcpy(out + n, p, k);
		n += k;
		p += k + (p[k] == ',');
		if (p[-1] == ',' && !*p)
			return -1; /* a trailing comma */
	}
	*len = n;
	return n ? 0 : -1;
}

/* A new session ticket: kept where the connection's owner asked (one per
 * owner, the newest), for the next handshake to resume. */
static int keep_session(SSL *s, SSL_SESSION *sess)
{
	SSL_SESSION **keep = SSL_get_app_data(s);
	if (!keep)
		return 0; /* not taken: OpenSSL frees it */
	if (*keep)
		SSL_SESSION_free(*keep);
	*keep = sess;
	return 1;
}

/* The name a certificate is checked against and sent as SNI: --sni, else
 * a URL target's host name (not an address literal). */
static const char *client_name(struct client_config *cfg)
{
	static char name[sizeof(cfg->url_host)];
	if (cfg->tls_sni || !cfg->has_url)
		return cfg->tls_sni;
	snprintf(name, sizeof(name), "%s", cfg->url_host);
	char *colon = strrchr(name, ':');
	if (name[0] == '[')
		return NULL; /* [IPv6]: an address */
	if (colon)
		*colon = 0;
	unsigned char a[4];
	return inet_pton(AF_INET, name, a) == 1 ? NULL : name;
}

static int client_verify(struct client_config *cfg, SSL_CTX *ctx, char *err, size_t cap)
{
	if (cfg->tls_insecure) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cfg->tls_ca ? !SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) : !SSL_CTX_set_default_verify_paths(ctx))
		return fail(err, cap, cfg->tls_ca ? "--ca" : "--tls (the system's CA store)", cfg->tls_ca);
	if (cfg->tls_sni && !X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx), cfg->tls_sni, 0))
		return fail(err, cap, "--sni", cfg->tls_sni);
	return 0;
}

int tls_client_ctx_new(struct client_config *cfg, char *err, size_t cap)
{
	SSL_CTX *ctx = NULL;
	if (sock_method_init() < 0 || !(ctx = ctx_new(TLS_client_method())))
		return fail(err, cap, "--tls", NULL);
	cfg->tls_sni = client_name(cfg);
	if (client_verify(cfg, ctx, err, cap) < 0)
		goto bad;
	if (cfg->tls_alpn) {
		unsigned char wire[1024];
		size_t len;
		if (alpn_wire(cfg->tls_alpn, wire, sizeof(wire), &len) < 0) {
			snprintf(err, cap, "option --alpn: '%s': expected a comma list of protocol names of 1-255 bytes "
				 "(e.g. h2,http/1.1)", cfg->tls_alpn);
			goto bad;
		}
		if (SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)len) != 0) {
			fail(err, cap, "--alpn", cfg->tls_alpn);
			goto bad;
		}
	}
	if (cfg->tls_resume) {
		/* tickets go to the connection's owner (keep_session), not to a
		 * cache shared (and locked) between the workers */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, keep_session);
	}
	SSL_CTX_free(client_ctx); /* a second parse (tests, --find steps share one) */
	cfg->tls_ctx = client_ctx = ctx;
	return 0;
bad:
	SSL_CTX_free(ctx);
	return -1;
}

int tls_server_ctx_new(struct server_config *cfg, char *err, size_t cap)
{
	if (!cfg->tls_cert || !cfg->tls_key) {
		snprintf(err, cap, "option %s: needs %s too (a certificate and its private key, PEM files)",
			 cfg->tls_cert ? "--tls-cert" : "--tls-key", cfg->tls_cert ? "--tls-key" : "--tls-cert");
		return -1;
	}
	SSL_CTX *ctx = NULL;
	if (sock_method_init() < 0 || !(ctx = ctx_new(TLS_server_method())))
		return fail(err, cap, "--tls-cert", NULL);
	int rc = -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1)
		fail(err, cap, "--tls-cert", cfg->tls_cert);
	else if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1)
		fail(err, cap, "--tls-key", cfg->tls_key);
	else if (SSL_CTX_check_private_key(ctx) != 1)
		fail(err, cap, "--tls-key", cfg->tls_key);
	else
		rc = 0;
	if (rc < 0) {
		SSL_CTX_free(ctx);
		return -1;
	}
	/* resumption by stateless tickets only: no session cache shared (and
	 * locked) between the workers, nor growing with the clients; one
	 * ticket per handshake is enough for a load generator to resume */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_free(server_ctx);
	cfg->tls_ctx = server_ctx = ctx;
	return 0;
}
