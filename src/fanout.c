#include "tcpswarm/fanout.h"

#include "tcpswarm/reactor.h" /* mono_ns */
#include "tcpswarm/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int fanout_start(struct fanout *f, size_t n, int (*child)(size_t k, void *arg), void *arg)
{
	memset(f, 0, sizeof(*f));
	f->pids = calloc(n, sizeof(*f->pids));
	f->status = calloc(n, sizeof(*f->status));
	f->reaped = calloc(n, sizeof(*f->reaped));
	if (!f->pids || !f->status || !f->reaped) {
		fanout_free(f);
		return -ENOMEM;
	}
	pid_t parent = getpid();
	fflush(NULL); /* no stdio buffer is written twice */
	for (size_t k = 0; k < n; k++) {
		pid_t p = fork();
		if (p < 0) {
			int e = errno;
			fanout_wait(f, 0);
			fanout_free(f);
			return -e;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent) /* the parent died before prctl */
				_exit(1);
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_DFL);
			int rc = child(k, arg);
			fflush(NULL);
			_exit(rc);
		}
		f->pids[k] = p;
		f->n = k + 1;
	}
	return 0;
}

static void describe(const struct fanout *f, size_t k, char *msg, size_t cap)
{
	int st = f->status[k];
	if (WIFSIGNALED(st))
		snprintf(msg, cap, "worker process %zu (pid %d) was killed by signal %d (%s)", k, (int)f->pids[k],
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(msg, cap, "worker process %zu (pid %d) exited with status %d", k, (int)f->pids[k],
			 WEXITSTATUS(st));
}

static bool abnormal(int st) { return WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0); }

long fanout_poll(struct fanout *f, char *msg, size_t cap)
{
	long bad = -1;
	for (size_t k = 0; k < f->n; k++) {
		if (f->reaped[k])
			continue;
		pid_t r = waitpid(f->pids[k], &f->status[k], WNOHANG);
		if (r == f->pids[k]) {
			f->reaped[k] = true;
			if (abnormal(f->status[k]) && bad < 0) {
				bad = (long)k;
				describe(f, k, msg, cap);
			}
		}
	}
	return bad;
}

int fanout_wait(struct fanout *f, int timeout_ms)
{
	struct timespec step = {0, 10000000};
	/* a real deadline: loop passes stretch when the parent is starved */
	const uint64_t deadline = mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	for (;;) {
		size_t left = 0;
		for (size_t k = 0; k < f->n; k++) {
			if (!f->reaped[k] && waitpid(f->pids[k], &f->status[k], WNOHANG) == f->pids[k])
				f->reaped[k] = true;
			left += !f->reaped[k];
		}
		if (!left)
			break;
		if (mono_ns() >= deadline) {
			for (size_t k = 0; k < f->n; k++)
				if (!f->reaped[k])
					kill(f->pids[k], SIGKILL);
			for (size_t k = 0; k < f->n; k++)
				if (!f->reaped[k] && waitpid(f->pids[k], &f->status[k], 0) == f->pids[k])
					f->reaped[k] = true;
			break;
		}
		nanosleep(&step, NULL);
	}
	int bad = 0;
	for (size_t k = 0; k < f->n; k++)
		bad += f->reaped[k] && abnormal(f->status[k]);
	return bad;
}

size_t fanout_reap_until(struct fanout *f, uint64_t deadline_ns)
{
	struct timespec step = {0, 5000000};
	for (;;) {
		size_t left = 0;
		for (size_t k = 0; k < f->n; k++) {
			if (!f->reaped[k] && waitpid(f->pids[k], &f->status[k], WNOHANG) == f->pids[k])
				f->reaped[k] = true;
			left += !f->reaped[k];
		}
		if (!left || mono_ns() >= deadline_ns)
			return left;
		nanosleep(&step, NULL);
	}
}

long fanout_lost_figures(const struct fanout *f, const struct wshared *sh, unsigned per_proc, char *msg, size_t cap)
{
	for (size_t k = 0; k < f->n; k++) {
		if (!f->reaped[k] || !abnormal(f->status[k]))
			continue;
		for (unsigned i = 0; i < per_proc; i++)
			if (!atomic_load(&sh[k * per_proc + i].done)) {
				describe(f, k, msg, cap);
				return (long)k;
			}
	}
	return -1;
}

void fanout_free(struct fanout *f)
{
	free(f->pids);
	free(f->status);
	free(f->reaped);
	memset(f, 0, sizeof(*f));
}

unsigned long long fd_budget_raise(unsigned long long want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit up = rl;
		up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	return rl.rlim_cur == RLIM_INFINITY ? ~0ULL >> 1 : (unsigned long long)rl.rlim_cur;
}

int fd_table_reserve(unsigned long long fds)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && fds > rl.rlim_cur)
		fds = rl.rlim_cur;
	if (fds > INT_MAX)
		fds = INT_MAX;
	if (fds <= 64) /* the table a process starts with */
		return 0;
	int src = STDERR_FILENO, opened = -1;
	if (fcntl(src, F_GETFD) < 0 && (src = opened = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	int fd = fcntl(src, F_DUPFD_CLOEXEC, (int)fds - 1);
	int err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	if (opened >= 0)
		close(opened);
	return -err;
}
