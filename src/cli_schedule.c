/* The client's load-schedule options: --rate-schedule, --conn-schedule,
 * --schedule-file and --schedule-format; the parsing itself is schedule.c's
 * (pure). */
#include "cli_schedule.h"

#include <stdlib.h>
#include <string.h>

#define SCHED_FILE_MAX (8u << 20)

int cli_sched_rate(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (schedule_parse_spec(v, &c->rate_sched, err, cap) < 0)
		return -1;
	c->rate_sched_spec = v;
	return 0;
}

int cli_sched_conns(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (schedule_parse_spec(v, &c->conn_sched, err, cap) < 0)
		return -1;
	c->conn_sched_spec = v;
	return 0;
}

int cli_sched_file(void *cfgp, const char *v, char *err, size_t cap)
{
	(void)err, (void)cap;
	((struct client_config *)cfgp)->sched_file = v; /* read once --schedule-format and -r are known */
	return 0;
}

int cli_sched_format(void *cfgp, const char *v, char *err, size_t cap)
{
	struct client_config *c = cfgp;
	if (!strcmp(v, "steps") || !strcmp(v, "slope")) {
		c->sched_format = v[1] == 't' ? SCHED_STEPS : SCHED_SLOPE;
		return 0;
	}
	snprintf(err, cap, "'%s': expected steps (tcpclient --stdin) or slope (tcpclient --stdin-rateslope)", v);
	return -1;
}

/* The whole file (or stdin for "-") as a NUL-terminated string, malloc'd;
 * NULL with the message printed. */
static char *slurp(const char *path, FILE *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(err, "tcpswarm client: option --schedule-file: cannot read '%s': %m\n", path);
		return NULL;
	}
	char *buf = malloc(SCHED_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, SCHED_FILE_MAX + 1, f) : 0;
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	const char *why = !buf ? "out of memory" : bad ? "read error" : n > SCHED_FILE_MAX ? "longer than 8 MiB" : NULL;
	if (!why && memchr(buf, 0, n))
		why = "it holds a NUL byte (not text)";
	if (why) {
		fprintf(err, "tcpswarm client: option --schedule-file: '%s': %s\n", path, why);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

static int read_sched_file(struct client_config *cfg, FILE *err)
{
	char *text = slurp(cfg->sched_file, err);
	if (!text)
		return -1;
	char e[512];
	int rc = schedule_parse_text(text, cfg->sched_format, cfg->rate, &cfg->rate_sched, e, sizeof(e));
	free(text);
	if (rc < 0)
		fprintf(err, "tcpswarm client: option --schedule-file: '%s': %s\n", cfg->sched_file, e);
	return rc;
}

/* The options a schedule cannot go with. NULL, or what to say. */
static const char *conflict(const struct client_config *cfg)
{
	if (cfg->rate_sched_spec && cfg->sched_file)
		return "--rate-schedule and --schedule-file exclude each other: give one";
	if (cfg->closed_loop)
		return "a schedule paces requests open loop: it excludes -r max";
	if (cfg->rate > 0 && !(cfg->sched_file && cfg->sched_format == SCHED_SLOPE))
		return "a schedule sets the rate: -r goes only with --schedule-format slope (its starting rate)";
	if (cfg->has_think)
		return "--think and a schedule exclude each other: the schedule paces requests open loop";
	return NULL;
}

#define MAX_CONNS 100000000 /* -c's own bound */

/* --conn-schedule: -c is its peak unless given (and then at least that),
 * and the open count follows it, so connections must reopen. NULL, or what
 * to say (in msg). */
static const char *conn_conflict(struct client_config *cfg, char *msg, size_t cap)
{
	double peak = schedule_peak(&cfg->conn_sched);
	uint64_t max = (uint64_t)(peak + 0.5);
	if (cfg->has_reconnect && !cfg->reconnect)
		return "--conn-schedule reopens connections as it rises: it excludes --reconnect off";
	if (cfg->closed_loop)
		return "--conn-schedule paces requests open loop (-r, --rate-schedule): it excludes -r max";
	if (max == 0)
		return "option --conn-schedule: the schedule never asks for a connection (its peak is 0)";
	if (peak > MAX_CONNS)
		return "option --conn-schedule: the peak is above 100m connections";
	if (cfg->has_conns && cfg->conns < max) {
		snprintf(msg, cap,
			 "-c %llu is below the --conn-schedule peak %llu (-c sizes the connection slots): give -c %llu or more, or leave -c out",
			 (unsigned long long)cfg->conns, (unsigned long long)max, (unsigned long long)max);
		return msg;
	}
	if (!cfg->has_conns)
		cfg->conns = max;
	return NULL;
}

/* -T from the schedules' lengths when it was not given. */
static void schedules_set_duration(struct client_config *cfg)
{
	double a = schedule_length(&cfg->rate_sched), b = schedule_length(&cfg->conn_sched);
	double len = a > b ? a : b;
	if (!cfg->has_duration && len > 0)
		cfg->com.duration_us = (uint64_t)(len * 1e6 + 0.5);
}

int cli_sched_finish(struct client_config *cfg, FILE *err)
{
	char msg[256];
	const char *cwhy = cfg->conn_sched.n ? conn_conflict(cfg, msg, sizeof(msg)) : NULL;
	if (cwhy) {
		fprintf(err, "tcpswarm client: %s\n", cwhy);
		return -1;
	}
	schedules_set_duration(cfg);
	if (!cfg->rate_sched_spec && !cfg->sched_file)
		return 0;
	const char *why = conflict(cfg);
	if (why) {
		fprintf(err, "tcpswarm client: %s\n", why);
		return -1;
	}
	if (cfg->sched_file && read_sched_file(cfg, err) < 0)
		return -1;
	struct schedule *s = &cfg->rate_sched;
	schedules_set_duration(cfg); /* a --schedule-file is read only now */
	/* -r is the mean over the run (the summary and the JSON show it);
	 * the pacing follows the schedule itself */
	double t = (double)cfg->com.duration_us / 1e6;
	cfg->rate = t > 0 ? schedule_integral(s, t) / t : 0;
	return 0;
}
