/* synq_parse_dump on constructed sock_diag replies, synq_ceiling against
 * the figures measured on 6.18 (tests/integration/syn_queue_netns.sh), and
 * the diagnosis rules that use them (syn_queue, abort_on_overflow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "tcpswarm/diagnose.h"
#include "tcpswarm/synq.h"

struct buf {
	unsigned char b[4096] __attribute__((aligned(8)));
	size_t len;
};

static void put_sock(struct buf *B, uint8_t state, uint16_t sport)
{
	struct nlmsghdr h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg)), .nlmsg_type = SOCK_DIAG_BY_FAMILY};
	struct inet_diag_msg m;
	memset(&m, 0, sizeof(m));
	m.idiag_family = 2;
	m.idiag_state = state;
	unsigned char be[2] = {(unsigned char)(sport >> 8), (unsigned char)sport};
	memcpy(&m.id.idiag_sport, be, 2);
	memcpy(B->b + B->len, &h, sizeof(h));
	memcpy(B->b + B->len + NLMSG_HDRLEN, &m, sizeof(m));
	B->len += NLMSG_ALIGN(h.nlmsg_len);
}

static void put_type(struct buf *B, uint16_t type)
{
	struct nlmsghdr h = {.nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = type};
	memset(B->b + B->len, 0, NLMSG_ALIGN(h.nlmsg_len));
	memcpy(B->b + B->len, &h, sizeof(h));
	B->len += NLMSG_ALIGN(h.nlmsg_len);
}

static void test_parse_counts_our_port_in_syn_recv(void **state)
{
	(void)state;
	struct buf B = {.len = 0};
	put_sock(&B, 3, 7000);  /* TCP_SYN_RECV */
	put_sock(&B, 12, 7000); /* TCP_NEW_SYN_RECV */
	put_sock(&B, 3, 7001);  /* another port */
	put_sock(&B, 1, 7000);  /* established */
	put_sock(&B, 3, 0x581b); /* 7000 byte-swapped: must not match */
	uint64_t n = 0;
	assert_int_equal(synq_parse_dump(B.b, B.len, 7000, &n), 1);
	assert_int_equal(n, 2);
	put_type(&B, NLMSG_DONE);
	n = 0;
	assert_int_equal(synq_parse_dump(B.b, B.len, 7000, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(synq_parse_dump(B.b, 0, 7000, &n), 1); /* nothing yet */
	assert_int_equal(n, 0);
}

static void test_parse_rejects_errors_and_truncation(void **state)
{
	(void)state;
	struct buf B = {.len = 0};
	put_type(&B, NLMSG_ERROR);
	uint64_t n = 0;
	assert_int_equal(synq_parse_dump(B.b, B.len, 7000, &n), -1);
	B.len = 0;
	put_sock(&B, 3, 7000);
	for (size_t cut = 1; cut < B.len; cut++) { /* every truncation is refused, never over-read */
		n = 0;
		assert_int_equal(synq_parse_dump(B.b, cut, 7000, &n), -1);
		assert_int_equal(n, 0);
	}
	/* a header claiming less than a diag message */
	B.len = 0;
	put_type(&B, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(synq_parse_dump(B.b, B.len, 7000, &n), -1);
	/* a length shorter than the header itself */
	struct nlmsghdr h = {.nlmsg_len = 4, .nlmsg_type = SOCK_DIAG_BY_FAMILY};
	memcpy(B.b, &h, sizeof(h));
	assert_int_equal(synq_parse_dump(B.b, sizeof(h), 7000, &n), -1);
}

/* the triples measured in tests/integration/syn_queue_netns.sh on 6.18 */
static void test_ceiling_measured(void **state)
{
	(void)state;
	assert_int_equal(synq_ceiling(64, 4096, 4096, 0), 65);
	assert_int_equal(synq_ceiling(4096, 100, 4096, 0), 101);
	assert_int_equal(synq_ceiling(1024, 4096, 128, 0), 97);
	assert_int_equal(synq_ceiling(1024, 4096, 128, 1), 1025); /* cookies: the 3/4 rule is off */
	assert_int_equal(synq_ceiling(64, 4096, 4096, 2), 0);
	assert_int_equal(synq_ceiling(-1, 4096, 4096, 0), -1);
}

struct fx {
	struct diag_input in;
	struct totals tot;
	struct kcounters kc;
	struct klimits lim;
	struct diagnosis d;
};

static void fx_server(struct fx *f, int64_t cookies, int64_t abort)
{
	memset(f, 0, sizeof(*f));
	for (int c = 0; c < KC__COUNT; c++)
		f->kc.present[c] = 1;
	const struct { enum kl l; int64_t v; } L[] = {
		{KL_SOMAXCONN, 4096}, {KL_TCP_MAX_SYN_BACKLOG, 4096}, {KL_TCP_SYNCOOKIES, cookies},
		{KL_TCP_ABORT_ON_OVERFLOW, abort}};
	for (size_t i = 0; i < sizeof(L) / sizeof(L[0]); i++) {
		f->lim.n[L[i].l] = 1;
		f->lim.v[L[i].l][0] = L[i].v;
	}
	f->in.tot = &f->tot;
	f->in.kdelta = &f->kc;
	f->in.limits = &f->lim;
	f->in.backlog_effective = 64;
}

static const struct finding *find(struct fx *f, const char *limit)
{
	diagnose(&f->in, &f->d);
	for (size_t i = 0; i < f->d.n; i++)
		if (!strcmp(f->d.f[i].limit, limit))
			return &f->d.f[i];
	return NULL;
}

static void test_diag_syn_queue_peak_and_cookies(void **state)
{
	(void)state;
	struct fx f;
	fx_server(&f, 0, 0);
	f.in.syn_recv_peak = 64; /* below the ceiling of 65, no counter: nothing */
	assert_null(find(&f, "syn_queue"));
	f.in.syn_recv_peak = 65; /* at the ceiling: named even when only ListenDrops moved */
	f.kc.v[KC_LISTEN_DROPS] = 40;
	const struct finding *x = find(&f, "syn_queue");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "SYN-RECV peaked at 65 of 65"));
	assert_non_null(strstr(x->evidence, "dropped"));
	assert_non_null(strstr(x->fix, "tcp_max_syn_backlog"));
	assert_non_null(strstr(x->fix, "somaxconn"));
	assert_non_null(strstr(x->fix, "backlog"));
	fx_server(&f, 1, 0);
	f.kc.v[KC_TCP_REQQ_FULL_DO_COOKIES] = 200;
	f.kc.v[KC_SYNCOOKIES_SENT] = 200;
	x = find(&f, "syn_queue");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "survive through cookies"));
}

static void test_diag_abort_on_overflow(void **state)
{
	(void)state;
	struct fx f;
	fx_server(&f, 1, 0);
	f.in.listen_queue_peak = 64;
	f.kc.v[KC_LISTEN_OVERFLOWS] = 30;
	assert_null(find(&f, "abort_on_overflow")); /* 0: the accept_queue finding alone */
	assert_non_null(find(&f, "accept_queue"));
	fx_server(&f, 1, 1);
	f.in.listen_queue_peak = 64;
	f.kc.v[KC_LISTEN_OVERFLOWS] = 30;
	const struct finding *x = find(&f, "abort_on_overflow");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "RST"));
	assert_non_null(strstr(x->evidence, "with 0 the final ACK is dropped"));
	/* a client whose connections were reset before any answer */
	fx_server(&f, 1, 0);
	f.in.is_client = true;
	f.in.backlog_effective = -1;
	f.tot.close[CR_RESET] = 12;
	f.tot.errs[ES_ECONNRESET] = 12; /* the same 12 connections, counted twice: not 24 */
	x = find(&f, "abort_on_overflow");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, "12 connections were reset"));
	f.in.answered = 5; /* resets after answers are another story */
	assert_null(find(&f, "abort_on_overflow"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_counts_our_port_in_syn_recv),
		cmocka_unit_test(test_parse_rejects_errors_and_truncation),
		cmocka_unit_test(test_ceiling_measured),
		cmocka_unit_test(test_diag_syn_queue_peak_and_cookies),
		cmocka_unit_test(test_diag_abort_on_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
