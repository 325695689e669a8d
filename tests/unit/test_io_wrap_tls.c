/* A signal under TLS: send and recv are wrapped at link time
 * (-Wl,--wrap=send,--wrap=recv) and fail once with EINTR before the real
 * call. The TLS calls must retry as the plain path does: a handshake step
 * still sends its flight, a write still writes (an EINTR taken for "socket
 * full" waits for an EPOLLOUT edge that never comes), a read still reads.
 * Client and server run over a socketpair with a throwaway certificate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tcpswarm/tls.h"

static int eintr_send, eintr_recv; /* calls still to fail with EINTR */
static size_t sends, recvs;

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	sends++;
	if (eintr_send > 0) {
		eintr_send--;
		errno = EINTR;
		return -1;
	}
	return __real_send(fd, buf, len, flags);
}
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	recvs++;
	if (eintr_recv > 0) {
		eintr_recv--;
		errno = EINTR;
		return -1;
	}
	return __real_recv(fd, buf, len, flags);
}

static char dir[] = "/tmp/tcpswarm-tls-XXXXXX";
static char cert_path[64], key_path[64];
static struct client_config ccfg = {.tls = true, .tls_insecure = true};
static struct server_config scfg;

/* A self-signed P-256 certificate and its key, as PEM files in dir. */
static void write_cert(void)
{
	assert_non_null(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/c.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/k.pem", dir);
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_true(k && x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	FILE *f = fopen(cert_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	assert_non_null(f = fopen(key_path, "w"));
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static int group_setup(void **state)
{
	(void)state;
	char err[512];
	write_cert();
	scfg.tls_cert = cert_path;
	scfg.tls_key = key_path;
	if (tls_client_ctx_new(&ccfg, err, sizeof(err)) < 0 || tls_server_ctx_new(&scfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	return 0;
}

static int sv[2];
static struct ssl_st *cli, *srv;

static int pair_setup(void **state)
{
	(void)state;
	eintr_send = eintr_recv = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	cli = tls_conn_new(ccfg.tls_ctx, sv[0], false, NULL, NULL);
	srv = tls_conn_new(scfg.tls_ctx, sv[1], true, NULL, NULL);
	return cli && srv ? 0 : -1;
}

static int pair_teardown(void **state)
{
	(void)state;
	tls_conn_free(cli, false);
	tls_conn_free(srv, false);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Both sides step until both are done (a few flights over the pair). */
static void handshake(void)
{
	enum tls_fail why;
	int err = 0, c = 0, s = 0;
	for (int i = 0; i < 20 && (c != 1 || s != 1); i++) {
		if (c != 1)
			c = tls_handshake(cli, &why, &err);
		if (s != 1)
			s = tls_handshake(srv, &why, &err);
		assert_true(c >= 0 && s >= 0);
	}
	assert_int_equal(c, 1);
	assert_int_equal(s, 1);
}

static size_t pending(int fd)
{
	char b[4096];
	ssize_t n = __real_recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	return n > 0 ? (size_t)n : 0;
}

static void handshake_step_retries_eintr(void **state)
{
	(void)state;
	enum tls_fail why;
	int err = 0;
	eintr_send = 1;
	sends = 0;
	assert_int_equal(tls_handshake(cli, &why, &err), 0); /* waits for the server's flight... */
	assert_true(sends >= 2);
	assert_true(pending(sv[1]) > 0); /* ...having sent its ClientHello */
	handshake();
}

static void write_retries_eintr(void **state)
{
	(void)state;
	handshake();
	int err = 0;
	eintr_send = 1;
	assert_int_equal(tls_write(cli, "hello", 5, &err), 5);
	assert_int_equal(eintr_send, 0);
	char buf[16];
	assert_int_equal(tls_read(srv, buf, sizeof(buf), &err), 5);
	assert_memory_equal(buf, "hello", 5);
}

static void read_retries_eintr(void **state)
{
	(void)state;
	handshake();
	int err = 0;
	assert_int_equal(tls_write(srv, "world", 5, &err), 5);
	eintr_recv = 1;
	char buf[16];
	assert_int_equal(tls_read(cli, buf, sizeof(buf), &err), 5);
	assert_int_equal(eintr_recv, 0);
	assert_memory_equal(buf, "world", 5);
	/* and a peek as well */
	assert_int_equal(tls_write(cli, "again", 5, &err), 5);
	eintr_recv = 1;
	assert_int_equal(tls_peek(srv, buf, sizeof(buf), &err), 5);
	assert_memory_equal(buf, "again", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handshake_step_retries_eintr, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(write_retries_eintr, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(read_retries_eintr, pair_setup, pair_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
