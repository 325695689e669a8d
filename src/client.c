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
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpswarm/carry.h"
#include "tcpswarm/cpustat.h"
#include "tcpswarm/prefault.h"
#include "tcpswarm/reactor.h"
#include "tcpswarm/stats.h"
#include "client_engine.h"
#include "tls_client.h"

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
	/* Nagle only holds back writes, and a silent hold makes none: one
	 * syscall less per connect (this and the bind option's setsockopt took
	 * 7% of the client's perf samples in a 15k hold) */
	if (!w->silent)
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
	/* a reopen starts clean: the protocol state of the last connection
	 * (sequence numbers, partial offsets; its carry slot went at close) */
	c->seq_tx = c->seq_rx = 0;
	c->tx_off = c->rx_off = 0;
	c->flags &= (uint8_t)~(CF_QUEUED | CF_RETIRE | CF_WRITABLE | CF_PROTO_A | CF_PROTO_B);
	ctr_add(&w->sh->c.conn_attempts, 1);
	c->state = CS_CONNECTING;
	c->t_next = mono_ns(); /* not the turn's start: connects before it in this turn took time */
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

/* A connection opened: the slot's outage ends (what it could not send is
 * counted), a reopen is counted, its lifetime starts. */
static void held_again(struct cworker *w, struct cconn *c)
{
	uint64_t now = w->r.now_ns;
	if (c->t_out) {
		client_count_down(w, c->t_out, now);
		c->t_out = 0;
	}
	if (c->flags & CF_WAS_OPEN)
		ctr_add(&w->sh->c.conn_reopened, 1);
	else
		ctr_set(&w->sh->c.last_established_ns, now); /* the ramp: first opens only */
	c->flags |= CF_WAS_OPEN;
	if (w->none_open_since) {
		uint64_t out = now - w->none_open_since;
		if (out > ctr_get(&w->sh->c.outage_ns))
			ctr_set(&w->sh->c.outage_ns, out);
		w->none_open_since = 0;
	}
	if (w->life) {
		uint64_t lo = w->cfg->life_lo_us, hi = w->cfg->life_hi_us;
		uint64_t us = lo + (uint64_t)(client_rnd_unit(w) * (double)(hi - lo));
		reactor_timer_at(&w->r, &w->life[client_slot_of(w, c)], now + us * 1000);
	}
}

/* Our own churn close, once nothing is in flight (a request we sent is
 * answered before we close: our closes never lose requests). */
static void close_if_retired(struct cworker *w, struct cconn *c)
{
	if (c->state == CS_OPEN && (c->flags & CF_RETIRE) && c->seq_tx == c->seq_rx)
		client_conn_close(w, c, c->flags & CF_RETIRE_SCHED ? CR_SCHEDULE : c->flags & CF_RETIRE_REQS ? CR_REQUESTS : CR_LIFETIME, 0);
}

static void opened(struct cworker *w, struct cconn *c);

/* After a step of the TLS handshake (1 done, 0 waiting, -1 failed). */
static void tls_stepped(struct cworker *w, struct cconn *c, int rc, const struct client_tls_fail *f)
{
	if (rc > 0)
		opened(w, c);
	else if (rc < 0)
		client_conn_close(w, c, f->why, f->err);
}

static void on_connected(struct cworker *w, struct cconn *c, uint32_t events)
{
	struct client_tls_fail f;
	if (client_tls_handshaking(w, c)) {
		tls_stepped(w, c, client_tls_step(w, c, &f), &f);
		return;
	}
	int err = 0;
	socklen_t el = sizeof(err);
	/* a failed connect always reports EPOLLERR: writable alone is connected
	 * (one syscall less per connect) */
	if ((events & (EPOLLERR | EPOLLHUP)) && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		client_conn_close(w, c, CR_CONNECT_FAILED, err);
		return;
	}
	uint64_t us = (w->r.now_ns - c->t_next + 500) / 1000;
	hist_record(&w->conn_lat, us);
	/* --tls: the handshake first (still connecting: --connect-timeout and
	 * --connect-inflight cover it), then the protocol's on_open */
	if (!w->tls)
		opened(w, c);
	else
		tls_stepped(w, c, client_tls_begin(w, c, &f), &f);
}

static void opened(struct cworker *w, struct cconn *c)
{
	client_inflight_give(w);
	c->state = CS_OPEN;
	c->flags |= CF_WRITABLE;
	ctr_add(&w->sh->c.conn_established, 1);
	ctr_add(&w->sh->c.conn_open, 1);
	reactor_timer_cancel(&w->r, &c->timer);
	uint64_t resume = c->flags & CF_WAS_OPEN ? c->t_out : 0; /* a reopen resumes its schedule */
	held_again(w, c);
	c->t_next = UINT64_MAX; /* no schedule: nothing is ever due */
	w->resume_ns = resume;
	w->proto->on_open(w, c);
	w->resume_ns = 0;
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
		on_connected(w, c, events);
		if (c->state != CS_OPEN)
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
		w->proto->on_readable(w, c, events);
		close_if_retired(w, c);
		if (c->state != CS_OPEN)
			return;
	}
	if ((events & (EPOLLOUT | EPOLLERR)) && !(c->flags & CF_RETIRE)) {
		/* EPOLLOUT rides along with every EPOLLIN edge: when the socket
		 * was writable and a send timer is set, nothing changed, and a
		 * send now would split the window's one send (--send-window;
		 * 0 keeps sending on every wake-up) */
		if (w->r.timer_window_ns && (c->flags & CF_WRITABLE) && tw_pending(&c->timer) && !(events & EPOLLERR))
			return;
		w->unblocked = !(c->flags & CF_WRITABLE); /* the socket buffer had filled */
		c->flags |= CF_WRITABLE;
		w->proto->send_due(w, c);
		w->unblocked = false;
	}
}

static void on_timer(void *ctx, struct tw_node *n)
{
	struct cworker *w = ctx;
	uintptr_t p = (uintptr_t)n, life = (uintptr_t)w->life;
	if (w->life && p >= life && p < life + w->nconns * sizeof(*w->life)) {
		struct cconn *c = &w->conns[(p - life) / sizeof(*w->life)];
		if (c->state == CS_OPEN) {
			client_retire(w, c, CF_RETIRE_LIFE); /* --conn-lifetime passed */
			close_if_retired(w, c);
		}
		return;
	}
	struct cconn *c = (struct cconn *)n; /* timer is the first member */
	if (c->state == CS_CONNECTING)
		client_conn_close(w, c, CR_CONNECT_TIMEOUT, ETIMEDOUT);
	else if (c->state == CS_OPEN)
		w->proto->send_due(w, c);
	else if (c->state == CS_CLOSED && w->reopen_q && w->phase == PHASE_RUN)
		client_reopen_push(w, c); /* its reconnect backoff passed */
}

static void publish(struct cworker *w)
{
	wshared_lock(w->sh);
	hist_merge(&w->sh->lat_pending, &w->lat);
	hist_merge(&w->sh->lat_total, &w->lat);
	hist_merge(&w->sh->conn_lat_total, &w->conn_lat);
	if (w->tls)
		client_tls_publish(w);
	wshared_add_honest(w->sh, &w->svc, &w->lag, &w->own_lag);
	wshared_unlock(w->sh);
	hist_reset(&w->lat);
	hist_reset(&w->conn_lat);
	hist_reset(&w->svc);
	hist_reset(&w->lag);
	hist_reset(&w->own_lag);
	ctr_set(&w->sh->c.cpu_ns, cpustat_thread_ns()); /* is the generator the bottleneck? */
}

/* --connect-rate over every connect, first opens and reopens alike: true
 * when one may start now (and takes its turn), else sets the wake-up. A
 * late worker catches up on first opens (as planned from the start); once
 * every slot was opened, a quiet spell banks at most CATCHUP_NS of turns. */
#define CATCHUP_NS 100000000ULL
static bool connect_turn(struct cworker *w, uint64_t now)
{
	if (w->connect_gap_ns <= 0)
		return true;
	if (!w->connect_next_ns)
		w->connect_next_ns = w->ctl->start_ns;
	if (w->connect_next_ns > now) {
		if (w->connect_next_ns < w->r.wake_ns)
			w->r.wake_ns = w->connect_next_ns;
		return false;
	}
	if (w->next_open >= w->nconns && w->connect_next_ns + CATCHUP_NS < now)
		w->connect_next_ns = now - CATCHUP_NS;
	w->connect_next_ns += (uint64_t)w->connect_gap_ns;
	return true;
}

/* Connects one turn may start before it lets the reactor handle what is
 * ready: a turn that starts a whole burst leaves every SYN-ACK meanwhile
 * waiting, and their connect latency holds the rest of the burst. For a
 * 15,000 hold (2 workers): uncapped p99 25-54 ms; 256 a turn 9-13 ms; 64
 * 2.5-5.7 ms; 16 1.1-1.5 ms; all up at the same time each way. */
#define CONNECTS_PER_TURN 64

/* Starts the connects that are due: slots waiting to reopen first (they
 * hold -c), then slots never opened, under --connect-inflight. */
static void open_due(struct cworker *w)
{
	uint64_t now = w->r.now_ns;
	unsigned started = 0;
	if (!client_turn_ready(w))
		return;
	while (client_conn_sched_room(w) && (w->rq_len || w->next_open < w->nconns) && w->inflight < w->inflight_max &&
	       now < w->load_end_ns) {
		if (started++ == CONNECTS_PER_TURN) {
			w->r.wake_ns = now; /* more are due: come back after the ready events */
			return;
		}
		if (!client_inflight_take(w))
			return;
		if (!connect_turn(w, now)) {
			client_inflight_give(w);
			return;
		}
		uint32_t slot;
		if (w->rq_len) {
			slot = w->reopen_q[w->rq_head];
			w->rq_head = (w->rq_head + 1) % w->nconns;
			w->rq_len--;
		} else {
			slot = w->next_open++;
		}
		start_connect(w, slot);
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
	if (phase != PHASE_RUN && w->load_end_ns > w->r.now_ns)
		w->load_end_ns = w->r.now_ns; /* ended early (SIGINT): nothing is intended after now */
	if (phase != w->phase) {
		/* acknowledged only here, at the top of a turn: every request this
		 * worker sent under the old phase is already counted */
		w->phase = phase;
		atomic_store_explicit(&w->sh->phase_seen, phase, memory_order_release);
	}
	if (phase == PHASE_RUN) {
		open_due(w);
		client_turn_after(w);
	}
	if (w->r.now_ns >= w->next_publish_ns) {
		publish(w);
		w->next_publish_ns = w->r.now_ns + PUBLISH_EVERY_NS;
	}
	if (w->next_publish_ns < w->r.wake_ns)
		w->r.wake_ns = w->next_publish_ns;
}

/* Requests whose intended time fell before the end of the load but were
 * never sent (the socket was not writable): they count as intended, not as
 * sent. Counted, not walked: the one due at t_next plus the schedule points
 * after it (uniform: exact; poisson: the expected count), so any rate and
 * any length returns at once. */
static uint64_t unsent_due(struct cworker *w, struct cconn *c)
{
	if (w->req_gap_ns <= 0 || w->cfg->has_think || c->t_next >= w->load_end_ns)
		return 0; /* no schedule, a closed loop, or nothing due before the end */
	return client_points_before(w, c->t_next, w->load_end_ns);
}

/* The end of the load for every slot: what open ones left unsent, what
 * down ones could not send, the outage still running; then closes. */
static void end_slots(struct cworker *w)
{
	uint64_t unsent = 0, end = w->load_end_ns;
	for (uint32_t i = 0; i < w->nconns; i++) {
		struct cconn *c = &w->conns[i];
		if (c->state == CS_OPEN) {
			unsent += unsent_due(w, c);
			ctr_add(&w->sh->c.req_lost, c->seq_tx - c->seq_rx);
		} else if (c->t_out && c->t_out < end) {
			client_count_down(w, c->t_out, end); /* down (or reconnecting) at the end */
		}
		if (c->state == CS_OPEN || c->state == CS_CONNECTING)
			client_conn_end(w, c, CR_RUN_END, 0);
	}
	if (w->none_open_since && w->none_open_since < end && end - w->none_open_since > ctr_get(&w->sh->c.outage_ns))
		ctr_set(&w->sh->c.outage_ns, end - w->none_open_since);
	uint64_t sent = ctr_get(&w->sh->c.req_sent);
	ctr_set(&w->sh->c.req_intended, sent + unsent + ctr_get(&w->sh->c.req_not_sent));
}

static void close_all(struct cworker *w)
{
	struct linger rst = {.l_onoff = 1, .l_linger = 0};
	for (uint32_t i = 0; i < w->nconns; i++)
		if (w->conns[i].fd >= 0 && w->conns[i].state == CS_CLOSED) {
			if (w->cfg->close_rst)
				setsockopt(w->conns[i].fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
			close(w->conns[i].fd);
			w->conns[i].fd = -1;
		}
}

void *cworker_main(void *arg)
{
	struct cworker *w = arg;
	w->r.now_ns = mono_ns();
	w->load_end_ns = w->ctl->end_ns;
	int rc = reactor_run(&w->r);
	if (rc < 0)
		w->sh->exit_error = -rc;
	client_turn_end(w);
	w->r.now_ns = mono_ns();
	if (w->load_end_ns > w->r.now_ns)
		w->load_end_ns = w->r.now_ns;
	/* the run's figures first: closing ~20k sockets per process takes
	 * seconds at scale, and the parent must not wait on it to report */
	end_slots(w);
	publish(w);
	atomic_store_explicit(&w->sh->done, 1, memory_order_release);
	if (getpid() != w->ctl->parent_pid) /* a worker process: its teardown yields to the parent's report and the shell */
		setpriority(PRIO_PROCESS, 0, 19); /* this thread only */
	close_all(w);
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
	[PROTO_RAW] = &client_proto_raw,
};

/* The reopen queue (--reconnect on) and lifetime timers (--conn-lifetime),
 * lazily mapped like the slots. */
static bool alloc_hold(struct cworker *w)
{
	if (w->cfg->reconnect && w->nconns && !(w->reopen_q = zalloc_lazy((size_t)w->nconns * sizeof(uint32_t))))
		return false;
	if (w->cfg->life_hi_us && w->nconns && !(w->life = zalloc_lazy((size_t)w->nconns * sizeof(struct tw_node))))
		return false;
	return true;
}

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
	/* while still all zero: without MADV_POPULATE_WRITE it is zeroed again */
	prefault_zeroed(w, sizeof(*w)); /* its five histograms: 737 KB */
	w->cfg = cfg;
	w->proto = client_protos[cfg->proto];
	w->ctl = ctl;
	w->sh = sh;
	w->id = id;
	w->nworkers = nworkers;
	w->nconns = (uint32_t)(cfg->conns / nworkers + (id < cfg->conns % nworkers));
	w->connect_gap_ns = cfg->connect_rate > 0 ? 1e9 * nworkers / cfg->connect_rate : 0;
	w->req_gap_ns = cfg->rate > 0 ? 1e9 * (double)cfg->conns / cfg->rate : 0;
	w->rng = (cfg->seed + 1) * 0x9E3779B97F4A7C15ULL ^ (id + 1);
	client_turns_init(w);
	w->silent = cfg->rate == 0 && !cfg->closed_loop && cfg->rate_sched.n == 0 && !cfg->has_raw_first && !cfg->tls;
	hist_init_zeroed(&w->lat);
	hist_init_zeroed(&w->conn_lat);
	hist_init_zeroed(&w->svc);
	hist_init_zeroed(&w->lag);
	hist_init_zeroed(&w->own_lag);
	w->conns = zalloc_lazy((size_t)w->nconns * sizeof(struct cconn));
	bool hold_ok = alloc_hold(w);
	w->scratch = calloc(1, CLIENT_SCRATCH_BYTES);
	if (w->scratch)
		prefault_zeroed(w->scratch, CLIENT_SCRATCH_BYTES); /* resident before the RSS baseline */
	if (cfg->sources.n) {
		w->src = calloc(cfg->sources.n, sizeof(size_t));
		int shared = 0;
		if (w->src)
			w->nsrc = srcset_shard(&cfg->sources, id, nworkers, w->src, cfg->sources.n, &shared);
	}
	int rc = reactor_init(&w->r, &(struct reactor_ops){.on_io = on_io, .on_timer = on_timer, .on_turn = on_turn}, w);
	if (rc == 0 && !cfg->closed_loop) /* -r max sends as answers come, not on timers */
		w->r.timer_window_ns = cfg->send_window_us * 1000;
	w->rtt = ctl->rtt ? &ctl->rtt[id] : NULL;
	if (!w->conns || !hold_ok || !w->scratch || (cfg->sources.n && !w->src) || rc < 0 ||
	    carry_init(&w->carry, w->nconns, w->proto->carry_slot_bytes) < 0)
		return fail_new(w, rc, err, errcap, "");
	char perr[256] = "";
	if (w->proto->init && w->proto->init(w, perr, sizeof(perr)) < 0)
		return fail_new(w, rc, err, errcap, perr[0] ? perr : "out of memory");
	if (cfg->tls && client_tls_init(w, perr, sizeof(perr)) < 0)
		return fail_new(w, rc, err, errcap, perr);
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
	if (w->reopen_q)
		munmap(w->reopen_q, (size_t)w->nconns * sizeof(uint32_t));
	if (w->life)
		munmap(w->life, (size_t)w->nconns * sizeof(struct tw_node));
	carry_destroy(&w->carry);
	client_tls_free(w);
	if (w->proto->free)
		w->proto->free(w);
	free(w->scratch);
	free(w->src);
	free(w);
}
