/* Fault injection at the transport seam: send and recv are wrapped at link
 * time (-Wl,--wrap=send,--wrap=recv) and return what each test scripts
 * (EINTR, EAGAIN, a short write, data); the engines' one transport calls
 * (client_send/client_recv, server_send/server_recv) must retry on EINTR,
 * wait on EAGAIN with the connection kept, count only the bytes a short
 * write took (the caller resumes from there). Paths that close a
 * connection (EMFILE, ENOBUFS, resets) need a whole worker and are left to
 * the integration tests (server_emfile, refused, target_gone). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cmocka.h>

#include "../../src/client_engine.h"
#include "../../src/server_engine.h"

/* The script: each call takes the next step; a step is a result (>= 0) or
 * -errno. Past the end the call fails with ENOTCONN (the test then fails). */
static long steps[8];
static size_t nsteps, at, calls;
static size_t last_len;

static ssize_t scripted(size_t len)
{
	calls++;
	last_len = len;
	if (at >= nsteps) {
		errno = ENOTCONN;
		return -1;
	}
	long s = steps[at++];
	if (s < 0) {
		errno = (int)-s;
		return -1;
	}
	return (ssize_t)((size_t)s < len ? (size_t)s : len);
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd, (void)buf, (void)flags;
	return scripted(len);
}
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd, (void)flags;
	ssize_t n = scripted(len);
	if (n > 0)
		memset(buf, 'r', (size_t)n);
	return n;
}

static void script(size_t n, const long *s)
{
	memcpy(steps, s, n * sizeof(*s));
	nsteps = n;
	at = calls = 0;
}

static struct wshared sh;
static struct cworker cw;
static struct cconn cc;

static void client_setup(void)
{
	memset(&sh, 0, sizeof(sh));
	memset(&cw, 0, sizeof(cw));
	memset(&cc, 0, sizeof(cc));
	cw.sh = &sh;
	cc.fd = 42;
	cc.state = CS_OPEN;
	cc.flags = CF_WRITABLE;
}

static void client_send_retries_eintr(void **state)
{
	(void)state;
	client_setup();
	char buf[100] = {0};
	script(2, (long[]){-EINTR, 100});
	assert_int_equal(client_send(&cw, &cc, buf, sizeof(buf)), 100);
	assert_int_equal(calls, 2);
	assert_int_equal(cc.state, CS_OPEN);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 100);
}

static void client_send_waits_on_eagain(void **state)
{
	(void)state;
	client_setup();
	char buf[100] = {0};
	script(1, (long[]){-EAGAIN});
	assert_int_equal(client_send(&cw, &cc, buf, sizeof(buf)), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(cc.state, CS_OPEN);        /* the slot is kept */
	assert_int_equal(cc.flags & CF_WRITABLE, 0); /* until EPOLLOUT */
	assert_int_equal(ctr_get(&sh.c.bytes_out), 0);
}

static void client_send_short_write(void **state)
{
	(void)state;
	client_setup();
	char buf[100] = {0};
	script(2, (long[]){37, 63});
	assert_int_equal(client_send(&cw, &cc, buf, sizeof(buf)), 37);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 37);
	/* the caller resumes at offset 37: the next call asks for the rest only */
	assert_int_equal(client_send(&cw, &cc, buf + 37, sizeof(buf) - 37), 63);
	assert_int_equal(last_len, 63);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 100);
	assert_int_equal(cc.state, CS_OPEN);
}

static void client_recv_eintr_then_eagain(void **state)
{
	(void)state;
	client_setup();
	char buf[64];
	script(3, (long[]){-EINTR, 10, -EAGAIN});
	assert_int_equal(client_recv(&cw, &cc, buf, sizeof(buf)), 10);
	assert_int_equal(calls, 2);
	assert_int_equal(client_recv(&cw, &cc, buf, sizeof(buf)), 0);
	assert_int_equal(cc.state, CS_OPEN);
	assert_int_equal(ctr_get(&sh.c.bytes_in), 10);
}

static struct sworker sw;
static struct sconn sconns[64];

static void server_setup(void)
{
	memset(&sh, 0, sizeof(sh));
	memset(&sw, 0, sizeof(sw));
	memset(sconns, 0, sizeof(sconns));
	sw.sh = &sh;
	sw.conns = sconns;
}

static void server_send_retries_eintr(void **state)
{
	(void)state;
	server_setup();
	char buf[50] = {0};
	script(2, (long[]){-EINTR, 50});
	assert_int_equal(server_send(&sw, 42, buf, sizeof(buf)), 50);
	assert_int_equal(calls, 2);
	assert_true(sconns[42].flags & SF_ACTIVE);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 50);
	assert_int_equal(ctr_get(&sh.c.closed), 0);
}

static void server_send_eagain_and_short(void **state)
{
	(void)state;
	server_setup();
	char buf[50] = {0};
	script(2, (long[]){-EAGAIN, 20});
	assert_int_equal(server_send(&sw, 42, buf, sizeof(buf)), 0);
	assert_int_equal(ctr_get(&sh.c.closed), 0); /* kept, waits for EPOLLOUT */
	assert_int_equal(server_send(&sw, 42, buf, sizeof(buf)), 20);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 20);
}

static void server_recv_eintr_then_eagain(void **state)
{
	(void)state;
	server_setup();
	char buf[64];
	script(3, (long[]){-EINTR, 24, -EAGAIN});
	assert_int_equal(server_recv(&sw, 42, buf, sizeof(buf)), 24);
	assert_int_equal(server_recv(&sw, 42, buf, sizeof(buf)), 0);
	assert_int_equal(ctr_get(&sh.c.bytes_in), 24);
	assert_int_equal(ctr_get(&sh.c.closed), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_send_retries_eintr),     cmocka_unit_test(client_send_waits_on_eagain),
		cmocka_unit_test(client_send_short_write),       cmocka_unit_test(client_recv_eintr_then_eagain),
		cmocka_unit_test(server_send_retries_eintr),     cmocka_unit_test(server_send_eagain_and_short),
		cmocka_unit_test(server_recv_eintr_then_eagain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
