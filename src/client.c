/* The client engine: connection slots, connect pacing, the epoll and timer
 * dispatch, publishing and the end of the run. Everything a protocol does
 * goes through its struct client_protocol entry (one call per event); the
 * connection helpers are in client_conn.c. */
#define _GNU_SOURCE
#include "tcpswarm/client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/cpustat.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/stats.h"
#include "client_internal.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

size_t client_conn_size(void) { return sizeof(struct cconn); }

static uint64_t data_of(const struct cworker *w, const struct cconn *c)
{
	return (uint64_t)c->gen << 32 | client_slot_of(w, c);
}

/* Targets round-robin, then source IPs round-robin within each target, so
 * every (source IP, target) of the worker's shard gets an equal share
 * (client_run's port plan counts on this). */
static const struct sockaddr_any *target_of(const struct cworker *w, uint32_t slot)
{
	return &w->cfg->targets[slot % w->cfg->ntargets];
}

static int open_socket(struct cworker *w, uint32_t slot, int *fd_out)
{
	const struct sockaddr_any *t = target_of(w, slot);
	int fd = socket(t->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	*fd_out = fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (w->nsrc) {
		const struct sockaddr_any *s = &w->cfg->sources.addrs[w->src[(slot / w->cfg->ntargets) % w->nsrc]];
		/* let connect() choose the port with the full 4-tuple known, so one
		 * source IP serves a port range per target, not in total */
		/* an IPPROTO_IP option, honoured by IPv6 sockets too */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, &s->sa, s->len) < 0)
			return errno;
	}
	if (connect(fd, &t->sa, t->len) < 0 && errno != EINPROGRESS)
		return errno;
	return 0;
}

static void start_connect(struct cworker *w, uint32_t slot)
{
	struct cconn *c = &w->conns[slot];
	ctr_add(&w->sh->c.conn_attempts, 1);
	c->state = CS_CONNECTING;
	c->t_next = w->r.now_ns;
	w->inflight++;
	int fd = -1;
	int err = open_socket(w, slot, &fd);
	c->fd = fd;
	if (!err) {
		int rc = reactor_add(&w->r, fd, data_of(w, c));
		err = rc < 0 ? -rc : 0;
	}
	if (err) {
		client_conn_close(w, c, CR_CONNECT_FAILED, err);
		return;
	}
	reactor_timer_at(&w->r, &c->timer, w->r.now_ns + w->cfg->connect_timeout_us * 1000);
}

static void on_connected(struct cworker *w, struct cconn *c)
{
	int err = 0;
	socklen_t el = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		client_conn_close(w, c, CR_CONNECT_FAILED, err);
		return;
	}
	uint64_t us = (w->r.now_ns - c->t_next + 500) / 1000;
	hist_record(&w->conn_lat, us);
	w->inflight--;
	c->state = CS_OPEN;
	c->flags |= CF_WRITABLE;
	ctr_add(&w->sh->c.conn_established, 1);
	ctr_set(&w->sh->c.last_established_ns, w->r.now_ns);
	ctr_add(&w->sh->c.conn_open, 1);
	reactor_timer_cancel(&w->r, &c->timer);
	c->t_next = UINT64_MAX; /* no schedule: nothing is ever due */
	w->proto->on_open(w, c);
}

static void on_io(void *ctx, uint64_t data, uint32_t events)
{
	struct cworker *w = ctx;
	uint32_t slot = (uint32_t)data;
	if (slot >= w->nconns)
		return;
	struct cconn *c = &w->conns[slot];
	if (c->gen != (uint16_t)(data >> 32) || c->state == CS_CLOSED || c->state == CS_IDLE)
		return; /* event for a connection closed earlier in this batch */
	if (c->state == CS_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		on_connected(w, c);
		if (c->state != CS_OPEN)
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
		w->proto->on_readable(w, c, events);
		if (c->state != CS_OPEN)
			return;
	}
	if (events & (EPOLLOUT | EPOLLERR)) {
		w->unblocked = !(c->flags & CF_WRITABLE); /* the socket buffer had filled */
		c->flags |= CF_WRITABLE;
		w->proto->send_due(w, c);
		w->unblocked = false;
	}
}

static void on_timer(void *ctx, struct tw_node *n)
{
	struct cworker *w = ctx;
	struct cconn *c = (struct cconn *)n; /* timer is the first member */
	if (c->state == CS_CONNECTING)
		client_conn_close(w, c, CR_CONNECT_TIMEOUT, ETIMEDOUT);
	else if (c->state == CS_OPEN)
		w->proto->send_due(w, c);
}

static void publish(struct cworker *w)
{
	pthread_mutex_lock(&w->sh->lock);
	hist_merge(&w->sh->lat_pending, &w->lat);
	hist_merge(&w->sh->lat_total, &w->lat);
	hist_merge(&w->sh->conn_lat_total, &w->conn_lat);
	wshared_add_honest(w->sh, &w->svc, &w->lag, &w->own_lag);
	pthread_mutex_unlock(&w->sh->lock);
	hist_reset(&w->lat);
	hist_reset(&w->conn_lat);
	hist_reset(&w->svc);
	hist_reset(&w->lag);
	hist_reset(&w->own_lag);
	ctr_set(&w->sh->c.cpu_ns, cpustat_thread_ns()); /* is the generator the bottleneck? */
}

static void open_due(struct cworker *w)
{
	uint64_t now = w->r.now_ns;
	while (w->next_open < w->nconns && w->inflight < w->inflight_max && now < w->ctl->end_ns) {
		uint64_t due = w->ctl->start_ns + (uint64_t)(w->next_open * w->connect_gap_ns);
		if (due > now) {
			if (due < w->r.wake_ns)
				w->r.wake_ns = due;
			return;
		}
		start_connect(w, w->next_open++);
	}
}

static void on_turn(void *ctx)
{
	struct cworker *w = ctx;
	int phase = atomic_load_explicit(&w->ctl->phase, memory_order_acquire);
	if (phase == PHASE_STOP) {
		reactor_stop(&w->r);
		return;
	}
	if (phase != w->phase) {
		/* acknowledged only here, at the top of a turn: every request this
		 * worker sent under the old phase is already counted */
		w->phase = phase;
		atomic_store_explicit(&w->sh->phase_seen, phase, memory_order_release);
	}
	if (phase == PHASE_RUN)
		open_due(w);
	if (w->r.now_ns >= w->next_publish_ns) {
		publish(w);
		w->next_publish_ns = w->r.now_ns + PUBLISH_EVERY_NS;
	}
	if (w->next_publish_ns < w->r.wake_ns)
		w->r.wake_ns = w->next_publish_ns;
}

/* Requests whose intended time fell before the end but were never sent
 * (the socket was not writable): they count as intended, not as sent. */
static uint64_t unsent_due(struct cworker *w, struct cconn *c)
{
	uint64_t n = 0;
	if (w->req_gap_ns <= 0 || w->cfg->has_think)
		return 0; /* no schedule, or a closed loop: nothing was intended */
	for (uint64_t t = c->t_next; t < w->ctl->end_ns && n < 10000000; t += client_next_gap(w))
		n++;
	return n;
}

void *cworker_main(void *arg)
{
	struct cworker *w = arg;
	w->r.now_ns = mono_ns();
	int rc = reactor_run(&w->r);
	if (rc < 0)
		w->sh->exit_error = -rc;
	/* the run's figures first: closing ~20k sockets per process takes
	 * seconds at scale, and the parent must not wait on it to report */
	uint64_t unsent = 0;
	for (uint32_t i = 0; i < w->nconns; i++) {
		struct cconn *c = &w->conns[i];
		if (c->state == CS_OPEN) {
			unsent += unsent_due(w, c);
			ctr_add(&w->sh->c.req_lost, c->seq_tx - c->seq_rx);
		}
		if (c->state == CS_OPEN || c->state == CS_CONNECTING)
			client_conn_end(w, c, CR_RUN_END, 0);
	}
	uint64_t sent = ctr_get(&w->sh->c.req_sent);
	ctr_set(&w->sh->c.req_intended, sent + unsent);
	publish(w);
	atomic_store_explicit(&w->sh->done, 1, memory_order_release);
	for (uint32_t i = 0; i < w->nconns; i++)
		if (w->conns[i].fd >= 0 && w->conns[i].state == CS_CLOSED) {
			close(w->conns[i].fd);
			w->conns[i].fd = -1;
		}
	return NULL;
}

void cworker_wake(struct cworker *w) { reactor_wake(&w->r); }

static void *zalloc_lazy(size_t bytes)
{
	/* untouched pages cost nothing: RSS grows with connections opened */
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The protocols, by --proto: adding one is its file and a line here. */
static const struct client_protocol *const client_protos[] = {
	[PROTO_ECHO] = &client_proto_echo,
	[PROTO_DNS] = &client_proto_dns,
	[PROTO_HTTP] = &client_proto_http,
};

/* Undoes a cworker_new that failed half way, with its message. */
static struct cworker *fail_new(struct cworker *w, int reactor_rc, char *err, size_t errcap, const char *msg)
{
	if (msg[0])
		snprintf(err, errcap, "%s", msg);
	else
		snprintf(err, errcap, "worker %u: cannot allocate its reactor or %u connection slots: %s", w->id,
			 w->nconns, strerror(reactor_rc < 0 ? -reactor_rc : ENOMEM));
	if (reactor_rc == 0)
		reactor_destroy(&w->r);
	w->r.epfd = w->r.stopfd = -1;
	cworker_free(w);
	return NULL;
}

struct cworker *cworker_new(const struct client_config *cfg, struct run_ctl *ctl, struct wshared *sh, unsigned id,
			    unsigned nworkers, char *err, size_t errcap)
{
	struct cworker *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	w->cfg = cfg;
	w->proto = client_protos[cfg->proto];
	w->ctl = ctl;
	w->sh = sh;
	w->id = id;
	w->nworkers = nworkers;
	w->nconns = (uint32_t)(cfg->conns / nworkers + (id < cfg->conns % nworkers));
	w->inflight_max = (uint32_t)((cfg->connect_inflight + nworkers - 1) / nworkers);
	w->connect_gap_ns = cfg->connect_rate > 0 ? 1e9 * nworkers / cfg->connect_rate : 0;
	w->req_gap_ns = cfg->rate > 0 ? 1e9 * (double)cfg->conns / cfg->rate : 0;
	w->rng = (cfg->seed + 1) * 0x9E3779B97F4A7C15ULL ^ (id + 1);
	hist_reset(&w->lat);
	hist_reset(&w->conn_lat);
	hist_reset(&w->svc);
	hist_reset(&w->lag);
	hist_reset(&w->own_lag);
	w->conns = zalloc_lazy((size_t)w->nconns * sizeof(struct cconn));
	w->scratch = calloc(1, CLIENT_SCRATCH_BYTES);
	if (w->scratch)
		memset(w->scratch, 0, CLIENT_SCRATCH_BYTES); /* fault it in before the RSS baseline */
	if (cfg->sources.n) {
		w->src = calloc(cfg->sources.n, sizeof(size_t));
		int shared = 0;
		if (w->src)
			w->nsrc = srcset_shard(&cfg->sources, id, nworkers, w->src, cfg->sources.n, &shared);
	}
	int rc = reactor_init(&w->r, &(struct reactor_ops){.on_io = on_io, .on_timer = on_timer, .on_turn = on_turn}, w);
	w->rtt = ctl->rtt ? &ctl->rtt[id] : NULL;
	if (!w->conns || !w->scratch || (cfg->sources.n && !w->src) || rc < 0 ||
	    carry_init(&w->carry, w->nconns, w->proto->carry_slot_bytes) < 0)
		return fail_new(w, rc, err, errcap, "");
	char perr[256] = "";
	if (w->proto->init && w->proto->init(w, perr, sizeof(perr)) < 0)
		return fail_new(w, rc, err, errcap, perr[0] ? perr : "out of memory");
	/* slots stay untouched (state CS_IDLE is 0) until their connect starts,
	 * so RSS growth over the run includes them */
	return w;
}

void cworker_free(struct cworker *w)
{
	if (!w)
		return;
	if (w->r.epfd >= 0)
		reactor_destroy(&w->r);
	if (w->conns)
		munmap(w->conns, (size_t)w->nconns * sizeof(struct cconn));
	carry_destroy(&w->carry);
	if (w->proto->free)
		w->proto->free(w);
	free(w->scratch);
	free(w->src);
	free(w);
}
