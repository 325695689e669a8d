/* Unit tests for kstat: the parsers against real captures and broken text,
 * the live /proc readers, and the accept queue of a loopback listener. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "tcpswarm/kstat.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures"
#endif

/* ---- helpers ----------------------------------------------------------- */

/* Whole fixture file into a malloc'd buffer of exactly its size (no NUL), so
 * ASan flags any read past the end. */
static char *load(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s (set FIXTURE_DIR)", path);
	char tmp[8192];
	size_t n = fread(tmp, 1, sizeof(tmp), f);
	assert_true(feof(f));
	fclose(f);
	char *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	memcpy(buf, tmp, n);
	*len = n;
	return buf;
}

static int parse_fixture(const char *rel, struct kcounters *c)
{
	size_t len;
	char *buf = load(rel, &len);
	int r = kstat_parse_netstat(buf, len, c);
	free(buf);
	return r;
}

static int parse_text(const char *text, struct kcounters *c)
{
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	int r = kstat_parse_netstat(buf, len, c);
	free(buf);
	return r;
}

static int parse_sockstat_fixture(const char *rel, struct sockstat *s)
{
	size_t len;
	char *buf = load(rel, &len);
	int r = kstat_parse_sockstat(buf, len, s);
	free(buf);
	return r;
}

static int parse_sockstat_text(const char *text, struct sockstat *s)
{
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	int r = kstat_parse_sockstat(buf, len, s);
	free(buf);
	return r;
}

static int count_present(const struct kcounters *c)
{
	int n = 0;
	for (int i = 0; i < KC__COUNT; i++)
		n += c->present[i] != 0;
	return n;
}

static void assert_kc(const struct kcounters *c, enum kc id, uint64_t v)
{
	if (!c->present[id])
		fail_msg("%s absent, expected %llu", kc_name(id), (unsigned long long)v);
	assert_int_equal(c->v[id], v);
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < KC__COUNT; i++) {
		assert_non_null(kc_name((enum kc)i));
		assert_non_null(kc_section((enum kc)i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(kc_name((enum kc)i), kc_name((enum kc)j));
	}
	assert_string_equal(kc_name(KC_LISTEN_OVERFLOWS), "ListenOverflows");
	assert_string_equal(kc_section(KC_LISTEN_OVERFLOWS), "TcpExt");
	assert_string_equal(kc_name(KC_CURR_ESTAB), "CurrEstab");
	assert_string_equal(kc_section(KC_CURR_ESTAB), "Tcp");
	assert_null(kc_name(KC__COUNT));
	assert_null(kc_section((enum kc)-1));
	for (int i = 0; i < SS__COUNT; i++)
		assert_non_null(ss_name((enum ss)i));
	assert_null(ss_name(SS__COUNT));
	for (int i = 0; i < KL__COUNT; i++)
		assert_non_null(kl_name((enum kl)i));
	assert_string_equal(kl_name(KL_IP_LOCAL_PORT_RANGE), "ip_local_port_range");
	assert_null(kl_name(KL__COUNT));
}

/* ---- netstat / snmp: real captures ------------------------------------- */

static void test_netstat_linux_6_18(void **state)
{
	(void)state;
	struct kcounters c = {0};
	assert_int_equal(parse_fixture("proc-linux-6.18/netstat", &c), 19);
	assert_int_equal(parse_fixture("proc-linux-6.18/snmp", &c), 8);
	assert_int_equal(count_present(&c), KC__COUNT);

	assert_kc(&c, KC_LISTEN_OVERFLOWS, 0);
	assert_kc(&c, KC_LISTEN_DROPS, 0);
	assert_kc(&c, KC_SYNCOOKIES_FAILED, 255);
	assert_kc(&c, KC_TCP_ABORT_ON_DATA, 16226);
	assert_kc(&c, KC_TCP_ABORT_ON_CLOSE, 7341);
	assert_kc(&c, KC_TCP_SYN_RETRANS, 2);
	assert_kc(&c, KC_TCP_MEMORY_PRESSURES_CHRONO, 0);
	assert_kc(&c, KC_TCP_RCVQ_DROP, 0);
	assert_kc(&c, KC_ACTIVE_OPENS, 250802);
	assert_kc(&c, KC_PASSIVE_OPENS, 249986);
	assert_kc(&c, KC_ATTEMPT_FAILS, 802);
	assert_kc(&c, KC_ESTAB_RESETS, 46906);
	assert_kc(&c, KC_CURR_ESTAB, 0);
	assert_kc(&c, KC_RETRANS_SEGS, 443);
	assert_kc(&c, KC_IN_ERRS, 0);
	assert_kc(&c, KC_OUT_RSTS, 27097);
}

static void test_netstat_older(void **state)
{
	(void)state;
	struct kcounters c = {0};
	/* TcpExt has TCPPrequeued & co. (ignored) and lacks three newer ones. */
	assert_int_equal(parse_fixture("proc-older/netstat", &c), 16);
	assert_int_equal(parse_fixture("proc-older/snmp", &c), 8);
	assert_int_equal(count_present(&c), KC__COUNT - 3);

	assert_false(c.present[KC_TCP_SYN_RETRANS]);
	assert_false(c.present[KC_TCP_RCVQ_DROP]);
	assert_false(c.present[KC_TCP_MEMORY_PRESSURES_CHRONO]);

	assert_kc(&c, KC_LISTEN_OVERFLOWS, 0);
	assert_kc(&c, KC_SYNCOOKIES_FAILED, 2);
	assert_kc(&c, KC_TCP_ABORT_ON_DATA, 41);
	assert_kc(&c, KC_TCP_ABORT_ON_CLOSE, 4);
	assert_kc(&c, KC_TCP_MEMORY_PRESSURES, 0);
	assert_kc(&c, KC_ACTIVE_OPENS, 3556);
	assert_kc(&c, KC_PASSIVE_OPENS, 230);
	assert_kc(&c, KC_ATTEMPT_FAILS, 341);
	assert_kc(&c, KC_ESTAB_RESETS, 161);
	assert_kc(&c, KC_RETRANS_SEGS, 227);
	assert_kc(&c, KC_IN_ERRS, 5);
	assert_kc(&c, KC_OUT_RSTS, 1003);
}

/* ---- netstat / snmp: hand-made text ------------------------------------ */

static void test_netstat_by_name(void **state)
{
	(void)state;
	struct kcounters c = {0};
	/* Reordered names, unknown counters and prefixes, tabs, CRLF, a
	 * "TcpExtra" prefix that must not be taken for TcpExt, no final '\n'. */
	const char *text = "Weird: A B\nWeird: 1 2\n"
			   "TcpExtra: ListenOverflows\nTcpExtra: 99\n"
			   "TcpExt: TCPFuture ListenDrops\tListenOverflows SyncookiesSent\r\n"
			   "TcpExt: 7 6\t5 4\r\n"
			   "\n"
			   "Tcp: OutRsts MaxConn CurrEstab\n"
			   "Tcp: 3 -1 2";
	assert_int_equal(parse_text(text, &c), 5);
	assert_kc(&c, KC_LISTEN_DROPS, 6);
	assert_kc(&c, KC_LISTEN_OVERFLOWS, 5);
	assert_kc(&c, KC_SYNCOOKIES_SENT, 4);
	assert_kc(&c, KC_OUT_RSTS, 3);
	assert_kc(&c, KC_CURR_ESTAB, 2);
	assert_int_equal(count_present(&c), 5);

	/* A section or name given twice: counted once, the last value wins. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("Tcp: InErrs InErrs\nTcp: 1 2\nTcp: InErrs\nTcp: 3\n", &c), 1);
	assert_kc(&c, KC_IN_ERRS, 3);
}

static void test_netstat_missing_values_line(void **state)
{
	(void)state;
	struct kcounters c = {0};
	/* TcpExt header followed by another section: TcpExt is malformed. */
	assert_int_equal(parse_text("TcpExt: ListenOverflows ListenDrops\n"
				    "Tcp: ActiveOpens\nTcp: 5\n", &c), -1);
	assert_false(c.present[KC_LISTEN_OVERFLOWS]);
	assert_false(c.present[KC_LISTEN_DROPS]);
	assert_kc(&c, KC_ACTIVE_OPENS, 5);

	/* Header as the last line. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("Tcp: InErrs\nTcp: 1\nTcpExt: ListenOverflows\n", &c), -1);
	assert_kc(&c, KC_IN_ERRS, 1);
	assert_false(c.present[KC_LISTEN_OVERFLOWS]);

	/* A junk line between header and values. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("TcpExt: ListenOverflows\njunk\nTcpExt: 1\n", &c), -1);
	assert_false(c.present[KC_LISTEN_OVERFLOWS]);

	/* An untracked section without values does not matter. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("IpExt: InOctets\nTcp: CurrEstab\nTcp: 3\n", &c), 1);
	assert_kc(&c, KC_CURR_ESTAB, 3);
}

static void test_netstat_count_mismatch(void **state)
{
	(void)state;
	struct kcounters c = {0};
	/* Fixture: TcpExt values one short; IpExt fine but untracked. */
	assert_int_equal(parse_fixture("proc-garbled/netstat", &c), -1);
	assert_int_equal(count_present(&c), 0);

	/* One value too many: malformed too, and other sections survive. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("TcpExt: ListenDrops\nTcpExt: 1 2\n"
				    "Tcp: EstabResets\nTcp: 8\n", &c), -1);
	assert_false(c.present[KC_LISTEN_DROPS]);
	assert_kc(&c, KC_ESTAB_RESETS, 8);
}

static void test_snmp_garbled_values(void **state)
{
	(void)state;
	struct kcounters c = {0};
	/* x9 and 2^64 are not counters; -1 is in an untracked column. */
	assert_int_equal(parse_fixture("proc-garbled/snmp", &c), -1);
	assert_kc(&c, KC_ACTIVE_OPENS, 17);
	assert_kc(&c, KC_CURR_ESTAB, 5);
	assert_false(c.present[KC_PASSIVE_OPENS]);
	assert_false(c.present[KC_OUT_RSTS]);
	assert_int_equal(count_present(&c), 2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("Tcp: InErrs OutRsts\nTcp: 18446744073709551615 +1\n", &c), -1);
	assert_kc(&c, KC_IN_ERRS, UINT64_MAX);
	assert_false(c.present[KC_OUT_RSTS]);
}

static void test_netstat_truncated(void **state)
{
	(void)state;
	size_t len;
	char *full = load("proc-linux-6.18/netstat", &len);
	const char *nl1 = memchr(full, '\n', len);
	assert_non_null(nl1);
	size_t hdr_end = (size_t)(nl1 - full);
	const char *nl2 = memchr(nl1 + 1, '\n', len - hdr_end - 1);
	assert_non_null(nl2);
	size_t val_end = (size_t)(nl2 - full);

	/* Every prefix, each in an exact-size buffer: never a crash or overread. */
	for (size_t n = 0; n <= len; n++) {
		struct kcounters c = {0};
		char *buf = malloc(n ? n : 1);
		assert_non_null(buf);
		memcpy(buf, full, n);
		int r = kstat_parse_netstat(buf, n, &c);
		free(buf);
		assert_true(r >= -1 && r <= KC__COUNT);
		if (n > hdr_end && n < val_end) {
			/* Cut inside the TcpExt values line: too few values. */
			assert_int_equal(r, -1);
			assert_int_equal(count_present(&c), 0);
		}
		if (n == val_end) /* whole values line, no newline */
			assert_int_equal(r, 19);
	}
	free(full);
}

/* Text placed right before a PROT_NONE page: one byte too far faults. */
static char *guarded(const char *text, size_t len, void **map, size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + page - 1) / page + 1;
	char *m = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + (pages - 1) * page, page, PROT_NONE), 0);
	char *p = m + (pages - 1) * page - len;
	memcpy(p, text, len);
	*map = m;
	*maplen = pages * page;
	return p;
}

static void test_parsers_guard_page(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"TcpExt: ListenOverflows\nTcpExt: 12345",
		"TcpExt: ListenOverflows\nTcpExt: 1234",
		"TcpExt: ListenOverflows\nTcpExt",
		"TcpExt: ListenOverflows",
		"TCP: inuse 5 orphan 0 tw 0 alloc 7 mem 1",
		"TCP: inuse",
		"32768\t60999",
		"-",
		":",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		void *map;
		size_t maplen, len = strlen(texts[i]);
		char *p = guarded(texts[i], len, &map, &maplen);
		struct kcounters c = {0};
		struct sockstat s = {0};
		int64_t v[KL_MAXV];
		for (size_t n = 0; n <= len; n++) {
			/* Suffixes of the text, each ending at the guard page. */
			(void)kstat_parse_netstat(p + len - n, n, &c);
			(void)kstat_parse_sockstat(p + len - n, n, &s);
			(void)kstat_parse_ints(p + len - n, n, v, KL_MAXV);
		}
		munmap(map, maplen);
	}
	struct kcounters c = {0};
	void *map;
	size_t maplen;
	char *p = guarded("TcpExt: ListenOverflows\nTcpExt: 12345", 37, &map, &maplen);
	assert_int_equal(kstat_parse_netstat(p, 37, &c), 1);
	assert_kc(&c, KC_LISTEN_OVERFLOWS, 12345);
	munmap(map, maplen);
}

static void test_netstat_empty_and_junk(void **state)
{
	(void)state;
	struct kcounters c = {0};
	assert_int_equal(kstat_parse_netstat(NULL, 0, &c), 0);
	assert_int_equal(kstat_parse_netstat("", 0, &c), 0);
	assert_int_equal(parse_text("\n\n \t\n", &c), 0);
	assert_int_equal(parse_text(":\n:\n", &c), 0);
	/* Only len bytes count: the values after len are not seen. */
	assert_int_equal(kstat_parse_netstat("Tcp: InErrs\nTcp: 4\nTcp: OutRsts\nTcp: 1\n", 19, &c), 1);
	assert_kc(&c, KC_IN_ERRS, 4);
	assert_false(c.present[KC_OUT_RSTS]);
	/* Embedded NULs are ordinary bytes. */
	static const char nul[] = "Tcp: CurrEstab\0X\nTcp: 1\n";
	memset(&c, 0, sizeof(c));
	assert_int_equal(kstat_parse_netstat(nul, sizeof(nul) - 1, &c), 0);
	assert_false(c.present[KC_CURR_ESTAB]);
	assert_int_equal(count_present(&c), 0);
	assert_int_equal(count_present(&(struct kcounters){0}), 0);
}

/* ---- delta and iteration ----------------------------------------------- */

static void test_delta(void **state)
{
	(void)state;
	struct kcounters a = {0}, b = {0}, d;
	a.present[KC_LISTEN_OVERFLOWS] = b.present[KC_LISTEN_OVERFLOWS] = 1;
	a.v[KC_LISTEN_OVERFLOWS] = 100;
	b.v[KC_LISTEN_OVERFLOWS] = 142;
	/* 32-bit kernel counter wrapped: 0xfffffffe -> 3 is 5 events. */
	a.present[KC_OUT_RSTS] = b.present[KC_OUT_RSTS] = 1;
	a.v[KC_OUT_RSTS] = UINT32_MAX - 1;
	b.v[KC_OUT_RSTS] = 3;
	/* 64-bit wrap. */
	a.present[KC_IN_ERRS] = b.present[KC_IN_ERRS] = 1;
	a.v[KC_IN_ERRS] = UINT64_MAX - 1;
	b.v[KC_IN_ERRS] = 1;
	/* Present only after: absent in the delta. */
	b.present[KC_TCP_SYN_RETRANS] = 1;
	b.v[KC_TCP_SYN_RETRANS] = 9;
	/* Present only before: absent too. */
	a.present[KC_TCP_RCVQ_DROP] = 1;
	/* Gauge: the after value, whatever before held. */
	a.present[KC_CURR_ESTAB] = b.present[KC_CURR_ESTAB] = 1;
	a.v[KC_CURR_ESTAB] = 500;
	b.v[KC_CURR_ESTAB] = 20;

	kcounters_delta(&a, &b, &d);
	assert_kc(&d, KC_LISTEN_OVERFLOWS, 42);
	assert_kc(&d, KC_OUT_RSTS, 5);
	assert_kc(&d, KC_IN_ERRS, 3);
	assert_false(d.present[KC_TCP_SYN_RETRANS]);
	assert_false(d.present[KC_TCP_RCVQ_DROP]);
	assert_kc(&d, KC_CURR_ESTAB, 20);
	assert_int_equal(count_present(&d), 4);

	/* Gauge absent after: absent. */
	b.present[KC_CURR_ESTAB] = 0;
	kcounters_delta(&a, &b, &d);
	assert_false(d.present[KC_CURR_ESTAB]);
}

static void test_delta_fixtures(void **state)
{
	(void)state;
	/* older -> 6.18 as if one machine: only counters both kernels have. */
	struct kcounters a = {0}, b = {0}, d;
	parse_fixture("proc-older/netstat", &a);
	parse_fixture("proc-older/snmp", &a);
	parse_fixture("proc-linux-6.18/netstat", &b);
	parse_fixture("proc-linux-6.18/snmp", &b);
	kcounters_delta(&a, &b, &d);
	assert_int_equal(count_present(&d), KC__COUNT - 3);
	assert_kc(&d, KC_ACTIVE_OPENS, 250802 - 3556);
	assert_kc(&d, KC_SYNCOOKIES_FAILED, 255 - 2);
	assert_kc(&d, KC_IN_ERRS, (uint64_t)UINT32_MAX + 1 - 5); /* 5 -> 0: 32-bit wrap */
}

struct seen {
	int n;
	enum kc ids[KC__COUNT];
	uint64_t sum;
};

static void collect(void *ctx, enum kc id, const char *name, uint64_t v)
{
	struct seen *s = ctx;
	assert_string_equal(name, kc_name(id));
	s->ids[s->n++] = id;
	s->sum += v;
}

static void test_foreach(void **state)
{
	(void)state;
	struct kcounters c = {0};
	struct seen s = {0};
	kcounters_foreach(&c, collect, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(parse_text("Tcp: OutRsts ActiveOpens\nTcp: 3 4\n"
				    "TcpExt: ListenDrops\nTcpExt: 10\n", &c), 3);
	kcounters_foreach(&c, collect, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.ids[0], KC_LISTEN_DROPS); /* enum order */
	assert_int_equal(s.ids[1], KC_ACTIVE_OPENS);
	assert_int_equal(s.ids[2], KC_OUT_RSTS);
	assert_int_equal(s.sum, 17);
}

static void test_read_counters_live(void **state)
{
	(void)state;
	struct kcounters c;
	memset(&c, 0xff, sizeof(c)); /* the reader clears it */
	int n = kstat_read_counters(&c);
	assert_true(n > 0);
	assert_int_equal(n, count_present(&c));
	assert_true(c.present[KC_CURR_ESTAB]);
	assert_true(c.present[KC_ACTIVE_OPENS]);
	assert_true(c.present[KC_LISTEN_OVERFLOWS]);
	for (int i = 0; i < KC__COUNT; i++)
		assert_true(c.present[i] <= 1);
}

/* ---- sockstat ---------------------------------------------------------- */

static void assert_ss(const struct sockstat *s, enum ss id, uint64_t v)
{
	if (!s->present[id])
		fail_msg("%s absent, expected %llu", ss_name(id), (unsigned long long)v);
	assert_int_equal(s->v[id], v);
}

static void test_sockstat_linux_6_18(void **state)
{
	(void)state;
	struct sockstat s = {0};
	assert_int_equal(parse_sockstat_fixture("proc-linux-6.18/sockstat", &s), 6);
	assert_false(s.present[SS_TCP6_INUSE]);
	assert_int_equal(parse_sockstat_fixture("proc-linux-6.18/sockstat6", &s), 1);
	assert_ss(&s, SS_SOCKETS_USED, 9);
	assert_ss(&s, SS_TCP_INUSE, 1);
	assert_ss(&s, SS_TCP_ORPHAN, 0);
	assert_ss(&s, SS_TCP_TW, 0);
	assert_ss(&s, SS_TCP_ALLOC, 1);
	assert_ss(&s, SS_TCP_MEM_PAGES, 160);
	assert_ss(&s, SS_TCP6_INUSE, 0);
}

static void test_sockstat_older(void **state)
{
	(void)state;
	struct sockstat s = {0};
	assert_int_equal(parse_sockstat_fixture("proc-older/sockstat", &s), 6);
	assert_ss(&s, SS_SOCKETS_USED, 229);
	assert_ss(&s, SS_TCP_INUSE, 4);
	assert_ss(&s, SS_TCP_ORPHAN, 0);
	assert_ss(&s, SS_TCP_TW, 4);
	assert_ss(&s, SS_TCP_ALLOC, 17);
	assert_ss(&s, SS_TCP_MEM_PAGES, 1);
	assert_false(s.present[SS_TCP6_INUSE]); /* no sockstat6 */
}

/* A host left by a big run: TIME-WAIT at 90% of 131072 is near the
 * ceiling. */
static void test_host_pressure_after_scale(void **state)
{
	(void)state;
	struct sockstat s = {0};
	assert_int_equal(parse_sockstat_fixture("proc-after-scale/sockstat", &s), 6);
	assert_ss(&s, SS_TCP_TW, 118417);
	assert_ss(&s, SS_TCP_ORPHAN, 2);
	struct host_pressure p;
	kstat_host_pressure(&s, 131072, &p);
	assert_true(p.tw_near);
	assert_int_equal(p.tw, 118417);
	/* the ceiling raised: the same TIME-WAIT is far from it; unknown: never near */
	kstat_host_pressure(&s, 1000000, &p);
	assert_false(p.tw_near);
	kstat_host_pressure(&s, -1, &p);
	assert_false(p.tw_near);
	/* exactly 80% is not past it */
	struct sockstat e = {0};
	e.v[SS_TCP_TW] = 800, e.present[SS_TCP_TW] = 1;
	kstat_host_pressure(&e, 1000, &p);
	assert_false(p.tw_near);
	e.v[SS_TCP_TW] = 801;
	kstat_host_pressure(&e, 1000, &p);
	assert_true(p.tw_near);
	/* an idle host: nothing to say */
	memset(&s, 0, sizeof(s));
	parse_sockstat_fixture("proc-linux-6.18/sockstat", &s);
	kstat_host_pressure(&s, 131072, &p);
	assert_false(p.tw_near);
}

static void test_sockstat_short_and_garbled(void **state)
{
	(void)state;
	struct sockstat s = {0};
	/* Short form: keys missing from a line are absent; keys reordered. */
	assert_int_equal(parse_sockstat_text("TCP: alloc 3 inuse 2 future 1", &s), 2);
	assert_ss(&s, SS_TCP_INUSE, 2);
	assert_ss(&s, SS_TCP_ALLOC, 3);
	assert_false(s.present[SS_TCP_ORPHAN]);
	assert_false(s.present[SS_TCP_MEM_PAGES]);
	assert_false(s.present[SS_SOCKETS_USED]);

	/* Fixture: TCP line with a dangling key: the whole line is absent. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_sockstat_fixture("proc-garbled/sockstat", &s), -1);
	assert_ss(&s, SS_SOCKETS_USED, 12);
	assert_false(s.present[SS_TCP_INUSE]);
	assert_false(s.present[SS_TCP_ORPHAN]);

	/* Bad value: only that field absent; untracked lines never matter. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_sockstat_text("UDP: inuse\nTCP: inuse 1x tw 4\nTCP6: inuse 2\n", &s), -1);
	assert_false(s.present[SS_TCP_INUSE]);
	assert_ss(&s, SS_TCP_TW, 4);
	assert_ss(&s, SS_TCP6_INUSE, 2);

	/* Repeated lines and keys: counted once, the last value wins. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_sockstat_text("TCP: tw 1 tw 2\nTCP: tw 3\n", &s), 1);
	assert_ss(&s, SS_TCP_TW, 3);

	memset(&s, 0, sizeof(s));
	assert_int_equal(kstat_parse_sockstat(NULL, 0, &s), 0);
	assert_int_equal(parse_sockstat_text("garbage\n\n:::\nTCP:\n", &s), 0);
}

static void test_read_sockstat_live(void **state)
{
	(void)state;
	struct sockstat s;
	memset(&s, 0xff, sizeof(s));
	int n = kstat_read_sockstat(&s);
	assert_true(n >= 6);
	assert_true(s.present[SS_SOCKETS_USED]);
	assert_true(s.present[SS_TCP_INUSE]);
	assert_true(s.present[SS_TCP_MEM_PAGES]);
	assert_int_equal(s.present[SS_TCP6_INUSE], access("/proc/net/sockstat6", R_OK) == 0);
}

/* ---- sysctl values and limits ------------------------------------------ */

static int ints(const char *text, int64_t *v, int max)
{
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, text, len);
	int r = kstat_parse_ints(buf, len, v, max);
	free(buf);
	return r;
}

static void test_parse_ints_good(void **state)
{
	(void)state;
	int64_t v[KL_MAXV];
	assert_int_equal(ints("32768\t60999\n", v, 3), 2);
	assert_int_equal(v[0], 32768);
	assert_int_equal(v[1], 60999);
	assert_int_equal(ints("288459\t384612\t576918\n", v, 3), 3);
	assert_int_equal(v[2], 576918);
	assert_int_equal(ints("4096\n", v, 1), 1);
	assert_int_equal(v[0], 4096);
	assert_int_equal(ints("  7 ", v, 1), 1); /* no newline, extra blanks */
	assert_int_equal(v[0], 7);
	assert_int_equal(ints("-1\n", v, 1), 1);
	assert_int_equal(v[0], -1);
	assert_int_equal(ints("9223372036854775807\n", v, 1), 1);
	assert_int_equal(v[0], INT64_MAX);
	assert_int_equal(ints("-9223372036854775808\n", v, 1), 1);
	assert_true(v[0] == INT64_MIN);
	/* Only len bytes: the rest of the buffer is not read. */
	assert_int_equal(kstat_parse_ints("32768\t60999\nGARBAGE", 12, v, 3), 2);
	assert_int_equal(v[1], 60999);
}

static void test_parse_ints_bad(void **state)
{
	(void)state;
	int64_t v[KL_MAXV];
	assert_int_equal(ints("", v, 3), -1);
	assert_int_equal(ints("\n", v, 3), -1);
	assert_int_equal(ints("abc\n", v, 3), -1);
	assert_int_equal(ints("12x\n", v, 3), -1);
	assert_int_equal(ints("1 2 3 4\n", v, 3), -1);
	assert_int_equal(ints("1 2\n", v, 1), -1);
	assert_int_equal(ints("9223372036854775808\n", v, 1), -1);
	assert_int_equal(ints("-9223372036854775809\n", v, 1), -1);
	assert_int_equal(ints("99999999999999999999999\n", v, 1), -1);
	assert_int_equal(ints("-\n", v, 1), -1);
	assert_int_equal(ints("--1\n", v, 1), -1);
	assert_int_equal(ints("+1\n", v, 1), -1);
	assert_int_equal(ints("1,2\n", v, 3), -1);
	assert_int_equal(ints("1\n", v, 0), -1);
	assert_int_equal(kstat_parse_ints(NULL, 0, v, 3), -1);
}

static void test_read_ints(void **state)
{
	(void)state;
	int64_t v[KL_MAXV];
	assert_int_equal(kstat_read_ints("/proc/sys/net/ipv4/ip_local_port_range", v, 3), 2);
	assert_true(v[0] > 0 && v[0] <= v[1] && v[1] <= 65535);

	errno = 0;
	assert_int_equal(kstat_read_ints("/proc/sys/net/ipv4/no_such_sysctl", v, 3), -1);
	assert_int_equal(errno, ENOENT);

	char path[] = "/tmp/test_kstat_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "12 abc\n", 7), 7);
	close(fd);
	errno = 0;
	assert_int_equal(kstat_read_ints(path, v, 3), -1);
	assert_int_equal(errno, EINVAL);
	unlink(path);
}

static void test_read_limits_live(void **state)
{
	(void)state;
	struct klimits l;
	memset(&l, 0xff, sizeof(l));
	int n = kstat_read_limits(&l);
	assert_true(n > 0);
	int present = 0;
	for (int i = 0; i < KL__COUNT; i++)
		present += l.n[i] > 0;
	assert_int_equal(n, present);

	assert_int_equal(l.n[KL_NOFILE_SOFT], 1);
	assert_int_equal(l.n[KL_NOFILE_HARD], 1);
	assert_true(l.v[KL_NOFILE_SOFT][0] <= l.v[KL_NOFILE_HARD][0]);
	assert_int_equal(l.n[KL_SOMAXCONN], 1);
	assert_true(l.v[KL_SOMAXCONN][0] > 0);
	assert_int_equal(l.n[KL_IP_LOCAL_PORT_RANGE], 2);
	assert_true(l.v[KL_IP_LOCAL_PORT_RANGE][0] <= l.v[KL_IP_LOCAL_PORT_RANGE][1]);
	/* tcp_mem is global: only the initial network namespace has it (not a container) */
	if (access("/proc/sys/net/ipv4/tcp_mem", R_OK) == 0) {
		assert_int_equal(l.n[KL_TCP_MEM], 3);
		assert_true(l.v[KL_TCP_MEM][0] <= l.v[KL_TCP_MEM][2]);
	} else {
		assert_int_equal(l.n[KL_TCP_MEM], 0);
	}
	assert_int_equal(l.n[KL_TCP_RMEM], 3);
	assert_int_equal(l.n[KL_TCP_WMEM], 3);
	assert_int_equal(l.n[KL_FILE_NR], 1); /* first of three fields only */
	assert_true(l.v[KL_FILE_NR][0] > 0);
	assert_int_equal(l.n[KL_FILE_MAX], 1);
	assert_int_equal(l.n[KL_PAGE_SIZE], 1);
	int64_t page = l.v[KL_PAGE_SIZE][0];
	assert_true(page >= 4096 && (page & (page - 1)) == 0);
	/* conntrack: present exactly when the module's sysctls exist. */
	int ct = access("/proc/sys/net/netfilter/nf_conntrack_max", R_OK) == 0;
	assert_int_equal(l.n[KL_NF_CONNTRACK_MAX] == 1, ct);
}

/* ---- listener queue ---------------------------------------------------- */

static int connect_to(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)a, sizeof(*a)), 0);
	return fd;
}

/* The server side finishes the handshake in softirq context; on loopback
 * that is done by the time connect() returns, but allow a little slack. */
static uint32_t wait_queued(int lfd, uint32_t want, uint32_t *limit)
{
	uint32_t q = 0;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(kstat_listener_queue(lfd, &q, limit), 0);
		if (q == want)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
	}
	return q;
}

static void test_listener_queue(void **state)
{
	(void)state;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);

	uint32_t q = 99, lim = 99;
	/* Not listening yet: not a listener. */
	errno = 0;
	assert_int_equal(kstat_listener_queue(lfd, &q, &lim), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(listen(lfd, 8), 0);
	int64_t somaxconn = 0;
	assert_int_equal(kstat_read_ints("/proc/sys/net/core/somaxconn", &somaxconn, 1), 1);
	uint32_t want_lim = somaxconn < 8 ? (uint32_t)somaxconn : 8;

	assert_int_equal(kstat_listener_queue(lfd, &q, &lim), 0);
	assert_int_equal(q, 0);
	assert_int_equal(lim, want_lim);

	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = connect_to(&a);
	assert_int_equal(wait_queued(lfd, 3, &lim), 3);
	assert_int_equal(lim, want_lim);

	int s = accept(lfd, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(wait_queued(lfd, 2, &lim), 2);

	/* An accepted (established) socket is not a listener. */
	errno = 0;
	assert_int_equal(kstat_listener_queue(s, &q, &lim), -1);
	assert_int_equal(errno, EINVAL);

	close(s);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_netstat_linux_6_18),
		cmocka_unit_test(test_netstat_older),
		cmocka_unit_test(test_netstat_by_name),
		cmocka_unit_test(test_netstat_missing_values_line),
		cmocka_unit_test(test_netstat_count_mismatch),
		cmocka_unit_test(test_snmp_garbled_values),
		cmocka_unit_test(test_netstat_truncated),
		cmocka_unit_test(test_parsers_guard_page),
		cmocka_unit_test(test_netstat_empty_and_junk),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_delta_fixtures),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_read_counters_live),
		cmocka_unit_test(test_sockstat_linux_6_18),
		cmocka_unit_test(test_sockstat_older),
		cmocka_unit_test(test_sockstat_short_and_garbled),
		cmocka_unit_test(test_host_pressure_after_scale),
		cmocka_unit_test(test_read_sockstat_live),
		cmocka_unit_test(test_parse_ints_good),
		cmocka_unit_test(test_parse_ints_bad),
		cmocka_unit_test(test_read_ints),
		cmocka_unit_test(test_read_limits_live),
		cmocka_unit_test(test_listener_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
