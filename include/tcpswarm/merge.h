/* tcpswarm merge: client JSON reports of one plan (shards of it, or the
 * same command on several machines), or server reports of one mode, into
 * one report of the same outline.
 * Histograms merge exactly (percentiles are taken from the merged buckets,
 * never averaged), counters add, per-second series align by wall-clock
 * second, diagnoses and per-node summaries are kept. */
#ifndef TCPSWARM_MERGE_H
#define TCPSWARM_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "tcpswarm/hist.h"
#include "tcpswarm/json_read.h"

struct merge_input {
	const char *name;        /* file name, as given */
	char *text;              /* owned: the file's bytes */
	size_t len;
	struct jr_value root;
	time_t started;          /* started_at, epoch seconds */
	uint64_t shard_i, shard_n; /* 0/0: not a shard */
};

/* One (source address, listening port) row of the servers' "peers". */
struct merge_peer {
	char addr[48];
	uint64_t port, open, peak, accepted;
};

struct merge_peers {
	struct merge_peer *v; /* busiest first, as a server report lists them */
	size_t n;
	size_t addresses;     /* distinct source addresses (ports folded) */
};

struct merge_set {
	struct merge_input *in;  /* sorted by shard index once checked */
	size_t n, cap;
	struct hist *lat;        /* latency_us merged from every input */
	struct hist *conn;       /* connect_latency_us, when every input has buckets */
	bool conn_exact;
	struct hist *hs;         /* TLS handshake_us, from the reports that have one */
	bool hs_exact;           /* every handshake_us came with its buckets */
	bool server;             /* server reports (else client ones) */
	struct merge_peers peers; /* server: every report's peers, summed by pair */
	time_t t0;               /* earliest start */
	double span_s;           /* earliest start to latest end */
};

/* Adds one report, parsed and checked on its own (a client report of
 * tcpswarm with the keys merge needs). text is taken over (freed by
 * merge_set_free) on success and failure. 0, or -1 with the reason. */
int merge_add_text(struct merge_set *s, const char *name, char *text, size_t len, char *err, size_t errcap);
/* The reports together: same version, protocol, targets and request plan,
 * one rate per connection, shards complete and disjoint; builds the merged
 * histograms. 0, or -1 with the reason. */
int merge_check(struct merge_set *s, char *err, size_t errcap);
/* The merged JSON; 0 or the errno of the write. */
int merge_write_json(const struct merge_set *s, FILE *out);
/* The peers of every report in s, each (addr, port) once with its open,
 * peak and accepted summed. 0, or -1 out of memory. */
int merge_peers_collect(const struct merge_set *s, struct merge_peers *out);
void merge_peers_free(struct merge_peers *p);
/* A short summary a person reads. */
void merge_print_text(const struct merge_set *s, FILE *out);
void merge_set_free(struct merge_set *s);

/* `tcpswarm merge A.json B.json ... [-o total.json] [--text]`: the exit
 * code (0, or 2 for bad input or reports that do not belong together). */
int merge_main(int argc, char **argv);

#endif
