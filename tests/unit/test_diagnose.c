/* Unit tests for diagnose.c: each rule fires on its own evidence and on
 * nothing else, with the numbers the user needs in its text; a clean run has
 * no findings; absent kernel counters never count; findings are ranked by
 * score and capped at DIAG_MAX. Inputs are filled by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpswarm/diagnose.h"

struct fx {
	struct totals tot;
	struct kcounters kc;
	struct klimits kl;
	struct sockstat ss;
	struct diag_input in;
	struct diagnosis d;
};

static void set_lim(struct fx *f, enum kl l, int n, int64_t a, int64_t b, int64_t c)
{
	f->kl.n[l] = (uint8_t)n;
	f->kl.v[l][0] = a;
	f->kl.v[l][1] = b;
	f->kl.v[l][2] = c;
}

static void set_kc(struct fx *f, enum kc c, uint64_t v)
{
	f->kc.v[c] = v;
	f->kc.present[c] = 1;
}

/* A healthy run on a modern kernel: every counter present and zero, usual
 * limits, conntrack loaded at half its size, the queue well below backlog. */
static void fx_init(struct fx *f, bool client)
{
	memset(f, 0, sizeof(*f));
	for (int c = 0; c < KC__COUNT; c++)
		f->kc.present[c] = 1;
	for (int s = 0; s < SS__COUNT; s++)
		f->ss.present[s] = 1;
	f->ss.v[SS_TCP_TW] = 12;
	f->ss.v[SS_TCP_MEM_PAGES] = 300;
	set_lim(f, KL_NOFILE_SOFT, 1, 1024, 0, 0);
	set_lim(f, KL_NOFILE_HARD, 1, 524288, 0, 0);
	set_lim(f, KL_FILE_MAX, 1, 9223372036854775807LL, 0, 0);
	set_lim(f, KL_FILE_NR, 1, 4000, 0, 0);
	set_lim(f, KL_NR_OPEN, 1, 1048576, 0, 0);
	set_lim(f, KL_SOMAXCONN, 1, 4096, 0, 0);
	set_lim(f, KL_TCP_MAX_SYN_BACKLOG, 1, 2048, 0, 0);
	set_lim(f, KL_TCP_SYNCOOKIES, 1, 1, 0, 0);
	set_lim(f, KL_TCP_ABORT_ON_OVERFLOW, 1, 0, 0, 0);
	set_lim(f, KL_IP_LOCAL_PORT_RANGE, 2, 32768, 60999, 0);
	set_lim(f, KL_TCP_MAX_TW_BUCKETS, 1, 262144, 0, 0);
	set_lim(f, KL_TCP_MEM, 3, 94000, 125000, 188000);
	set_lim(f, KL_NF_CONNTRACK_COUNT, 1, 500, 0, 0);
	set_lim(f, KL_NF_CONNTRACK_MAX, 1, 1000, 0, 0);
	f->in.is_client = client;
	f->in.tot = &f->tot;
	f->in.kdelta = &f->kc;
	f->in.limits = &f->kl;
	f->in.sock = &f->ss;
	f->in.target_conns = client ? 1000 : 0;
	f->in.peak_open = 1000;
	f->in.targets = client ? 1 : 0;
	f->in.backlog_effective = client ? -1 : 4096;
	f->in.listen_queue_peak = client ? 0 : 17;
	f->in.sent = f->in.answered = 50000;
	f->tot.conn_attempts = f->tot.conn_established = 1000;
	f->tot.req_sent = f->tot.req_answered = 50000;
	f->tot.close[CR_RUN_END] = 1000;
	f->tot.close[CR_PEER_CLOSED] = 3;
}

static void run(struct fx *f)
{
	memset(&f->d, 0xa5, sizeof(f->d)); /* diagnose must not rely on a cleared d */
	diagnose(&f->in, &f->d);
	assert_true(f->d.n <= DIAG_MAX);
	for (size_t i = 0; i < f->d.n; i++) {
		assert_non_null(f->d.f[i].limit);
		assert_true(f->d.f[i].score > 0);
		assert_non_null(memchr(f->d.f[i].evidence, 0, sizeof(f->d.f[i].evidence)));
		assert_non_null(memchr(f->d.f[i].fix, 0, sizeof(f->d.f[i].fix)));
		assert_true(f->d.f[i].evidence[0] != 0);
		assert_true(f->d.f[i].fix[0] != 0);
	}
}

static const struct finding *find(const struct diagnosis *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].limit, key))
			return &d->f[i];
	return NULL;
}

static void dump(const struct diagnosis *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_error("  [%zu] %s (%d): %s | %s\n", i, d->f[i].limit, d->f[i].score, d->f[i].evidence, d->f[i].fix);
}

/* Exactly one finding, key; returns it. */
static const struct finding *only(struct fx *f, const char *key)
{
	run(f);
	if (f->d.n != 1 || strcmp(f->d.f[0].limit, key) != 0) {
		print_error("want only '%s', got %zu finding(s):\n", key, f->d.n);
		dump(&f->d);
		fail();
	}
	return &f->d.f[0];
}

static void none(struct fx *f)
{
	run(f);
	if (f->d.n != 0) {
		print_error("want no finding, got %zu:\n", f->d.n);
		dump(&f->d);
		fail();
	}
}

static void has_text(const char *s, const char *want)
{
	if (!strstr(s, want)) {
		print_error("'%s' lacks '%s'\n", s, want);
		fail();
	}
}

/* ---- tests ------------------------------------------------------------------- */

static void test_clean_run(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	none(&f);
	fx_init(&f, false);
	none(&f);
	/* nothing known at all: still nothing */
	fx_init(&f, true);
	f.in.kdelta = NULL;
	f.in.limits = NULL;
	f.in.sock = NULL;
	none(&f);
}

static void test_absent_counters_never_fire(void **state)
{
	(void)state;
	for (int client = 0; client < 2; client++) {
		struct fx f;
		fx_init(&f, client);
		for (int c = 0; c < KC__COUNT; c++) {
			f.kc.v[c] = 1000000; /* a value without the present flag is stale */
			f.kc.present[c] = 0;
		}
		none(&f);
		/* each counter alone, present = 0 */
		for (int c = 0; c < KC__COUNT; c++) {
			fx_init(&f, client);
			f.kc.v[c] = 777;
			f.kc.present[c] = 0;
			none(&f);
		}
		/* absent limits: no conntrack finding even with a "full" table */
		fx_init(&f, client);
		f.kl.v[KL_NF_CONNTRACK_COUNT][0] = 1000;
		f.kl.n[KL_NF_CONNTRACK_COUNT] = 0;
		none(&f);
		fx_init(&f, client);
		f.kl.v[KL_NF_CONNTRACK_COUNT][0] = 1000;
		f.kl.n[KL_NF_CONNTRACK_MAX] = 0;
		none(&f);
	}
}

static void test_accept_queue_from_overflows(void **state)
{
	(void)state;
	struct fx f;
	/* the server's own listener at its backlog: its own evidence */
	fx_init(&f, false);
	f.in.listen_queue_peak = 4096;
	set_kc(&f, KC_LISTEN_OVERFLOWS, 120);
	set_kc(&f, KC_LISTEN_DROPS, 125);
	const struct finding *x = only(&f, "accept_queue");
	assert_int_equal(x->score, 120);
	has_text(x->evidence, "ListenOverflows +120");
	has_text(x->evidence, "ListenDrops +125");
	has_text(x->evidence, "somaxconn = 4096");
	has_text(x->evidence, "peaked at 4096 of 4096");
	has_text(x->fix, "net.core.somaxconn (now 4096)");
	has_text(x->fix, "backlog");
	/* host counters alone (this server's queue peaked at 17 of 4096): a
	 * host-wide note, ranked last, never this server's accept queue */
	fx_init(&f, false);
	set_kc(&f, KC_LISTEN_OVERFLOWS, 120);
	set_kc(&f, KC_LISTEN_DROPS, 125);
	x = only(&f, "host_listen_overflow");
	assert_int_equal(x->score, 1);
	has_text(x->evidence, "host counter moved; other processes may have moved it");
	has_text(x->evidence, "peaked at 17 of 4096");
	f.tot.errs[ES_ECONNREFUSED] = 1; /* any finding of its own ranks above the note */
	run(&f);
	assert_string_equal(f.d.f[0].limit, "refused");
	assert_string_equal(f.d.f[1].limit, "host_listen_overflow");
	/* ListenDrops alone is not an accept-queue overflow */
	fx_init(&f, false);
	set_kc(&f, KC_LISTEN_DROPS, 125);
	none(&f);
	/* the client sees the same counter when server and client share a host:
	 * about the target only when it is on this host and connects of this
	 * client failed */
	fx_init(&f, true);
	set_kc(&f, KC_LISTEN_OVERFLOWS, 3);
	x = only(&f, "host_listen_overflow");
	has_text(x->evidence, "target is not on this host");
	f.in.target_loopback = true;
	x = only(&f, "host_listen_overflow");
	has_text(x->evidence, "no connect of this client timed out");
	/* refused connects are not dropped handshakes (a RST from a closed port) */
	f.tot.conn_failed = 4;
	f.tot.errs[ES_ECONNREFUSED] = 4;
	run(&f);
	assert_null(find(&f.d, "accept_queue"));
	assert_non_null(find(&f.d, "host_listen_overflow"));
	f.tot.close[CR_CONNECT_TIMEOUT] = 4;
	run(&f);
	x = find(&f.d, "accept_queue");
	assert_non_null(x);
	has_text(x->evidence, "4 of this client's connects timed out");
	has_text(x->evidence, "host-wide");
	assert_null(find(&f.d, "host_listen_overflow"));
}

static void test_accept_queue_from_peak(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	f.in.backlog_effective = 128;
	f.in.listen_queue_peak = 127;
	none(&f);
	f.in.listen_queue_peak = 128; /* reached the limit */
	const struct finding *x = only(&f, "accept_queue");
	has_text(x->evidence, "peaked at 128 of 128");
	f.in.listen_queue_peak = 129; /* the kernel lets it reach limit + 1 */
	x = only(&f, "accept_queue");
	has_text(x->evidence, "peaked at 129 of 128");
	/* unknown backlog: the peak alone proves nothing */
	f.in.backlog_effective = -1;
	f.in.listen_queue_peak = 100000;
	none(&f);
	f.in.backlog_effective = 0;
	none(&f);
}

static void test_syn_queue(void **state)
{
	(void)state;
	const enum kc each[] = {KC_TCP_REQQ_FULL_DROP, KC_TCP_REQQ_FULL_DO_COOKIES, KC_SYNCOOKIES_SENT};
	const char *names[] = {"TCPReqQFullDrop +5", "TCPReqQFullDoCookies +5", "SyncookiesSent +5"};
	for (size_t i = 0; i < 3; i++) {
		struct fx f;
		fx_init(&f, false);
		set_kc(&f, each[i], 5);
		const struct finding *x = only(&f, "syn_queue");
		assert_int_equal(x->score, 5);
		has_text(x->evidence, names[i]);
		has_text(x->evidence, "tcp_max_syn_backlog = 2048");
		has_text(x->fix, "tcp_max_syn_backlog");
	}
	/* cookies received or failed are not a full queue */
	struct fx f;
	fx_init(&f, false);
	set_kc(&f, KC_SYNCOOKIES_RECV, 50);
	set_kc(&f, KC_SYNCOOKIES_FAILED, 50);
	none(&f);
}

static void test_ephemeral_ports(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.in.target_conns = 100000;
	f.in.targets = 1;
	f.in.source_ips = 0;
	none(&f); /* many connections but no EADDRNOTAVAIL: nothing */
	f.tot.errs[ES_EADDRNOTAVAIL] = 71768;
	const struct finding *x = only(&f, "ephemeral_ports");
	assert_int_equal(x->score, 71768);
	has_text(x->evidence, "71768 connects failed with EADDRNOTAVAIL");
	has_text(x->evidence, "32768-60999");
	has_text(x->evidence, "28232 ports per (source IP, target)");
	has_text(x->evidence, "need 4 source IP(s)"); /* ceil(100000 / 28232) */
	has_text(x->evidence, "the run had 1");
	has_text(x->fix, "--source 127.0.0.2-127.0.0.5"); /* 4 addresses */
	has_text(x->fix, "ip_local_port_range");

	/* two targets halve it; one tuple's worth exactly needs one */
	f.in.targets = 2;
	x = only(&f, "ephemeral_ports");
	has_text(x->evidence, "over 2 target(s) need 2 source IP(s)");
	has_text(x->fix, "127.0.0.2-127.0.0.3");
	f.in.targets = 1;
	f.in.target_conns = 28232;
	x = only(&f, "ephemeral_ports");
	has_text(x->evidence, "need 1 source IP(s)");
	f.in.target_conns = 28233;
	x = only(&f, "ephemeral_ports");
	has_text(x->evidence, "need 2 source IP(s)");
	/* the run's own source IPs are reported */
	f.in.source_ips = 3;
	f.in.target_conns = 1000000;
	x = only(&f, "ephemeral_ports");
	has_text(x->evidence, "need 36 source IP(s), the run had 3");
	/* a wider range */
	set_lim(&f, KL_IP_LOCAL_PORT_RANGE, 2, 1024, 65535, 0);
	f.in.target_conns = 100000;
	x = only(&f, "ephemeral_ports");
	has_text(x->evidence, "64512 ports");
	has_text(x->evidence, "need 2 source IP(s)");
}

static void test_descriptors(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.errs[ES_EMFILE] = 9000;
	f.in.peak_open = 1010;
	const struct finding *x = only(&f, "descriptors");
	assert_int_equal(x->score, 9000);
	has_text(x->evidence, "EMFILE");
	has_text(x->evidence, "soft 1024");
	has_text(x->evidence, "hard 524288");
	has_text(x->evidence, "peaked at 1010");
	has_text(x->fix, "ulimit -n");
	has_text(x->fix, "fs.nr_open = 1048576");
	/* the server: EMFILE on accept is explained here, not as accept_errors */
	fx_init(&f, false);
	f.tot.errs[ES_EMFILE] = 10;
	f.tot.accept_errors = 10;
	only(&f, "descriptors");
}

static void test_file_max(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	set_lim(&f, KL_FILE_MAX, 1, 800000, 0, 0);
	set_lim(&f, KL_FILE_NR, 1, 799990, 0, 0);
	f.tot.errs[ES_ENFILE] = 42;
	const struct finding *x = only(&f, "file_max");
	assert_int_equal(x->score, 42);
	has_text(x->evidence, "ENFILE");
	has_text(x->evidence, "fs.file-max = 800000");
	has_text(x->evidence, "allocated 799990");
	has_text(x->fix, "fs.file-max");
	/* both errors: both findings */
	f.tot.errs[ES_EMFILE] = 1;
	run(&f);
	assert_int_equal(f.d.n, 2);
	assert_non_null(find(&f.d, "file_max"));
	assert_non_null(find(&f.d, "descriptors"));
}

static void test_socket_memory(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		struct fx f;
		fx_init(&f, i % 2);
		switch (i) {
		case 0: set_kc(&f, KC_TCP_ABORT_ON_MEMORY, 8); break;
		case 1: set_kc(&f, KC_TCP_MEMORY_PRESSURES, 8); break;
		case 2: f.tot.errs[ES_ENOBUFS] = 8; break;
		default: f.tot.errs[ES_ENOMEM] = 8; break;
		}
		f.ss.v[SS_TCP_MEM_PAGES] = 190000;
		const struct finding *x = only(&f, "socket_memory");
		assert_int_equal(x->score, 8);
		has_text(x->evidence, "190000 pages");
		has_text(x->evidence, "tcp_mem 94000 125000 188000");
		has_text(x->fix, "net.ipv4.tcp_mem");
	}
	/* the pressure time counter alone is not a pressure event */
	struct fx f;
	fx_init(&f, true);
	set_kc(&f, KC_TCP_MEMORY_PRESSURES_CHRONO, 5000);
	none(&f);
}

static void test_conntrack(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	set_lim(&f, KL_NF_CONNTRACK_MAX, 1, 100000, 0, 0);
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 89999, 0, 0);
	none(&f);
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 90000, 0, 0); /* 90% exactly */
	const struct finding *x = only(&f, "conntrack");
	has_text(x->evidence, "nf_conntrack_count 90000 of nf_conntrack_max 100000");
	has_text(x->fix, "nf_conntrack_max");
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 100000, 0, 0);
	only(&f, "conntrack");
	/* small tables round the right way: 9 of 10 is 90%, 8 of 9 is not */
	set_lim(&f, KL_NF_CONNTRACK_MAX, 1, 10, 0, 0);
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 9, 0, 0);
	only(&f, "conntrack");
	set_lim(&f, KL_NF_CONNTRACK_MAX, 1, 9, 0, 0);
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 8, 0, 0);
	none(&f);
	/* max 0 (bogus) never fires */
	set_lim(&f, KL_NF_CONNTRACK_MAX, 1, 0, 0, 0);
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 0, 0, 0);
	none(&f);
}

static void test_lost_when_interrupted(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.req_lost = 3;
	f.tot.req_sent = 4000;
	f.in.sent = 4000;
	assert_non_null(only(&f, "server_throughput"));
	/* SIGINT skips the drain: what was in flight is not the server's fault */
	f.in.interrupted = true;
	none(&f);
	/* but answers that did not match still are */
	f.tot.req_errors = 2;
	assert_non_null(only(&f, "server_throughput"));
}

static void test_unsent_means_server_did_not_read(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.in.intended = 965372;
	f.in.sent = 956042;
	f.tot.req_sent = 956042;
	f.in.p50_us = 629000;
	const struct finding *x = only(&f, "server_throughput");
	has_text(x->evidence, "9330 of 965372 intended requests were never sent");
	has_text(x->evidence, "629000 us");
	/* 0.5% or less is the tail of the schedule, not a finding */
	fx_init(&f, true);
	f.in.intended = 100000;
	f.in.sent = 99500;
	none(&f);
}

static void test_time_wait(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	set_kc(&f, KC_TCP_TIME_WAIT_OVERFLOW, 30);
	f.ss.v[SS_TCP_TW] = 262144;
	/* the overflow alone is harmless (the kernel skipped TIME-WAIT) */
	none(&f);
	/* with failed connects for want of a port it is evidence */
	f.tot.errs[ES_EADDRNOTAVAIL] = 5;
	bool seen = false;
	struct diagnosis d;
	diagnose(&f.in, &d);
	for (size_t i = 0; i < d.n; i++)
		if (!strcmp(d.f[i].limit, "time_wait")) {
			seen = true;
			assert_int_equal(d.f[i].score, 30);
			has_text(d.f[i].evidence, "TCPTimeWaitOverflow +30");
			has_text(d.f[i].evidence, "TIME-WAIT 262144");
			has_text(d.f[i].evidence, "tcp_max_tw_buckets = 262144");
			has_text(d.f[i].fix, "tcp_tw_reuse");
		}
	assert_true(seen);
	fx_init(&f, true);
	f.tot.errs[ES_EADDRINUSE] = 4;
	const struct finding *x = only(&f, "time_wait");
	has_text(x->evidence, "EADDRINUSE 4");
	/* many sockets in TIME-WAIT alone are normal */
	fx_init(&f, true);
	f.ss.v[SS_TCP_TW] = 200000;
	none(&f);
}

/* Churn: our own closes piling up TIME-WAIT while connects ran out of
 * ports names TIME-WAIT (and the ports finding says why the ports went). */
static void test_time_wait_from_churn(void **state)
{
	(void)state;
	struct fx f;
	struct sockstat start;
	fx_init(&f, true);
	memset(&start, 0, sizeof(start));
	start.present[SS_TCP_TW] = 1;
	start.v[SS_TCP_TW] = 10;
	f.ss.v[SS_TCP_TW] = 28000;
	f.in.sock_start = &start;
	f.in.churn_closes = 27990;
	/* TIME-WAIT grew, but no connect failed: not a finding */
	none(&f);
	f.tot.errs[ES_EADDRNOTAVAIL] = 50;
	run(&f);
	const struct finding *tw = find(&f.d, "time_wait"), *ports = find(&f.d, "ephemeral_ports");
	assert_non_null(tw);
	assert_non_null(ports);
	assert_string_equal(f.d.f[0].limit, "time_wait"); /* churn's TIME-WAIT explains the ports */
	has_text(tw->evidence, "EADDRNOTAVAIL 50");
	has_text(tw->evidence, "churn closed 27990 connections, TIME-WAIT went from 10 to 28000");
	has_text(tw->fix, "--close rst");
	has_text(ports->evidence, "churn closed 27990");
	/* without churn, the same failures are the ports finding only */
	f.in.churn_closes = 0;
	assert_non_null(only(&f, "ephemeral_ports"));
}

/* No connection held for over a second while reconnecting: target_gone,
 * first; not with --reconnect off, not for a second or less, not when
 * nothing was ever established (the run's failure says that). */
static void test_target_gone(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.in.reconnect = true;
	f.in.outage_ns = 2500000000ULL;
	f.in.not_sent_down = 2500;
	f.tot.close[CR_RESET] = 20;
	f.tot.errs[ES_ECONNREFUSED] = 100;
	run(&f);
	assert_string_equal(f.d.f[0].limit, "target_gone");
	has_text(f.d.f[0].evidence, "for 2.5 s");
	has_text(f.d.f[0].evidence, "connects refused 100");
	has_text(f.d.f[0].evidence, "2500 intended requests could not be sent");
	f.in.outage_ns = 1000000000ULL;
	run(&f);
	assert_null(find(&f.d, "target_gone"));
	f.in.outage_ns = 2500000000ULL;
	f.in.reconnect = false;
	run(&f);
	assert_null(find(&f.d, "target_gone"));
	f.in.reconnect = true;
	f.tot.conn_established = 0;
	run(&f);
	assert_null(find(&f.d, "target_gone"));
}

/* Requests not sent while connections were down are not the server's
 * unread send buffers. */
static void test_not_sent_down_is_not_throughput(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.in.intended = 60000;
	f.in.not_sent_down = 10000;
	none(&f);
	f.in.not_sent_down = 0;
	assert_non_null(only(&f, "server_throughput"));
}

static void test_refused(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.errs[ES_ECONNREFUSED] = 1000;
	const struct finding *x = only(&f, "refused");
	assert_int_equal(x->score, 1000);
	has_text(x->evidence, "1000 connects were refused");
	assert_null(strstr(x->evidence, "tcp_abort_on_overflow"));
	has_text(x->fix, "listens");
	set_lim(&f, KL_TCP_ABORT_ON_OVERFLOW, 1, 1, 0, 0);
	x = only(&f, "refused");
	has_text(x->evidence, "tcp_abort_on_overflow=1");
}

static void test_connect_timeout(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.close[CR_CONNECT_TIMEOUT] = 40;
	set_kc(&f, KC_TCP_SYN_RETRANS, 77);
	const struct finding *x = only(&f, "connect_timeout");
	assert_int_equal(x->score, 21); /* n / 2 + 1 */
	has_text(x->evidence, "40 connects got no answer");
	has_text(x->evidence, "SYN retransmits +77");
	has_text(x->fix, "--connect-timeout");
	/* SYN retransmits alone, or ETIMEDOUT counted elsewhere, are not it */
	fx_init(&f, true);
	set_kc(&f, KC_TCP_SYN_RETRANS, 77);
	none(&f);
	fx_init(&f, true);
	f.tot.close[CR_CONNECT_TIMEOUT] = 1;
	x = only(&f, "connect_timeout");
	assert_int_equal(x->score, 1);
}

static void test_resets(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.close[CR_RESET] = 12;
	set_kc(&f, KC_ESTAB_RESETS, 13);
	set_kc(&f, KC_OUT_RSTS, 14);
	const struct finding *x = only(&f, "resets");
	assert_int_equal(x->score, 12);
	has_text(x->evidence, "12 established connections were reset");
	has_text(x->evidence, "EstabResets +13");
	has_text(x->evidence, "OutRsts +14");
	/* kernel reset counters alone are not our connections' resets */
	fx_init(&f, true);
	set_kc(&f, KC_ESTAB_RESETS, 13);
	set_kc(&f, KC_OUT_RSTS, 14);
	none(&f);
	/* other close reasons are not resets */
	fx_init(&f, true);
	f.tot.close[CR_PEER_CLOSED] = 100;
	f.tot.close[CR_IO_ERROR] = 0;
	none(&f);
}

static void test_server_throughput(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.req_lost = 300;
	f.in.sent = 50000;
	const struct finding *x = only(&f, "server_throughput");
	assert_int_equal(x->score, 300);
	has_text(x->evidence, "300 requests got no answer");
	has_text(x->evidence, "of 50000 sent");
	has_text(x->fix, "-r");
	fx_init(&f, true);
	f.tot.req_errors = 4;
	x = only(&f, "server_throughput");
	has_text(x->evidence, "4 answers did not match");
	/* on the server the same totals mean nothing */
	fx_init(&f, false);
	f.tot.req_lost = 300;
	f.tot.req_errors = 4;
	none(&f);
}

static void test_accept_errors_server_only(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, false);
	f.tot.accept_errors = 6;
	const struct finding *x = only(&f, "accept_errors");
	has_text(x->evidence, "6 accept() calls failed");
	fx_init(&f, true);
	f.tot.accept_errors = 6;
	none(&f);
	fx_init(&f, false);
	f.tot.accept_errors = 6;
	f.tot.errs[ES_ENFILE] = 6;
	only(&f, "file_max");
}

static void test_ranking(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, true);
	f.tot.errs[ES_EADDRNOTAVAIL] = 5;     /* ephemeral_ports 5 */
	f.tot.errs[ES_ECONNREFUSED] = 50;     /* refused 50 */
	f.tot.close[CR_RESET] = 500;          /* resets 500 */
	f.tot.close[CR_CONNECT_TIMEOUT] = 2000; /* connect_timeout 1001 */
	set_kc(&f, KC_LISTEN_OVERFLOWS, 7);   /* accept_queue 7 (loopback target, timeouts: own evidence) */
	f.in.target_loopback = true;
	f.tot.req_lost = 90;                  /* server_throughput 90 */
	run(&f);
	const char *want[] = {"connect_timeout", "resets", "server_throughput", "refused", "accept_queue",
			      "ephemeral_ports"};
	assert_int_equal(f.d.n, 6);
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(f.d.f[i].limit, want[i]) != 0) {
			print_error("rank %zu: %s, want %s\n", i, f.d.f[i].limit, want[i]);
			dump(&f.d);
			fail();
		}
	}
	/* a huge count does not wrap the score (2^32 + 5 truncated would be 5,
	 * 3e9 would be negative) */
	const uint64_t huge[] = {(1ULL << 32) + 5, 3000000000ULL, UINT64_MAX};
	for (size_t i = 0; i < 3; i++) {
		set_kc(&f, KC_LISTEN_OVERFLOWS, huge[i]);
		run(&f);
		assert_string_equal(f.d.f[0].limit, "accept_queue");
		assert_true(f.d.f[0].score >= 1000000);
	}
}

static void test_everything_capped(void **state)
{
	(void)state;
	for (int client = 0; client < 2; client++) {
		struct fx f;
		fx_init(&f, client);
		for (int c = 0; c < KC__COUNT; c++)
			set_kc(&f, (enum kc)c, 100 + (uint64_t)c);
		for (int e = 0; e < ES__COUNT; e++)
			f.tot.errs[e] = 200 + (uint64_t)e;
		for (int r = 0; r < CR__COUNT; r++)
			f.tot.close[r] = 300 + (uint64_t)r;
		f.tot.req_lost = f.tot.req_errors = 400;
		f.tot.accept_errors = 10;
		set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 1000, 0, 0);
		f.in.listen_queue_peak = 5000;
		run(&f);
		assert_true(f.d.n <= DIAG_MAX);
		if (client)
			assert_int_equal(f.d.n, DIAG_MAX); /* every client rule fires */
		/* no key twice, ranked */
		for (size_t i = 0; i < f.d.n; i++) {
			for (size_t j = i + 1; j < f.d.n; j++)
				assert_string_not_equal(f.d.f[i].limit, f.d.f[j].limit);
			if (i)
				assert_true(f.d.f[i - 1].score >= f.d.f[i].score);
		}
		assert_int_equal(find(&f.d, "server_throughput") != NULL, client);
	}
}

/* ---- who set the pace ------------------------------------------------------ */

static void test_generator_bound_predicates(void **state)
{
	(void)state;
	assert_false(diag_generator_bound(1000, 1000, 0.5)); /* at the limit: not above it */
	assert_true(diag_generator_bound(1001, 1000, 0.5));
	assert_true(diag_generator_bound(0, 1000, 0.9));      /* workers saturated */
	assert_false(diag_generator_bound(0, 1000, 0.89));
	assert_false(diag_generator_bound(0, 1000, -1));      /* CPU unknown */
	assert_false(diag_generator_bound(5000000, 0, 0.1));  /* no limit given */
	assert_true(diag_shared_host(true, 0.9));
	assert_false(diag_shared_host(true, 0.89));
	assert_false(diag_shared_host(false, 1.0));           /* a remote target has its own CPUs */
	assert_false(diag_shared_host(true, -1));
}

/* A client run on a saturated loopback host whose schedule also slipped,
 * with unsent requests that would otherwise blame the server. */
static void fx_saturated(struct fx *f)
{
	fx_init(f, true);
	f->in.target_loopback = true;
	f->in.intended = 48000000;
	f->in.sent = f->tot.req_sent = 40000000;
	f->in.p50_us = 150000;
	f->in.lag_p99_us = 180000;
	f->in.max_send_lag_us = 1000;
	f->in.worker_busy = 0.62;
	f->in.host_share = 0.55;
	f->in.host_busy = 0.99;
	f->in.workers = 2;
	f->in.host_cpus = 2;
	f->tot.req_lost = 3000000000ULL; /* a score past the cap of count-weighted findings */
}

static void test_generator(void **state)
{
	(void)state;
	struct fx f;
	fx_saturated(&f);
	f.in.host_busy = 0.5; /* not the machine */
	const struct finding *x = only(&f, "generator");
	has_text(x->evidence, "send lag p99 180000 us of requests free to leave (--max-send-lag 1000 us)");
	has_text(x->evidence, "client workers 62% busy (2)");
	has_text(x->evidence, "host 50% busy (2 CPUs)");
	has_text(x->evidence, "turns ran late"); /* workers had CPU left */
	has_text(x->fix, "the client set the pace");
	/* saturated workers, lag within the limit: still the generator */
	fx_saturated(&f);
	f.in.host_busy = 0.5;
	f.in.lag_p99_us = 200;
	f.in.worker_busy = 0.97;
	x = only(&f, "generator");
	assert_null(strstr(x->evidence, "turns ran late"));
	/* the same unsent requests with a client that kept its schedule: the server */
	fx_saturated(&f);
	f.in.host_busy = 0.5;
	f.in.lag_p99_us = 200;
	only(&f, "server_throughput");
	/* a server finding is never cut when the lag limit is off and CPU unknown */
	f.in.max_send_lag_us = 0;
	f.in.lag_p99_us = 999999;
	f.in.worker_busy = -1;
	only(&f, "server_throughput");
	/* the client was late, but the server held requests back far longer: the
	 * server's finding stands, first, and the generator's is worded so */
	fx_saturated(&f);
	f.in.host_busy = 0.5;
	f.in.lag_p99_us = 3000;
	f.in.all_lag_p99_us = 2200000;
	run(&f);
	assert_int_equal(f.d.n, 2);
	assert_string_equal(f.d.f[0].limit, "server_throughput");
	assert_string_equal(f.d.f[1].limit, "generator");
	has_text(f.d.f[1].evidence, "requests the server held back (full buffers or window) left 2200000 us late");
	has_text(f.d.f[1].evidence, "the server bound the run");
	f.in.all_lag_p99_us = 3000 * 2 + 1000; /* at the bound: the client's lateness explains it */
	only(&f, "generator");
	/* a run that sent no request (connecting flat out) has no schedule to keep */
	fx_init(&f, true);
	f.in.sent = 0;
	f.in.worker_busy = 1;
	f.in.lag_p99_us = 0;
	f.in.max_send_lag_us = 1000;
	none(&f);
	/* the server role has no generator */
	fx_init(&f, false);
	f.in.lag_p99_us = 180000;
	f.in.max_send_lag_us = 1000;
	f.in.worker_busy = 1;
	none(&f);
}

static void test_shared_host(void **state)
{
	(void)state;
	struct fx f;
	fx_saturated(&f);
	run(&f);
	assert_int_equal(f.d.n, 2);
	assert_string_equal(f.d.f[0].limit, "shared_host"); /* the machine first */
	assert_string_equal(f.d.f[1].limit, "generator");
	assert_null(find(&f.d, "server_throughput"));
	has_text(f.d.f[0].evidence, "its 2 CPUs were 99% busy");
	has_text(f.d.f[0].evidence, "took 55% of the machine (2 workers, each 62% busy)");
	has_text(f.d.f[0].evidence, "everything else 44%");
	/* the machine saturated, the client on schedule: the machine still ranks
	 * above the server's finding, which now may fire */
	fx_saturated(&f);
	f.in.lag_p99_us = 300;
	run(&f);
	assert_int_equal(f.d.n, 2);
	assert_string_equal(f.d.f[0].limit, "shared_host");
	assert_string_equal(f.d.f[1].limit, "server_throughput");
	/* the machine saturated while the server held requests back: below the server */
	fx_saturated(&f);
	f.in.all_lag_p99_us = 2000000;
	run(&f);
	assert_string_equal(f.d.f[0].limit, "server_throughput");
	assert_non_null(find(&f.d, "shared_host"));
	/* a remote target: its CPUs are its own */
	fx_saturated(&f);
	f.in.target_loopback = false;
	f.in.lag_p99_us = 300;
	only(&f, "server_throughput");
	/* a saturated host that still served the run in full limited nothing */
	fx_init(&f, true);
	f.in.target_loopback = true;
	f.in.host_busy = 1.0;
	f.in.worker_busy = 0.2;
	f.in.lag_p99_us = 300;
	f.in.max_send_lag_us = 1000;
	none(&f);
	f.tot.req_lost = 5; /* unanswered requests: now it did */
	run(&f);
	assert_string_equal(f.d.f[0].limit, "shared_host");
	/* an idle host: nothing */
	fx_init(&f, true);
	f.in.target_loopback = true;
	f.in.host_busy = 0.3;
	f.in.worker_busy = 0.1;
	f.in.lag_p99_us = 80;
	f.in.max_send_lag_us = 1000;
	none(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generator_bound_predicates),
		cmocka_unit_test(test_generator),
		cmocka_unit_test(test_shared_host),
		cmocka_unit_test(test_clean_run),
		cmocka_unit_test(test_absent_counters_never_fire),
		cmocka_unit_test(test_accept_queue_from_overflows),
		cmocka_unit_test(test_accept_queue_from_peak),
		cmocka_unit_test(test_syn_queue),
		cmocka_unit_test(test_ephemeral_ports),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_file_max),
		cmocka_unit_test(test_socket_memory),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_time_wait_from_churn),
		cmocka_unit_test(test_target_gone),
		cmocka_unit_test(test_not_sent_down_is_not_throughput),
		cmocka_unit_test(test_lost_when_interrupted),
		cmocka_unit_test(test_unsent_means_server_did_not_read),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_resets),
		cmocka_unit_test(test_server_throughput),
		cmocka_unit_test(test_accept_errors_server_only),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_everything_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
