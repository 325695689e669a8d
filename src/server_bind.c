/* The port check of a server run: before the workers bind their
 * SO_REUSEPORT listeners, one probe socket binds the same address WITHOUT
 * SO_REUSEPORT. The kernel then refuses it (EADDRINUSE) if anything listens
 * there already (another tcpswarm, any other server), so the run says so
 * instead of silently sharing the port. SO_REUSEADDR keeps TIME-WAIT
 * sockets of an earlier run from blocking it.
 *
 * Two probes that are not listening do not conflict, so two runs starting
 * at the same moment could both pass; an abstract unix socket named after
 * the port (exclusive, per network namespace, gone with its last
 * descriptor) serialises the check and the workers' bind. Both are held
 * until the workers' listeners are bound (server_bind_release). A failure
 * here is the one bind message of the run, naming the option. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server_engine.h"

#define LOCK_WAIT_NS (5ULL * 1000000000ULL) /* a concurrent start binds in milliseconds */

/* The port's start lock: an fd, or -1 (then errno). Waits while another
 * tcpswarm holds it (it is binding the same port right now). */
static int take_port_lock(uint16_t port)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int n = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "tcpswarm/listen/%u", port);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct timespec nap = {.tv_nsec = 10 * 1000 * 1000};
	for (uint64_t waited = 0; bind(fd, (struct sockaddr *)&un, len) < 0; waited += (uint64_t)nap.tv_nsec) {
		if (errno != EADDRINUSE || waited >= LOCK_WAIT_NS) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	return fd;
}

static const char *bind_hint(int e)
{
	switch (e) {
	case EADDRINUSE:
		return " (another process listens there: stop it, or pick another -p)";
	case EADDRNOTAVAIL:
		return " (no interface of this host has that address: check -b)";
	case EACCES:
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE: pick another -p)";
	default:
		return "";
	}
}

/* One port's lock and probe into lock_fd[k]/probe_fd[k]; 0 or -1 with err. */
static int check_port(struct server_shared *ss, unsigned k, char *err, size_t errcap)
{
	struct sockaddr_any a = ss->bound;
	uint16_t port = (uint16_t)(ntohs(ss->bound.in4.sin_port) + k);
	a.in4.sin_port = htons(port); /* sin6_port sits in the same place */
	char shown[96];
	addr_format(&a, shown, sizeof(shown));
	if ((ss->lock_fd[k] = take_port_lock(port)) < 0) {
		snprintf(err, errcap, "options -b/-p: cannot take the start lock of port %u: %s", (unsigned)port,
			 strerror(errno));
		return -1;
	}
	int fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errcap, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, &a.sa, a.len) < 0) {
		int e = errno;
		snprintf(err, errcap, "options -b/-p: cannot listen on %s: %s%s", shown, strerror(e), bind_hint(e));
		close(fd);
		return -1;
	}
	ss->probe_fd[k] = fd;
	return 0;
}

/* Every port of -p A-B is checked (a holder of any one of them would
 * otherwise share it through SO_REUSEPORT), in order, so two runs over
 * overlapping ranges take their locks in the same order. */
int server_bind_check(struct server_shared *ss, char *err, size_t errcap)
{
	unsigned n = ss->cfg->port_count ? (unsigned)ss->cfg->port_count : 1;
	for (unsigned k = 0; k < SERVER_MAX_PORTS; k++)
		ss->lock_fd[k] = ss->probe_fd[k] = -1;
	for (unsigned k = 0; k < n; k++) {
		if (check_port(ss, k, err, errcap) < 0) {
			server_bind_release(ss);
			return -1;
		}
	}
	return 0;
}

void server_bind_release(struct server_shared *ss)
{
	/* the first worker thread of a process releases them; exchange so
	 * that two threads never close the same number */
	for (unsigned k = 0; k < SERVER_MAX_PORTS; k++) {
		int fd = atomic_exchange(&ss->probe_fd[k], -1);
		if (fd >= 0)
			close(fd);
		fd = atomic_exchange(&ss->lock_fd[k], -1);
		if (fd >= 0)
			close(fd);
	}
}
