/* tcpswarm probe, the subcommand: parses argv (cli_parse_probe), reads the
 * live limits and host facts, evaluates the plan and prints it. */
#include "tcpswarm/probe.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/units.h"
#include "tcpswarm/worker.h"

void probe_read_host(struct probe_host *host, bool *cgroup)
{
	memset(host, 0, sizeof(*host));
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	host->mem_bytes = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
	uint64_t cg = kstat_cgroup_memory_limit();
	bool used = cg && (!host->mem_bytes || cg < host->mem_bytes);
	if (used)
		host->mem_bytes = cg;
	if (cgroup)
		*cgroup = used;
	host->cap_sys_admin = kstat_cap_sys_admin();
}

static struct probe_plan plan_of(const struct probe_config *cfg, const struct klimits *lim)
{
	bool loopback = cfg->ntargets > 0, ipv6 = cfg->sources.n && cfg->sources.addrs[0].sa.sa_family == AF_INET6;
	for (unsigned i = 0; i < cfg->ntargets; i++) {
		loopback = loopback && addr_is_loopback(&cfg->targets[i]);
		ipv6 = ipv6 || cfg->targets[i].sa.sa_family == AF_INET6;
	}
	int64_t soft = lim->n[KL_NOFILE_SOFT] ? lim->v[KL_NOFILE_SOFT][0] : -1;
	int64_t hard = lim->n[KL_NOFILE_HARD] ? lim->v[KL_NOFILE_HARD][0] : -1;
	struct probe_plan plan = {
		.conns = cfg->conns,
		.ntargets = cfg->ntargets,
		.source_ips = cfg->sources.n,
		.loopback = loopback,
		.ipv6 = ipv6,
		.role = cfg->role >= 0 ? (enum probe_role)cfg->role : loopback ? PROBE_ROLE_BOTH : PROBE_ROLE_CLIENT,
		.workers = probe_client_workers(cfg->conns, cfg->workers, cfg->processes, worker_cpu_count(), soft, hard),
	};
	return plan;
}

/* Without a plan: what this host holds when it is both ends and sources
 * are no limit. */
static void print_loopback_capacity(const struct klimits *lim, const struct probe_host *host)
{
	struct probe_plan lo = { .ntargets = 1, .source_ips = PROBE_ANY_SOURCES, .loopback = true,
				 .role = PROBE_ROLE_BOTH };
	struct probe_row rows[PROBE_MAX_ROWS];
	size_t n = probe_evaluate(lim, host, &lo, rows, PROBE_MAX_ROWS);
	const struct probe_row *first = probe_first_cap(rows, n);
	if (first)
		printf("with both ends on this host (loopback) and enough source IPs (--source 127.0.0.2-...): "
		       "at most %" PRIu64 " connections: %s binds first\n",
		       first->max_conns, first->limit);
}

int probe_main(int argc, char **argv)
{
	struct probe_config cfg;
	int rc = cli_parse_probe(argc, argv, &cfg, stderr);
	if (rc > 0)
		probe_help(stdout);
	if (rc) {
		srcset_free(&cfg.sources);
		return rc > 0 ? 0 : EXIT_USAGE;
	}
	struct klimits lim;
	kstat_read_limits(&lim);
	bool have_plan = cfg.conns || cfg.ntargets || cfg.source || cfg.role >= 0;
	struct probe_plan plan = plan_of(&cfg, &lim);
	srcset_free(&cfg.sources);

	struct probe_host host;
	bool cgroup = false;
	probe_read_host(&host, &cgroup);
	if (cgroup) {
		char a[16];
		units_fmt_bytes(a, sizeof(a), (double)host.mem_bytes);
		printf("memory: this cgroup may use %s, less than the RAM: counting that\n", a);
	}
	struct probe_row rows[PROBE_MAX_ROWS];
	size_t n = probe_evaluate(&lim, &host, have_plan ? &plan : NULL, rows, PROBE_MAX_ROWS);
	probe_print(stdout, rows, n, have_plan ? &plan : NULL);
	if (!have_plan)
		print_loopback_capacity(&lim, &host);
	return probe_status(rows, n);
}
