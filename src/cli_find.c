/* The client's --find options: --find, --slo, --step; the search itself is
 * find_search.c (pure) driven by find.c. */
#include "cli_find.h"

#include <string.h>

#include "tcpswarm/units.h"

int cli_find_kind(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (!strcmp(v, "max-rate") || !strcmp(v, "max-conns")) {
		c->find.kind = v[4] == 'r' ? FIND_MAX_RATE : FIND_MAX_CONNS;
		return 0;
	}
	snprintf(err, cap, "'%s': expected max-rate or max-conns", v);
	return -1;
}

int cli_find_slo(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	c->find.has_slo_errors = strstr(v, "errors=") != NULL;
	if (!strncmp(v, "errors=", 7) && !strchr(v, ',')) { /* max-conns: no latency */
		memset(&c->find.slo, 0, sizeof(c->find.slo));
		if (units_parse_fraction(v + 7, &c->find.slo.max_errors, err, cap) < 0)
			return -1;
	} else if (find_slo_parse(v, &c->find.slo, err, cap) < 0) {
		return -1;
	}
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
	bool conns = cfg->find.kind == FIND_MAX_CONNS;
	if (cfg->closed_loop)
		return conns ? "--find max-conns judges latency from intended send times: it excludes -r max"
			     : "--find max-rate sets the rate of each step: it excludes -r max";
	if (cfg->rate_sched.n || cfg->rate_sched_spec || cfg->sched_file || cfg->conn_sched.n)
		return conns ? "--find max-conns sets the connections of each step, at a flat -r: it excludes a schedule"
			     : "--find max-rate sets the rate of each step: it excludes a schedule";
	if (cfg->has_think)
		return "--find paces requests open loop: it excludes --think";
	if (conns && cfg->has_reconnect && !cfg->reconnect)
		return "--find max-conns holds its connections (reopening what closes): it excludes --reconnect off";
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

int cli_find_finish(struct client_config *cfg, FILE *err)
{
	if (!cfg->find.kind) {
		if (cfg->find.has_slo || cfg->find.step_us) {
			fprintf(err, "tcpswarm client: --slo and --step go with --find max-rate or max-conns\n");
			return -1;
		}
		return 0;
	}
	if (cfg->find.kind == FIND_MAX_RATE && (!cfg->find.has_slo || cfg->find.slo.pct <= 0)) {
		fprintf(err, "tcpswarm client: --find max-rate needs --slo with a latency, e.g. --slo p99=5ms\n");
		return -1;
	}
	if (cfg->find.kind == FIND_MAX_CONNS && !cfg->find.has_slo_errors)
		cfg->find.slo.max_errors = 0; /* every connect must hold unless errors= says */
	const char *why = conflict(cfg);
	if (why) {
		fprintf(err, "tcpswarm client: %s\n", why);
		return -1;
	}
	return 0;
}
