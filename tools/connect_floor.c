/* connect_floor: how fast this host's kernel opens and holds N loopback
 * connections when nothing else is done; the floor under `tcpswarm client`'s
 * time to N (tools/bench.sh --scale prints both, measured in the same run).
 *
 *   connect_floor N PORT [LANES] [TIMEOUT_S]
 *
 * No event loop, no nonblocking I/O: per connection one socket(), bind() to
 * 127.0.0.1 with IP_BIND_ADDRESS_NO_PORT, a blocking connect() (on loopback
 * the handshake completes inside the call), and accept4() of it from the
 * process's own listener. That is every syscall a client and a server need
 * to hold a connection, and the kernel's work per connection (two sockets,
 * the handshake, the port search, the established-hash inserts) is the
 * same as under tcpswarm. Descriptors are capped per process
 * (RLIMIT_NOFILE), so the pairs are made by a chain of processes, LANES
 * (default: the CPUs) at a time, each holding its share and listening on
 * its own port (PORT, PORT+1, ...) until the end. Prints the time to all,
 * conn/s over the whole and per 5-second slice. Every socket is closed
 * with a reset at the end (SO_LINGER 0): no TIME-WAIT is left behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#define MAX_PROCS 1024
#define SLICE_NS 5000000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* Child k: makes `pairs` connections to its own listener on `port`, then
 * tells the parent how many it made (one int on `out`) and holds them until
 * SIGTERM, when it resets every one. */
static int chain_link(uint16_t port, unsigned pairs, int out)
{
	/* blocked from the start: a link stopped while connecting still resets
	 * what it made, once its loop is done */
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int *fds = calloc((size_t)pairs * 2, sizeof(int));
	int made = 0;
	struct sockaddr_in dst = loopback(port), src = loopback(0);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (!fds || lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&dst, sizeof(dst)) < 0 || listen(lfd, 4096) < 0) {
		fprintf(stderr, "connect_floor: listener on 127.0.0.1:%u: %s\n", port, strerror(errno));
		pairs = 0;
	}
	for (unsigned i = 0; i < pairs; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || setsockopt(c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0 ||
		    bind(c, (struct sockaddr *)&src, sizeof(src)) < 0 ||
		    connect(c, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			fprintf(stderr, "connect_floor: connection %u to port %u: %s\n", i, port, strerror(errno));
			if (c >= 0)
				close(c);
			break;
		}
		int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			fprintf(stderr, "connect_floor: accept on port %u: %s\n", port, strerror(errno));
			close(c);
			break;
		}
		fds[2 * made] = c;
		fds[2 * made + 1] = a;
		made++;
	}
	if (write(out, &made, sizeof(made)) != (ssize_t)sizeof(made))
		return 1;
	int sig;
	sigwait(&term, &sig);
	struct linger rst = {.l_onoff = 1, .l_linger = 0};
	for (int i = 0; i < 2 * made; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fds[i]);
	}
	return 0;
}

/* A whole decimal count in [1, max], or 0 with a message naming the argument. */
static unsigned long count_arg(const char *what, const char *s, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1 || v > max) {
		fprintf(stderr, "connect_floor: %s '%s': expected a whole number from 1 to %lu\n", what, s, max);
		return 0;
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: connect_floor N PORT [LANES] [TIMEOUT_S]\n");
		return 2;
	}
	unsigned long n = count_arg("N", argv[1], 100000000);
	unsigned long port = count_arg("PORT", argv[2], 65535);
	long lanes = argc > 3 ? (long)count_arg("LANES", argv[3], 256) : sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long timeout_s = argc > 4 ? count_arg("TIMEOUT_S", argv[4], 86400) : 300;
	if (!n || !port || lanes < 1 || !timeout_s)
		return 2;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl); /* what is in force, raised or not */
	}
	uint64_t per64 = rl.rlim_cur > 64 && rl.rlim_cur != RLIM_INFINITY ? (rl.rlim_cur - 32) / 2 : 10000;
	/* one (source, listener) pair of addresses holds at most the ephemeral
	 * range: each link keeps 10% of it free, as the port search slows when full */
	unsigned lo = 32768, hi = 60999;
	FILE *pr = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (pr) {
		if (fscanf(pr, "%u %u", &lo, &hi) != 2 || hi < lo)
			lo = 32768, hi = 60999;
		fclose(pr);
	}
	if (per64 > (uint64_t)(hi - lo + 1) * 9 / 10)
		per64 = (uint64_t)(hi - lo + 1) * 9 / 10;
	/* and at least LANES links, or the floor would not use the CPUs */
	if (lanes > 0 && per64 > (n + (unsigned long)lanes - 1) / (unsigned long)lanes)
		per64 = (n + (unsigned long)lanes - 1) / (unsigned long)lanes;
	if (per64 < 1)
		per64 = 1;
	unsigned per = (unsigned)per64; /* at most 9/10 of a port range */
	unsigned long procs = (n + per - 1) / per;
	if (port + procs > 65535 || procs > MAX_PROCS) {
		fprintf(stderr, "connect_floor: N %lu over %lu processes of %u from port %lu, %ld lanes: out of range\n",
			n, procs, per, port, lanes);
		return 2;
	}
	static pid_t pids[MAX_PROCS];
	static int pipes[MAX_PROCS];
	unsigned long started = 0, done = 0, made = 0;
	long running = 0;
	uint64_t t0 = now_ns(), deadline = t0 + timeout_s * 1000000000ULL, slice_end = t0 + SLICE_NS;
	unsigned long slice_made = 0;
	int failed = 0;
	while (done < procs && !failed) {
		while (running < lanes && started < procs) {
			int p[2];
			if (pipe(p) < 0)
				return 1;
			unsigned share = (unsigned)(started + 1 < procs ? per : n - started * per);
			pid_t pid = fork();
			if (pid == 0) {
				close(p[0]);
				_exit(chain_link((uint16_t)(port + started), share, p[1]));
			}
			close(p[1]);
			pids[started] = pid;
			pipes[started] = p[0];
			started++;
			running++;
		}
		struct pollfd pf[MAX_PROCS];
		unsigned long idx[MAX_PROCS];
		nfds_t np = 0;
		for (unsigned long k = 0; k < started; k++)
			if (pipes[k] >= 0) {
				pf[np] = (struct pollfd){.fd = pipes[k], .events = POLLIN};
				idx[np++] = k;
			}
		if (poll(pf, np, 1000) < 0 && errno != EINTR)
			return 1;
		for (nfds_t i = 0; i < np; i++) {
			if (!pf[i].revents)
				continue;
			unsigned long k = idx[i];
			int got = 0;
			if (read(pipes[k], &got, sizeof(got)) != (ssize_t)sizeof(got))
				got = -1; /* it died before reporting */
			close(pipes[k]);
			pipes[k] = -1;
			unsigned want = (unsigned)(k + 1 < procs ? per : n - k * per);
			if (got != (int)want)
				failed = 1;
			made += got > 0 ? (unsigned long)got : 0;
			done++;
			running--;
		}
		uint64_t t = now_ns();
		while (t >= slice_end) { /* a slice is reported when a link ends past it */
			printf("  %3.0f s: %lu connections; this slice %.0f conn/s\n", (double)(slice_end - t0) / 1e9, made,
			       (double)(made - slice_made) / (SLICE_NS / 1e9));
			slice_made = made;
			slice_end += SLICE_NS;
		}
		if (t > deadline)
			break;
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("connect_floor: %lu of %lu connections held in %.1f s = %.0f conn/s (%lu processes of up to %u, %ld at "
	       "a time)%s\n",
	       made, n, secs, (double)made / secs, started, per, lanes, made < n ? ": NOT ALL" : "");
	fflush(stdout);
	for (unsigned long k = 0; k < started; k++)
		kill(pids[k], SIGTERM);
	for (unsigned long k = 0; k < started; k++)
		waitpid(pids[k], NULL, 0);
	return made == n ? 0 : 1;
}
