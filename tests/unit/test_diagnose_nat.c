/* The diagnosis rules of diagnose_nat.c: behind_one_address (server) and
 * conntrack on the path (client), each fired by its evidence and not by a
 * near miss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

static void set_lim(struct fx *f, enum kl l, int n, int64_t a, int64_t b)
{
	f->kl.n[l] = (uint8_t)n;
	f->kl.v[l][0] = a;
	f->kl.v[l][1] = b;
}

/* A quiet run: every counter present and zero, a 40-port range. */
static void fx_init(struct fx *f, bool client)
{
	memset(f, 0, sizeof(*f));
	for (int c = 0; c < KC__COUNT; c++)
		f->kc.present[c] = 1;
	set_lim(f, KL_IP_LOCAL_PORT_RANGE, 2, 40000, 40039);
	set_lim(f, KL_NF_CONNTRACK_COUNT, 1, 3, 0);
	set_lim(f, KL_NF_CONNTRACK_MAX, 1, 262144, 0);
	f->in.is_client = client;
	f->in.tot = &f->tot;
	f->in.kdelta = &f->kc;
	f->in.limits = &f->kl;
	f->in.sock = &f->ss;
	f->in.backlog_effective = client ? -1 : 4096;
	f->in.server_ports = 1;
	f->tot.conn_attempts = f->tot.conn_established = 80;
	f->in.target_conns = client ? 80 : 0;
	f->in.peak_open = 80;
}

static const struct finding *find(struct fx *f, const char *key)
{
	memset(&f->d, 0xa5, sizeof(f->d));
	diagnose(&f->in, &f->d);
	for (size_t i = 0; i < f->d.n; i++)
		if (!strcmp(f->d.f[i].limit, key))
			return &f->d.f[i];
	return NULL;
}

static void has_text(const char *s, const char *want)
{
	if (!strstr(s, want)) {
		print_error("'%s' lacks '%s'\n", s, want);
		fail();
	}
}

static void test_behind_one_address(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f, false);
	f.in.peer_top_addr = "10.201.0.254";
	f.in.peer_top_port = 7000;
	f.in.peer_top_peak = 40;
	const struct finding *x = find(&f, "behind_one_address");
	assert_non_null(x);
	assert_int_equal(x->score, 40);
	has_text(x->evidence, "10.201.0.254 held 40 connections at once to port 7000");
	has_text(x->evidence, "40 ports, this host's ip_local_port_range 40000-40039");
	has_text(x->evidence, "behind one address (NAT, load balancer, proxy)");
	has_text(x->evidence, "at most one range of connections fits per (that address, server address, port)");
	has_text(x->fix, "-p 7000-7003");
	has_text(x->fix, "more addresses");
	has_text(x->fix, "without NAT");
	/* half a range exactly is not past half */
	f.in.peer_top_peak = 20;
	assert_null(find(&f, "behind_one_address"));
	f.in.peer_top_peak = 21;
	assert_non_null(find(&f, "behind_one_address"));
	/* the default range: 40 connections from one address are nothing */
	set_lim(&f, KL_IP_LOCAL_PORT_RANGE, 2, 32768, 60999);
	f.in.peer_top_peak = 40;
	assert_null(find(&f, "behind_one_address"));
	/* unknown range, no peers, or a client: no finding */
	set_lim(&f, KL_IP_LOCAL_PORT_RANGE, 0, 0, 0);
	f.in.peer_top_peak = 100000;
	assert_null(find(&f, "behind_one_address"));
	fx_init(&f, false);
	assert_null(find(&f, "behind_one_address"));
	fx_init(&f, true);
	f.in.peer_top_addr = "10.201.0.254";
	f.in.peer_top_peak = 40;
	assert_null(find(&f, "behind_one_address"));
}

/* A client behind a router whose table filled at 30: 30 held and answered
 * for the last 2 of 3 seconds, 50 connects timed out. */
static void fx_conntrack(struct fx *f)
{
	fx_init(f, true);
	f->in.target_conns = 80;
	f->in.peak_open = 30;
	f->tot.conn_established = 30;
	f->tot.close[CR_CONNECT_TIMEOUT] = 50;
	f->kc.v[KC_TCP_SYN_RETRANS] = 150;
	f->in.run_ns = 3000000000u;
	f->in.flat_ns = 2000000000u;
	f->in.sent = f->tot.req_sent = 100;
	f->in.answered = f->tot.req_answered = 100;
}

static int count_of(const struct fx *f, const char *key)
{
	int n = 0;
	for (size_t i = 0; i < f->d.n; i++)
		n += !strcmp(f->d.f[i].limit, key);
	return n;
}

static void test_conntrack_on_the_path(void **st)
{
	(void)st;
	struct fx f;
	fx_conntrack(&f);
	const struct finding *x = find(&f, "conntrack");
	assert_non_null(x);
	assert_int_equal(x->score, 50);
	has_text(x->evidence, "new connections stopped being answered at 30 open (of 80), flat 2.0 of 3.0 s");
	has_text(x->evidence, "50 connects timed out, no RST, SYNs unanswered (retransmits +150)");
	has_text(x->evidence, "stateful middlebox: NAT/firewall conntrack table full");
	has_text(x->evidence, "nf_conntrack_count 3 of nf_conntrack_max 262144 here");
	has_text(x->fix, "nf_conntrack_max");
	has_text(x->fix, "hashsize");
	has_text(x->fix, "NOTRACK");
	has_text(x->fix, "avoid NAT");
	/* the plain connect_timeout finding stays beside it */
	assert_int_equal(count_of(&f, "conntrack"), 1);
	assert_int_equal(count_of(&f, "connect_timeout"), 1);
	/* the local table near full is the other conntrack rule, not two findings */
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 262000, 0);
	x = find(&f, "conntrack");
	assert_non_null(x);
	has_text(x->evidence, "nf_conntrack_count 262000 of nf_conntrack_max 262144: new connections are dropped");
	assert_int_equal(count_of(&f, "conntrack"), 1);
	/* a netns that tracks nothing: the table is elsewhere */
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 1, 0, 0);
	set_lim(&f, KL_NF_CONNTRACK_MAX, 1, 64, 0);
	x = find(&f, "conntrack");
	assert_non_null(x);
	has_text(x->evidence, "this netns tracks none (nf_conntrack_count 0 of max 64)");
	/* unreadable counts: the path evidence alone */
	set_lim(&f, KL_NF_CONNTRACK_COUNT, 0, 0, 0);
	x = find(&f, "conntrack");
	assert_non_null(x);
	has_text(x->evidence, "conntrack not readable here");
	/* near misses: -c held at once, a loopback target, refusals, nothing established */
	fx_conntrack(&f);
	f.in.peak_open = 80;
	assert_null(find(&f, "conntrack"));
	f.in.peak_open = 30;
	f.in.target_loopback = true;
	assert_null(find(&f, "conntrack"));
	f.in.target_loopback = false;
	f.tot.errs[ES_ECONNREFUSED] = 1;
	assert_null(find(&f, "conntrack"));
	f.tot.errs[ES_ECONNREFUSED] = 0;
	f.tot.conn_established = 0;
	assert_null(find(&f, "conntrack"));
	f.tot.conn_established = 30;
	assert_non_null(find(&f, "conntrack"));
	/* the server never names it from this rule */
	f.in.is_client = false;
	assert_null(find(&f, "conntrack"));
}

/* The same timeouts under a ceiling, from a server that is only slow or
 * whose accept queue overflows: not conntrack, still connect_timeout. */
static void test_conntrack_not_a_slow_server(void **st)
{
	(void)st;
	struct fx f;
	/* slow: connections kept opening until 0.5 s before the end */
	fx_conntrack(&f);
	f.in.flat_ns = 500000000u;
	assert_null(find(&f, "conntrack"));
	assert_non_null(find(&f, "connect_timeout"));
	f.in.flat_ns = 1500000000u; /* half the run exactly is a plateau */
	assert_non_null(find(&f, "conntrack"));
	f.in.run_ns = 0; /* unknown: no claim */
	assert_null(find(&f, "conntrack"));
	/* accept queue full: connections it never reads lose their requests */
	fx_conntrack(&f);
	f.tot.req_lost = 5;
	assert_null(find(&f, "conntrack"));
	assert_non_null(find(&f, "connect_timeout"));
	f.tot.req_lost = 0;
	f.in.answered = 89; /* or answers far behind what was sent */
	assert_null(find(&f, "conntrack"));
	f.in.answered = 90;
	assert_non_null(find(&f, "conntrack"));
	/* tcp_abort_on_overflow 1: resets, not silence */
	fx_conntrack(&f);
	f.tot.errs[ES_ECONNRESET] = 3;
	assert_null(find(&f, "conntrack"));
	f.tot.errs[ES_ECONNRESET] = 0;
	f.tot.close[CR_RESET] = 3;
	assert_null(find(&f, "conntrack"));
	/* established ones the server closed: no stable plateau */
	fx_conntrack(&f);
	f.tot.close[CR_PEER_CLOSED] = 2;
	assert_null(find(&f, "conntrack"));
	/* nothing sent: the open ones could be a full accept queue's */
	fx_conntrack(&f);
	f.in.sent = f.in.answered = 0;
	assert_null(find(&f, "conntrack"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_behind_one_address),
		cmocka_unit_test(test_conntrack_on_the_path),
		cmocka_unit_test(test_conntrack_not_a_slow_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
