/* --find max-rate: runs the search of find_search.c, each step a normal
 * client run (client_run) at a flat rate with a quiet copy of the config;
 * prints a line a step and the verdict; --json: the last step's report
 * with a "find" object added. */
#include "tcpswarm/find.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/client.h"
#include "tcpswarm/json.h"
#include "tcpswarm/outfile.h"
#include "tcpswarm/run.h"

/* A step's config: the user's, at one flat rate, quiet, no gates. The
 * source set is copied: client_run frees the one it is given. */
static struct client_config *step_config(const struct client_config *cfg, double rate, unsigned step,
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
	s->rate = rate;
	s->com.duration_us = find_step_us(cfg->find.step_us, rate);
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

static void print_step(const struct client_config *cfg, unsigned i, const struct find_step *st)
{
	char lat[32];
	fmt_us(lat, sizeof(lat), st->lat_us);
	printf("step %2u  rate %8.0f/s  achieved %8.0f/s  p%g %9s  errors %6.2f%%  %s\n", i, st->rate, st->achieved,
	       cfg->find.slo.pct, lat, st->errors * 100,
	       st->stopped ? "stopped" : st->generator_bound ? "generator-bound" : st->ok ? "ok" : "broke");
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

static void write_find(struct jw *w, const struct client_config *cfg, const struct find_search *s,
		       const struct find_step *steps)
{
	jw_obj_begin(w, "find");
	jw_str(w, "kind", "max-rate");
	jw_double(w, "slo_percentile", cfg->find.slo.pct);
	jw_u64(w, "slo_latency_us", cfg->find.slo.lat_us);
	jw_double(w, "slo_max_errors", cfg->find.slo.max_errors);
	jw_u64(w, "connections", cfg->conns);
	jw_str(w, "verdict", find_verdict_name(s->verdict));
	jw_double(w, "highest_held_rate", s->lo);
	jw_double(w, "first_broke_rate", s->hi);
	jw_u64(w, "steps_taken", s->steps);
	jw_arr_begin(w, "steps");
	for (unsigned i = 0; i < s->steps; i++) {
		const struct find_step *st = &steps[i];
		jw_obj_begin(w, NULL);
		jw_double(w, "rate", st->rate);
		jw_double(w, "duration_s", st->duration_s);
		jw_double(w, "achieved", st->achieved);
		jw_u64(w, "answered", st->answered);
		jw_u64(w, "latency_us", st->lat_us);
		jw_double(w, "errors", st->errors);
		jw_bool(w, "generator_bound", st->generator_bound);
		jw_bool(w, "stopped", st->stopped);
		jw_bool(w, "ok", st->ok);
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

int find_run(struct client_config *cfg)
{
	struct find_step steps[FIND_MAX_STEPS];
	struct find_search s;
	find_search_init(&s, cfg->rate > 0 ? cfg->rate : FIND_START_RATE, FIND_RATE_CAP);
	printf("find max-rate: %" PRIu64 " connections, SLO p%g <= %" PRIu64 "us (latency from intended send times) and "
	       "errors <= %g%%; steps of %.1fs or more at a flat rate (at least %.0f answers each), connections "
	       "reopened per step\n",
	       cfg->conns, cfg->find.slo.pct, cfg->find.slo.lat_us, cfg->find.slo.max_errors * 100,
	       (double)find_step_us(cfg->find.step_us, 0) / 1e6, FIND_MIN_ANSWERS);
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
		double rate = s.next;
		int rc = client_run(sc);
		free(sc);
		if (rc == EXIT_USAGE) {
			status = rc;
			break;
		}
		if (st->rate != rate) /* the run ended before its figures: count it stopped */
			*st = (struct find_step){.rate = rate, .stopped = true};
		find_search_record(&s, st, &cfg->find.slo);
		print_step(cfg, s.steps, st);
	}
	srcset_free(&cfg->sources);
	if (status)
		return status;
	print_verdict(&s);
	if (cfg->com.json_path && s.steps && add_find_json(cfg->com.json_path, cfg, &s, steps) < 0)
		return 1;
	return s.verdict == FV_KNEE || s.verdict == FV_CAP ? EXIT_OK : EXIT_GATE;
}
