/* --metrics: one thread that answers Prometheus scrapes while the run goes
 * on. Off the hot path: it only reads the workers' shared slots (relaxed
 * counter loads; the whole-run latency histograms under each slot's lock,
 * which a worker takes only to publish, five times a second). One
 * connection at a time: a bounded read of the request (1 s, 4 KiB), an
 * HTTP/1.0 answer, close. */
#define _GNU_SOURCE /* accept4, pipe2 */
#include "tcpswarm/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tcpswarm/run.h"
#include "tcpswarm/stats.h"

#ifndef TCPSWARM_VERSION
#define TCPSWARM_VERSION "0.0.0-dev"
#endif

#define REQ_MAX 4096
#define BODY_MAX (64 * 1024)

struct metrics {
	int lfd;
	int stop[2]; /* a pipe: written once to end the thread */
	pthread_t thread;
	bool serving; /* the thread runs */
	const char *role;
	struct wshared *sh;
	size_t nworkers;
	struct hist lat; /* the scrape's merged latencies */
	char req[REQ_MAX + 1];
	char body[BODY_MAX];
};

/* The server running in this process: a forked worker process closes its
 * descriptors (the thread itself does not survive the fork). */
static struct metrics *running;

static void close_in_child(void)
{
	if (running) {
		close(running->lfd);
		close(running->stop[0]);
		close(running->stop[1]);
		running = NULL;
	}
}

int metrics_parse_addr(const char *v, struct sockaddr_any *out, char *err, size_t cap)
{
	return addr_parse_target(v, out, err, cap);
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the scraper went away or stalled past the send timeout */
		p += w;
		n -= (size_t)w;
	}
}

/* Reads the request head (bounded in size and by the receive timeout);
 * its length, or -1 when nothing usable came. */
static ssize_t read_head(struct metrics *m, int fd)
{
	size_t len = 0;
	while (len < REQ_MAX) {
		ssize_t r = recv(fd, m->req + len, REQ_MAX - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		m->req[len] = '\0';
		if (strstr(m->req, "\r\n\r\n") || strstr(m->req, "\n\n"))
			break;
	}
	m->req[len] = '\0';
	return len ? (ssize_t)len : -1;
}

static void reply(int fd, const char *status, const char *type, const char *body, size_t n)
{
	char head[256];
	int h = snprintf(head, sizeof(head),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			 type, n);
	send_all(fd, head, (size_t)h);
	send_all(fd, body, n);
}

static void answer(struct metrics *m, int fd)
{
	if (read_head(m, fd) < 0)
		return;
	bool get = !strncmp(m->req, "GET ", 4), head = !strncmp(m->req, "HEAD ", 5);
	if (!get && !head) {
		reply(fd, "405 Method Not Allowed", "text/plain", "GET /metrics\n", 13);
		return;
	}
	const char *path = m->req + (get ? 4 : 5);
	size_t plen = strcspn(path, " ?\r\n");
	if (!(plen == 8 && !strncmp(path, "/metrics", 8)) && !(plen == 1 && path[0] == '/')) {
		reply(fd, "404 Not Found", "text/plain", "GET /metrics\n", 13);
		return;
	}
	struct totals t;
	totals_collect(m->sh, m->nworkers, &t);
	hist_reset(&m->lat);
	for (size_t i = 0; i < m->nworkers; i++) {
		wshared_lock(&m->sh[i]);
		hist_merge(&m->lat, &m->sh[i].lat_total);
		wshared_unlock(&m->sh[i]);
	}
	size_t n = metrics_format(m->body, sizeof(m->body), m->role, TCPSWARM_VERSION, &t, &m->lat);
	if (n >= sizeof(m->body)) {
		reply(fd, "500 Internal Server Error", "text/plain", "exposition too large\n", 21);
		return;
	}
	reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", head ? "" : m->body, head ? 0 : n);
}

static void *serve(void *arg)
{
	struct metrics *m = arg;
	struct pollfd p[2] = {{.fd = m->lfd, .events = POLLIN}, {.fd = m->stop[0], .events = POLLIN}};
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct timeval tv = {.tv_sec = 1};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		answer(m, fd);
		close(fd);
	}
	return NULL;
}

static int listen_on(const struct sockaddr_any *a, char *err, size_t cap)
{
	int fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, &a->sa, a->len) < 0 || listen(fd, 16) < 0) {
		snprintf(err, cap, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int metrics_start(struct metrics **out, const char *role, const struct sockaddr_any *addr, struct wshared *sh,
		  size_t nworkers)
{
	*out = NULL;
	if (!addr->len)
		return 0;
	char where[64], err[128];
	addr_format(addr, where, sizeof(where));
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "tcpswarm %s: --metrics: out of memory\n", role);
		return 1;
	}
	m->role = role;
	m->sh = sh;
	m->nworkers = nworkers;
	m->stop[0] = m->stop[1] = -1;
	if ((m->lfd = listen_on(addr, err, sizeof(err))) < 0 || pipe2(m->stop, O_CLOEXEC) < 0) {
		if (m->lfd >= 0)
			snprintf(err, sizeof(err), "%s", strerror(errno));
		fprintf(stderr, "tcpswarm %s: --metrics %s: %s\n", role, where, err);
		if (m->lfd >= 0)
			close(m->lfd);
		free(m);
		return EXIT_USAGE;
	}
	static bool atfork_set;
	if (!atfork_set)
		atfork_set = pthread_atfork(NULL, NULL, close_in_child) == 0;
	running = m;
	*out = m;
	return 0;
}

int metrics_serve(struct metrics *m)
{
	if (!m)
		return 0;
	/* the thread takes no signal: SIGINT and SIGTERM belong to the monitor */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&m->thread, NULL, serve, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		fprintf(stderr, "tcpswarm %s: --metrics: cannot start its thread: %s\n", m->role, strerror(rc));
		return 1;
	}
	m->serving = true;
	return 0;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	if (m->serving) {
		ssize_t w;
		do
			w = write(m->stop[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(m->thread, NULL);
	}
	close(m->lfd);
	close(m->stop[0]);
	close(m->stop[1]);
	if (running == m)
		running = NULL;
	free(m);
}
