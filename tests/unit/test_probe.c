/* Unit tests for probe.c: each limit's row against hand-built limits, the
 * ranking, the printed verdict lines, and probe_main's usage errors and help
 * (the paths that do not read the live system). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tcpswarm/probe.h"

#define GiB (UINT64_C(1) << 30)

static void set1(struct klimits *l, enum kl k, int64_t a)
{
	l->v[k][0] = a;
	l->n[k] = 1;
}

static void set3(struct klimits *l, enum kl k, int64_t a, int64_t b, int64_t c, uint8_t n)
{
	l->v[k][0] = a;
	l->v[k][1] = b;
	l->v[k][2] = c;
	l->n[k] = n;
}

/* The limits of a typical 6.18 test machine; file-max big, no conntrack. */
static void base(struct klimits *l)
{
	memset(l, 0, sizeof(*l));
	set1(l, KL_NOFILE_SOFT, 20000);
	set1(l, KL_NOFILE_HARD, 20000);
	set1(l, KL_FILE_MAX, 100000000);
	set1(l, KL_FILE_NR, 1000);
	set1(l, KL_NR_OPEN, 1048576);
	set3(l, KL_IP_LOCAL_PORT_RANGE, 32768, 60999, 0, 2);
	set1(l, KL_SOMAXCONN, 4096);
	set1(l, KL_TCP_MAX_SYN_BACKLOG, 2048);
	set1(l, KL_TCP_SYNCOOKIES, 1);
	set1(l, KL_TCP_TW_REUSE, 2);
	set3(l, KL_TCP_MEM, 288459, 384612, 576918, 3);
	set1(l, KL_PAGE_SIZE, 4096);
	set1(l, KL_TCP_MAX_ORPHANS, 131072);
	set1(l, KL_TCP_MAX_TW_BUCKETS, 131072);
}

static const struct probe_host host16 = { .mem_bytes = 16 * GiB, .cap_sys_admin = false };

static struct probe_plan loop_plan(uint64_t conns, uint64_t sources)
{
	struct probe_plan p = { .conns = conns, .ntargets = 1, .source_ips = sources, .loopback = true,
				.role = PROBE_ROLE_BOTH };
	return p;
}

static struct probe_plan remote_plan(uint64_t conns, uint64_t sources)
{
	struct probe_plan p = { .conns = conns, .ntargets = 1, .source_ips = sources, .role = PROBE_ROLE_CLIENT };
	return p;
}

static const struct probe_row *find(const struct probe_row *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].limit, name))
			return &rows[i];
	print_error("no row '%s'\n", name);
	fail();
	return NULL;
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("'%s'\n  lacks '%s'\n", hay, needle);
		fail();
	}
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle)) {
		print_error("'%s'\n  has '%s'\n", hay, needle);
		fail();
	}
}

/* probe_print into a string (caller frees). */
static char *print_str(const struct probe_row *rows, size_t n, const struct probe_plan *plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	probe_print(f, rows, n, plan);
	fclose(f);
	return buf;
}

static size_t eval(const struct klimits *l, const struct probe_host *h, const struct probe_plan *p,
		   struct probe_row *rows)
{
	size_t n = probe_evaluate(l, h, p, rows, PROBE_MAX_ROWS);
	assert_true(n >= 12);
	return n;
}

/* ---- ip_local_port_range ------------------------------------------------ */

static void test_ports_bind_without_source(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	/* loopback without --source: the client picks 127.0.0.x itself, as
	 * portplan_compute says: floor(100000 / (28232 / 4)) + 1 = 15 sources */
	struct probe_plan p = loop_plan(100000, 0);
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_OK);
	assert_int_equal(r->max_conns, 28232 * 15);
	assert_has(r->current, "32768-60999 (28232)");
	assert_has(r->needs, "15 source IPs (auto)");
	assert_has(r->note, "picks 15 source IPs itself (--source 127.0.0.2-127.0.0.16");
	assert_has(r->note, "6667 connections each"); /* ceil(100000 / 15) */
	assert_int_equal(probe_status(rows, n), 0);
	char *out = print_str(rows, n, &p);
	assert_has(out, "plan: 100000 connections to 1 target on loopback");
	assert_lacks(out, "binds first");
	free(out);
	/* 2 workers: a multiple of 2, each worker its own addresses */
	p.workers = 2;
	n = eval(&l, &host16, &p, rows);
	assert_has(find(rows, n, "ip_local_port_range")->note, "picks 16 source IPs itself (--source 127.0.0.2-127.0.0.17");

	/* one given source on loopback: the client refuses, probe binds, same numbers */
	p = loop_plan(100000, 1);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_int_equal(r->max_conns, 28232);
	assert_has(r->needs, "4 source IPs (have 1)"); /* ceil(100000 / 28232) */
	assert_has(r->fix, "4 source IPs");
	assert_has(r->fix, "--source 127.0.0.2-127.0.0.5");
	assert_has(r->note, "refuses the plan (exit 2");
	assert_true(r->ratio > 3.5 && r->ratio < 3.6);
	assert_string_equal(rows[0].limit, "ip_local_port_range");
	assert_int_equal(probe_status(rows, n), 1);
	out = print_str(rows, n, &p);
	assert_has(out, "binds first: ip_local_port_range (fix: --source 127.0.0.2-127.0.0.5");
	/* or the plan over ceil(100000 / 28232) = 4 client machines */
	assert_has(out, "or spread the clients: 4 machines hold it (ip_local_port_range caps 28232 here)");
	assert_has(out, "--shard I/4 (I = 1..4) and add the reports with tcpswarm merge");
	free(out);

	/* IPv6 loopback: no 127.0.0.x to pick, it binds */
	p = loop_plan(100000, 0);
	p.ipv6 = true;
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_has(r->fix, "::1 is the only IPv6 loopback address");

	/* the same against a remote target: add addresses, no 127/8 suggestion */
	p = remote_plan(100000, 0);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_has(r->fix, "4 source IPs");
	assert_has(r->fix, "ip addr add");
	assert_lacks(r->fix, "127.0.0.2");
	assert_lacks(r->fix, "ip_local_port_range='1024 65535'"); /* 100000 > 64512: widening alone is not enough */

	/* 60000: widening the range alone would do */
	p = remote_plan(60000, 0);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_has(r->fix, "3 source IPs");
	assert_has(r->fix, "ip_local_port_range='1024 65535'");

	/* 300 IPs on loopback cross an octet: 127.0.0.2-127.0.1.45 (more than
	 * the 250 the client would pick itself) */
	p = loop_plan(28232ull * 300, 0);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_has(r->fix, "--source 127.0.0.2-127.0.1.45 (300 source IPs");
}

static void test_ports_fit_with_sources(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(100000, 4);
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "ip_local_port_range");
	/* 89% of each tuple's ports: fits, but the client warns (over half) */
	assert_int_equal(r->v, PROBE_WARN);
	assert_int_equal(r->max_conns, 28232 * 4);
	assert_has(r->needs, "4 source IPs (have 4)");
	assert_has(r->note, "89% of the local ports");
	assert_has(r->fix, "8 source IPs"); /* half of each tuple: ceil(200000 / 28232) */
	assert_int_equal(probe_status(rows, n), 0);
	char *out = print_str(rows, n, &p);
	assert_has(out, "no limit binds for this plan");
	assert_lacks(out, "spread the clients");
	assert_has(out, "closest: ip_local_port_range at 89% of its limit");
	assert_lacks(out, "binds first");
	free(out);

	/* two targets double the tuples; under half: ok */
	p = remote_plan(50000, 2);
	p.ntargets = 2;
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "ip_local_port_range")->v, PROBE_OK);

	/* over 90% of the ports: warn, and suggest enough IPs for half */
	p = loop_plan(1000000, 39);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "ip_local_port_range");
	assert_int_equal(r->v, PROBE_WARN);
	assert_has(r->fix, "71 source IPs"); /* ceil(2000000 / 28232) */
	assert_lacks(r->note, "tcp_tw_reuse"); /* tw_reuse 2 already covers loopback */
}

static void test_ports_tw_reuse_note(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	/* loopback with tcp_tw_reuse 2: reuse already on, no note */
	struct probe_plan p = loop_plan(20000, 0);
	size_t n = eval(&l, &host16, &p, rows);
	assert_lacks(find(rows, n, "ip_local_port_range")->note, "tcp_tw_reuse");
	/* remote with tcp_tw_reuse 2 (loopback only): note */
	p = remote_plan(20000, 0);
	n = eval(&l, &host16, &p, rows);
	assert_has(find(rows, n, "ip_local_port_range")->note, "tcp_tw_reuse=1");
	/* a port range that is empty binds any plan */
	set3(&l, KL_IP_LOCAL_PORT_RANGE, 40000, 30000, 0, 2);
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "ip_local_port_range")->v, PROBE_BINDS);
	assert_has(find(rows, n, "ip_local_port_range")->fix, "empty");
}

static void test_ports_na_for_server(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = remote_plan(500000, 0);
	p.role = PROBE_ROLE_SERVER;
	size_t n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "ip_local_port_range")->v, PROBE_NA);
	assert_int_equal(find(rows, n, "somaxconn")->v, PROBE_INFO);
	assert_has(find(rows, n, "nofile")->needs, "26 processes"); /* ceil(500000 / 19936) */
	assert_has(find(rows, n, "nofile")->note, "26 server processes");
	assert_int_equal(probe_status(rows, n), 0);

	/* a client against a remote server: the listener rows are the server's business */
	p.role = PROBE_ROLE_CLIENT;
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "somaxconn")->v, PROBE_NA);
	assert_int_equal(find(rows, n, "tcp_syncookies")->v, PROBE_NA);
}

/* ---- memory ------------------------------------------------------------- */

static void test_tcp_mem_small_warns_memory_binds(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	set3(&l, KL_TCP_MEM, 1000, 1500, 2000, 3);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(1000000, 40);
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "tcp_mem");
	/* idle sockets charge no tcp_mem: only traffic on many sockets at once hits it */
	assert_int_equal(r->v, PROBE_WARN);
	assert_has(r->needs, "0 idle");
	assert_has(r->needs, "7.6 GiB busy"); /* 2M sockets x 1 page */
	assert_has(r->note, "idle");
	assert_has(r->note, "at most 2000 sockets");
	assert_has(r->fix, "net.ipv4.tcp_mem='1000 2000000 ");
	assert_true(r->ratio > 999);
	assert_int_equal(probe_status(rows, n), 0);

	/* under the pressure mark: ok */
	base(&l);
	p = loop_plan(100000, 4);
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "tcp_mem")->v, PROBE_OK);

	/* the sockets' own kernel memory binds on a 4 GiB host */
	struct probe_host h4 = { .mem_bytes = 4 * GiB };
	p = loop_plan(1000000, 40);
	n = eval(&l, &h4, &p, rows);
	r = find(rows, n, "memory");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_has(r->fix, "different hosts");
	assert_int_equal(r->max_conns, 4 * GiB / ((3712 + 64) * 2));
	assert_int_equal(probe_status(rows, n), 1);
	assert_string_equal(rows[0].limit, "memory");

	/* over half: warn */
	struct probe_host h12 = { .mem_bytes = 12 * GiB };
	n = eval(&l, &h12, &p, rows);
	assert_int_equal(find(rows, n, "memory")->v, PROBE_WARN);

	/* unknown memory: n/a */
	n = eval(&l, NULL, &p, rows);
	assert_int_equal(find(rows, n, "memory")->v, PROBE_NA);
}

/* ---- conntrack ---------------------------------------------------------- */

static void test_conntrack(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = remote_plan(5000, 0);
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "nf_conntrack_max");
	assert_int_equal(r->v, PROBE_NA);
	assert_string_equal(r->current, "not loaded");

	set1(&l, KL_NF_CONNTRACK_MAX, 1000);
	set1(&l, KL_NF_CONNTRACK_COUNT, 10);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "nf_conntrack_max");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_int_equal(r->max_conns, 990);
	assert_has(r->needs, "5010 entries");
	assert_has(r->fix, "nf_conntrack_max=");
	assert_has(r->note, "table full");
	assert_string_equal(rows[0].limit, "nf_conntrack_max");
	assert_int_equal(probe_status(rows, n), 1);

	/* no count file: assume it tracks */
	l.n[KL_NF_CONNTRACK_COUNT] = 0;
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "nf_conntrack_max")->v, PROBE_BINDS);

	/* loaded, tracking nothing: no rule uses it here, so only warn */
	set1(&l, KL_NF_CONNTRACK_COUNT, 0);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "nf_conntrack_max");
	assert_int_equal(r->v, PROBE_WARN);
	assert_has(r->note, "tracking nothing");
	assert_int_equal(probe_status(rows, n), 0);

	/* fits */
	set1(&l, KL_NF_CONNTRACK_MAX, 262144);
	set1(&l, KL_NF_CONNTRACK_COUNT, 100);
	n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "nf_conntrack_max")->v, PROBE_OK);
}

/* ---- descriptors ---------------------------------------------------------- */

static void test_nofile_processes(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = remote_plan(100000, 4);
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "nofile");
	assert_int_equal(r->v, PROBE_OK);
	assert_string_equal(r->needs, "6 processes"); /* ceil(100000 / (20000 - 64)) */
	assert_string_equal(r->max, "19936/process");
	assert_int_equal(r->max_conns, UINT64_MAX); /* fan-out: does not cap the count */
	assert_has(r->note, "6 client processes");
	assert_has(r->note, "fans out");

	p = loop_plan(100000, 4);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "nofile");
	assert_string_equal(r->needs, "6+6 processes");
	assert_has(r->note, "6 client and 6 server processes");

	/* exactly one process' worth */
	p = remote_plan(19936, 0);
	n = eval(&l, &host16, &p, rows);
	assert_string_equal(find(rows, n, "nofile")->needs, "1 process");
	p = remote_plan(19937, 0);
	n = eval(&l, &host16, &p, rows);
	assert_string_equal(find(rows, n, "nofile")->needs, "2 processes");

	/* soft below need, hard enough: tcpswarm raises the soft limit */
	set1(&l, KL_NOFILE_SOFT, 1024);
	p = remote_plan(5000, 0);
	n = eval(&l, &host16, &p, rows);
	assert_has(find(rows, n, "nofile")->note, "raises it");

	/* a hard limit of 64 leaves nothing: cannot run */
	set1(&l, KL_NOFILE_SOFT, 64);
	set1(&l, KL_NOFILE_HARD, 64);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "nofile");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_has(r->fix, "ulimit -Hn");
	assert_int_equal(probe_status(rows, n), 1);
	/* ... even without a plan */
	n = eval(&l, &host16, NULL, rows);
	assert_int_equal(probe_status(rows, n), 1);
}

static void test_file_max(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	set1(&l, KL_FILE_MAX, 150000);
	set1(&l, KL_FILE_NR, 2000);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(100000, 4); /* 200000 sockets + 2000 open */
	size_t n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "fs.file-max");
	assert_int_equal(r->v, PROBE_BINDS);
	assert_int_equal(r->max_conns, (150000 - 2000) / 2);
	assert_has(r->needs, "202000 files");
	assert_has(r->fix, "sysctl -w fs.file-max=262144"); /* 202000 * 1.25 rounded up to 64k */

	/* CAP_SYS_ADMIN goes past fs.file-max: a warning, and no cap */
	struct probe_host admin = { .mem_bytes = 16 * GiB, .cap_sys_admin = true };
	n = eval(&l, &admin, &p, rows);
	r = find(rows, n, "fs.file-max");
	assert_int_equal(r->v, PROBE_WARN);
	assert_int_equal(r->max_conns, UINT64_MAX);
	assert_has(r->note, "CAP_SYS_ADMIN");

	/* LONG_MAX means no limit */
	set1(&l, KL_FILE_MAX, INT64_MAX);
	n = eval(&l, &host16, &p, rows);
	r = find(rows, n, "fs.file-max");
	assert_int_equal(r->v, PROBE_OK);
	assert_has(r->current, "unlimited (2000 open)");
	assert_int_equal(r->max_conns, UINT64_MAX);
	set1(&l, KL_FILE_MAX, INT64_C(1) << 62);
	n = eval(&l, &host16, &p, rows);
	assert_has(find(rows, n, "fs.file-max")->current, "no limit");
}

/* ---- listener rows ---------------------------------------------------------- */

static void test_listener_warnings(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(1000, 0);
	size_t n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "somaxconn")->v, PROBE_INFO);
	assert_has(find(rows, n, "somaxconn")->note, "accept queue depth 4096");
	assert_int_equal(find(rows, n, "tcp_syncookies")->v, PROBE_INFO);

	set1(&l, KL_SOMAXCONN, 100000);
	n = eval(&l, &host16, &p, rows);
	assert_has(find(rows, n, "somaxconn")->note, "depth 65535"); /* min(65535, somaxconn) */
	set1(&l, KL_SOMAXCONN, 128);
	set1(&l, KL_TCP_SYNCOOKIES, 0);
	n = eval(&l, &host16, &p, rows);
	const struct probe_row *r = find(rows, n, "somaxconn");
	assert_int_equal(r->v, PROBE_WARN);
	assert_has(r->fix, "net.core.somaxconn");
	r = find(rows, n, "tcp_syncookies");
	assert_int_equal(r->v, PROBE_WARN);
	assert_has(r->fix, "tcp_syncookies=1");
	assert_int_equal(probe_status(rows, n), 0); /* warnings do not fail the plan */
	char *out = print_str(rows, n, &p);
	assert_has(out, "net.core.somaxconn=4096)"); /* the note may wrap */
	assert_has(out, "warnings in the notes");
	free(out);
}

static void test_orphans_tw_notes(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(200000, 8);
	size_t n = eval(&l, &host16, &p, rows);
	assert_int_equal(find(rows, n, "tcp_max_orphans")->v, PROBE_INFO);
	assert_has(find(rows, n, "tcp_max_orphans")->note, "orphaned");
	assert_has(find(rows, n, "tcp_max_tw_buckets")->note, "TIME-WAIT");
	p = loop_plan(1000, 0);
	n = eval(&l, &host16, &p, rows);
	assert_string_equal(find(rows, n, "tcp_max_orphans")->note, "");
	assert_string_equal(find(rows, n, "tcp_max_tw_buckets")->note, "");
}

/* ---- no plan, ranking, printing ---------------------------------------------- */

static void test_no_plan_capacity(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	struct probe_row rows[PROBE_MAX_ROWS];
	size_t n = eval(&l, &host16, NULL, rows);
	assert_string_equal(rows[0].limit, "ip_local_port_range");
	const struct probe_row *first = probe_first_cap(rows, n);
	assert_non_null(first);
	assert_string_equal(first->limit, "ip_local_port_range");
	assert_int_equal(first->max_conns, 28232);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rows[i].needs, "-");
		assert_int_not_equal(rows[i].v, PROBE_BINDS);
	}
	/* capping rows in ascending order, then info, then n/a */
	for (size_t i = 1; i < n; i++) {
		if (rows[i].max_conns != UINT64_MAX)
			assert_true(rows[i - 1].max_conns <= rows[i].max_conns);
		if (rows[i - 1].v == PROBE_NA)
			assert_int_equal(rows[i].v, PROBE_NA);
	}
	assert_int_equal(probe_status(rows, n), 0);
	char *out = print_str(rows, n, NULL);
	assert_has(out, "this host can hold at most 28232 connections to one target from one source IP: "
			"ip_local_port_range binds first");
	assert_lacks(out, "plan:");
	free(out);

	/* a small file-max caps first */
	set1(&l, KL_FILE_MAX, 20000);
	set1(&l, KL_FILE_NR, 1000);
	n = eval(&l, &host16, NULL, rows);
	first = probe_first_cap(rows, n);
	assert_string_equal(first->limit, "fs.file-max");
	assert_int_equal(first->max_conns, 19000);
	assert_string_equal(rows[0].limit, "fs.file-max");

	/* both ends here, sources no limit: memory or files cap, never the ports */
	base(&l);
	struct probe_plan lo = { .ntargets = 1, .source_ips = PROBE_ANY_SOURCES, .loopback = true,
				 .role = PROBE_ROLE_BOTH };
	n = eval(&l, &host16, &lo, rows);
	first = probe_first_cap(rows, n);
	assert_string_equal(first->limit, "memory"); /* 16 GiB / (2 x 3776) < (1e8 - 1000) / 2 */
	assert_int_equal(first->max_conns, 16 * GiB / 7552);
	assert_int_equal(find(rows, n, "ip_local_port_range")->max_conns, UINT64_MAX);
	out = print_str(rows, n, &lo);
	assert_has(out, "from as many source IPs as needed, both ends on this host");
	free(out);
}

static void test_ranking(void **state)
{
	(void)state;
	struct klimits l;
	base(&l);
	set1(&l, KL_NF_CONNTRACK_MAX, 1000);
	set1(&l, KL_NF_CONNTRACK_COUNT, 5);
	set1(&l, KL_SOMAXCONN, 128);
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(100000, 1);
	size_t n = eval(&l, &host16, &p, rows);
	/* conntrack is ~100x over, the ports ~3.5x: conntrack first */
	assert_string_equal(rows[0].limit, "nf_conntrack_max");
	assert_string_equal(rows[1].limit, "ip_local_port_range");
	assert_int_equal(rows[0].v, PROBE_BINDS);
	assert_int_equal(rows[1].v, PROBE_BINDS);
	/* binding rows first, then warn/ok by ratio, info, n/a last */
	int seen_other = 0;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].v != PROBE_BINDS)
			seen_other = 1;
		else
			assert_false(seen_other);
		if (i && (rows[i].v == PROBE_OK || rows[i].v == PROBE_WARN) &&
		    (rows[i - 1].v == PROBE_OK || rows[i - 1].v == PROBE_WARN))
			assert_true(rows[i - 1].ratio >= rows[i].ratio);
		if (i && rows[i - 1].v == PROBE_INFO)
			assert_true(rows[i].v == PROBE_INFO || rows[i].v == PROBE_NA);
	}
	char *out = print_str(rows, n, &p);
	assert_has(out, "binds first: nf_conntrack_max (fix: sysctl -w net.netfilter.nf_conntrack_max=");
	assert_has(out, "also binds: ip_local_port_range (fix: --source 127.0.0.2-127.0.0.5");
	assert_true(strstr(out, "LIMIT") < strstr(out, "binds first:"));
	free(out);

	/* a short rows[] gets the top rows */
	struct probe_row few[2];
	assert_int_equal(probe_evaluate(&l, &host16, &p, few, 2), 2);
	assert_string_equal(few[0].limit, "nf_conntrack_max");
}

static void test_nothing_known(void **state)
{
	(void)state;
	struct klimits l;
	memset(&l, 0, sizeof(l));
	struct probe_row rows[PROBE_MAX_ROWS];
	struct probe_plan p = loop_plan(1000, 0);
	size_t n = eval(&l, NULL, &p, rows);
	for (size_t i = 0; i < n; i++)
		assert_true(rows[i].v == PROBE_NA || rows[i].v == PROBE_INFO);
	assert_null(probe_first_cap(rows, n));
	assert_int_equal(probe_status(rows, n), 0);
	char *out = print_str(rows, n, NULL);
	assert_has(out, "no limit read here caps");
	free(out);
	assert_string_equal(probe_verdict_name(PROBE_BINDS), "BINDS");
	assert_string_equal(probe_verdict_name(PROBE_NA), "n/a");
	assert_string_equal(probe_role_name(PROBE_ROLE_BOTH), "both");
}

/* ---- probe_main: usage errors and help only (the rest reads /proc) ---------- */

struct captured {
	int rc;
	char out[8192];
	char err[2048];
};

static void slurp(FILE *f, char *buf, size_t cap)
{
	rewind(f);
	size_t got = fread(buf, 1, cap - 1, f);
	buf[got] = 0;
	fclose(f);
}

static void run_main(struct captured *c, int argc, char **argv)
{
	fflush(stdout);
	fflush(stderr);
	FILE *o = tmpfile(), *e = tmpfile();
	assert_non_null(o);
	assert_non_null(e);
	int so = dup(1), se = dup(2);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	c->rc = probe_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(o, c->out, sizeof(c->out));
	slurp(e, c->err, sizeof(c->err));
}

#define RUN(c, ...)                                                                                     \
	do {                                                                                            \
		char *argv_[] = { "probe", __VA_ARGS__, NULL };                                         \
		run_main((c), (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_);                     \
	} while (0)

static void expect_usage(struct captured *c, const char *want)
{
	assert_int_equal(c->rc, 2);
	assert_has(c->err, "tcpswarm probe: ");
	assert_has(c->err, want);
	assert_string_equal(c->out, "");
}

static void test_main_usage_errors(void **state)
{
	(void)state;
	struct captured c;
	RUN(&c, "-c", "10x", "127.0.0.1:7000");
	expect_usage(&c, "option -c: ");
	RUN(&c, "--connections=10x");
	expect_usage(&c, "option --connections: ");
	RUN(&c, "-c10x");
	expect_usage(&c, "option -c: ");
	RUN(&c, "-c", "0");
	expect_usage(&c, "expected 1 to 100m connections");
	RUN(&c, "-c", "200m");
	expect_usage(&c, "expected 1 to 100m connections");
	RUN(&c, "127.0.0.1:7000", "-c");
	expect_usage(&c, "option -c needs a value");
	RUN(&c, "--nope");
	expect_usage(&c, "unknown option '--nope'");
	RUN(&c, "-x");
	expect_usage(&c, "unknown option '-x'");
	RUN(&c, "--role", "teapot");
	expect_usage(&c, "option --role: 'teapot': expected one of client, server, both");
	RUN(&c, "--role");
	expect_usage(&c, "option --role needs a value (client, server or both)");
	RUN(&c, "127.0.0.1");
	expect_usage(&c, "target ");
	RUN(&c, "-c", "1k", "300.1.2.3:80");
	expect_usage(&c, "target ");
	RUN(&c, "--source", "10.0.0.9-10.0.0.1", "10.0.0.1:53");
	expect_usage(&c, "option --source: ");
	RUN(&c, "--source=");
	expect_usage(&c, "option --source: empty value");
	RUN(&c, "--source", "::2", "127.0.0.1:7000");
	expect_usage(&c, "addresses are IPv6 but the targets are IPv4");
	RUN(&c, "--source", "127.0.0.2", "127.0.0.1:7000", "[::1]:7000");
	expect_usage(&c, "one address family");

	/* 65 targets */
	char *argv[67];
	char bufs[65][24];
	argv[0] = "probe";
	for (int i = 0; i < 65; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "127.0.0.1:%d", 1000 + i);
		argv[i + 1] = bufs[i];
	}
	argv[66] = NULL;
	run_main(&c, 66, argv);
	expect_usage(&c, "at most 64 targets");
}

static void test_main_help(void **state)
{
	(void)state;
	struct captured c;
	RUN(&c, "--help");
	assert_int_equal(c.rc, 0);
	assert_string_equal(c.err, "");
	assert_has(c.out, "usage: tcpswarm probe");
	assert_has(c.out, "-c, --connections N");
	assert_has(c.out, "--source RANGE");
	assert_has(c.out, "--role ROLE");
	assert_has(c.out, "default: both when every");
	assert_has(c.out, "-h, --help");
	assert_has(c.out, "HOST:PORT");
	assert_has(c.out, "exit status");
	/* -h wins over what follows, as in the other subcommands */
	RUN(&c, "-c", "1k", "-h", "--nope");
	assert_int_equal(c.rc, 0);
	assert_has(c.out, "usage: tcpswarm probe");
	/* after --, -h is a (bad) target */
	RUN(&c, "--", "-h");
	expect_usage(&c, "target ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_bind_without_source),
		cmocka_unit_test(test_ports_fit_with_sources),
		cmocka_unit_test(test_ports_tw_reuse_note),
		cmocka_unit_test(test_ports_na_for_server),
		cmocka_unit_test(test_tcp_mem_small_warns_memory_binds),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_nofile_processes),
		cmocka_unit_test(test_file_max),
		cmocka_unit_test(test_listener_warnings),
		cmocka_unit_test(test_orphans_tw_notes),
		cmocka_unit_test(test_no_plan_capacity),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_nothing_known),
		cmocka_unit_test(test_main_usage_errors),
		cmocka_unit_test(test_main_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
