/* --find max-rate and max-conns: runs the search of find_search.c, each
 * step a normal client run (client_run) with a quiet copy of the config at
 * a flat rate (max-rate) or a number of connections (max-conns, opened at
 * --connect-rate and held); prints a line a step and the verdict; --json:
 * the last step's report with a "find" object added. */
#include "tcpswarm/find.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/client.h"
#include "tcpswarm/json.h"
#include "tcpswarm/outfile.h"
#include "tcpswarm/run.h"

static bool is_conns(const struct client_config *cfg) { return cfg->find.kind == FIND_MAX_CONNS; }

/* The step's run length. max-conns: the hold (--step, and 2000 answers'
 * worth with -r) after the ramp at --connect-rate. */
static uint64_t step_length_us(const struct client_config *cfg, double value)
{
	if (!is_conns(cfg))
		return find_step_us(cfg->find.step_us, value);
	uint64_t ramp = cfg->connect_rate > 0 ? (uint64_t)(value / cfg->connect_rate * 1e6) : 0;
	return find_step_us(cfg->find.step_us, cfg->rate) + ramp;
}

/* A step's config: the user's, at one flat rate (max-conns: at one count
 * of connections), quiet, no gates. The source set is copied: client_run
 * frees the one it is given. */
static struct client_config *step_config(const struct client_config *cfg, double value, unsigned step,
					 struct find_step *out)
{
	struct client_config *s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	*s = *cfg;
	memset(&s->sources, 0, sizeof(s->sources));
	if (cfg->sources.n) {
		s->sources.addrs = malloc(cfg->sources.n * sizeof(cfg->sources.addrs[0]));
		if (!s->sources.addrs) {
			free(s);
			return NULL;
		}
		memcpy(s->sources.addrs, cfg->sources.addrs, cfg->sources.n * sizeof(cfg->sources.addrs[0]));
		s->sources.n = s->sources.cap = cfg->sources.n;
	}
	if (is_conns(cfg)) {
		s->conns = (uint64_t)value;
		s->ignore_plan = true; /* a port plan that cannot fit is a limit to find, not a refusal */
	} else {
		s->rate = value;
	}
	s->com.duration_us = step_length_us(cfg, value);
	s->com.quiet = true;
	s->has_expect_conns = s->has_max_error_rate = s->has_max_p99 = false;
	if (step > 1)
		s->start_at = 0; /* --start-at holds the first step only */
	s->find.out = out;
	return s;
}

static void fmt_us(char *b, size_t n, uint64_t us)
{
	if (us >= 1000000)
		snprintf(b, n, "%.2fs", (double)us / 1e6);
	else if (us >= 1000)
		snprintf(b, n, "%.1fms", (double)us / 1e3);
	else
		snprintf(b, n, "%" PRIu64 "us", us);
}

static const char *step_word(const struct find_step *st)
{
	return st->stopped ? "stopped" : st->generator_bound ? "generator-bound" : st->ok ? "ok" : "broke";
}

static void print_step(const struct client_config *cfg, unsigned i, const struct find_step *st)
{
	char lat[32];
	fmt_us(lat, sizeof(lat), st->lat_us);
	if (is_conns(cfg)) {
		printf("step %2u  conns %8" PRIu64 "  peak open %8" PRIu64 "  held %8" PRIu64 "  connect errors %6.2f%%", i,
		       st->wanted, st->peak_open, st->held_open, st->conn_errors * 100);
		if (cfg->rate > 0)
			printf("  p%g %9s", cfg->find.slo.pct > 0 ? cfg->find.slo.pct : 99, lat);
		printf("  %s%s%s\n", step_word(st), !st->ok && st->limit[0] ? "  limit " : "", !st->ok ? st->limit : "");
		fflush(stdout);
		return;
	}
	printf("step %2u  rate %8.0f/s  achieved %8.0f/s  p%g %9s  errors %6.2f%%  %s\n", i, st->rate, st->achieved,
	       cfg->find.slo.pct, lat, st->errors * 100, step_word(st));
	fflush(stdout);
}

static void print_verdict(const struct find_search *s)
{
	printf("find max-rate: %s after %u steps: ", find_verdict_name(s->verdict), s->steps);
	switch (s->verdict) {
	case FV_KNEE:
		printf("highest rate that held %.0f/s, first that broke %.0f/s (%.1f%% apart)\n", s->lo, s->hi,
		       (s->hi - s->lo) / s->lo * 100);
		break;
	case FV_CAP:
		printf("every step held up to the cap, %.0f/s: no knee found\n", s->lo);
		break;
	case FV_NONE_HELD:
		printf("no rate held, down to %.0f/s\n", s->hi);
		break;
	case FV_GENERATOR_BOUND:
		printf("a step was generator-bound (the client set the pace, not the server): no knee claimed; "
		       "highest rate that held %.0f/s%s\n", s->lo, s->lo ? "" : " (none)");
		break;
	default:
		printf("highest rate that held %.0f/s, first that broke %.0f/s (0: none)\n", s->lo, s->hi);
		break;
	}
}

/* max-conns: the limit the first step that broke ran into (its run's first
 * diagnosis), "" when it named none. */
static const char *bound_by(const struct find_search *s, const struct find_step *steps)
{
	for (unsigned i = 0; i < s->steps; i++)
		if (!steps[i].ok && (double)steps[i].wanted == s->hi)
			return steps[i].limit;
	return "";
}

static void print_verdict_conns(const struct find_search *s, const struct find_step *steps)
{
	printf("find max-conns: %s after %u steps: ", find_verdict_name(s->verdict), s->steps);
	const char *limit = bound_by(s, steps);
	switch (s->verdict) {
	case FV_KNEE:
		printf("highest count that held %.0f, first that broke %.0f (%.1f%% apart)", s->lo, s->hi,
		       (s->hi - s->lo) / s->lo * 100);
		break;
	case FV_CAP:
		printf("every step held up to the cap, %.0f connections: no limit found", s->lo);
		break;
	case FV_NONE_HELD:
		printf("no count held, down to %.0f", s->hi);
		break;
	case FV_GENERATOR_BOUND:
		printf("a step was generator-bound (the client set the pace, not the server): no limit claimed; "
		       "highest count that held %.0f%s", s->lo, s->lo ? "" : " (none)");
		break;
	default:
		printf("highest count that held %.0f, first that broke %.0f (0: none)", s->lo, s->hi);
		break;
	}
	if (s->hi > 0)
		printf("; bound by: %s", limit[0] ? limit : "no limit the diagnosis names");
	printf("\n");
}

/* max-conns: each step's connection figures (beside the common ones). */
static void write_step_conns(struct jw *w, const struct find_step *st)
{
	jw_u64(w, "conns", st->wanted);
	jw_u64(w, "peak_open", st->peak_open);
	jw_u64(w, "held_open", st->held_open);
	jw_u64(w, "conn_attempts", st->conn_attempts);
	jw_u64(w, "conn_lost", st->conn_lost);
	jw_double(w, "conn_errors", st->conn_errors);
	jw_str(w, "limit", st->limit);
}

static void write_find(struct jw *w, const struct client_config *cfg, const struct find_search *s,
		       const struct find_step *steps)
{
	bool conns = is_conns(cfg);
	jw_obj_begin(w, "find");
	jw_str(w, "kind", conns ? "max-conns" : "max-rate");
	jw_double(w, "slo_percentile", cfg->find.slo.pct);
	jw_u64(w, "slo_latency_us", cfg->find.slo.lat_us);
	jw_double(w, "slo_max_errors", cfg->find.slo.max_errors);
	jw_u64(w, "connections", cfg->conns);
	jw_str(w, "verdict", find_verdict_name(s->verdict));
	if (conns) {
		jw_double(w, "rate", cfg->rate);
		jw_double(w, "connect_rate", cfg->connect_rate);
		jw_u64(w, "highest_held_conns", (uint64_t)s->lo);
		jw_u64(w, "first_broke_conns", (uint64_t)s->hi);
		jw_str(w, "bound_by", bound_by(s, steps));
	} else {
		jw_double(w, "highest_held_rate", s->lo);
		jw_double(w, "first_broke_rate", s->hi);
	}
	jw_double(w, "highest_held", s->lo); /* the value searched, either kind (tools/plot) */
	jw_double(w, "first_broke", s->hi);
	jw_u64(w, "steps_taken", s->steps);
	jw_arr_begin(w, "steps");
	for (unsigned i = 0; i < s->steps; i++) {
		const struct find_step *st = &steps[i];
		jw_obj_begin(w, NULL);
		jw_double(w, "value", conns ? (double)st->wanted : st->rate);
		jw_double(w, "rate", st->rate);
		jw_double(w, "duration_s", st->duration_s);
		jw_double(w, "achieved", st->achieved);
		jw_u64(w, "answered", st->answered);
		jw_u64(w, "latency_us", st->lat_us);
		jw_double(w, "errors", st->errors);
		jw_bool(w, "generator_bound", st->generator_bound);
		jw_bool(w, "stopped", st->stopped);
		jw_bool(w, "ok", st->ok);
		if (conns)
			write_step_conns(w, st);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* The last step wrote its whole report to --json: the same object with
 * the "find" key added at its end. 0, or -1 with a message. */
static int add_find_json(const char *path, const struct client_config *cfg, const struct find_search *s,
			 const struct find_step *steps)
{
	char *obj = NULL, *old = NULL;
	size_t objlen = 0, oldlen = 0;
	FILE *m = open_memstream(&obj, &objlen);
	FILE *in = fopen(path, "rb");
	FILE *keep = in ? open_memstream(&old, &oldlen) : NULL;
	int rc = -1;
	if (m && in && keep) {
		struct jw w;
		jw_init(&w, m, true);
		jw_obj_begin(&w, NULL);
		write_find(&w, cfg, s, steps);
		jw_obj_end(&w);
		char buf[65536];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, keep);
		rc = jw_finish(&w) ? -1 : 0;
	}
	if (m)
		fclose(m);
	if (keep)
		fclose(keep);
	if (in)
		fclose(in);
	/* splice: the report up to its closing brace, a comma, the find
	 * object without its own braces */
	char *end = old ? strrchr(old, '}') : NULL, *o1 = obj ? strchr(obj, '{') : NULL, *o2 = obj ? strrchr(obj, '}') : NULL;
	if (rc == 0 && end && o1 && o2 > o1) {
		struct outfile of;
		FILE *f = outfile_open(&of, path, "tcpswarm client", "--json");
		if (f) {
			fprintf(f, "%.*s,%.*s}\n", (int)(end - old), old, (int)(o2 - o1 - 1), o1 + 1);
			rc = outfile_commit(&of, ferror(f) ? 5 : 0, "tcpswarm client");
		} else {
			rc = -1;
		}
	} else if (rc == 0 || !in) {
		fprintf(stderr, "tcpswarm client: --json: cannot add the find object to '%s'\n", path);
		rc = -1;
	}
	free(obj);
	free(old);
	return rc;
}

static void print_head_conns(const struct client_config *cfg)
{
	printf("find max-conns: at --connect-rate ");
	printf(cfg->connect_rate > 0 ? "%.0f/s" : "unlimited", cfg->connect_rate);
	printf(", -r ");
	printf(cfg->rate > 0 ? "%.0f/s in all" : "0 (held idle)", cfg->rate);
	printf("; a step holds when every connection was established and held to its end, connect errors (failed, "
	       "or ended by the server) <= %g%%", cfg->find.slo.max_errors * 100);
	if (cfg->rate > 0 && cfg->find.slo.pct > 0)
		printf(" and p%g <= %" PRIu64 "us", cfg->find.slo.pct, cfg->find.slo.lat_us);
	printf("; each step holds %.1fs after its ramp, connections reopened per step\n",
	       (double)find_step_us(cfg->find.step_us, cfg->rate) / 1e6);
}

int find_run(struct client_config *cfg)
{
	struct find_step steps[FIND_MAX_STEPS];
	struct find_search s;
	if (is_conns(cfg)) {
		find_search_init_conns(&s, cfg->has_conns ? (double)cfg->conns : FIND_START_CONNS, FIND_CONNS_CAP);
		print_head_conns(cfg);
	} else {
		find_search_init(&s, cfg->rate > 0 ? cfg->rate : FIND_START_RATE, FIND_RATE_CAP);
		printf("find max-rate: %" PRIu64 " connections, SLO p%g <= %" PRIu64 "us (latency from intended send times) and "
		       "errors <= %g%%; steps of %.1fs or more at a flat rate (at least %.0f answers each), connections "
		       "reopened per step\n",
		       cfg->conns, cfg->find.slo.pct, cfg->find.slo.lat_us, cfg->find.slo.max_errors * 100,
		       (double)find_step_us(cfg->find.step_us, 0) / 1e6, FIND_MIN_ANSWERS);
	}
	int status = 0;
	while (s.next > 0) {
		struct find_step *st = &steps[s.steps];
		memset(st, 0, sizeof(*st));
		struct client_config *sc = step_config(cfg, s.next, s.steps + 1, st);
		if (!sc) {
			fprintf(stderr, "tcpswarm client: out of memory\n");
			status = 1;
			break;
		}
		double value = s.next;
		st->rate = -1; /* find_step_measure sets it */
		int rc = client_run(sc);
		free(sc);
		if (rc == EXIT_USAGE) {
			status = rc;
			break;
		}
		if (st->rate < 0) /* the run ended before its figures: count it stopped */
			*st = (struct find_step){.rate = is_conns(cfg) ? cfg->rate : value, .stopped = true};
		if (is_conns(cfg))
			st->wanted = (uint64_t)value;
		find_search_record(&s, st, &cfg->find.slo);
		print_step(cfg, s.steps, st);
	}
	srcset_free(&cfg->sources);
	if (status)
		return status;
	if (is_conns(cfg))
		print_verdict_conns(&s, steps);
	else
		print_verdict(&s);
	if (cfg->com.json_path && s.steps && add_find_json(cfg->com.json_path, cfg, &s, steps) < 0)
		return 1;
	return s.verdict == FV_KNEE || s.verdict == FV_CAP ? EXIT_OK : EXIT_GATE;
}
