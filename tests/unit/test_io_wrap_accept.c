/* Fault injection at the server's accept: accept4 is wrapped at link time
 * (-Wl,--wrap=accept4) and returns what each test scripts, into real
 * workers (sworker_new on 127.0.0.1, port 0) driven through their reactor
 * callbacks. At EMFILE/ENFILE a worker gives up its reserve descriptor,
 * accepts and closes what queued (counted), takes the reserve back, and
 * each worker does so with its own reserve; a worker whose reserve was
 * taken by another thread is stuck until a descriptor is free, then its
 * sampling tick drains the queue. ECONNABORTED and EINTR are no errors. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/server_engine.h"

/* Script steps: -errno, or one of these. Past the end: EAGAIN (queue empty). */
enum { ACCEPT = 1, /* a connection: one end of a socketpair, the "client" end kept */
       STEAL      /* another worker takes the descriptor just freed, then EMFILE */
};
static long steps[16];
static size_t nsteps, at, calls;
static int clients[16], nclients; /* the kept ends, in order */
static int stolen = -1;

int __wrap_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags);
int __wrap_accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags)
{
	(void)fd, (void)a, (void)alen;
	calls++;
	long s = at < nsteps ? steps[at++] : -EAGAIN;
	if (s == ACCEPT) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | (flags & SOCK_NONBLOCK), 0, sv), 0);
		clients[nclients++] = sv[1];
		return sv[0];
	}
	if (s == STEAL) {
		stolen = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(stolen >= 0);
		s = -EMFILE;
	}
	errno = (int)-s;
	return -1;
}

static void script(size_t n, const long *s)
{
	memcpy(steps, s, n * sizeof(*s));
	nsteps = n;
	at = calls = 0;
}

static struct server_config cfg = {.bind = "127.0.0.1", .backlog = 16, .mode = MODE_ECHO};
static struct run_ctl ctl;
static struct server_shared ss;
static struct wshared sh[2];
static struct sworker *w[2];

static int setup(void **state)
{
	(void)state;
	char err[256] = "";
	memset(sh, 0, sizeof(sh));
	nclients = 0;
	stolen = -1;
	if (server_shared_init(&ss, &cfg, &ctl, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	for (unsigned i = 0; i < 2; i++)
		if (!(w[i] = sworker_new(&ss, &sh[i], i, err, sizeof(err))))
			fail_msg("%s", err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++)
		sworker_free(w[i]);
	server_shared_destroy(&ss);
	for (int i = 0; i < nclients; i++)
		close(clients[i]);
	if (stolen >= 0)
		close(stolen);
	return 0;
}

static void listener_ready(struct sworker *x) { x->r.ops.on_io(x->r.ctx, LISTENER_DATA, EPOLLIN); }
static bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

/* The connection behind the kept end k was closed by the server. */
static bool closed_by_server(int k)
{
	char b;
	return recv(clients[k], &b, 1, MSG_DONTWAIT) == 0;
}

static void sheds_at(int err, enum errslot slot)
{
	int reserve = w[0]->reserve_fd;
	assert_true(reserve >= 0 && fd_is_open(reserve));
	script(6, (long[]){-err, ACCEPT, -err, ACCEPT, -err, -EAGAIN});
	listener_ready(w[0]);
	assert_int_equal(calls, 6); /* drained, then stopped: no spin */
	assert_int_equal(nclients, 2);
	assert_true(closed_by_server(0));
	assert_true(closed_by_server(1));
	assert_int_equal(ctr_get(&sh[0].c.accept_errors), 2);
	assert_int_equal(ctr_get(&sh[0].c.errs[slot]), 2);
	assert_int_equal(ctr_get(&sh[0].c.accepted), 0);
	assert_int_equal(ctr_get(&sh[0].c.conn_open), 0);
	/* the reserve is back for the next time */
	assert_true(w[0]->reserve_fd >= 0 && fd_is_open(w[0]->reserve_fd));
	assert_false(w[0]->accept_stuck);
	/* and descriptors free again: the next connection is served */
	script(1, (long[]){ACCEPT});
	listener_ready(w[0]);
	assert_int_equal(ctr_get(&sh[0].c.accepted), 1);
	assert_int_equal(ctr_get(&sh[0].c.conn_open), 1);
	assert_false(closed_by_server(2));
}

static void emfile_sheds_the_queue(void **state)
{
	(void)state;
	sheds_at(EMFILE, ES_EMFILE);
}

static void enfile_sheds_the_queue(void **state)
{
	(void)state;
	sheds_at(ENFILE, ES_ENFILE);
}

static void aborted_and_interrupted_are_no_errors(void **state)
{
	(void)state;
	script(4, (long[]){-ECONNABORTED, -EINTR, ACCEPT, -EAGAIN});
	listener_ready(w[0]);
	assert_int_equal(calls, 4);
	assert_int_equal(ctr_get(&sh[0].c.accepted), 1);
	assert_int_equal(ctr_get(&sh[0].c.accept_errors), 0);
}

static void other_errors_counted_once(void **state)
{
	(void)state;
	script(2, (long[]){-ENOMEM, ACCEPT});
	listener_ready(w[0]);
	assert_int_equal(calls, 1); /* counted, and the next edge tries again */
	assert_int_equal(ctr_get(&sh[0].c.accept_errors), 1);
	assert_int_equal(ctr_get(&sh[0].c.errs[ES_ENOMEM]), 1);
	assert_int_equal(ctr_get(&sh[0].c.accepted), 0);
}

/* The process table full: every descriptor up to a low RLIMIT_NOFILE taken
 * by fillers (given back by the caller). */
static int fill[256], nfill;
static struct rlimit saved_nofile;
static void table_full(void)
{
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved_nofile), 0);
	struct rlimit low = {.rlim_cur = 200, .rlim_max = saved_nofile.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	nfill = 0;
	int fd;
	while (nfill < 256 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fill[nfill++] = fd;
	assert_int_equal(errno, EMFILE);
}
static void table_free(void)
{
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	nfill = 0;
	setrlimit(RLIMIT_NOFILE, &saved_nofile);
}

/* Worker 0's reserve is lost to another thread: it is stuck, while worker 1
 * keeps shedding with its own reserve; once a descriptor is free, worker
 * 0's sampling tick takes a reserve again and drains what queued. */
static void each_worker_sheds_with_its_own_reserve(void **state)
{
	(void)state;
	int r0 = w[0]->reserve_fd, r1 = w[1]->reserve_fd;
	assert_true(r0 >= 0 && r1 >= 0 && r0 != r1);
	table_full();
	script(2, (long[]){-EMFILE, STEAL}); /* shed_one's accept4 finds the slot taken */
	listener_ready(w[0]);
	assert_int_equal(w[0]->reserve_fd, -1);
	assert_true(w[0]->accept_stuck);
	assert_int_equal(ctr_get(&sh[0].c.accept_errors), 0); /* nothing was shed */

	close(fill[--nfill]); /* room for the socketpair that stands for the client */
	script(3, (long[]){-EMFILE, ACCEPT, -EAGAIN});
	listener_ready(w[1]); /* worker 1 still sheds, with its own reserve */
	assert_int_equal(ctr_get(&sh[1].c.accept_errors), 1);
	assert_true(closed_by_server(0));
	assert_true(w[1]->reserve_fd >= 0 && fd_is_open(w[1]->reserve_fd));
	assert_true(w[0]->accept_stuck);

	table_free();
	close(stolen);
	stolen = -1;
	script(2, (long[]){ACCEPT, -EAGAIN});
	w[0]->r.now_ns = w[0]->next_sample_ns; /* the next sampling tick */
	w[0]->r.ops.on_turn(w[0]->r.ctx);
	assert_true(w[0]->reserve_fd >= 0);
	assert_false(w[0]->accept_stuck);
	assert_int_equal(ctr_get(&sh[0].c.accepted), 1);
	assert_false(closed_by_server(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(emfile_sheds_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(enfile_sheds_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(aborted_and_interrupted_are_no_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(other_errors_counted_once, setup, teardown),
		cmocka_unit_test_setup_teardown(each_worker_sheds_with_its_own_reserve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
