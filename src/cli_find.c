/* The client's --find options: --find, --slo, --step; the search itself is
 * find_search.c (pure) driven by find.c. */
#include "cli_find.h"

#include <string.h>

#include "tcpswarm/units.h"

int cli_find_kind(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (!strcmp(v, "max-rate")) {
		c->find.kind = FIND_MAX_RATE;
		return 0;
	}
	snprintf(err, cap, "'%s': expected max-rate%s", v,
		 !strcmp(v, "max-conns") ? " (max-conns is not built yet)" : "");
	return -1;
}

int cli_find_slo(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (find_slo_parse(v, &c->find.slo, err, cap) < 0)
		return -1;
	c->find.has_slo = true;
	return 0;
}

int cli_find_step(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (units_parse_duration(v, &c->find.step_us, err, cap) < 0)
		return -1;
	if (c->find.step_us < 100000) {
		snprintf(err, cap, "'%s': a step of at least 100ms is needed (each step is a whole client run)", v);
		return -1;
	}
	return 0;
}

/* The options a search cannot go with. NULL, or what to say. */
static const char *conflict(const struct client_config *cfg)
{
	if (cfg->closed_loop)
		return "--find max-rate sets the rate of each step: it excludes -r max";
	if (cfg->rate_sched.n || cfg->rate_sched_spec || cfg->sched_file)
		return "--find max-rate sets the rate of each step: it excludes a schedule";
	if (cfg->has_think)
		return "--find max-rate paces requests open loop: it excludes --think";
	if (cfg->shard.count)
		return "--find does not split over shards: run it unsharded";
	if (cfg->com.csv_path || cfg->com.hdr_log_path || cfg->rtt_log)
		return "--find writes --json only (its steps and the last step's report): drop --csv, --hdr-log and --rtt-log";
	if (cfg->com.metrics.len)
		return "--find runs many short runs: it excludes --metrics";
	if (cfg->has_duration)
		return "--find runs steps of --step each: it excludes -T";
	return NULL;
}

int cli_find_finish(const struct client_config *cfg, FILE *err)
{
	if (!cfg->find.kind) {
		if (cfg->find.has_slo || cfg->find.step_us) {
			fprintf(err, "tcpswarm client: --slo and --step go with --find max-rate\n");
			return -1;
		}
		return 0;
	}
	if (!cfg->find.has_slo) {
		fprintf(err, "tcpswarm client: --find max-rate needs --slo, e.g. --slo p99=5ms\n");
		return -1;
	}
	const char *why = conflict(cfg);
	if (why) {
		fprintf(err, "tcpswarm client: %s\n", why);
		return -1;
	}
	return 0;
}
