/* tcpswarm server as a role of the run skeleton (run.c): a listener and
 * reactor per worker, in one process or, when --max-conns needs more
 * descriptors than RLIMIT_NOFILE allows, in several; runs until
 * SIGINT/SIGTERM (or -T), then the diagnosis, the summary and the reports. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpswarm/monitor.h"
#include "tcpswarm/names.h"
#include "tcpswarm/procplan.h"
#include "tcpswarm/run.h"
#include "tcpswarm/server.h"
#include "tcpswarm/server_peers.h"
#include "tcpswarm/synq.h"


struct server_role {
	const struct server_config *cfg;
	struct server_shared ss;
	struct synq_sampler synq; /* SYN-RECV peak of our ports, 10 samples a second */
	struct peer_table *peers; /* one per worker, shared with worker processes */
	size_t peers_bytes;
	struct peer_summary who;  /* the tables merged at the end */
};

/* The workers' peers tables, in one shared mapping (worker processes are
 * forked after this) that costs only the pages a table touches. */
static int peers_alloc(struct server_role *s, unsigned workers)
{
	s->peers_bytes = (size_t)workers * sizeof(struct peer_table);
	void *m = mmap(NULL, s->peers_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		s->peers_bytes = 0;
		return -1;
	}
	s->peers = m;
	s->ss.peers = m;
	return 0;
}

/* Merged once every worker has stopped (and closed what it held). */
static void peers_collect(struct server_role *s, const struct run *run, struct diag_input *in)
{
	if (!s->peers)
		return;
	const struct peer_table **t = calloc(run->workers, sizeof(*t));
	if (!t)
		return;
	for (unsigned i = 0; i < run->workers; i++)
		t[i] = &s->peers[i];
	if (peers_merge(t, run->workers, &s->who) == 0) {
		run->rep->peers = &s->who;
		const struct peer_row *b = peers_busiest(&s->who);
		if (b) {
			in->peer_top_addr = b->addr;
			in->peer_top_port = b->port;
			in->peer_top_peak = b->peak;
		}
	}
	free(t);
}

static int server_prepare(void *ctx, struct run *run)
{
	struct server_role *s = ctx;
	char err[512];
	/* worker processes inherit ss, including its (untouched, copy-on-write)
	 * connection table */
	if (server_shared_init(&s->ss, s->cfg, run->ctl, err, sizeof(err)) < 0 ||
	    server_bind_check(&s->ss, err, sizeof(err)) < 0) {
		fprintf(stderr, "tcpswarm server: %s\n", err);
		return EXIT_USAGE;
	}
	if (peers_alloc(s, run->workers) < 0)
		fprintf(stderr, "tcpswarm server: warning: no room for the peers table; who connects is not counted\n");
	addr_format(&s->ss.bound, run->rep->listen_addr, sizeof(run->rep->listen_addr));
	run->rep->backlog_effective = s->ss.backlog_effective;
	run->rep->conn_struct_bytes = server_conn_size();
	return 0;
}

static void server_started(void *ctx, const struct run *run)
{
	struct server_role *s = ctx;
	server_bind_release(&s->ss); /* worker processes hold their own copy */
	uint16_t port = ntohs(s->ss.bound.in4.sin_port); /* sin6_port sits in the same place */
	run->rep->syn_recv_peak = synq_sampler_start(&s->synq, port, (unsigned)s->cfg->port_count) < 0 ? -1 : 0;
	if (!s->cfg->com.quiet)
		fprintf(stderr, "tcpswarm server: listening on %s, mode %s, %u workers in %u process%s, backlog %d\n",
			run->rep->listen_addr, server_mode_name(s->cfg->mode),
			run->workers, run->procs, run->procs == 1 ? "" : "es", s->ss.backlog_effective);
}

static void *server_worker_new(void *ctx, const struct run *run, unsigned id, char *err, size_t errcap)
{
	struct server_role *s = ctx;
	s->ss.nworkers = run->workers;
	return sworker_new(&s->ss, &run->sh[id], id, err, errcap);
}

static void *server_worker_main(void *w) { return sworker_main(w); }
static void server_worker_wake(void *w) { sworker_wake(w); }
static void server_worker_free(void *w) { sworker_free(w); }

static int server_finish(void *ctx, struct run *run, int status)
{
	struct server_role *s = ctx;
	struct run_report *rep = run->rep;
	if (rep->syn_recv_peak >= 0)
		rep->syn_recv_peak = synq_sampler_stop(&s->synq);
	struct diag_input in = {
		.is_client = false, .tot = &rep->tot, .kdelta = &rep->kdelta, .limits = &rep->limits, .sock = &rep->sock_end,
		.peak_open = rep->peak_open, .backlog_effective = rep->backlog_effective,
		.listen_queue_peak = rep->tot.listen_queue_peak, .syn_recv_peak = rep->syn_recv_peak,
		.server_ports = s->cfg->port_count ? s->cfg->port_count : 1,
	};
	peers_collect(s, run, &in);
	diagnose(&in, &rep->diag);
	report_summary_server(stdout, rep, s->cfg);
	if (s->cfg->com.json_path && report_json_server(s->cfg->com.json_path, rep, s->cfg) < 0)
		status = 1;
	return status;
}

static void server_cleanup(void *ctx, struct run *run)
{
	(void)run;
	struct server_role *s = ctx;
	(void)synq_sampler_stop(&s->synq);
	server_shared_destroy(&s->ss);
	peers_summary_free(&s->who);
	if (s->peers)
		munmap(s->peers, s->peers_bytes);
}

int server_run(const struct server_config *cfg)
{
	struct server_role s;
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	const struct run_role role = {
		.name = "server",
		.com = &cfg->com,
		.conns = cfg->max_conns,
		/* SO_REUSEPORT spreads connections by hash, not evenly: 10% headroom
		 * (at 1M over 51 processes one took 70 more than the average allows) */
		.conns_headroom = cfg->max_conns / 10,
		.conns_exact = false, /* --max-conns is a ceiling, not a target */
		.conns_flag = "--max-conns",
		.fd_per_worker = PROCPLAN_SERVER_FD_PER_WORKER,
		.load_ns = cfg->com.duration_us ? cfg->com.duration_us * 1000 : UINT64_MAX,
		.drains = false, /* the client drains; the server answers until stopped */
		.start_fail_status = EXIT_USAGE, /* a worker that cannot start is a bind error */
		.ctx = &s,
		.prepare = server_prepare,
		.started = server_started,
		.worker_new = server_worker_new,
		.worker_main = server_worker_main,
		.worker_wake = server_worker_wake,
		.worker_free = server_worker_free,
		.finish = server_finish,
		.cleanup = server_cleanup,
	};
	return run_main(&role);
}
