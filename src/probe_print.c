/* probe's output: the plan line, the table, the notes and the verdict
 * line(s) scripts grep for; and the help (from cli.c's option table). */
#include <inttypes.h>
#include <string.h>

#include "probe_shape.h"
#include "tcpswarm/cli.h"

#define WRAP 100

/* prefix then text, wrapped at WRAP columns, continuation lines indented. */
static void print_wrapped(FILE *out, const char *prefix, const char *text)
{
	size_t col = strlen(prefix);
	fputs(prefix, out);
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (!w)
			break;
		if (col > 4 && col + 1 + w > WRAP) {
			fputs("\n    ", out);
			col = 4;
		} else if (p != text) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
	}
	fputc('\n', out);
}

static void shape_text(char *out, size_t cap, const struct probe_plan *plan)
{
	struct shape sh = probe_shape_of(plan);
	char src[48];
	if (sh.s == UINT64_MAX)
		snprintf(src, sizeof(src), "as many source IPs as needed");
	else if (sh.s == 1)
		snprintf(src, sizeof(src), "one source IP");
	else
		snprintf(src, sizeof(src), "%" PRIu64 " source IPs", sh.s);
	if (plan && plan->role == PROBE_ROLE_SERVER)
		snprintf(out, cap, "accepted from other hosts");
	else if (sh.t == 1)
		snprintf(out, cap, "to one target from %s%s", src, sh.sides == 2 ? ", both ends on this host" : "");
	else
		snprintf(out, cap, "to %" PRIu64 " targets from %s%s", sh.t, src,
			 sh.sides == 2 ? ", both ends on this host" : "");
}

static void print_plan_line(FILE *out, const struct probe_plan *plan)
{
	bool counted = plan->conns != 0;
	struct shape sh = probe_shape_of(plan);
	char cnt[48] = "no count";
	if (counted)
		snprintf(cnt, sizeof(cnt), "%" PRIu64 " connections", plan->conns);
	char src[64];
	if (!plan->source_ips)
		snprintf(src, sizeof(src), "1 source IP (no --source: the kernel picks)");
	else if (plan->source_ips == PROBE_ANY_SOURCES)
		snprintf(src, sizeof(src), "as many source IPs as needed");
	else
		snprintf(src, sizeof(src), "%" PRIu64 " source IP%s", plan->source_ips, plural(plan->source_ips));
	const char *where = plan->ntargets == 0 ? " (none given: counted as one on another host)"
			    : plan->loopback ? " on loopback" : "";
	const char *who = plan->role == PROBE_ROLE_BOTH ? "client and server sockets on this host"
			  : plan->role == PROBE_ROLE_SERVER ? "accepted sockets on this host"
							     : "connecting sockets on this host";
	if (plan->role == PROBE_ROLE_SERVER && !plan->ntargets)
		fprintf(out, "plan: %s accepted from other hosts; role server (%s)\n", cnt, who);
	else
		fprintf(out, "plan: %s to %" PRIu64 " target%s%s, %s; role %s (%s)\n", cnt, sh.t, plural(sh.t),
			where, src, probe_role_name(plan->role), who);
	fputc('\n', out);
}

static void print_table(FILE *out, const struct probe_row *rows, size_t n)
{
	static const char *const head[6] = { "LIMIT", "CURRENT", "CAPS", "MAX CONNS", "NEEDS", "VERDICT" };
	int w[6];
	for (int c = 0; c < 6; c++)
		w[c] = (int)strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const char *cell[6] = { rows[i].limit, rows[i].current, rows[i].caps, rows[i].max, rows[i].needs,
					probe_verdict_name(rows[i].v) };
		for (int c = 0; c < 6; c++)
			if ((int)strlen(cell[c]) > w[c])
				w[c] = (int)strlen(cell[c]);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %*s  %-*s  %s\n", w[0], head[0], w[1], head[1], w[2], head[2], w[3], head[3],
		w[4], head[4], head[5]);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-*s  %-*s  %-*s  %*s  %-*s  %s\n", w[0], rows[i].limit, w[1], rows[i].current, w[2],
			rows[i].caps, w[3], rows[i].max, w[4], rows[i].needs, probe_verdict_name(rows[i].v));
}

static void print_notes(FILE *out, const struct probe_row *rows, size_t n)
{
	bool notes = false;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].note[0])
			continue;
		if (!notes)
			fputs("\nnotes:\n", out);
		notes = true;
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "  %s: ", rows[i].limit);
		if (rows[i].v == PROBE_WARN && rows[i].fix[0]) {
			char text[sizeof(rows[i].note) + sizeof(rows[i].fix) + 16];
			snprintf(text, sizeof(text), "%s (fix: %s)", rows[i].note, rows[i].fix);
			print_wrapped(out, prefix, text);
		} else {
			print_wrapped(out, prefix, rows[i].note);
		}
	}
	fputc('\n', out);
}

/* A plan one client machine cannot hold may fit on several: the limit that
 * caps this host says how many, each running its shard of the one plan. */
static void print_spread(FILE *out, const struct probe_row *rows, size_t n, const struct probe_plan *plan)
{
	const struct probe_row *first = probe_first_cap(rows, n);
	if (plan->role == PROBE_ROLE_SERVER || !first || !first->max_conns || first->max_conns >= plan->conns)
		return;
	uint64_t hosts = div_ceil(plan->conns, first->max_conns);
	fprintf(out,
		"or spread the clients: %" PRIu64 " machines hold it (%s caps %" PRIu64 " here): run the same command"
		" on each with --shard I/%" PRIu64 " (I = 1..%" PRIu64 ") and add the reports with tcpswarm merge"
		" (tools/fleet.sh does both)\n",
		hosts, first->limit, first->max_conns, hosts, hosts);
}

/* The verdict line(s): one per binding limit, or what is closest. */
static void print_verdicts(FILE *out, const struct probe_row *rows, size_t n, const struct probe_plan *plan)
{
	bool counted = plan && plan->conns;
	int binds = 0, warns = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].v == PROBE_WARN)
			warns++;
		if (rows[i].v != PROBE_BINDS)
			continue;
		/* one line each, unwrapped: scripts grep for it */
		fprintf(out, "%s%s (fix: %s)\n", binds == 0 ? (counted ? "binds first: " : "binds: ") : "also binds: ",
			rows[i].limit, rows[i].fix[0] ? rows[i].fix : "see notes");
		binds++;
	}
	if (counted) {
		if (binds) {
			print_spread(out, rows, n, plan);
			return;
		}
		const struct probe_row *close = NULL;
		for (size_t i = 0; i < n; i++)
			if ((rows[i].v == PROBE_OK || rows[i].v == PROBE_WARN) && rows[i].ratio > 0 &&
			    rows[i].ratio <= 1 && (!close || rows[i].ratio > close->ratio))
				close = &rows[i];
		fprintf(out, "no limit binds for this plan");
		if (close)
			fprintf(out, "; closest: %s at %.0f%% of its limit", close->limit, close->ratio * 100);
		if (warns)
			fprintf(out, " (%d warning%s in the notes)", warns, plural((uint64_t)warns));
		fputc('\n', out);
		return;
	}
	char shape[128];
	shape_text(shape, sizeof(shape), plan);
	const struct probe_row *first = probe_first_cap(rows, n);
	if (first)
		fprintf(out, "this host can hold at most %" PRIu64 " connections %s: %s binds first\n", first->max_conns,
			shape, first->limit);
	else
		fprintf(out, "no limit read here caps the connections %s\n", shape);
}

void probe_print(FILE *out, const struct probe_row *rows, size_t n, const struct probe_plan *plan)
{
	if (plan)
		print_plan_line(out, plan);
	print_table(out, rows, n);
	print_notes(out, rows, n);
	print_verdicts(out, rows, n, plan);
}

void probe_help(FILE *out)
{
	cli_help_probe(out);
}
