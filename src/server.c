/* The server engine: listeners, accept (with the EMFILE shed), the epoll
 * dispatch and the per-worker lifecycle. What a connection's bytes mean is
 * its mode's struct server_protocol entry (one call per event); the connection
 * helpers are in server_conn.c. */
#define _GNU_SOURCE
#include "tcpswarm/server.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/cpustat.h"
#include "tcpswarm/kstat.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/worker.h"
#include "server_engine.h"
#include "tls_server.h"

/* The modes, by --mode: adding one is its file and a line here. */
static const struct server_protocol *const server_protos[] = {
	[MODE_ECHO] = &server_proto_echo,
	[MODE_SINK] = &server_proto_sink,
	[MODE_HTTP] = &server_proto_http,
	[MODE_DNS] = &server_proto_dns,
};

/* At EMFILE/ENFILE a pending connection can never be accepted: give up the
 * reserve fd, accept and close one connection (the client sees it closed,
 * and it is counted), and take the reserve back. accept4() reserves the new
 * fd before it looks at the queue, so at the limit it fails with EMFILE even
 * when nothing is pending: true only when a connection was shed, so the
 * caller stops instead of spinning.
 *
 * Each worker has its own reserve, but the workers of a process share one
 * descriptor table: another worker can take the slot between our close()
 * and accept4(), or before our open(). The reserve is then lost for now;
 * take_reserve() gets it back once a descriptor is free, and the sampling
 * tick re-drains a queue left behind meanwhile (no edge would report it). */
static bool take_reserve(struct sworker *w)
{
	if (w->reserve_fd < 0)
		w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return w->reserve_fd >= 0;
}

static bool shed_one(struct sworker *w, int lfd)
{
	if (!take_reserve(w))
		return false;
	close(w->reserve_fd);
	w->reserve_fd = -1;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	take_reserve(w);
	return fd >= 0;
}

/* Listener i's queue, until it is empty (or descriptors run out); the
 * connections taken. */
static unsigned accept_from(struct sworker *w, unsigned li)
{
	int lfd = w->lfds[li];
	unsigned got = 0;
	for (;;) {
		struct sockaddr_any peer; /* for the peers table: free with the accept */
		peer.len = sizeof(peer.in6);
		int fd = accept4(lfd, &peer.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return got;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			int e = errno;
			if ((e == EMFILE || e == ENFILE) && !shed_one(w, lfd)) {
				/* at the limit with nothing pending, or the reserve lost */
				w->accept_stuck = w->reserve_fd < 0;
				return got;
			}
			ctr_add(&w->sh->c.accept_errors, 1);
			ctr_add(&w->sh->c.errs[errslot_of(e)], 1);
			if (e == EMFILE || e == ENFILE)
				continue;
			return got;
		}
		if ((size_t)fd >= w->ss->maxfd) {
			close(fd);
			continue;
		}
		got++;
		struct sconn *c = server_conn_at(w, fd);
		c->state = SS_OPEN;
		c->owner = (uint16_t)w->id;
		c->carry = 0;
		c->body_left = 0;
		c->flags = 0;
		ctr_add(&w->sh->c.accepted, 1);
		ctr_add(&w->sh->c.conn_open, 1);
		if (w->peers)
			w->peer_of[fd] = peers_open(w->peers, &peer, w->lports[li]);
		int rc = reactor_add(&w->r, fd, (uint64_t)c->gen << 32 | (uint32_t)fd);
		if (rc < 0) {
			server_conn_close(w, fd, CR_IO_ERROR, -rc);
			continue;
		}
		struct server_tls_fail f;
		if (w->tls && server_tls_accept(w, fd, &f) < 0) {
			server_conn_close(w, fd, f.why, f.err);
			continue;
		}
		server_watch_idle(w, fd, c);
	}
}

static unsigned accept_all(struct sworker *w)
{
	if (w->r.now_ns < w->accept_from_ns)
		return 0;
	w->accept_stuck = false;
	unsigned got = 0;
	for (unsigned i = 0; i < w->nlfd; i++)
		got += accept_from(w, i);
	return got;
}

static void on_io(void *ctx, uint64_t data, uint32_t events)
{
	struct sworker *w = ctx;
	if (data <= LISTENER_DATA && data > LISTENER_DATA - SERVER_MAX_PORTS) {
		if (w->r.now_ns >= w->accept_from_ns) {
			w->accept_stuck = false;
			accept_batch_after_wake(w, accept_from(w, (unsigned)(LISTENER_DATA - data)));
		}
		return;
	}
	accept_batch_heard(w, events);
	int fd = (int)(uint32_t)data;
	struct sconn *c = server_conn_at(w, fd);
	if (c->state != SS_OPEN || c->gen != (uint32_t)(data >> 32))
		return;
	w->proto->serve(w, fd, c, events);
}

static void on_timer(void *ctx, struct tw_node *n)
{
	(void)ctx;
	(void)n;
}

static void sample_listener(struct sworker *w)
{
	/* each port has its own queue: the fullest one is what overflows */
	uint32_t most = 0;
	bool read = false;
	for (unsigned i = 0; i < w->nlfd; i++) {
		uint32_t queued, limit;
		if (kstat_listener_queue(w->lfds[i], &queued, &limit) == 0) {
			read = true;
			if (queued > most)
				most = queued;
		}
	}
	if (read) {
		ctr_set(&w->sh->c.listen_queue, most);
		if (most > ctr_get(&w->sh->c.listen_queue_peak))
			ctr_set(&w->sh->c.listen_queue_peak, most);
	}
}

/* --stall-every/--stall-for (a test knob): the worker sleeps, so for that
 * long nothing is read, written or accepted; what arrives meanwhile waits
 * in the kernel and epoll reports it after. Costs one compare a turn. */
static void stall_if_due(struct sworker *w)
{
	const struct server_config *cfg = w->ss->cfg;
	if (!w->next_stall_ns)
		return;
	if (w->r.now_ns >= w->next_stall_ns) {
		struct timespec ts = {.tv_sec = (time_t)(cfg->stall_for_us / 1000000),
				      .tv_nsec = (long)(cfg->stall_for_us % 1000000) * 1000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		w->r.now_ns = mono_ns();
		while (w->next_stall_ns <= w->r.now_ns)
			w->next_stall_ns += cfg->stall_every_us * 1000;
	}
	if (w->next_stall_ns < w->r.wake_ns)
		w->r.wake_ns = w->next_stall_ns;
}

static void on_turn(void *ctx)
{
	struct sworker *w = ctx;
	if (atomic_load_explicit(&w->ss->ctl->phase, memory_order_acquire) == PHASE_STOP) {
		reactor_stop(&w->r);
		return;
	}
	stall_if_due(w);
	server_timeouts_turn(w);
	if (w->thr)
		throttle_turn(w);
	if (w->r.now_ns >= w->next_sample_ns) {
		sample_listener(w);
		ctr_set(&w->sh->c.cpu_ns, cpustat_thread_ns());
		w->next_sample_ns = w->r.now_ns + QUEUE_SAMPLE_NS;
		if (w->accept_stuck && take_reserve(w))
			accept_all(w); /* descriptors are free again: drain what queued */
	}
	if (w->r.now_ns < w->accept_from_ns) {
		if (w->accept_from_ns < w->r.wake_ns)
			w->r.wake_ns = w->accept_from_ns;
	} else if (w->accept_from_ns) {
		w->accept_from_ns = 0; /* pause over: take what queued meanwhile */
		accept_all(w);
	}
	if (accept_batch_due(w))
		accept_batch_took(w, accept_all(w));
	if (w->next_sample_ns < w->r.wake_ns)
		w->r.wake_ns = w->next_sample_ns;
}

void *sworker_main(void *arg)
{
	struct sworker *w = arg;
	w->r.now_ns = mono_ns();
	server_bind_release(w->ss); /* every listener of this process is bound */
	accept_all(w);
	int rc = reactor_run(&w->r);
	if (rc < 0)
		w->sh->exit_error = -rc;
	atomic_store_explicit(&w->sh->done, 1, memory_order_release);
	return NULL;
}

void sworker_wake(struct sworker *w) { reactor_wake(&w->r); }

int server_shared_init(struct server_shared *ss, const struct server_config *cfg, struct run_ctl *ctl, char *err,
		       size_t errcap)
{
	memset(ss, 0, sizeof(*ss));
	for (unsigned k = 0; k < SERVER_MAX_PORTS; k++)
		ss->probe_fd[k] = ss->lock_fd[k] = -1;
	ss->cfg = cfg;
	ss->ctl = ctl;
	const char *ip = cfg->bind ? cfg->bind : "::";
	char e[200];
	if (addr_from_ip_port(ip, (uint16_t)cfg->port, &ss->bound, e, sizeof(e)) < 0) {
		snprintf(err, errcap, "option -b: %s", e);
		return -1;
	}
	if (!cfg->bind) {
		/* no IPv6 on this host: fall back to IPv4 any */
		int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			addr_from_ip_port("0.0.0.0", (uint16_t)cfg->port, &ss->bound, err, errcap);
		else
			close(probe);
	}
	if (cfg->name) {
		/* the parser gives names lower-cased, without the final dot */
		size_t n = strlen(cfg->name);
		if (n && cfg->name[n - 1] == '.')
			n--;
		if (n == 0 || n >= sizeof(ss->name_buf)) {
			snprintf(err, errcap, "option --name: '%s' is not a DNS name", cfg->name);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			ss->name_buf[i] = (char)tolower((unsigned char)cfg->name[i]);
		ss->name_buf[n] = 0;
		ss->name = ss->name_buf;
	}
	int64_t somax = -1;
	kstat_read_ints("/proc/sys/net/core/somaxconn", &somax, 1);
	ss->backlog_effective = somax > 0 && (uint64_t)somax < cfg->backlog ? (int)somax : (int)cfg->backlog;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	ss->maxfd = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (size_t)rl.rlim_cur;
	return 0;
}

void server_shared_destroy(struct server_shared *ss)
{
	server_bind_release(ss);
}

/* The listener of port ss->bound + k (-p A-B). */
static int make_listener(struct server_shared *ss, unsigned k, char *err, size_t errcap)
{
	struct sockaddr_any port_k = ss->bound;
	port_k.in4.sin_port = htons((uint16_t)(ntohs(ss->bound.in4.sin_port) + k)); /* sin6_port sits there too */
	const struct sockaddr_any *a = &port_k;
	int fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errcap, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* small answers must leave at once, not wait on Nagle for the peer's
	 * delayed ACK (40-200 ms stalls); an accepted socket inherits it from
	 * its listener (IPv4-mapped ones too), so no syscall per accept */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (a->sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	char shown[96];
	addr_format(a, shown, sizeof(shown));
	if (bind(fd, &a->sa, a->len) < 0) {
		int e = errno;
		snprintf(err, errcap, "options -b/-p: cannot listen on %s: %s%s", shown, strerror(e),
			 e == EADDRINUSE ? " (another process holds the port without SO_REUSEPORT, or as another user: pick another -p)" : "");
		close(fd);
		return -1;
	}
	if (listen(fd, (int)ss->cfg->backlog) < 0) {
		snprintf(err, errcap, "listen on %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One listener per port of -p A-B (nlfd counts those open, for sworker_free). */
static int open_listeners(struct sworker *w, char *err, size_t errcap)
{
	uint64_t n = w->ss->cfg->port_count ? w->ss->cfg->port_count : 1;
	for (unsigned k = 0; k < n; k++) {
		int fd = make_listener(w->ss, k, err, errcap);
		if (fd < 0)
			return -1;
		w->lfds[w->nlfd] = fd;
		w->lports[w->nlfd++] = (uint16_t)(ntohs(w->ss->bound.in4.sin_port) + k);
	}
	return 0;
}

static int add_listeners(struct sworker *w)
{
	for (unsigned i = 0; i < w->nlfd; i++)
		if (reactor_add_listener(&w->r, w->lfds[i], LISTENER_DATA - i) < 0)
			return -1;
	return 0;
}

/* This worker's table of who connects, and its index by fd (2 bytes a
 * descriptor beside the 20-byte slot, faulted in only where used). */
static int attach_peers(struct sworker *w, char *err, size_t errcap)
{
	if (!w->ss->peers)
		return 0;
	void *m = mmap(NULL, w->ss->maxfd * sizeof(uint16_t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errcap, "worker %u: cannot reserve its peers index: %s", w->id, strerror(errno));
		return -1;
	}
	w->peer_of = m;
	w->peers = &w->ss->peers[w->id];
	return 0;
}

struct sworker *sworker_new(struct server_shared *ss, struct wshared *sh, unsigned id, char *err, size_t errcap)
{
	struct sworker *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	w->ss = ss;
	w->proto = server_protos[ss->cfg->mode];
	w->sh = sh;
	w->id = id;
	w->reserve_fd = -1;
	w->r.epfd = w->r.stopfd = -1;
	server_timeouts_init(w);
	/* lazily faulted: only the pages of descriptors this worker holds cost memory */
	void *m = mmap(NULL, ss->maxfd * sizeof(struct sconn), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errcap, "worker %u: cannot reserve its connection table: %s", id, strerror(errno));
		sworker_free(w);
		return NULL;
	}
	w->conns = m;
	if (open_listeners(w, err, errcap) < 0 || attach_peers(w, err, errcap) < 0) {
		sworker_free(w);
		return NULL;
	}
	int rc = reactor_init(&w->r, &(struct reactor_ops){.on_io = on_io, .on_timer = on_timer, .on_turn = on_turn}, w);
	if (rc < 0 || add_listeners(w) < 0 ||
	    carry_init(&w->carry, (uint32_t)ss->maxfd, SERVER_PEEK_BYTES) < 0 ||
	    !(w->scratch = calloc(1, SERVER_PEEK_BYTES)) || (w->proto->init && w->proto->init(w) < 0) ||
	    (ss->cfg->max_rate > 0 && throttle_init(w) < 0) || (ss->cfg->tls_ctx && server_tls_init(w) < 0)) {
		snprintf(err, errcap, "worker %u: cannot set up its reactor: %s", id, strerror(rc < 0 ? -rc : errno));
		sworker_free(w);
		return NULL;
	}
	memset(w->scratch, 0, SERVER_PEEK_BYTES); /* fault it in before the RSS baseline */
	w->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (ss->cfg->stall_every_us)
		w->next_stall_ns = ss->ctl->start_ns + ss->cfg->stall_every_us * 1000;
	if (ss->cfg->accept_pause_us)
		w->accept_from_ns = ss->ctl->start_ns + ss->cfg->accept_pause_us * 1000;
	w->batch_ns = server_accept_batch_us(ss->cfg->accept_batch_us, ss->nworkers, worker_cpu_count()) * 1000;
	accept_batch_init(w);
	return w;
}

void sworker_free(struct sworker *w)
{
	if (!w)
		return;
	/* close the connections this worker accepted */
	for (size_t fd = 0; w->conns && fd < w->ss->maxfd; fd++) {
		struct sconn *c = server_conn_at(w, (int)fd);
		if (c->state == SS_OPEN && c->owner == w->id)
			server_conn_close(w, (int)fd, CR_RUN_END, 0);
	}
	server_tls_free(w);
	if (w->conns)
		munmap(w->conns, w->ss->maxfd * sizeof(struct sconn));
	if (w->r.epfd >= 0)
		reactor_destroy(&w->r);
	for (unsigned i = 0; i < w->nlfd; i++)
		close(w->lfds[i]);
	if (w->peer_of)
		munmap(w->peer_of, w->ss->maxfd * sizeof(uint16_t));
	if (w->reserve_fd >= 0)
		close(w->reserve_fd);
	carry_destroy(&w->carry);
	if (w->proto->free)
		w->proto->free(w);
	server_timeouts_free(w);
	throttle_free(w);
	free(w->scratch);
	free(w);
}
