/* probe's ip_local_port_range row: the client's own port plan
 * (portplan_compute, the same call client_ports.c makes), with the workers
 * the client would run, turned into a row: the client picks loopback
 * sources by itself (ok), fills the range past half (warn), or refuses the
 * plan (binds, with the numbers of its refusal). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "probe_shape.h"
#include "tcpswarm/portplan.h"
#include "tcpswarm/procplan.h"

/* The widest ip_local_port_range: 1024-65535. */
#define WIDEST_PORTS 64512


unsigned probe_client_workers(uint64_t conns, unsigned workers, unsigned processes, unsigned cpus, int64_t nofile_soft,
			      int64_t nofile_hard)
{
	struct procplan_input in = {.conns = conns, .exact = true, .fd_per_worker = PROCPLAN_CLIENT_FD_PER_WORKER,
				    .workers = workers, .processes = processes, .cpus = cpus ? cpus : 1};
	if (!conns)
		return workers ? workers : in.cpus;
	struct procplan p;
	/* the client raises its soft limit toward the hard one first (fd_budget_raise) */
	procplan_compute(&in, procplan_avail_after_raise(procplan_want(&in), nofile_soft, nofile_hard), &p);
	return p.procs * p.per_proc; /* a refused plan: the first guess, as the client would have tried */
}

/* The --source suggestion for ips source IPs (fix of ip_local_port_range). */
static void port_fix(const struct shape *sh, uint64_t ips, char *fix, size_t cap)
{
	if (ips == UINT64_MAX) {
		snprintf(fix, cap, "the range is empty: sysctl -w net.ipv4.ip_local_port_range='32768 60999'");
		return;
	}
	char widen[96] = "", spec[40];
	/* ip_local_port_range 1024-65535 alone is enough */
	if (sh->n <= sat_mul(sat_mul(WIDEST_PORTS, sh->s), sh->t))
		snprintf(widen, sizeof(widen), ", or widen: sysctl -w net.ipv4.ip_local_port_range='1024 65535'");
	portplan_loopback_spec(spec, sizeof(spec), ips);
	if (sh->loopback && !sh->ipv6 && spec[0]) {
		snprintf(fix, cap, "--source %s (%" PRIu64 " source IPs, all on lo already)%s", spec, ips, widen);
	} else if (sh->loopback && sh->ipv6) {
		snprintf(fix, cap,
			 "%" PRIu64 " source IPs: ::1 is the only IPv6 loopback address, so target 127.0.0.1 with "
			 "--source 127.0.0.2-..., or add addresses to lo (ip -6 addr add fd00::N/128 dev lo) and pass "
			 "them to --source%s",
			 ips, widen);
	} else {
		snprintf(fix, cap,
			 "%" PRIu64 " source IPs: add addresses to the interface (ip addr add ADDR/32 dev IF) and "
			 "pass them as --source A-B%s",
			 ips, widen);
	}
}

/* The note and fix for each verdict of a counted plan. tw: the TIME-WAIT
 * remark, "" or starting with "; ". */
static void port_verdict(const struct shape *sh, const struct portplan *pp, const char *tw, struct probe_row *r)
{
	uint64_t ports = pp->ports;
	switch (pp->verdict) {
	case PORTPLAN_FITS:
		if (tw[0])
			snprintf(r->note, sizeof(r->note), "%s", tw + 2);
		return;
	case PORTPLAN_AUTO:
		probe_set_max(r, sat_mul(sat_mul(ports, pp->sources), sh->t));
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " source IPs (auto)", pp->sources);
		snprintf(r->note, sizeof(r->note),
			 "one source IP would put %" PRIu64 " connections on one (source IP, target), %.0f%% of its %"
			 PRIu64 " ports, and connect() slows as the range fills: with no --source, tcpswarm client "
			 "picks %" PRIu64 " source IPs itself (--source %s, all on lo already), %" PRIu64
			 " connections each (%.0f%%)%s",
			 pp->given_load, 100.0 * (double)pp->given_load / (double)ports, ports, pp->sources, pp->spec,
			 pp->load, 100.0 * pp->fill, tw);
		return;
	case PORTPLAN_SLOW:
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "%.0f%% of the local ports of the fullest (source IP, target) tuple in use (%" PRIu64
			 " connections): the kernel's port search gets slow past half and connect() latency rises%s",
			 100.0 * pp->fill, pp->load, tw);
		/* enough source IPs to bring each tuple to half its ports */
		port_fix(sh, div_ceil(sat_mul(sh->n, 2), sat_mul(ports, sh->t)), r->fix, sizeof(r->fix));
		return;
	case PORTPLAN_NO_FIT:
		r->v = PROBE_BINDS;
		snprintf(r->note, sizeof(r->note),
			 "each (source IP, target) tuple holds one connection per local port: %" PRIu64 " connections "
			 "on the fullest of %" PRIu64 " source IP%s x %" PRIu64 " target%s, which has %" PRIu64
			 " ports; tcpswarm client refuses the plan (exit 2; with --ignore-plan connect() fails with "
			 "EADDRNOTAVAIL)%s%s",
			 pp->load, pp->sources, plural(pp->sources), sh->t, plural(sh->t), ports,
			 sh->loopback && !sh->ipv6 && !sh->given_s ? "; its own pick of 127.0.0.x sources stops at 250" : "",
			 tw);
		port_fix(sh, pp->needed, r->fix, sizeof(r->fix));
		return;
	}
}

void probe_row_ports(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (l->n[KL_IP_LOCAL_PORT_RANGE] < 2) {
		r->v = PROBE_NA;
		return;
	}
	int64_t lo = l->v[KL_IP_LOCAL_PORT_RANGE][0], hi = l->v[KL_IP_LOCAL_PORT_RANGE][1];
	if (lo < 0 || hi < 0 || lo > 65535 || hi > 65535) {
		r->v = PROBE_NA;
		return;
	}
	uint64_t ports = ports_per_tuple((uint32_t)lo, (uint32_t)hi);
	snprintf(r->current, sizeof(r->current), "%" PRId64 "-%" PRId64 " (%" PRIu64 ")", lo, hi, ports);
	if (!sh->client) {
		r->v = PROBE_NA; /* accepted sockets take no local port */
		return;
	}
	uint64_t cap = sat_mul(sat_mul(ports, sh->s), sh->t);
	probe_set_max(r, cap);
	r->v = PROBE_OK;
	if (ports == 0) {
		r->v = PROBE_BINDS;
		r->ratio = INFINITY;
		port_fix(sh, UINT64_MAX, r->fix, sizeof(r->fix));
		return;
	}
	if (!sh->n || sh->s == UINT64_MAX)
		return;
	struct portplan_input in = {
		.conns = sh->n, .ntargets = (unsigned)sh->t, .loopback_v4 = sh->loopback && !sh->ipv6,
		.nsources = sh->given_s ? sh->s : 0, .workers = sh->workers, .port_lo = (uint32_t)lo, .port_hi = (uint32_t)hi,
	};
	struct portplan pp;
	portplan_compute(&in, &pp);
	if (sh->given_s)
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " source IP%s (have %" PRIu64 ")", pp.needed,
			 plural(pp.needed), sh->s);
	else
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " source IP%s", pp.needed, plural(pp.needed));
	r->ratio = pp.fill;
	char tw[160] = "";
	if (pp.given_load * 2 > ports && has(l, KL_TCP_TW_REUSE) &&
	    (l->v[KL_TCP_TW_REUSE][0] == 0 || (l->v[KL_TCP_TW_REUSE][0] == 2 && !sh->loopback)))
		snprintf(tw, sizeof(tw),
			 "; ports of connections closed in the last 60 s sit in TIME-WAIT and still count: "
			 "net.ipv4.tcp_tw_reuse=1 lets connect() reuse them");
	port_verdict(sh, &pp, tw, r);
}
