/* tcpswarm merge: the subcommand (argv, files, exit codes) and the --text
 * summary. Reading and checking: merge_check.c; the JSON: merge_json.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/merge.h"
#include "tcpswarm/outfile.h"
#include "tcpswarm/run.h"
#include "tcpswarm/server_peers.h"

#define MERGE_MAX_FILE (256u << 20) /* a report is KiB to a few MiB */

static void usage(FILE *out)
{
	fprintf(out, "usage: tcpswarm merge A.json B.json ... [-o total.json] [--text]\n\n"
		     "Merges client JSON reports of one plan (tcpswarm client --shard I/N on N machines, or the same\n"
		     "command on several) into one report of the same outline, plus merged_from and nodes; or server\n"
		     "reports of one mode (their peers summed per source address and port).\n"
		     "Latency and TLS handshake histograms merge exactly; counters add; series align by wall-clock\n"
		     "second. Reports of different roles, versions, targets, protocols or rates, or an incomplete or\n"
		     "overlapping shard set, are refused (exit 2).\n\n"
		     "  -o, --output FILE  write the merged JSON to FILE (default: standard output, unless --text)\n"
		     "      --text         print a summary a person reads\n");
}

static char *slurp(const char *path, size_t *len, char *err, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, cap, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	size_t have = 0, room = 1 << 16;
	char *buf = malloc(room);
	while (buf) {
		size_t got = fread(buf + have, 1, room - have, f);
		have += got;
		if (have < room)
			break;
		char *nb = room < MERGE_MAX_FILE ? realloc(buf, room * 2) : NULL;
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		room *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		snprintf(err, cap, "%s: %s", path, buf ? "read error" : "too large or out of memory");
		free(buf);
		return NULL;
	}
	*len = have;
	return buf;
}

static uint64_t u64_at(const struct merge_set *s, size_t i, const char *path)
{
	uint64_t v = 0;
	jr_as_u64(jr_path(&s->in[i].root, path), &v);
	return v;
}

static uint64_t sum_at(const struct merge_set *s, const char *path)
{
	uint64_t t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += u64_at(s, i, path);
	return t;
}

/* The TLS handshakes of every report, and their merged time. */
static void tls_text(const struct merge_set *s, FILE *out)
{
	bool any = false;
	for (size_t i = 0; i < s->n && !any; i++)
		any = jr_path(&s->in[i].root, "connections.tls") != NULL;
	if (!any)
		return;
	fprintf(out, "tls            handshakes full %" PRIu64 "  resumed %" PRIu64 "  failed: certificate %" PRIu64
		     "  protocol %" PRIu64 "  timeout %" PRIu64 "\n",
		sum_at(s, "connections.tls.handshakes_full"), sum_at(s, "connections.tls.handshakes_resumed"),
		sum_at(s, "connections.tls.failed.certificate"), sum_at(s, "connections.tls.failed.protocol"),
		sum_at(s, "connections.tls.failed.timeout"));
	const struct hist *h = s->hs;
	if (h->count && s->hs_exact)
		fprintf(out, "  handshake    p50 %" PRIu64 "us  p99 %" PRIu64 "us  max %" PRIu64 "us over %" PRIu64
			     " handshakes (merged histogram)\n",
			hist_percentile(h, 50), hist_percentile(h, 99), h->max, h->count);
}

/* Servers: what they accepted and served, and who connected: the busiest
 * PEERS_TOP pairs, the rest of the listed pairs together, and the pairs
 * past a full table ("other"); the three add up to the accepted. */
static void server_text(const struct merge_set *s, FILE *out)
{
	const struct merge_peers *p = &s->peers;
	fprintf(out, "tcpswarm merge: %zu server reports, %.1fs from the first start to the last end\n", s->n, s->span_s);
	fprintf(out, "connections    accepted %" PRIu64 "  closed %" PRIu64 "  accept errors %" PRIu64 "\n",
		sum_at(s, "connections.accepted"), sum_at(s, "connections.closed"), sum_at(s, "connections.failed"));
	fprintf(out, "requests       answered %" PRIu64 "  errors %" PRIu64 "\n", sum_at(s, "requests.answered"),
		sum_at(s, "requests.errors"));
	fprintf(out, "bytes          in %" PRIu64 "  out %" PRIu64 "\n", sum_at(s, "requests.bytes_in"),
		sum_at(s, "requests.bytes_out"));
	tls_text(s, out);
	fprintf(out, "peers          %zu source address%s, %zu address:port pair%s\n", p->addresses,
		p->addresses == 1 ? "" : "es", p->n, p->n == 1 ? "" : "s");
	uint64_t rest[3] = {0, 0, 0};
	for (size_t i = 0; i < p->n; i++) {
		if (i < PEERS_TOP) {
			fprintf(out, "  %-40s port %-5" PRIu64 " open %" PRIu64 "  peak %" PRIu64 "  accepted %" PRIu64 "\n",
				p->v[i].addr, p->v[i].port, p->v[i].open, p->v[i].peak, p->v[i].accepted);
			continue;
		}
		rest[0] += p->v[i].open, rest[1] += p->v[i].peak, rest[2] += p->v[i].accepted;
	}
	if (p->n > PEERS_TOP)
		fprintf(out, "  the other %zu pairs  open %" PRIu64 "  peak %" PRIu64 "  accepted %" PRIu64 "\n",
			p->n - PEERS_TOP, rest[0], rest[1], rest[2]);
	if (sum_at(s, "peers_other.accepted"))
		fprintf(out, "  past full tables (not told apart) open %" PRIu64 "  peak %" PRIu64 "  accepted %" PRIu64 "\n",
			sum_at(s, "peers_other.open"), sum_at(s, "peers_other.peak"), sum_at(s, "peers_other.accepted"));
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "node %-9zu %s: accepted %" PRIu64 ", peak open %" PRIu64 "\n", i + 1, s->in[i].name,
			u64_at(s, i, "connections.accepted"), u64_at(s, i, "connections.peak_open"));
}

void merge_print_text(const struct merge_set *s, FILE *out)
{
	if (s->server) {
		server_text(s, out);
		return;
	}
	const struct hist *h = s->lat;
	fprintf(out, "tcpswarm merge: %zu reports, %.1fs from the first start to the last end\n", s->n, s->span_s);
	fprintf(out, "connections    target %" PRIu64 "  established %" PRIu64 "  failed %" PRIu64 "\n",
		sum_at(s, "connections.target"), sum_at(s, "connections.established"), sum_at(s, "connections.failed"));
	fprintf(out, "requests       intended %" PRIu64 "  sent %" PRIu64 "  answered %" PRIu64 "  lost %" PRIu64
		     "  errors %" PRIu64 "\n",
		sum_at(s, "requests.intended"), sum_at(s, "requests.sent"), sum_at(s, "requests.answered"),
		sum_at(s, "requests.lost"), sum_at(s, "requests.errors"));
	fprintf(out, "latency        p50 %" PRIu64 "us  p90 %" PRIu64 "us  p99 %" PRIu64 "us  p99.9 %" PRIu64
		     "us  max %" PRIu64 "us over %" PRIu64 " answers (merged histogram)\n",
		hist_percentile(h, 50), hist_percentile(h, 90), hist_percentile(h, 99), hist_percentile(h, 99.9),
		h->count ? h->max : 0, h->count);
	fprintf(out, "bytes          in %" PRIu64 "  out %" PRIu64 "\n", sum_at(s, "requests.bytes_in"),
		sum_at(s, "requests.bytes_out"));
	tls_text(s, out);
	for (size_t i = 0; i < s->n; i++) {
		const struct jr_value *d = jr_get(&s->in[i].root, "diagnosis");
		fprintf(out, "node %-9zu %s: established %" PRIu64 ", answered %" PRIu64 ", p99 %" PRIu64 "us\n", i + 1,
			s->in[i].name, u64_at(s, i, "connections.established"), u64_at(s, i, "requests.answered"),
			u64_at(s, i, "latency_us.p99"));
		for (size_t k = 0; d && d->type == JR_ARRAY && k < d->n; k++)
			fprintf(out, "  diagnosis    %s: %s\n", jr_as_str(jr_get(&d->kids[k], "limit")) ?: "?",
				jr_as_str(jr_get(&d->kids[k], "evidence")) ?: "");
	}
}

static int write_json(const struct merge_set *s, const char *path)
{
	if (!path)
		return merge_write_json(s, stdout) ? 1 : 0;
	struct outfile of; /* whole or not at all */
	FILE *f = outfile_open(&of, path, "tcpswarm merge", "merged JSON");
	if (!f)
		return 1;
	return outfile_commit(&of, merge_write_json(s, f), "tcpswarm merge") < 0 ? 1 : 0;
}

int merge_main(int argc, char **argv)
{
	const char *out = NULL;
	bool text = false;
	struct merge_set s = {0};
	char err[600];
	int rc = 0, nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i >= argc) {
				fprintf(stderr, "tcpswarm merge: option %s needs a FILE\n", argv[i - 1]);
				return EXIT_USAGE;
			}
			out = argv[i];
		} else if (!strcmp(argv[i], "--text")) {
			text = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tcpswarm merge: unknown option '%s' (accepted: -o FILE, --text)\n", argv[i]);
			return EXIT_USAGE;
		} else {
			nfiles++;
		}
	}
	if (nfiles == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc && rc == 0; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			i += !strcmp(argv[i], "-o") || !strcmp(argv[i], "--output");
			continue;
		}
		if (outfile_same(argv[i], out)) {
			snprintf(err, sizeof(err), "-o %s is one of the reports to merge: give another file", out);
			rc = EXIT_USAGE;
			break;
		}
		size_t len;
		char *buf = slurp(argv[i], &len, err, sizeof(err));
		if (!buf || merge_add_text(&s, argv[i], buf, len, err, sizeof(err)) < 0)
			rc = EXIT_USAGE;
	}
	if (rc == 0 && merge_check(&s, err, sizeof(err)) < 0)
		rc = EXIT_USAGE;
	if (rc) {
		fprintf(stderr, "tcpswarm merge: %s\n", err);
	} else {
		if (out || !text)
			rc = write_json(&s, out);
		if (text)
			merge_print_text(&s, stdout);
	}
	merge_set_free(&s);
	return rc;
}
