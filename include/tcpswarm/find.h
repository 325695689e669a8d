/* --find max-rate: the highest request rate a server answers within an SLO;
 * --find max-conns: the most connections it holds. The search is pure
 * (find_search.c: a step's figures in, the next value out); the driver
 * (find.c) runs each step as a normal client run. */
#ifndef TCPSWARM_FIND_H
#define TCPSWARM_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIND_START_RATE 1000.0   /* without -r */
#define FIND_RATE_CAP 10000000.0 /* the doubling stops here: no knee below it */
#define FIND_TOLERANCE 0.05      /* bisect until first-broke is within 5% of last-held */
#define FIND_MAX_BISECTIONS 10
#define FIND_MAX_STEPS 40        /* doublings (to the cap) + halvings + bisections */
/* answers a step needs for its p99 to mean something: 100 / (1 - 0.99)
 * answers put 100 above the p99, x 20 */
#define FIND_MIN_ANSWERS 2000.0
#define FIND_MIN_STEP_US 2000000ULL
#define FIND_START_CONNS 100.0   /* max-conns without -c */
#define FIND_CONNS_CAP 10000000.0 /* max-conns: the doubling stops here */

enum find_kind { FIND_NONE, FIND_MAX_RATE, FIND_MAX_CONNS };

/* --slo pNN=TIME[,errors=X]: latency (from intended send times) at a
 * percentile, and the share of errors (failed connects, request errors,
 * lost and not-sent requests over attempts). */
struct find_slo {
	double pct;        /* e.g. 99 */
	uint64_t lat_us;   /* that percentile at most this */
	double max_errors; /* fraction 0..1 */
};

/* One step: a flat-rate client run (max-conns: at `wanted` connections). */
struct find_step {
	double rate;          /* intended, requests a second (max-conns: the run's -r, 0: idle) */
	double duration_s;    /* the run's length, connecting included */
	double achieved;      /* answered a second over the run */
	uint64_t answered;    /* latency samples */
	uint64_t lat_us;      /* latency at the SLO's percentile */
	double errors;        /* fraction */
	bool generator_bound; /* the run's own verdict: the client set the pace */
	bool stopped;         /* a signal, or the run failed (no connection, a dead worker) */
	bool ok;              /* held the SLO (set by find_search_record) */
	/* max-conns: the connections asked, the most open at once, open in the
	 * last second (held to the end), connects tried, connects failed plus
	 * open connections the peer ended; the run's first diagnosis, else
	 * "server_closed" when the peer ended connections ("" none) */
	uint64_t wanted, peak_open, held_open, conn_attempts, conn_lost;
	double conn_errors;   /* conn_lost / conn_attempts */
	char limit[40];
};

/* The client's --find options (cli_find.c); out, when set, makes a client
 * run a quiet step that only fills it (no summary, no report files). */
struct find_spec {
	enum find_kind kind;
	bool has_slo, has_slo_errors;
	struct find_slo slo;  /* max-conns: pct 0 when --slo gives errors= only */
	uint64_t step_us;
	struct find_step *out;
};

enum find_verdict {
	FV_RUNNING,
	FV_KNEE,            /* last-held and first-broke within the tolerance (or out of bisections) */
	FV_CAP,             /* every step held up to FIND_RATE_CAP */
	FV_NONE_HELD,       /* even the lowest rate tried broke */
	FV_GENERATOR_BOUND, /* a step was generator-bound: no knee claimed */
	FV_STOPPED,         /* interrupted, or a step failed */
	FV_OUT_OF_STEPS,
};

struct find_search {
	double next;     /* the value (rate, or conns) of the next step; 0 when over */
	double lo, hi;   /* highest value that held, lowest that broke (0: none yet) */
	double cap;
	unsigned steps, bisections;
	enum find_verdict verdict;
	enum find_kind kind; /* max-conns: whole values, judged by find_conns_held */
};

void find_search_init(struct find_search *s, double start, double cap);
/* --find max-conns: the same search over whole connection counts. */
void find_search_init_conns(struct find_search *s, double start, double cap);
/* Judges the step against the SLO (sets st->ok) and moves the search on:
 * doubling until a step breaks, halving while nothing has held, then
 * bisecting between last-held and first-broke. */
void find_search_record(struct find_search *s, struct find_step *st, const struct find_slo *slo);
bool find_slo_held(const struct find_slo *slo, const struct find_step *st);
/* max-conns: every wanted connection was open at once and still open in the
 * last second, connect errors (failed or ended by the peer, over attempts)
 * at most the SLO's errors, and with -r (st->rate > 0) and a latency in the
 * SLO, that latency too. */
bool find_conns_held(const struct find_slo *slo, const struct find_step *st);
/* "p99=5ms", "p99.9=20ms,errors=0.1%" (errors default 1%). 0, or -1 with err. */
int find_slo_parse(const char *v, struct find_slo *slo, char *err, size_t cap);
/* The step's length: at least FIND_MIN_STEP_US and FIND_MIN_ANSWERS answers at rate. */
uint64_t find_step_us(uint64_t step_us, double rate);
const char *find_verdict_name(enum find_verdict v);

struct run_report;
/* A finished client run's figures into st (rate: the run's -r); wanted is
 * left 0 (the driver knows it). */
void find_step_measure(struct find_step *st, const struct run_report *r, const struct find_slo *slo, double rate);

/* find.c: runs the search (cfg->find.kind set); the exit status. */
struct client_config;
int find_run(struct client_config *cfg);

#endif
