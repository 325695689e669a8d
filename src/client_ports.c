/* The client's port plan: how many connections each (source IP, target)
 * tuple must hold, picking 127.0.0.x sources on loopback, refusing a plan
 * that cannot fit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tcpswarm/client.h"
#include "tcpswarm/kstat.h"

static bool all_loopback_v4(const struct client_config *cfg)
{
	for (unsigned i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i].sa.sa_family != AF_INET || !addr_is_loopback(&cfg->targets[i]))
			return false;
	return true;
}

/* The most connections any one (source IP, target) tuple must hold, given
 * how open_socket() spreads a worker's connections: targets round-robin,
 * then the worker's shard of source IPs. */
static uint64_t max_tuple_load(const struct client_config *cfg, unsigned workers)
{
	size_t n = cfg->sources.n ? cfg->sources.n : 1;
	uint64_t *load = calloc(n, sizeof(*load));
	size_t *idx = calloc(n, sizeof(*idx));
	uint64_t max = 0;
	if (!load || !idx) {
		free(load);
		free(idx);
		return cfg->conns;
	}
	for (unsigned w = 0; w < workers; w++) {
		uint64_t cw = cfg->conns / workers + (w < cfg->conns % workers);
		int shared = 0;
		size_t s = cfg->sources.n ? srcset_shard(&cfg->sources, w, workers, idx, n, &shared) : 1;
		uint64_t per = (cw + s * cfg->ntargets - 1) / (s * cfg->ntargets);
		for (size_t i = 0; i < s; i++)
			if ((load[idx[i]] += per) > max)
				max = load[idx[i]];
	}
	free(load);
	free(idx);
	return max;
}

/* One (source IP, target) tuple holds at most one port range of
 * connections, and the kernel's port search in connect() slows down sharply
 * as the range fills (it probes ports until it finds a free one). Refuse a
 * plan that cannot fit; on loopback with no --source, pick 127.0.0.x
 * sources ourselves, a disjoint set per worker. Measured here (6.18, 70k
 * connections to one port): at 62% fill per source IP connects ran at
 * ~2.5k/s after the first 56k and took 6 s; at 15% fill all took 1.1 s. */
#define PORT_FILL_WARN 0.5 /* above this, pick sources (loopback) or warn */
#define PORT_FILL_PICK 0.25 /* fill the automatic choice aims for */

int client_port_plan(struct client_config *cfg, const struct klimits *lim, unsigned workers, bool quiet)
{
	if (lim->n[KL_IP_LOCAL_PORT_RANGE] < 2)
		return 0;
	uint32_t lo = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][0], hi = (uint32_t)lim->v[KL_IP_LOCAL_PORT_RANGE][1];
	uint64_t per = ports_per_tuple(lo, hi);
	uint64_t load = max_tuple_load(cfg, workers);
	if (load <= per * PORT_FILL_WARN)
		return 0;
	if (!cfg->sources.n && all_loopback_v4(cfg)) {
		uint64_t k = (uint64_t)((double)cfg->conns / ((double)cfg->ntargets * (double)per * PORT_FILL_PICK)) + 1;
		k = (k + workers - 1) / workers * workers; /* each worker its own addresses */
		if (k <= 250) {
			char spec[64], err[256];
			snprintf(spec, sizeof(spec), "127.0.0.2-127.0.0.%" PRIu64, k + 1);
			if (srcset_parse(&cfg->sources, spec, err, sizeof(err)) == 0) {
				if (!quiet)
					fprintf(stderr,
						"tcpswarm client: one (source IP, target) holds at most %" PRIu64
						" connections (ip_local_port_range %u-%u) and connect() slows as it "
						"fills; using source IPs %s\n",
						per, lo, hi, spec);
				return 0;
			}
		}
	}
	uint64_t nsrc = cfg->sources.n ? cfg->sources.n : 1;
	uint64_t need = srcaddr_ips_needed(cfg->conns, cfg->ntargets, lo, hi);
	if (need < workers && nsrc < workers)
		need = workers; /* fewer addresses than workers makes workers share them */
	if (load > per && !cfg->ignore_plan) {
		fprintf(stderr,
			"tcpswarm client: the plan cannot fit: %" PRIu64 " connections to %u target(s) from %" PRIu64
			" source IP(s) over %u workers put %" PRIu64 " connections on one (source IP, target), "
			"which holds at most %" PRIu64 " (net.ipv4.ip_local_port_range %u-%u).\n"
			"  fix: use at least %" PRIu64 " source IPs (--source A-B, or --source-iface), add target ports, or "
			"widen ip_local_port_range\n",
			cfg->conns, cfg->ntargets, nsrc, workers, load, per, lo, hi, need);
		return -1;
	}
	if (!quiet)
		fprintf(stderr,
			"tcpswarm client: warning: %" PRIu64 " connections on one (source IP, target) fill %.0f%% of "
			"ip_local_port_range %u-%u; connect() slows down as it fills: more source IPs help\n",
			load, 100.0 * (double)load / (double)per, lo, hi);
	return 0;
}

