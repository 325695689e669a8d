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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
