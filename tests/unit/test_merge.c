/* tcpswarm merge on hand-made reports: merging histograms equals recording
 * every sample into one, counters add, series align by wall-clock second,
 * and reports that do not belong together are refused with the reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/merge.h"

static struct hist ha, hb, hall;

/* A minimal client report: the keys merge needs, with h's buckets. */
static char *report(const struct hist *h, const char *version, const char *role, const char *start,
		    unsigned t_unix0, unsigned conns, double rate, const char *shard)
{
	size_t need = hist_format_sparse(h, NULL, 0) + 1;
	char *buckets = malloc(need), *out = NULL;
	size_t len;
	hist_format_sparse(h, buckets, need);
	FILE *f = open_memstream(&out, &len);
	fprintf(f,
		"{\"tool\":\"tcpswarm\",\"version\":\"%s\",\"role\":\"%s\",\"started_at\":\"%s\",\"duration_s\":2.5,"
		"\"interrupted\":false,\"processes\":1,"
		"\"config\":{\"targets\":[\"127.0.0.1:7000\"],\"connections\":%u,\"rate\":%g,\"payload\":32,"
		"\"proto\":\"echo\",\"seed\":1%s%s},"
		"\"connections\":{\"target\":%u,\"established\":%u,\"errors\":{\"ECONNREFUSED\":1},\"closed_by\":{}},"
		"\"requests\":{\"sent\":%llu,\"answered\":%llu,\"bytes_in\":100,\"bytes_out\":100},"
		"\"latency_us\":{\"count\":%llu,\"p50\":1,\"max\":%llu,\"mean\":%.6f,\"histogram\":%s},"
		"\"diagnosis\":[{\"limit\":\"L\",\"evidence\":\"E\",\"fix\":\"F\"}],"
		"\"series\":[{\"t\":1,\"t_unix\":%u,\"sent\":10,\"p99_us\":5},{\"t\":2,\"t_unix\":%u,\"sent\":7,\"p99_us\":9}],"
		"\"gates_failed\":[]}",
		version, role, start, conns, rate, shard ? ",\"shard\":" : "", shard ? shard : "", conns, conns,
		(unsigned long long)h->count, (unsigned long long)h->count, (unsigned long long)h->count,
		(unsigned long long)h->max, hist_mean(h), buckets, t_unix0, t_unix0 + 1);
	fclose(f);
	free(buckets);
	return out;
}

static void fill(void)
{
	hist_reset(&ha);
	hist_reset(&hb);
	hist_reset(&hall);
	uint64_t x = 12345;
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t v = 1 + (x >> 33) % (i % 3 ? 5000 : 900000); /* exact and log-linear ranges */
		hist_record(i % 2 ? &ha : &hb, v);
		hist_record(&hall, v);
	}
}

static int add(struct merge_set *s, const char *name, char *text, char *err)
{
	return merge_add_text(s, name, text, strlen(text), err, 600);
}

static void test_exact(void **state)
{
	(void)state;
	fill();
	struct merge_set s = {0};
	char err[600];
	assert_int_equal(add(&s, "b.json", report(&hb, "1", "client", "2026-01-01T00:00:01Z", 1767225602, 30, 300,
						  "{\"index\":2,\"count\":2,\"total_connections\":50,\"total_rate\":500}"), err), 0);
	assert_int_equal(add(&s, "a.json", report(&ha, "1", "client", "2026-01-01T00:00:00Z", 1767225601, 20, 200,
						  "{\"index\":1,\"count\":2,\"total_connections\":50,\"total_rate\":500}"), err), 0);
	assert_int_equal(merge_check(&s, err, sizeof(err)), 0);
	assert_string_equal(s.in[0].name, "a.json"); /* sorted by shard */
	double ps[] = {1, 25, 50, 90, 99, 99.9, 99.99, 100};
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_int_equal(hist_percentile(s.lat, ps[i]), hist_percentile(&hall, ps[i]));
	assert_int_equal(s.lat->count, hall.count);
	assert_memory_equal(s.lat->buckets, hall.buckets, sizeof(hall.buckets));

	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(merge_write_json(&s, f), 0);
	fclose(f);
	struct jr_value m;
	assert_int_equal(jr_parse(out, len, &m, err, sizeof(err)), 0);
	uint64_t u;
	assert_true(jr_as_u64(jr_path(&m, "latency_us.p99"), &u));
	assert_int_equal(u, hist_percentile(&hall, 99));
	assert_true(jr_as_u64(jr_path(&m, "latency_us.max"), &u));
	assert_int_equal(u, hall.max);
	assert_true(jr_as_u64(jr_path(&m, "connections.established"), &u));
	assert_int_equal(u, 50);
	assert_true(jr_as_u64(jr_path(&m, "connections.errors.ECONNREFUSED"), &u));
	assert_int_equal(u, 2);
	assert_true(jr_as_u64(jr_path(&m, "config.payload"), &u)); /* plan keys are kept, not added */
	assert_int_equal(u, 32);
	assert_true(jr_as_u64(jr_path(&m, "config.rate"), &u));
	assert_int_equal(u, 500);
	assert_null(jr_path(&m, "config.shard"));
	assert_string_equal(jr_as_str(jr_get(&m, "started_at")), "2026-01-01T00:00:00Z");
	/* the histogram written is the one of all samples */
	size_t need = hist_format_sparse(&hall, NULL, 0) + 1;
	char *want = malloc(need);
	hist_format_sparse(&hall, want, need);
	const struct jr_value *h = jr_path(&m, "latency_us.histogram");
	assert_int_equal(h->raw_len, need - 1);
	assert_memory_equal(h->raw, want, need - 1);
	free(want);
	/* a starts one second before b: seconds 1601, 1602(both), 1603 */
	const struct jr_value *ser = jr_get(&m, "series");
	assert_int_equal(ser->n, 3);
	uint64_t sent[3], t[3], p99;
	for (int i = 0; i < 3; i++) {
		jr_as_u64(jr_get(&ser->kids[i], "sent"), &sent[i]);
		jr_as_u64(jr_get(&ser->kids[i], "t"), &t[i]);
	}
	assert_int_equal(sent[0], 10);
	assert_int_equal(sent[1], 17);
	assert_int_equal(sent[2], 7);
	assert_int_equal(t[0], 1);
	assert_int_equal(t[2], 3);
	jr_as_u64(jr_get(&ser->kids[1], "p99_us"), &p99);
	assert_int_equal(p99, 9); /* per-second percentiles: the worst node's */
	assert_int_equal(jr_get(&m, "diagnosis")->n, 2);
	assert_string_equal(jr_as_str(jr_get(&jr_get(&m, "diagnosis")->kids[1], "node")), "b.json");
	assert_int_equal(jr_get(&m, "nodes")->n, 2);
	assert_int_equal(jr_get(&m, "merged_from")->n, 2);
	assert_null(jr_path(&jr_get(&m, "nodes")->kids[0], "latency_us.histogram"));
	jr_free(&m);
	free(out);
	merge_set_free(&s);
}

/* merge_write_json of s, parsed into m; the text in *out (freed by the caller). */
static char *merged(struct merge_set *s, struct jr_value *m)
{
	char *out = NULL, err[600];
	size_t len;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(merge_write_json(s, f), 0);
	fclose(f);
	assert_int_equal(jr_parse(out, len, m, err, sizeof(err)), 0);
	return out;
}

static uint64_t u64_of(const struct jr_value *root, const char *path)
{
	uint64_t u = UINT64_MAX;
	if (!jr_as_u64(jr_path(root, path), &u))
		fail_msg("%s is not a count", path);
	return u;
}

/* rep with a TLS block in "connections": full/resumed handshakes, cert
 * failures (and as many tls_certificate closes), handshake_us of hs (its
 * buckets when with_buckets). Frees rep. */
static char *with_tls(char *rep, const struct hist *hs, unsigned full, unsigned resumed, unsigned cert, bool with_buckets)
{
	size_t need = hist_format_sparse(hs, NULL, 0) + 1;
	char *buckets = malloc(need), *out = NULL, *at = strstr(rep, "\"closed_by\":{}}");
	size_t len;
	hist_format_sparse(hs, buckets, need);
	assert_non_null(at);
	*at = 0;
	FILE *f = open_memstream(&out, &len);
	fprintf(f,
		"%s\"closed_by\":{\"tls_certificate\":%u},\"tls\":{\"handshakes_full\":%u,\"handshakes_resumed\":%u,"
		"\"full_per_s\":1.5,\"resumed_per_s\":2.5,\"failed\":{\"certificate\":%u,\"protocol\":1,\"timeout\":0},"
		"\"alpn_missed\":0},\"handshake_us\":{\"count\":%llu,\"p50\":1,\"p90\":1,\"p99\":1,\"p999\":1,\"max\":%llu,"
		"\"mean\":%.6f%s%s}}%s",
		rep, cert, full, resumed, cert, (unsigned long long)hs->count, (unsigned long long)hs->max, hist_mean(hs),
		with_buckets ? ",\"histogram\":" : "", with_buckets ? buckets : "", at + strlen("\"closed_by\":{}}"));
	fclose(f);
	free(buckets);
	free(rep);
	return out;
}

/* The client's TLS block: counters add, handshake_us is the histogram of
 * every handshake (exact percentiles, its buckets written); without
 * buckets in one report its percentiles are null, the count still adds. */
static void test_tls(void **state)
{
	(void)state;
	fill();
	struct hist *hs1 = malloc(sizeof(*hs1)), *hs2 = malloc(sizeof(*hs2)), *hs = malloc(sizeof(*hs));
	hist_reset(hs1), hist_reset(hs2), hist_reset(hs);
	for (uint64_t v = 1; v < 3000; v++) {
		uint64_t us = 200 + v * v % 70000; /* 0.2 to 70 ms */
		hist_record(v % 3 ? hs1 : hs2, us);
		hist_record(hs, us);
	}
	const char *t0 = "2026-01-01T00:00:00Z";
	for (int buckets = 1; buckets >= 0; buckets--) {
		struct merge_set s = {0};
		char err[600];
		assert_int_equal(add(&s, "a.json", with_tls(report(&ha, "1", "client", t0, 1, 20, 200, NULL), hs1, 10, 30, 2, true), err), 0);
		assert_int_equal(add(&s, "b.json", with_tls(report(&hb, "1", "client", t0, 1, 20, 200, NULL), hs2, 5, 7, 1, buckets), err), 0);
		assert_int_equal(merge_check(&s, err, sizeof(err)), 0);
		struct jr_value m;
		char *out = merged(&s, &m);
		assert_int_equal(u64_of(&m, "connections.tls.handshakes_full"), 15);
		assert_int_equal(u64_of(&m, "connections.tls.handshakes_resumed"), 37);
		assert_int_equal(u64_of(&m, "connections.tls.failed.certificate"), 3);
		assert_int_equal(u64_of(&m, "connections.tls.failed.protocol"), 2);
		assert_int_equal(u64_of(&m, "connections.closed_by.tls_certificate"), 3);
		assert_int_equal(u64_of(&m, "connections.handshake_us.count"), hs->count);
		if (buckets) {
			assert_int_equal(u64_of(&m, "connections.handshake_us.p50"), hist_percentile(hs, 50));
			assert_int_equal(u64_of(&m, "connections.handshake_us.p99"), hist_percentile(hs, 99));
			assert_int_equal(u64_of(&m, "connections.handshake_us.max"), hs->max);
			size_t need = hist_format_sparse(hs, NULL, 0) + 1;
			char *want = malloc(need);
			hist_format_sparse(hs, want, need);
			const struct jr_value *h = jr_path(&m, "connections.handshake_us.histogram");
			assert_non_null(h);
			assert_int_equal(h->raw_len, need - 1);
			assert_memory_equal(h->raw, want, need - 1);
			free(want);
			/* nodes keep each report's own figures, without its buckets */
			assert_non_null(jr_path(&jr_get(&m, "nodes")->kids[0], "connections.handshake_us.p50"));
			assert_null(jr_path(&jr_get(&m, "nodes")->kids[0], "connections.handshake_us.histogram"));
		} else {
			assert_int_equal(jr_path(&m, "connections.handshake_us.p50")->type, JR_NULL);
			assert_null(jr_path(&m, "connections.handshake_us.histogram"));
		}
		jr_free(&m);
		free(out);
		merge_set_free(&s);
	}
	free(hs1), free(hs2), free(hs);
}

/* A minimal server report: mode, accepted, the peers rows given ("[...]"),
 * peers_other with other_accepted beyond a full table when full. */
static char *server_report(const char *mode, unsigned accepted, const char *peers, unsigned other, bool full)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	fprintf(f,
		"{\"tool\":\"tcpswarm\",\"version\":\"1\",\"role\":\"server\",\"started_at\":\"2026-01-01T00:00:00Z\","
		"\"duration_s\":3,\"interrupted\":true,\"processes\":1,\"config\":{\"listen\":\"0.0.0.0\",\"port\":7000,"
		"\"mode\":\"%s\",\"workers\":2},\"limits\":{},\"connections\":{\"accepted\":%u,\"closed\":%u,"
		"\"peak_open\":%u,\"failed\":0,\"errors\":{},\"closed_by\":{\"peer_closed\":%u}},"
		"\"listener\":{\"backlog_effective\":4096,\"accept_queue_peak\":%u,\"accept_batched\":%u,\"syn_recv_peak\":-1},"
		"\"requests\":{\"answered\":9,\"errors\":0,\"bytes_in\":10,\"bytes_out\":10},\"peers\":%s,"
		"\"peers_other\":{\"open\":0,\"peak\":%u,\"accepted\":%u,\"table_full\":%s},"
		"\"series\":[{\"t\":1,\"t_unix\":1767225601,\"open\":3,\"accepted\":%u}],\"diagnosis\":[]}",
		mode, accepted, accepted, accepted, accepted, accepted, accepted / 2, peers, other, other, full ? "true" : "false",
		accepted);
	fclose(f);
	return out;
}

/* Server reports: peers summed per (address, port), busiest first; the
 * rows and peers_other add up to the accepted connections. */
static void test_server_peers(void **state)
{
	(void)state;
	struct merge_set s = {0};
	char err[600];
	assert_int_equal(add(&s, "s1.json", server_report("echo", 100, "[{\"addr\":\"10.0.0.1\",\"port\":7000,\"open\":3,"
		"\"peak\":40,\"accepted\":60},{\"addr\":\"10.0.0.2\",\"port\":7000,\"open\":1,\"peak\":20,\"accepted\":40}]", 0, false), err), 0);
	assert_int_equal(add(&s, "s2.json", server_report("echo", 57, "[{\"addr\":\"10.0.0.2\",\"port\":7000,\"open\":2,"
		"\"peak\":30,\"accepted\":45},{\"addr\":\"10.0.0.2\",\"port\":7001,\"open\":0,\"peak\":5,\"accepted\":5},"
		"{\"addr\":\"::1\",\"port\":7000,\"open\":0,\"peak\":1,\"accepted\":1}]", 6, true), err), 0);
	assert_int_equal(merge_check(&s, err, sizeof(err)), 0);
	assert_true(s.server);
	assert_int_equal(s.peers.n, 4);
	assert_int_equal(s.peers.addresses, 3);
	struct jr_value m;
	char *out = merged(&s, &m);
	const struct jr_value *p = jr_get(&m, "peers");
	assert_int_equal(p->n, 4);
	/* 10.0.0.2:7000 from both servers: open 3, peak 50, accepted 85, first */
	assert_string_equal(jr_as_str(jr_get(&p->kids[0], "addr")), "10.0.0.2");
	assert_int_equal(u64_of(&p->kids[0], "port"), 7000);
	assert_int_equal(u64_of(&p->kids[0], "open"), 3);
	assert_int_equal(u64_of(&p->kids[0], "peak"), 50);
	assert_int_equal(u64_of(&p->kids[0], "accepted"), 85);
	assert_string_equal(jr_as_str(jr_get(&p->kids[1], "addr")), "10.0.0.1");
	assert_int_equal(u64_of(&p->kids[2], "port"), 7001);
	assert_string_equal(jr_as_str(jr_get(&p->kids[3], "addr")), "::1");
	uint64_t rows = 0;
	for (size_t i = 0; i < p->n; i++)
		rows += u64_of(&p->kids[i], "accepted");
	assert_int_equal(u64_of(&m, "peers_other.accepted"), 6);
	assert_true(jr_path(&m, "peers_other.table_full")->boolean);
	assert_int_equal(rows + u64_of(&m, "peers_other.accepted"), u64_of(&m, "connections.accepted"));
	assert_int_equal(u64_of(&m, "connections.accepted"), 157);
	assert_int_equal(u64_of(&m, "config.workers"), 4);
	assert_int_equal(u64_of(&m, "config.port"), 7000);
	assert_int_equal(u64_of(&m, "listener.accept_queue_peak"), 100); /* the fuller queue, not a sum */
	assert_int_equal(u64_of(&m, "listener.accept_batched"), 50 + 28); /* connections: a sum */
	assert_int_equal(u64_of(&m, "listener.backlog_effective"), 4096);
	assert_string_equal(jr_as_str(jr_get(&m, "role")), "server");
	assert_int_equal(jr_get(&m, "nodes")->n, 2);
	assert_null(jr_get(&jr_get(&m, "nodes")->kids[0], "peers"));
	/* the text: the busiest pair, then the peers line adds up */
	char *text = NULL;
	size_t tlen;
	FILE *f = open_memstream(&text, &tlen);
	merge_print_text(&s, f);
	fclose(f);
	assert_non_null(strstr(text, "peers          3 source addresses, 4 address:port pairs\n  10.0.0.2 "));
	assert_non_null(strstr(text, "past full tables (not told apart) open 0  peak 6  accepted 6"));
	free(text);
	jr_free(&m);
	free(out);
	merge_set_free(&s);
}

/* Two reports (or one) refused with a reason containing want. */
static void refused(const char *a, const char *b, const char *want)
{
	struct merge_set s = {0};
	char err[600] = "";
	int rc = add(&s, "a.json", strdup(a), err);
	if (rc == 0 && b)
		rc = add(&s, "b.json", strdup(b), err);
	if (rc == 0)
		rc = merge_check(&s, err, sizeof(err));
	if (rc == 0 || !strstr(err, want))
		fail_msg("wanted a refusal with '%s', got rc %d: '%s'", want, rc, err);
	merge_set_free(&s);
}

static void test_refusals(void **state)
{
	(void)state;
	fill();
	const char *t0 = "2026-01-01T00:00:00Z";
	char *ok = report(&ha, "1", "client", t0, 1, 20, 200, NULL);
	char *other_version = report(&ha, "2", "client", t0, 1, 20, 200, NULL);
	char *server = report(&ha, "1", "server", t0, 1, 20, 200, NULL);
	char *rate = report(&ha, "1", "client", t0, 1, 20, 300, NULL);
	char *s1 = report(&ha, "1", "client", t0, 1, 20, 200, "{\"index\":1,\"count\":3}");
	char *s1b = report(&ha, "1", "client", t0, 1, 20, 200, "{\"index\":1,\"count\":3}");
	char *s2 = report(&ha, "1", "client", t0, 1, 20, 200, "{\"index\":2,\"count\":3}");
	refused(ok, other_version, "different tcpswarm versions");
	char *srv = server_report("echo", 1, "[]", 0, false), *srv_http = server_report("http", 1, "[]", 0, false);
	refused(ok, srv, "a client and a server report");
	refused(srv, srv_http, "config.mode differs");
	free(srv), free(srv_http);
	refused(server, NULL, "a server report");
	refused(ok, rate, "rate per connection");
	refused(s1, s1b, "shard 1/3 appears twice");
	refused(s1, s2, "shard 3/3 is missing");
	refused(ok, s1, "not shards of one plan");
	refused("{\"tool\":", NULL, "a.json: not JSON: line 1 column 9");
	refused("[1,2]", NULL, "not a tcpswarm report");
	char *trunc = strdup(ok);
	strcpy(strstr(trunc, ",\"series\""), "}"); /* valid JSON, key missing */
	refused(trunc, NULL, "key series is missing");
	char *wrongcount = strdup(ok);
	memcpy(strstr(wrongcount, "\"count\":") + 8, "9", 1);
	refused(wrongcount, NULL, "disagrees with its histogram");
	char *proto = strdup(ok);
	memcpy(strstr(proto, "\"echo\""), "\"ECHO\"", 6);
	refused(ok, proto, "config.proto differs");
	free(ok), free(other_version), free(server), free(rate), free(s1), free(s1b), free(s2);
	free(trunc), free(wrongcount), free(proto);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_server_peers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
