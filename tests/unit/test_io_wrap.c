/* Fault injection at the transport seam: send and recv are wrapped at link
 * time (-Wl,--wrap=send,--wrap=recv) and return what each test scripts
 * (EINTR, EAGAIN, a short write, data); the engines' one transport calls
 * (client_send/client_recv, server_send/server_recv) must retry on EINTR,
 * wait on EAGAIN with the connection kept, count only the bytes a short
 * write took, and the protocols above them must resume a frame at the
 * byte the kernel stopped at (client) or keep the rest of their output
 * (server). ENOBUFS on send closes the connection and counts it, in one
 * call (no retry loop). accept4 faults are test_io_wrap_accept.c's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/client_engine.h"
#include "../../src/server_engine.h"

/* The script: each call takes the next step; a step is a result (>= 0) or
 * -errno. Past the end the call fails with ENOTCONN (the test then fails). */
static long steps[8];
static size_t nsteps, at, calls;
static size_t last_len;
/* What send was given and took, in order (the bytes the peer would see),
 * and the running offset recv's pattern continues from. */
static uint8_t sent[4096];
static size_t nsent, nrecvd;

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
	(void)fd, (void)flags;
	ssize_t n = scripted(len);
	if (n > 0 && nsent + (size_t)n <= sizeof(sent)) {
		memcpy(sent + nsent, buf, (size_t)n);
		nsent += (size_t)n;
	}
	return n;
}
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd, (void)flags;
	ssize_t n = scripted(len);
	for (ssize_t i = 0; i < n; i++) /* a stream whose every byte says where it was */
		((uint8_t *)buf)[i] = (uint8_t)(nrecvd++ % 251);
	return n;
}

static void script(size_t n, const long *s)
{
	memcpy(steps, s, n * sizeof(*s));
	nsteps = n;
	at = calls = 0;
	nsent = 0;
}

/* A descriptor that is really open, for the paths that close() it. */
static int open_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

static struct wshared sh;
static struct cworker cw;
static struct cconn cc;
static struct client_config ccfg;
static struct run_ctl ctl;

static void client_setup(void)
{
	memset(&sh, 0, sizeof(sh));
	memset(&cw, 0, sizeof(cw));
	memset(&cc, 0, sizeof(cc));
	memset(&ccfg, 0, sizeof(ccfg));
	memset(&ctl, 0, sizeof(ctl));
	cw.sh = &sh;
	cw.cfg = &ccfg;
	cw.ctl = &ctl;
	cw.conns = &cc;
	cw.nconns = 1;
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

static void client_send_enobufs_closes(void **state)
{
	(void)state;
	client_setup();
	cc.fd = open_fd();
	int fd = cc.fd;
	ctr_add(&sh.c.conn_open, 1);
	char buf[100] = {0};
	script(2, (long[]){-ENOBUFS, 100});
	assert_int_equal(client_send(&cw, &cc, buf, sizeof(buf)), -1);
	assert_int_equal(calls, 1); /* no retry: ENOBUFS is no EINTR */
	assert_int_equal(cc.state, CS_CLOSED);
	assert_int_equal(cc.fd, -1);
	assert_false(fd_is_open(fd));
	assert_int_equal(ctr_get(&sh.c.errs[ES_ENOBUFS]), 1);
	assert_int_equal(ctr_get(&sh.c.close[CR_IO_ERROR]), 1);
	assert_int_equal(ctr_get(&sh.c.closed), 1);
	assert_int_equal(ctr_get(&sh.c.conn_open), 0);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 0);
}

/* A request/response protocol whose request seq is 100 bytes that say
 * which request and which byte they are. */
#define FRAME 100
static uint8_t frame_byte(uint32_t seq, size_t i) { return (uint8_t)(seq * 7 + i); }
static ssize_t build_frame(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap)
{
	(void)w;
	assert_true(cap >= FRAME);
	for (size_t i = 0; i < FRAME; i++)
		out[i] = frame_byte(c->seq_tx, i);
	return FRAME;
}
static const struct client_protocol frame_proto = {.name = "frames", .max_in_flight = 4, .build = build_frame};
static uint8_t cscratch[CLIENT_SCRATCH_BYTES];

static void rr_setup(void)
{
	client_setup();
	cw.proto = &frame_proto;
	cw.phase = PHASE_RUN;
	cw.scratch = cscratch;
	cw.req_gap_ns = 1e6;
	cw.r.now_ns = 5000;
	ctl.end_ns = UINT64_MAX;
	cc.t_next = 5000; /* due now */
}

static void client_rr_resumes_frame_at_short_write(void **state)
{
	(void)state;
	rr_setup();
	script(4, (long[]){-EAGAIN, 37, 63, -EAGAIN});
	rr_send_due(&cw, &cc); /* EAGAIN: nothing taken, wait for EPOLLOUT */
	assert_int_equal(cc.flags & CF_WRITABLE, 0);
	assert_int_equal(cc.tx_off, 0);
	assert_int_equal(nsent, 0);
	cc.flags |= CF_WRITABLE;
	rr_send_due(&cw, &cc); /* 37 of 100 taken */
	assert_int_equal(cc.tx_off, 37);
	assert_int_equal(cc.flags & CF_WRITABLE, 0);
	assert_int_equal(cc.seq_tx, 0);
	assert_int_equal(ctr_get(&sh.c.req_sent), 0);
	cc.flags |= CF_WRITABLE;
	rr_send_due(&cw, &cc); /* the rest, from byte 37 of the same request */
	assert_int_equal(last_len, FRAME - 37);
	assert_int_equal(cc.tx_off, 0);
	assert_int_equal(cc.seq_tx, 1);
	assert_int_equal(ctr_get(&sh.c.req_sent), 1);
	/* the peer saw request 0 exactly once, whole and in order */
	assert_int_equal(nsent, FRAME);
	for (size_t i = 0; i < FRAME; i++)
		assert_int_equal(sent[i], frame_byte(0, i));
	assert_int_equal(cc.state, CS_OPEN);
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

static int open_conn(void)
{
	int fd = open_fd();
	assert_true(fd < (int)(sizeof(sconns) / sizeof(sconns[0])));
	sconns[fd].state = SS_OPEN;
	ctr_add(&sh.c.conn_open, 1);
	return fd;
}

static void server_send_enobufs_closes(void **state)
{
	(void)state;
	server_setup();
	int fd = open_conn();
	char buf[50] = {0};
	script(2, (long[]){-ENOBUFS, 50});
	assert_int_equal(server_send(&sw, fd, buf, sizeof(buf)), -1);
	assert_int_equal(calls, 1);
	assert_int_equal(sconns[fd].state, SS_FREE);
	assert_false(fd_is_open(fd));
	assert_int_equal(ctr_get(&sh.c.errs[ES_ENOBUFS]), 1);
	assert_int_equal(ctr_get(&sh.c.close[CR_IO_ERROR]), 1);
	assert_int_equal(ctr_get(&sh.c.closed), 1);
	assert_int_equal(ctr_get(&sh.c.conn_open), 0);
}

static uint8_t sscratch[SERVER_PEEK_BYTES];

/* Echo: a short write keeps the rest of what was read; EPOLLOUT sends it
 * before anything new is read, so the peer gets every byte once, in order. */
static void server_echo_keeps_output_at_short_write(void **state)
{
	(void)state;
	server_setup();
	assert_int_equal(carry_init(&sw.carry, 64, SERVER_PEEK_BYTES), 0);
	sw.scratch = sscratch;
	sw.proto = &server_proto_echo;
	nrecvd = 0;
	int fd = open_conn();
	struct sconn *c = &sconns[fd];
	script(4, (long[]){100, 30, 70, -EAGAIN}); /* recv 100, send takes 30; later 70, recv empty */
	server_proto_echo.serve(&sw, fd, c, EPOLLIN);
	assert_int_equal(calls, 2); /* stopped reading: backpressure */
	assert_int_equal(nsent, 30);
	assert_int_not_equal(c->carry, 0);
	assert_int_equal(c->pend_len - c->pend_off, 70);
	server_proto_echo.serve(&sw, fd, c, EPOLLOUT);
	assert_int_equal(c->carry, 0);
	assert_int_equal(nsent, 100);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(sent[i], (uint8_t)(i % 251));
	assert_int_equal(c->state, SS_OPEN);
	assert_int_equal(ctr_get(&sh.c.closed), 0);
	assert_int_equal(ctr_get(&sh.c.bytes_out), 100);
	server_conn_close(&sw, fd, CR_RUN_END, 0);
	carry_destroy(&sw.carry);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_send_retries_eintr),     cmocka_unit_test(client_send_waits_on_eagain),
		cmocka_unit_test(client_send_short_write),       cmocka_unit_test(client_recv_eintr_then_eagain),
		cmocka_unit_test(server_send_retries_eintr),     cmocka_unit_test(server_send_eagain_and_short),
		cmocka_unit_test(server_recv_eintr_then_eagain),
		cmocka_unit_test(client_send_enobufs_closes),    cmocka_unit_test(client_rr_resumes_frame_at_short_write),
		cmocka_unit_test(server_send_enobufs_closes),    cmocka_unit_test(server_echo_keeps_output_at_short_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
