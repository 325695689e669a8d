/* run: the skeleton drives a role's hooks in order, in one process and
 * over worker processes, and passes the role's exit statuses through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "tcpswarm/fanout.h"
#include "tcpswarm/report.h"
#include "tcpswarm/run.h"
#include "tcpswarm/stats.h"

/* A role whose workers only follow the phase: no sockets. */
struct fake {
	char log[256];     /* hooks in the order they ran (this process) */
	int fail_id;       /* worker_new fails for this id; -1 none */
	int finish_status; /* what finish returns */
	int status_seen;   /* the status finish was handed */
	unsigned workers_planned, done_seen;
	unsigned created, freed;
	struct fake_worker {
		struct run_ctl *ctl;
		struct wshared *sh;
	} w[8];
};

static void note(struct fake *f, const char *what)
{
	strncat(f->log, what, sizeof(f->log) - strlen(f->log) - 1);
}

static int fake_planned(void *ctx, unsigned workers)
{
	struct fake *f = ctx;
	f->workers_planned = workers;
	note(f, "planned ");
	return 0;
}

static int fake_prepare(void *ctx, struct run *run)
{
	assert_non_null(run->ctl);
	assert_non_null(run->sh);
	note(ctx, "prepare ");
	return 0;
}

static void fake_started(void *ctx, const struct run *run)
{
	(void)run;
	note(ctx, "started ");
}

static void *fake_new(void *ctx, const struct run *run, unsigned id, char *err, size_t errcap)
{
	struct fake *f = ctx;
	if ((int)id == f->fail_id) {
		snprintf(err, errcap, "worker %u refused", id);
		return NULL;
	}
	f->created++;
	f->w[id] = (struct fake_worker){run->ctl, &run->sh[id]};
	return &f->w[id];
}

static void *fake_main(void *arg)
{
	struct fake_worker *w = arg;
	int phase;
	while ((phase = atomic_load(&w->ctl->phase)) != PHASE_STOP) {
		atomic_store(&w->sh->phase_seen, phase);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	atomic_store(&w->sh->done, 1);
	return NULL;
}

static void fake_wake(void *w) { (void)w; }

static void fake_free(void *w)
{
	(void)w;
}

static int fake_finish(void *ctx, struct run *run, int status)
{
	struct fake *f = ctx;
	f->status_seen = status;
	for (unsigned i = 0; i < run->workers; i++)
		f->done_seen += (unsigned)atomic_load(&run->sh[i].done);
	assert_int_equal(run->rep->workers, run->workers);
	assert_int_equal(run->rep->processes, run->procs);
	note(f, "finish ");
	return f->finish_status;
}

static void fake_cleanup(void *ctx, struct run *run)
{
	(void)run;
	note(ctx, "cleanup");
}

static struct run_role fake_role(struct fake *f, struct common_config *com)
{
	memset(f, 0, sizeof(*f));
	f->fail_id = -1;
	return (struct run_role){
		.name = "fake", .com = com, .conns = 8, .conns_exact = true, .conns_flag = "-c",
		.fd_per_worker = 3, .load_ns = 50000000, .drains = true, .drain_ns = 1000000000,
		.start_fail_status = 7, .ctx = f, .planned = fake_planned, .prepare = fake_prepare,
		.started = fake_started, .worker_new = fake_new, .worker_main = fake_main, .worker_wake = fake_wake,
		.worker_free = fake_free, .finish = fake_finish, .cleanup = fake_cleanup,
	};
}

static void test_one_process_runs_hooks_in_order(void **state)
{
	(void)state;
	struct common_config com = {.workers = 2, .processes = 1, .quiet = true};
	struct fake f;
	struct run_role role = fake_role(&f, &com);
	f.finish_status = 5;
	assert_int_equal(run_main(&role), 5);
	assert_string_equal(f.log, "planned prepare started finish cleanup");
	assert_int_equal(f.workers_planned, 2);
	assert_int_equal(f.created, 2);
	assert_int_equal(f.done_seen, 2); /* stopped and joined before finish */
	assert_int_equal(f.status_seen, 0);
}

static void test_worker_that_cannot_start_gives_role_status(void **state)
{
	(void)state;
	struct common_config com = {.workers = 3, .processes = 1, .quiet = true};
	struct fake f;
	struct run_role role = fake_role(&f, &com);
	f.fail_id = 1;
	assert_int_equal(run_main(&role), 7);
	assert_string_equal(f.log, "planned prepare cleanup"); /* no report */
	assert_int_equal(f.created, 1);
}

static void test_worker_processes_publish_before_finish(void **state)
{
	(void)state;
	struct common_config com = {.workers = 1, .processes = 2, .quiet = true};
	struct fake f;
	struct run_role role = fake_role(&f, &com);
	assert_int_equal(run_main(&role), 0);
	assert_string_equal(f.log, "planned prepare started finish cleanup");
	assert_int_equal(f.workers_planned, 2);
	assert_int_equal(f.created, 0);   /* the children made them */
	assert_int_equal(f.done_seen, 2); /* their figures are shared */
	assert_int_equal(f.status_seen, 0);
}

static void test_child_that_cannot_start_fails_the_run(void **state)
{
	(void)state;
	struct common_config com = {.workers = 1, .processes = 2, .quiet = true};
	struct fake f;
	struct run_role role = fake_role(&f, &com);
	f.fail_id = 1; /* worker process 1 exits with start_fail_status */
	assert_int_equal(run_main(&role), 0); /* finish decides: it returns 0 */
	assert_int_equal(f.status_seen, 1);  /* but was told the run failed */
}

static void test_processes_that_cannot_hold_conns_are_refused(void **state)
{
	(void)state;
	struct common_config com = {.workers = 1, .processes = 1, .quiet = true};
	struct fake f;
	struct run_role role = fake_role(&f, &com);
	role.conns = 1ULL << 40; /* more than any RLIMIT_NOFILE */
	assert_int_equal(run_main(&role), EXIT_USAGE);
	assert_string_equal(f.log, "cleanup");
}

/* FDSize in /proc/self/status: the slots of this process's descriptor table. */
static unsigned long fd_table_slots(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	char line[256];
	unsigned long n = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "FDSize: %lu", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_fd_table_reserve_grows_the_table_and_keeps_every_descriptor(void **state)
{
	(void)state;
	struct rlimit rl, was;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	if (was.rlim_max != RLIM_INFINITY && was.rlim_max < 8192)
		skip(); /* a hard limit this low caps the reservation */
	/* a known soft limit: an earlier test raised it to the hard one, which
	 * may be a billion in a container (an 8 GiB table) */
	rl = was;
	rl.rlim_cur = 8192;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int low = lowest_free_fd();
	assert_true(fd_table_slots() < 5000);
	assert_int_equal(fd_table_reserve(5000), 0);
	assert_true(fd_table_slots() >= 5000);
	assert_int_equal(lowest_free_fd(), low); /* nothing left open */
	assert_true(fcntl(STDERR_FILENO, F_GETFD) >= 0);
	/* past the soft limit a dup would fail (EINVAL): the request is capped */
	assert_int_equal(fd_table_reserve(1ULL << 40), 0);
	assert_true(fd_table_slots() <= 8192);
	assert_int_equal(lowest_free_fd(), low);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_process_runs_hooks_in_order),
		cmocka_unit_test(test_worker_that_cannot_start_gives_role_status),
		cmocka_unit_test(test_worker_processes_publish_before_finish),
		cmocka_unit_test(test_child_that_cannot_start_fails_the_run),
		cmocka_unit_test(test_processes_that_cannot_hold_conns_are_refused),
		cmocka_unit_test(test_fd_table_reserve_grows_the_table_and_keeps_every_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
