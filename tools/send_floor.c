/* send_floor: what a message costs the sender on this machine's loopback
 * when nothing but the I/O is done; the floor under `tcpswarm client`'s
 * CPU per message (tools/bench.sh --cpu prints both).
 *
 *   send_floor CONNS RATE SECONDS [WINDOW_US]
 *
 * An ideal open-loop echo generator, late by at most WINDOW_US (default
 * 1000): every window, each connection sends what fell due for it in one
 * send() of 32-byte frames, and the replies are read in one recv() per
 * readable connection. The echo peer is a child process (epoll, edge
 * triggered), as a server under test is. Prints the sender's own CPU
 * (getrusage of this process only, not the child) per message, and
 * per send and per recv. No schedule, histogram or accounting: what is
 * left is the kernel's cost of the syscalls an on-time generator needs. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME 32
#define MAX_CONNS 10000
#define BUF (64 * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "send_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The echo peer: accepts CONNS connections and echoes until they close. */
static void echo_peer(int lfd, int conns)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = lfd}, evs[256];
	static char buf[BUF];
	int open = 0, accepted = 0;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("peer epoll");
	while (accepted < conns || open > 0) {
		int n = epoll_wait(ep, evs, 256, 5000);
		if (n <= 0)
			break; /* the sender is gone */
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = {.events = EPOLLIN | EPOLLET, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
					open++, accepted++;
				}
				continue;
			}
			for (;;) {
				ssize_t got = recv(fd, buf, sizeof(buf), 0);
				if (got > 0) {
					if (send(fd, buf, (size_t)got, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
						break;
					if ((size_t)got < sizeof(buf))
						break;
					continue;
				}
				if (got == 0 || errno != EAGAIN) {
					close(fd);
					open--;
				}
				break;
			}
		}
	}
	_exit(0);
}

static int listen_any(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0)
		die("listen on 127.0.0.1");
	*port = ntohs(a.sin_port);
	return fd;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: send_floor CONNS RATE SECONDS [WINDOW_US]\n");
		return 2;
	}
	int conns = atoi(argv[1]);
	double rate = atof(argv[2]), secs = atof(argv[3]);
	uint64_t window_ns = (argc > 4 ? strtoull(argv[4], NULL, 10) : 1000) * 1000ULL;
	if (conns < 1 || conns > MAX_CONNS || rate <= 0 || secs <= 0 || window_ns == 0) {
		fprintf(stderr, "send_floor: CONNS 1-%d, RATE > 0, SECONDS > 0, WINDOW_US > 0\n", MAX_CONNS);
		return 2;
	}
	int port, lfd = listen_any(&port);
	pid_t peer = fork();
	if (peer < 0)
		die("fork");
	if (peer == 0)
		echo_peer(lfd, conns);
	close(lfd);

	static int fds[MAX_CONNS];
	static double owed[MAX_CONNS]; /* frames due and not yet sent */
	int ep = epoll_create1(0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (int i = 0; i < conns; i++) {
		int one = 1;
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			die("epoll_ctl");
	}
	static char out[BUF], in[BUF];
	memset(out, 'x', sizeof(out));
	const double per_window = rate / conns * ((double)window_ns / 1e9);
	const size_t max_frames = sizeof(out) / FRAME;
	uint64_t sends = 0, recvs = 0, frames = 0, echoed = 0;
	double cpu0 = cpu_s();
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), next = t0;
	struct epoll_event evs[512];
	while (next < end) {
		for (int i = 0; i < conns; i++) {
			owed[i] += per_window;
			size_t k = (size_t)owed[i];
			if (k == 0)
				continue;
			if (k > max_frames)
				k = max_frames;
			ssize_t n = send(fds[i], out, k * FRAME, MSG_NOSIGNAL | MSG_DONTWAIT);
			sends++;
			if (n > 0) {
				owed[i] -= (double)((size_t)n / FRAME);
				frames += (size_t)n / FRAME;
			}
		}
		next += window_ns;
		uint64_t t;
		while ((t = now_ns()) < next) {
			struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(next - t)};
			int n = epoll_pwait2(ep, evs, 512, &ts, NULL);
			for (int e = 0; e < n; e++) {
				ssize_t got = recv(fds[evs[e].data.u32], in, sizeof(in), MSG_DONTWAIT);
				recvs++;
				if (got > 0)
					echoed += (size_t)got;
			}
		}
	}
	double wall = (double)(now_ns() - t0) / 1e9, cpu = cpu_s() - cpu0;
	for (int i = 0; i < conns; i++)
		close(fds[i]);
	kill(peer, SIGTERM);
	waitpid(peer, NULL, 0);
	if (frames == 0) {
		fprintf(stderr, "send_floor: nothing was sent\n");
		return 1;
	}
	printf("floor %d conns, %.0f/s, window %llu us: sent %.0f/s (echoed %.0f/s), sender CPU %.0f ns/msg; "
	       "%.3f sends and %.3f recvs per message, %.2f us CPU per syscall\n",
	       conns, rate, (unsigned long long)(window_ns / 1000), frames / wall, echoed / FRAME / wall,
	       cpu * 1e9 / (double)frames, (double)sends / frames, (double)recvs / frames,
	       cpu * 1e6 / (double)(sends + recvs));
	if (frames / wall < 0.98 * rate)
		printf("floor %d conns: behind: one thread of sends alone could not keep %.0f/s on time here\n", conns,
		       rate);
	return 0;
}
