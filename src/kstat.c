/* Kernel statistics: the pure text parsers. The readers that feed them
 * from /proc (and the listener queue, cgroup and capability readers) are in
 * kstat_read.c. */
#define _GNU_SOURCE
#include "tcpswarm/kstat.h"

#include <stdbool.h>
#include <string.h>

/* ---- text helpers: spans over (buf, len), never NUL-terminated --------- */

struct span {
	const char *p;
	size_t n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next line of *rest (without its '\n'); the last line may lack one. */
static bool next_line(struct span *rest, struct span *line)
{
	if (rest->n == 0)
		return false;
	const char *nl = memchr(rest->p, '\n', rest->n);
	size_t n = nl ? (size_t)(nl - rest->p) : rest->n;
	line->p = rest->p;
	line->n = n;
	rest->p += nl ? n + 1 : n;
	rest->n -= nl ? n + 1 : n;
	return true;
}

/* Next blank-separated token of *rest. */
static bool next_tok(struct span *rest, struct span *tok)
{
	while (rest->n > 0 && is_blank(*rest->p)) {
		rest->p++;
		rest->n--;
	}
	if (rest->n == 0)
		return false;
	size_t n = 0;
	while (n < rest->n && !is_blank(rest->p[n]))
		n++;
	tok->p = rest->p;
	tok->n = n;
	rest->p += n;
	rest->n -= n;
	return true;
}

static size_t count_toks(struct span s)
{
	struct span tok;
	size_t n = 0;
	while (next_tok(&s, &tok))
		n++;
	return n;
}

static bool span_is_blank(struct span s)
{
	struct span tok;
	return !next_tok(&s, &tok);
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* "Prefix: rest" -> prefix (before the first ':') and rest. */
static bool split_prefix(struct span line, struct span *prefix, struct span *rest)
{
	const char *colon = memchr(line.p, ':', line.n);
	if (!colon || colon == line.p)
		return false;
	prefix->p = line.p;
	prefix->n = (size_t)(colon - line.p);
	rest->p = colon + 1;
	rest->n = line.n - prefix->n - 1;
	return true;
}

/* Whole token as decimal digits, no sign, no overflow. */
static bool parse_u64(struct span t, uint64_t *out)
{
	uint64_t v = 0;
	if (t.n == 0)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		unsigned d = (unsigned char)t.p[i] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_i64(struct span t, int64_t *out)
{
	bool neg = t.n > 0 && t.p[0] == '-';
	uint64_t mag;
	if (neg) {
		t.p++;
		t.n--;
	}
	if (!parse_u64(t, &mag))
		return false;
	if (mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag; /* 0 - 2^63 wraps to INT64_MIN */
	return true;
}

/* ---- TCP counters ------------------------------------------------------ */

_Static_assert(KC__COUNT <= 64, "parse masks hold one bit per counter");
_Static_assert(SS__COUNT <= 32, "parse masks hold one bit per field");

static const struct {
	const char *section;
	const char *name;
} kc_tab[KC__COUNT] = {
	[KC_LISTEN_OVERFLOWS] = {"TcpExt", "ListenOverflows"},
	[KC_LISTEN_DROPS] = {"TcpExt", "ListenDrops"},
	[KC_TCP_REQQ_FULL_DROP] = {"TcpExt", "TCPReqQFullDrop"},
	[KC_TCP_REQQ_FULL_DO_COOKIES] = {"TcpExt", "TCPReqQFullDoCookies"},
	[KC_SYNCOOKIES_SENT] = {"TcpExt", "SyncookiesSent"},
	[KC_SYNCOOKIES_RECV] = {"TcpExt", "SyncookiesRecv"},
	[KC_SYNCOOKIES_FAILED] = {"TcpExt", "SyncookiesFailed"},
	[KC_TCP_ABORT_ON_MEMORY] = {"TcpExt", "TCPAbortOnMemory"},
	[KC_TCP_ABORT_ON_DATA] = {"TcpExt", "TCPAbortOnData"},
	[KC_TCP_ABORT_ON_CLOSE] = {"TcpExt", "TCPAbortOnClose"},
	[KC_TCP_ABORT_ON_TIMEOUT] = {"TcpExt", "TCPAbortOnTimeout"},
	[KC_TCP_ABORT_ON_LINGER] = {"TcpExt", "TCPAbortOnLinger"},
	[KC_TCP_ABORT_FAILED] = {"TcpExt", "TCPAbortFailed"},
	[KC_TCP_TIME_WAIT_OVERFLOW] = {"TcpExt", "TCPTimeWaitOverflow"},
	[KC_TCP_BACKLOG_DROP] = {"TcpExt", "TCPBacklogDrop"},
	[KC_TCP_MEMORY_PRESSURES] = {"TcpExt", "TCPMemoryPressures"},
	[KC_TCP_MEMORY_PRESSURES_CHRONO] = {"TcpExt", "TCPMemoryPressuresChrono"},
	[KC_TCP_RCVQ_DROP] = {"TcpExt", "TCPRcvQDrop"},
	[KC_TCP_SYN_RETRANS] = {"TcpExt", "TCPSynRetrans"},
	[KC_ACTIVE_OPENS] = {"Tcp", "ActiveOpens"},
	[KC_PASSIVE_OPENS] = {"Tcp", "PassiveOpens"},
	[KC_ATTEMPT_FAILS] = {"Tcp", "AttemptFails"},
	[KC_ESTAB_RESETS] = {"Tcp", "EstabResets"},
	[KC_CURR_ESTAB] = {"Tcp", "CurrEstab"},
	[KC_RETRANS_SEGS] = {"Tcp", "RetransSegs"},
	[KC_IN_ERRS] = {"Tcp", "InErrs"},
	[KC_OUT_RSTS] = {"Tcp", "OutRsts"},
};

const char *kc_name(enum kc c)
{
	return (unsigned)c < KC__COUNT ? kc_tab[c].name : NULL;
}

const char *kc_section(enum kc c)
{
	return (unsigned)c < KC__COUNT ? kc_tab[c].section : NULL;
}

static bool kc_section_tracked(struct span section)
{
	for (int i = 0; i < KC__COUNT; i++)
		if (span_eq(section, kc_tab[i].section))
			return true;
	return false;
}

static int kc_lookup(struct span section, struct span name)
{
	for (int i = 0; i < KC__COUNT; i++)
		if (span_eq(name, kc_tab[i].name) && span_eq(section, kc_tab[i].section))
			return i;
	return -1;
}

/* One "Prefix: names" / "Prefix: values" pair; *set gets a bit per counter
 * stored. Returns 0, or -1 if malformed (nothing stored on a count mismatch;
 * a bad value leaves only its counter absent). */
static int kc_store_pair(struct span section, struct span names, struct span values,
			 struct kcounters *out, uint64_t *set)
{
	if (count_toks(names) != count_toks(values))
		return -1;
	struct span name, val;
	bool bad = false;
	while (next_tok(&names, &name) && next_tok(&values, &val)) {
		int id = kc_lookup(section, name);
		uint64_t v;
		if (id < 0)
			continue;
		if (!parse_u64(val, &v)) {
			bad = true;
			continue;
		}
		out->v[id] = v;
		out->present[id] = 1;
		*set |= 1ull << id;
	}
	return bad ? -1 : 0;
}

int kstat_parse_netstat(const char *buf, size_t len, struct kcounters *out)
{
	struct span rest = {buf, buf ? len : 0}, line;
	struct span pend_pfx = {0}, pend_names = {0}; /* header waiting for values */
	bool pending = false, bad = false;
	uint64_t set = 0; /* counters stored, repeated names counted once */

	while (next_line(&rest, &line)) {
		struct span pfx, body;
		if (span_is_blank(line))
			continue;
		if (!split_prefix(line, &pfx, &body)) {
			/* Junk line: breaks any pair in progress. */
			bad |= pending && kc_section_tracked(pend_pfx);
			pending = false;
			continue;
		}
		if (pending && pfx.n == pend_pfx.n && memcmp(pfx.p, pend_pfx.p, pfx.n) == 0) {
			pending = false;
			if (!kc_section_tracked(pfx))
				continue;
			bad |= kc_store_pair(pfx, pend_names, body, out, &set) < 0;
			continue;
		}
		/* A new header; a previous one without values is malformed. */
		bad |= pending && kc_section_tracked(pend_pfx);
		pend_pfx = pfx;
		pend_names = body;
		pending = true;
	}
	bad |= pending && kc_section_tracked(pend_pfx);
	return bad ? -1 : __builtin_popcountll(set);
}

/* Kernel counters are unsigned long: 64 bits wide on 64-bit kernels, 32 on
 * 32-bit ones. A decrease from a value that fits in 32 bits is taken as a
 * 32-bit wrap; otherwise unsigned arithmetic gives the 64-bit wrap. */
static uint64_t counter_diff(uint64_t before, uint64_t after)
{
	if (after < before && before <= UINT32_MAX)
		return (UINT32_MAX - before) + after + 1;
	return after - before;
}

void kcounters_delta(const struct kcounters *before, const struct kcounters *after,
		     struct kcounters *delta)
{
	for (int i = 0; i < KC__COUNT; i++) {
		if (i == KC_CURR_ESTAB) {
			delta->present[i] = after->present[i];
			delta->v[i] = after->present[i] ? after->v[i] : 0;
			continue;
		}
		delta->present[i] = before->present[i] && after->present[i];
		delta->v[i] = delta->present[i] ? counter_diff(before->v[i], after->v[i]) : 0;
	}
}

void kcounters_foreach(const struct kcounters *c,
		       void (*fn)(void *ctx, enum kc id, const char *name, uint64_t v), void *ctx)
{
	for (int i = 0; i < KC__COUNT; i++)
		if (c->present[i])
			fn(ctx, (enum kc)i, kc_tab[i].name, c->v[i]);
}

/* ---- sockstat ---------------------------------------------------------- */

static const struct {
	const char *name;   /* ss_name */
	const char *prefix; /* line prefix in the file */
	const char *key;    /* key inside the line */
} ss_tab[SS__COUNT] = {
	[SS_SOCKETS_USED] = {"sockets_used", "sockets", "used"},
	[SS_TCP_INUSE] = {"tcp_inuse", "TCP", "inuse"},
	[SS_TCP_ORPHAN] = {"tcp_orphan", "TCP", "orphan"},
	[SS_TCP_TW] = {"tcp_tw", "TCP", "tw"},
	[SS_TCP_ALLOC] = {"tcp_alloc", "TCP", "alloc"},
	[SS_TCP_MEM_PAGES] = {"tcp_mem_pages", "TCP", "mem"},
	[SS_TCP6_INUSE] = {"tcp6_inuse", "TCP6", "inuse"},
};

const char *ss_name(enum ss s)
{
	return (unsigned)s < SS__COUNT ? ss_tab[s].name : NULL;
}

static bool ss_prefix_tracked(struct span prefix)
{
	for (int i = 0; i < SS__COUNT; i++)
		if (span_eq(prefix, ss_tab[i].prefix))
			return true;
	return false;
}

static int ss_lookup(struct span prefix, struct span key)
{
	for (int i = 0; i < SS__COUNT; i++)
		if (span_eq(key, ss_tab[i].key) && span_eq(prefix, ss_tab[i].prefix))
			return i;
	return -1;
}

/* "key value key value ..." of one tracked line; *set gets a bit per field
 * stored. Returns 0, or -1 if malformed. */
static int ss_store_line(struct span prefix, struct span body, struct sockstat *out,
			 uint32_t *set)
{
	if (count_toks(body) % 2 != 0)
		return -1;
	struct span key, val;
	bool bad = false;
	while (next_tok(&body, &key) && next_tok(&body, &val)) {
		int id = ss_lookup(prefix, key);
		uint64_t v;
		if (id < 0)
			continue;
		if (!parse_u64(val, &v)) {
			bad = true;
			continue;
		}
		out->v[id] = v;
		out->present[id] = 1;
		*set |= 1u << id;
	}
	return bad ? -1 : 0;
}

int kstat_parse_sockstat(const char *buf, size_t len, struct sockstat *out)
{
	struct span rest = {buf, buf ? len : 0}, line;
	bool bad = false;
	uint32_t set = 0;

	while (next_line(&rest, &line)) {
		struct span pfx, body;
		if (!split_prefix(line, &pfx, &body) || !ss_prefix_tracked(pfx))
			continue;
		bad |= ss_store_line(pfx, body, out, &set) < 0;
	}
	return bad ? -1 : __builtin_popcount(set);
}

/* ---- sysctl values ----------------------------------------------------- */

int kstat_parse_ints(const char *buf, size_t len, int64_t *v, int max)
{
	struct span rest = {buf, buf ? len : 0}, tok;
	int n = 0;

	/* Sysctl files end with '\n'; treat it as a separator like the rest. */
	while (rest.n > 0) {
		while (rest.n > 0 && (is_blank(*rest.p) || *rest.p == '\n')) {
			rest.p++;
			rest.n--;
		}
		size_t k = 0;
		while (k < rest.n && !is_blank(rest.p[k]) && rest.p[k] != '\n')
			k++;
		if (k == 0)
			break;
		tok.p = rest.p;
		tok.n = k;
		rest.p += k;
		rest.n -= k;
		if (n >= max || !parse_i64(tok, &v[n]))
			return -1;
		n++;
	}
	return n > 0 ? n : -1;
}

void kstat_host_pressure(const struct sockstat *s, int64_t tw_max, struct host_pressure *out)
{
	memset(out, 0, sizeof(*out));
	out->tw = s->present[SS_TCP_TW] ? s->v[SS_TCP_TW] : 0;
	out->tw_max = tw_max;
	out->tw_near = tw_max > 0 && (double)out->tw > KSTAT_TW_NEAR * (double)tw_max;
}
