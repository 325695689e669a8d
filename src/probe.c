/* tcpswarm probe: this host's kernel limits against a plan of N connections.
 * probe_evaluate() is pure (numbers in, rows out); probe_main() reads the
 * live limits and argv. */
#include "tcpswarm/probe.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/config.h"
#include "tcpswarm/srcaddr.h"
#include "tcpswarm/units.h"

/* Kernel memory of one idle established TCP socket, one side: the slab
 * objects it pins, sizes from /proc/slabinfo on Linux 6.18 x86-64:
 * TCP (struct tcp_sock) 2368 + sock_inode_cache 832 + filp 192 + dentry 192
 * + eventpoll_epi 128 = 3712 bytes (~3.6 KiB; bind buckets and slab slack
 * add a little more). This is slab memory: it comes out of RAM (and the
 * cgroup's memory limit), not out of tcp_mem. */
#define PROBE_SOCK_KMEM_BYTES 3712
/* tcpswarm's own memory per connection per side (DESIGN budget). */
#define PROBE_USER_BYTES_PER_CONN 64
/* tcp_mem counts socket buffer memory only, charged in whole pages: a socket
 * with empty queues (idle) charges nothing; one holding any data (a request
 * not yet read, a reply not yet acked) charges at least one page. The
 * worst case we estimate is every socket holding one small message at once. */
#define PROBE_BUSY_SOCK_PAGES 1
/* Limit values this large mean "no limit" (fs.file-max is LONG_MAX on new
 * kernels). */
#define HUGE_LIMIT (INT64_C(1) << 62)
/* A limit this close to its need gets a warning. */
#define NEAR_RATIO 0.9
/* The widest ip_local_port_range: 1024-65535. */
#define WIDEST_PORTS 64512

/* ---- helpers --------------------------------------------------------------- */

static bool has(const struct klimits *l, enum kl k)
{
	return l->n[k] > 0 && l->v[k][0] >= 0;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Suggested new value for a limit: need plus a quarter, rounded up to 64k. */
static uint64_t suggest(uint64_t need)
{
	uint64_t x = sat_add(need, need / 4);
	return x > UINT64_MAX - 65535 ? x : (x + 65535) & ~(uint64_t)65535;
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void fmt_limit(char *out, size_t cap, int64_t v)
{
	if (v == KL_UNLIMITED)
		snprintf(out, cap, "unlimited");
	else if (v >= HUGE_LIMIT)
		snprintf(out, cap, "no limit");
	else
		snprintf(out, cap, "%" PRId64, v);
}

static double ratio_of(uint64_t need, uint64_t limit)
{
	return limit ? (double)need / (double)limit : (need ? INFINITY : 0);
}

/* What the evaluation needs to know about the plan. */
struct shape {
	uint64_t n;        /* connections; 0 = no count */
	uint64_t t;        /* targets, at least 1 */
	uint64_t s;        /* source IPs, at least 1; UINT64_MAX = as many as needed */
	bool given_s;      /* --source was given */
	unsigned sides;    /* sockets per connection on this host */
	bool client;       /* client sockets on this host */
	bool server_info;  /* show the listener rows as applying here */
	bool loopback, ipv6;
};

static struct shape shape_of(const struct probe_plan *p)
{
	struct shape sh = { .t = 1, .s = 1, .sides = 1, .client = true, .server_info = true };
	if (!p)
		return sh;
	sh.n = p->conns;
	sh.t = p->ntargets ? p->ntargets : 1;
	sh.s = p->source_ips ? p->source_ips : 1;
	sh.given_s = p->source_ips != 0;
	sh.sides = p->role == PROBE_ROLE_BOTH ? 2 : 1;
	sh.client = p->role != PROBE_ROLE_SERVER;
	sh.server_info = p->role != PROBE_ROLE_CLIENT;
	sh.loopback = p->loopback;
	sh.ipv6 = p->ipv6;
	return sh;
}

static struct probe_row *row_new(struct probe_row *rows, size_t *n, const char *limit, const char *caps)
{
	struct probe_row *r = &rows[(*n)++];
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->caps = caps;
	snprintf(r->current, sizeof(r->current), "absent");
	snprintf(r->max, sizeof(r->max), "-");
	r->max_conns = UINT64_MAX;
	snprintf(r->needs, sizeof(r->needs), "-");
	r->v = PROBE_INFO;
	return r;
}

static void set_max(struct probe_row *r, uint64_t m)
{
	r->max_conns = m;
	if (m == UINT64_MAX)
		snprintf(r->max, sizeof(r->max), "-");
	else
		snprintf(r->max, sizeof(r->max), "%" PRIu64, m);
}

/* ---- one function per limit ------------------------------------------------ */

static void row_nofile(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_NOFILE_SOFT) || !has(l, KL_NOFILE_HARD)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t soft = l->v[KL_NOFILE_SOFT][0], hard = l->v[KL_NOFILE_HARD][0];
	char a[24], b[24];
	fmt_limit(a, sizeof(a), soft);
	fmt_limit(b, sizeof(b), hard);
	snprintf(r->current, sizeof(r->current), "%s/%s", a, b);
	int64_t eff = hard;
	if (hard == KL_UNLIMITED && has(l, KL_NR_OPEN))
		eff = l->v[KL_NR_OPEN][0]; /* no process gets past fs.nr_open */
	uint64_t per = eff > PROBE_FD_RESERVE ? (uint64_t)eff - PROBE_FD_RESERVE : 0;
	if (per == 0) {
		r->v = PROBE_BINDS;
		set_max(r, 0);
		snprintf(r->needs, sizeof(r->needs), "%d+ fds", PROBE_FD_RESERVE + 1);
		r->ratio = ratio_of(PROBE_FD_RESERVE + 1, eff > 0 ? (uint64_t)eff : 0);
		snprintf(r->note, sizeof(r->note),
			 "the hard limit %" PRId64 " leaves no room for sockets beside the %d descriptors a process keeps "
			 "for itself: tcpswarm cannot run",
			 hard, PROBE_FD_RESERVE);
		snprintf(r->fix, sizeof(r->fix),
			 "raise the hard limit as root: ulimit -Hn 65536 (or LimitNOFILE= in a systemd unit, "
			 "nofile in /etc/security/limits.conf)");
		return;
	}
	/* max_conns stays UINT64_MAX: past one process, tcpswarm fans out */
	snprintf(r->max, sizeof(r->max), "%" PRIu64 "/process", per);
	r->v = PROBE_OK;
	if (!sh->n) {
		snprintf(r->note, sizeof(r->note),
			 "one process holds at most %" PRIu64 " connections (hard limit minus %d spare descriptors); "
			 "tcpswarm spreads larger runs over processes by itself",
			 per, PROBE_FD_RESERVE);
		return;
	}
	uint64_t procs = div_ceil(sh->n, per);
	if (sh->sides == 2)
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 "+%" PRIu64 " processes", procs, procs);
	else
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " process%s", procs, procs == 1 ? "" : "es");
	if (procs > 1) {
		char who[96];
		if (sh->sides == 2)
			snprintf(who, sizeof(who), "%" PRIu64 " client and %" PRIu64 " server processes", procs, procs);
		else
			snprintf(who, sizeof(who), "%" PRIu64 " %s processes", procs, sh->client ? "client" : "server");
		snprintf(r->note, sizeof(r->note),
			 "one process holds at most %" PRIu64 " connections (hard limit %" PRId64 " minus %d spare "
			 "descriptors): this plan needs %s; tcpswarm fans out over processes by itself "
			 "(--processes auto; the server sizes them from --max-conns)",
			 per, eff, PROBE_FD_RESERVE, who);
	} else if (soft < (int64_t)(sh->n + PROBE_FD_RESERVE)) {
		snprintf(r->note, sizeof(r->note),
			 "the soft limit %" PRId64 " is below the %" PRIu64 " descriptors needed: tcpswarm raises it "
			 "to the hard limit by itself",
			 soft, sh->n + PROBE_FD_RESERVE);
	}
}

static void row_file_max(const struct klimits *l, const struct shape *sh, bool sys_admin, struct probe_row *r)
{
	if (!has(l, KL_FILE_MAX)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t fmax = l->v[KL_FILE_MAX][0];
	uint64_t open = has(l, KL_FILE_NR) ? (uint64_t)l->v[KL_FILE_NR][0] : 0;
	char a[24];
	fmt_limit(a, sizeof(a), fmax);
	snprintf(r->current, sizeof(r->current), "%s (%" PRIu64 " open)", a, open);
	r->v = PROBE_OK;
	uint64_t need = sat_add(sat_mul(sh->n, sh->sides), open);
	if (sh->n)
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " files", need);
	if (fmax >= HUGE_LIMIT)
		return;
	uint64_t cap = ((uint64_t)fmax > open ? (uint64_t)fmax - open : 0) / sh->sides;
	if (sys_admin) {
		/* alloc_empty_file() lets CAP_SYS_ADMIN past fs.file-max */
		snprintf(r->note, sizeof(r->note),
			 "this user has CAP_SYS_ADMIN, which the kernel lets past fs.file-max; without it the limit "
			 "caps this shape at %" PRIu64 " connections",
			 cap);
	} else {
		set_max(r, cap);
	}
	if (!sh->n)
		return;
	r->ratio = ratio_of(need, (uint64_t)fmax);
	if (r->ratio > 1 && sys_admin) {
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "%" PRIu64 " sockets plus the %" PRIu64 " files open now exceed it; this user has "
			 "CAP_SYS_ADMIN, which the kernel lets past it, anyone else gets ENFILE",
			 sh->n * sh->sides, open);
	} else if (r->ratio > 1) {
		r->v = PROBE_BINDS;
		snprintf(r->note, sizeof(r->note),
			 "%" PRIu64 " sockets plus the %" PRIu64 " files open now exceed it: socket() and accept() "
			 "fail with ENFILE (processes with CAP_SYS_ADMIN may go past it)",
			 sh->n * sh->sides, open);
	} else if (r->ratio > NEAR_RATIO && !sys_admin) {
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "the plan uses %.0f%% of the system's file limit: other processes may push it over (ENFILE)",
			 r->ratio * 100);
	}
	if (r->v != PROBE_OK)
		snprintf(r->fix, sizeof(r->fix), "sysctl -w fs.file-max=%" PRIu64, suggest(need));
}

static void row_nr_open(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_NR_OPEN)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t nr = l->v[KL_NR_OPEN][0];
	snprintf(r->current, sizeof(r->current), "%" PRId64, nr);
	if (!sh->n)
		return;
	uint64_t one = sat_add(sh->n, PROBE_FD_RESERVE);
	snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " for 1 process", one);
	if (has(l, KL_NOFILE_HARD) && l->v[KL_NOFILE_HARD][0] < (int64_t)one && one <= (uint64_t)nr)
		snprintf(r->note, sizeof(r->note),
			 "root can raise ulimit -Hn up to %" PRId64 ": one process could then hold the whole plan "
			 "(fewer processes, same result)",
			 nr);
}

/* The --source suggestion for ips source IPs (fix of ip_local_port_range). */
static void port_fix(const struct shape *sh, uint64_t ips, char *fix, size_t cap)
{
	if (ips == UINT64_MAX) {
		snprintf(fix, cap, "the range is empty: sysctl -w net.ipv4.ip_local_port_range='32768 60999'");
		return;
	}
	char widen[96] = "";
	/* ip_local_port_range 1024-65535 alone is enough */
	if (sh->n <= sat_mul(sat_mul(WIDEST_PORTS, sh->s), sh->t))
		snprintf(widen, sizeof(widen), ", or widen: sysctl -w net.ipv4.ip_local_port_range='1024 65535'");
	if (sh->loopback && !sh->ipv6 && ips <= 0x00fffffdu) {
		struct in_addr last = { .s_addr = htonl((uint32_t)(0x7f000001u + ips)) };
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &last, ip, sizeof(ip));
		snprintf(fix, cap, "--source 127.0.0.2-%s (%" PRIu64 " source IPs, all on lo already)%s", ip, ips, widen);
	} else if (sh->loopback && sh->ipv6) {
		snprintf(fix, cap,
			 "%" PRIu64 " source IPs: ::1 is the only IPv6 loopback address, so target 127.0.0.1 with "
			 "--source 127.0.0.2-..., or add addresses to lo (ip -6 addr add fd00::N/128 dev lo) and pass "
			 "them to --source%s",
			 ips, widen);
	} else {
		snprintf(fix, cap,
			 "%" PRIu64 " source IPs: add addresses to the interface (ip addr add ADDR/32 dev IF) and "
			 "pass them as --source A-B%s",
			 ips, widen);
	}
}

static void row_ports(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (l->n[KL_IP_LOCAL_PORT_RANGE] < 2) {
		r->v = PROBE_NA;
		return;
	}
	int64_t lo = l->v[KL_IP_LOCAL_PORT_RANGE][0], hi = l->v[KL_IP_LOCAL_PORT_RANGE][1];
	if (lo < 0 || hi < 0 || lo > 65535 || hi > 65535) {
		r->v = PROBE_NA;
		return;
	}
	uint64_t ports = ports_per_tuple((uint32_t)lo, (uint32_t)hi);
	snprintf(r->current, sizeof(r->current), "%" PRId64 "-%" PRId64 " (%" PRIu64 ")", lo, hi, ports);
	if (!sh->client) {
		r->v = PROBE_NA; /* accepted sockets take no local port */
		return;
	}
	uint64_t cap = sat_mul(sat_mul(ports, sh->s), sh->t);
	set_max(r, cap);
	r->v = PROBE_OK;
	if (ports == 0) {
		r->v = PROBE_BINDS;
		r->ratio = INFINITY;
		port_fix(sh, UINT64_MAX, r->fix, sizeof(r->fix));
		return;
	}
	if (!sh->n)
		return;
	uint64_t ips = srcaddr_ips_needed(sh->n, sh->t, (uint32_t)lo, (uint32_t)hi);
	if (sh->given_s && sh->s != UINT64_MAX)
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " source IP%s (have %" PRIu64 ")", ips, plural(ips),
			 sh->s);
	else
		snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " source IP%s", ips, plural(ips));
	r->ratio = ratio_of(sh->n, cap);
	char tw[160] = "";
	if (r->ratio > 0.5 && has(l, KL_TCP_TW_REUSE) &&
	    (l->v[KL_TCP_TW_REUSE][0] == 0 || (l->v[KL_TCP_TW_REUSE][0] == 2 && !sh->loopback)))
		snprintf(tw, sizeof(tw),
			 "; ports of connections closed in the last 60 s sit in TIME-WAIT and still count: "
			 "net.ipv4.tcp_tw_reuse=1 lets connect() reuse them");
	if (r->ratio > 1) {
		r->v = PROBE_BINDS;
		snprintf(r->note, sizeof(r->note),
			 "each (source IP, target) tuple holds one connection per local port: %" PRIu64 " port%s x %"
			 PRIu64 " source IP%s x %" PRIu64 " target%s = %" PRIu64 "; past that connect() fails with "
			 "EADDRNOTAVAIL%s",
			 ports, plural(ports), sh->s, plural(sh->s), sh->t, plural(sh->t), cap, tw);
		port_fix(sh, ips, r->fix, sizeof(r->fix));
	} else if (r->ratio > NEAR_RATIO) {
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "over 90%% of the local ports of each tuple in use: the kernel's port search gets slow and "
			 "connect() latency rises%s",
			 tw);
		/* enough source IPs to bring the ports in use under 90% */
		uint64_t per_ip = sat_mul(ports, sh->t);
		port_fix(sh, div_ceil(sat_mul(sh->n, 10), sat_mul(per_ip, 9)), r->fix, sizeof(r->fix));
	} else if (tw[0]) {
		snprintf(r->note, sizeof(r->note), "%s", tw + 2);
	}
}

static void row_somaxconn(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_SOMAXCONN)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t v = l->v[KL_SOMAXCONN][0];
	snprintf(r->current, sizeof(r->current), "%" PRId64, v);
	if (!sh->server_info) {
		r->v = PROBE_NA; /* the server is elsewhere: its own somaxconn counts */
		return;
	}
	int64_t depth = v < 65535 ? v : 65535;
	if (v < 1024) {
		r->v = PROBE_WARN;
		snprintf(r->fix, sizeof(r->fix), "sysctl -w net.core.somaxconn=4096");
	}
	snprintf(r->note, sizeof(r->note),
		 "%saccept queue depth %" PRId64 " per listener (min(--backlog 65535, somaxconn); tcpswarm server: "
		 "one listener per worker); what connect rate it absorbs without overflow depends on how fast the "
		 "server accepts, unknown until a run (watch ListenOverflows)",
		 v < 1024 ? "below 1024: a burst of connects overflows it and clients wait for SYN retries (1 s, 3 s); "
			  : "",
		 depth);
}

static void row_syn_backlog(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_TCP_MAX_SYN_BACKLOG)) {
		r->v = PROBE_NA;
		return;
	}
	snprintf(r->current, sizeof(r->current), "%" PRId64, l->v[KL_TCP_MAX_SYN_BACKLOG][0]);
	if (!sh->server_info)
		r->v = PROBE_NA;
}

static void row_syncookies(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_TCP_SYNCOOKIES)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t v = l->v[KL_TCP_SYNCOOKIES][0];
	snprintf(r->current, sizeof(r->current), "%" PRId64 " (%s)", v,
		 v == 0 ? "off" : v == 1 ? "on overflow" : "always");
	if (!sh->server_info) {
		r->v = PROBE_NA;
		return;
	}
	if (v == 0) {
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "off: SYNs beyond the SYN queue are dropped (TCPReqQFullDrop) and clients retry after 1 s");
		snprintf(r->fix, sizeof(r->fix), "sysctl -w net.ipv4.tcp_syncookies=1");
	}
}

static void row_tcp_mem(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (l->n[KL_TCP_MEM] < 3 || !has(l, KL_PAGE_SIZE) || l->v[KL_TCP_MEM][2] < 0) {
		r->v = PROBE_NA;
		return;
	}
	uint64_t page = (uint64_t)l->v[KL_PAGE_SIZE][0];
	uint64_t pmin = (uint64_t)(l->v[KL_TCP_MEM][0] > 0 ? l->v[KL_TCP_MEM][0] : 0);
	uint64_t press = (uint64_t)(l->v[KL_TCP_MEM][1] > 0 ? l->v[KL_TCP_MEM][1] : 0);
	uint64_t pmax = (uint64_t)l->v[KL_TCP_MEM][2];
	char a[16], b[16], c[16];
	units_fmt_bytes(a, sizeof(a), (double)pmin * (double)page);
	units_fmt_bytes(b, sizeof(b), (double)press * (double)page);
	units_fmt_bytes(c, sizeof(c), (double)pmax * (double)page);
	snprintf(r->current, sizeof(r->current), "%s/%s/%s", a, b, c);
	uint64_t busy_socks = pmax / PROBE_BUSY_SOCK_PAGES; /* sockets that can hold data at once */
	if (!sh->n) {
		snprintf(r->note, sizeof(r->note),
			 "idle connections charge no TCP buffer memory; a socket holding data charges at least one page: "
			 "at most %" PRIu64 " sockets can hold data at once",
			 busy_socks);
		return;
	}
	r->v = PROBE_OK;
	uint64_t busy = sat_mul(sat_mul(sh->n, sh->sides), PROBE_BUSY_SOCK_PAGES);
	char d[16];
	units_fmt_bytes(d, sizeof(d), (double)busy * (double)page);
	snprintf(r->needs, sizeof(r->needs), "0 idle, %s busy", d);
	r->ratio = ratio_of(busy, pmax);
	if (busy > press) {
		r->v = PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "idle connections charge nothing here, but a socket holding data charges at least one page: "
			 "all %" PRIu64 " sockets holding a message at once would need %s, over the %s %s; past "
			 "pressure TCP shrinks buffers, past max it drops data and resets connections (TCPAbortOnMemory); "
			 "at most %" PRIu64 " sockets can hold data at once",
			 sh->n * sh->sides, d, busy > pmax ? "max" : "pressure", busy > pmax ? c : b, busy_socks);
		snprintf(r->fix, sizeof(r->fix), "sysctl -w net.ipv4.tcp_mem='%" PRIu64 " %" PRIu64 " %" PRIu64 "'",
			 pmin, busy > press ? busy : press, suggest(busy > pmax ? busy : pmax));
	}
}

static void row_memory(uint64_t mem, const struct shape *sh, struct probe_row *r)
{
	if (!mem) {
		r->v = PROBE_NA;
		return;
	}
	units_fmt_bytes(r->current, sizeof(r->current), (double)mem);
	uint64_t per = (uint64_t)(PROBE_SOCK_KMEM_BYTES + PROBE_USER_BYTES_PER_CONN) * sh->sides;
	set_max(r, mem / per);
	r->v = PROBE_OK;
	if (!sh->n)
		return;
	uint64_t need = sat_mul(sh->n, per);
	units_fmt_bytes(r->needs, sizeof(r->needs), (double)need);
	r->ratio = ratio_of(need, mem);
	if (r->ratio > 0.5) {
		char m[16];
		units_fmt_bytes(m, sizeof(m), (double)mem);
		r->v = r->ratio > 1 ? PROBE_BINDS : PROBE_WARN;
		snprintf(r->note, sizeof(r->note),
			 "each socket pins ~%d bytes of kernel memory (tcp_sock, inode, file, dentry, epoll item) "
			 "plus %d of tcpswarm's: %" PRIu64 " sockets need %s, %s %s",
			 PROBE_SOCK_KMEM_BYTES, PROBE_USER_BYTES_PER_CONN, sh->n * sh->sides, r->needs,
			 r->ratio > 1 ? "more than the" : "over half of the", m);
		snprintf(r->fix, sizeof(r->fix),
			 "%sspread the clients over more hosts (tcpswarm merge adds up their reports), or add memory",
			 sh->sides == 2 ? "run the server and the clients on different hosts, or " : "");
	}
}

static void row_orphans(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_TCP_MAX_ORPHANS)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t v = l->v[KL_TCP_MAX_ORPHANS][0];
	snprintf(r->current, sizeof(r->current), "%" PRId64, v);
	if (sh->n > (uint64_t)v)
		snprintf(r->note, sizeof(r->note),
			 "closing all %" PRIu64 " connections at once orphans more than this: the kernel resets the "
			 "rest ('too many orphaned sockets', TCPAbortOnMemory); harmless at the end of a run",
			 sh->n);
}

static void row_tw_buckets(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_TCP_MAX_TW_BUCKETS)) {
		r->v = PROBE_NA;
		return;
	}
	int64_t v = l->v[KL_TCP_MAX_TW_BUCKETS][0];
	snprintf(r->current, sizeof(r->current), "%" PRId64, v);
	if (sh->n > (uint64_t)v)
		snprintf(r->note, sizeof(r->note),
			 "the side that closes first keeps each connection in TIME-WAIT for 60 s; past %" PRId64
			 " the kernel skips TIME-WAIT (TCPTimeWaitOverflow): harmless for a test",
			 v);
}

static void row_conntrack(const struct klimits *l, const struct shape *sh, struct probe_row *r)
{
	if (!has(l, KL_NF_CONNTRACK_MAX)) {
		snprintf(r->current, sizeof(r->current), "not loaded");
		r->v = PROBE_NA;
		return;
	}
	int64_t max = l->v[KL_NF_CONNTRACK_MAX][0];
	bool counted = has(l, KL_NF_CONNTRACK_COUNT);
	uint64_t count = counted ? (uint64_t)l->v[KL_NF_CONNTRACK_COUNT][0] : 0;
	/* Loaded but empty while this host surely has some traffic: no rule in
	 * this network namespace asks for tracking, so nothing is tracked. */
	bool idle = counted && count == 0;
	if (counted)
		snprintf(r->current, sizeof(r->current), "%" PRId64 " (%" PRIu64 " in use)", max, count);
	else
		snprintf(r->current, sizeof(r->current), "%" PRId64, max);
	r->v = PROBE_OK;
	if (!idle)
		set_max(r, (uint64_t)max > count ? (uint64_t)max - count : 0);
	if (idle)
		snprintf(r->note, sizeof(r->note),
			 "loaded but tracking nothing now: probably no firewall rule in this network namespace uses it, "
			 "and then it does not limit; if one does, it caps connections at %" PRId64,
			 max);
	if (!sh->n)
		return;
	uint64_t need = sat_add(sh->n, count);
	snprintf(r->needs, sizeof(r->needs), "%" PRIu64 " entries", need);
	r->ratio = ratio_of(need, (uint64_t)max);
	if (r->ratio > 1 && !idle) {
		r->v = PROBE_BINDS;
		snprintf(r->note, sizeof(r->note),
			 "one entry per connection: past %" PRId64 " the SYNs of new connections are dropped "
			 "('nf_conntrack: table full, dropping packet') and connect() times out",
			 max);
	} else if (r->ratio > 1 || (r->ratio > NEAR_RATIO && !idle)) {
		r->v = PROBE_WARN;
	}
	if (r->v != PROBE_OK)
		snprintf(r->fix, sizeof(r->fix),
			 "sysctl -w net.netfilter.nf_conntrack_max=%" PRIu64 ", or exempt the test traffic from tracking "
			 "(a raw-table notrack rule)",
			 suggest(need));
}

/* ---- evaluation -------------------------------------------------------------- */

static int verdict_rank(enum probe_verdict v)
{
	switch (v) {
	case PROBE_BINDS: return 0;
	case PROBE_WARN: return 2;
	case PROBE_OK: return 2; /* warn and ok rows are ranked together by ratio */
	case PROBE_INFO: return 3;
	case PROBE_NA: return 4;
	}
	return 5;
}

/* Negative if a goes before b. */
static int row_cmp(const struct probe_row *a, const struct probe_row *b, bool counted)
{
	int ra = verdict_rank(a->v), rb = verdict_rank(b->v);
	if (!counted) {
		/* without a count, rows that cap the count come first, smallest cap first */
		if (ra == 2 && a->max_conns != UINT64_MAX)
			ra = 1;
		if (rb == 2 && b->max_conns != UINT64_MAX)
			rb = 1;
	}
	if (ra != rb)
		return ra - rb;
	if (ra == 1)
		return a->max_conns < b->max_conns ? -1 : a->max_conns > b->max_conns;
	if (ra <= 2 && counted)
		return a->ratio > b->ratio ? -1 : a->ratio < b->ratio;
	return 0;
}

size_t probe_evaluate(const struct klimits *lim, const struct probe_host *host, const struct probe_plan *plan,
		      struct probe_row *rows, size_t cap)
{
	struct probe_host none = { 0 };
	if (!host)
		host = &none;
	struct shape sh = shape_of(plan);
	struct probe_row all[PROBE_MAX_ROWS];
	size_t n = 0;
	row_nofile(lim, &sh, row_new(all, &n, "nofile", "fds per process (soft/hard)"));
	row_file_max(lim, &sh, host->cap_sys_admin, row_new(all, &n, "fs.file-max", "open files, whole system"));
	row_nr_open(lim, &sh, row_new(all, &n, "fs.nr_open", "ceiling for ulimit -Hn"));
	row_ports(lim, &sh, row_new(all, &n, "ip_local_port_range", "ports per (source IP, target)"));
	row_somaxconn(lim, &sh, row_new(all, &n, "somaxconn", "accept queue per listener"));
	row_syn_backlog(lim, &sh, row_new(all, &n, "tcp_max_syn_backlog", "SYN_RECV per listener"));
	row_syncookies(lim, &sh, row_new(all, &n, "tcp_syncookies", "SYN queue overflow"));
	row_tcp_mem(lim, &sh, row_new(all, &n, "tcp_mem", "TCP buffers (min/pressure/max)"));
	row_memory(host->mem_bytes, &sh, row_new(all, &n, "memory", "RAM for socket structs"));
	row_orphans(lim, &sh, row_new(all, &n, "tcp_max_orphans", "closed, unfinished sockets"));
	row_tw_buckets(lim, &sh, row_new(all, &n, "tcp_max_tw_buckets", "TIME-WAIT sockets"));
	row_conntrack(lim, &sh, row_new(all, &n, "nf_conntrack_max", "tracked connections"));

	/* insertion sort: stable, n is small */
	bool counted = sh.n > 0;
	for (size_t i = 1; i < n; i++) {
		struct probe_row tmp = all[i];
		size_t j = i;
		while (j > 0 && row_cmp(&tmp, &all[j - 1], counted) < 0) {
			all[j] = all[j - 1];
			j--;
		}
		all[j] = tmp;
	}
	size_t out = n < cap ? n : cap;
	if (out)
		memcpy(rows, all, out * sizeof(rows[0]));
	return out;
}

const struct probe_row *probe_first_cap(const struct probe_row *rows, size_t n)
{
	const struct probe_row *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[i].v != PROBE_NA && rows[i].max_conns != UINT64_MAX &&
		    (!best || rows[i].max_conns < best->max_conns))
			best = &rows[i];
	return best;
}

int probe_status(const struct probe_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].v == PROBE_BINDS)
			return 1;
	return 0;
}

const char *probe_verdict_name(enum probe_verdict v)
{
	switch (v) {
	case PROBE_BINDS: return "BINDS";
	case PROBE_WARN: return "warn";
	case PROBE_OK: return "ok";
	case PROBE_INFO: return "info";
	case PROBE_NA: return "n/a";
	}
	return "?";
}

const char *probe_role_name(enum probe_role r)
{
	switch (r) {
	case PROBE_ROLE_CLIENT: return "client";
	case PROBE_ROLE_SERVER: return "server";
	case PROBE_ROLE_BOTH: return "both";
	}
	return "?";
}

/* ---- printing ---------------------------------------------------------------- */

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
	struct shape sh = shape_of(plan);
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

void probe_print(FILE *out, const struct probe_row *rows, size_t n, const struct probe_plan *plan)
{
	bool counted = plan && plan->conns;
	if (plan) {
		struct shape sh = shape_of(plan);
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
		if (binds)
			return;
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

/* ---- the subcommand ------------------------------------------------------------ */

void probe_help(FILE *out)
{
	fprintf(out,
		"usage: tcpswarm probe [options] [HOST:PORT ...]\n\n"
		"Reads this host's kernel limits (rlimits, sysctls, memory) and says what each one caps and which\n"
		"binds first. With -c, checks whether a plan of N connections fits.\n\n"
		"  %-28s %s\n  %-28s %s\n  %-28s %s\n  %-28s %s\n  %-28s %s\n",
		"-c, --connections N",
		"connections the plan holds; counts take k, m (100k = 100000), 1 to 100m\n"
		"                               (default: no plan: list the limits and the most connections each allows)",
		"    --source RANGE",
		"client source IPs: 127.0.0.2-127.0.0.20, 10.0.1.0/24 or a comma list\n"
		"                               (default: none, the kernel picks one per target)",
		"    --role ROLE",
		"sockets on this host: client, server or both (default: both when every\n"
		"                               target is loopback, else client)",
		"-h, --help", "this help",
		"HOST:PORT", "target(s), 0 to 64 (default: one target on another host)");
	fprintf(out,
		"\nexit status: 0 the plan fits (or no plan), 1 a limit binds, 2 usage error\n"
		"examples:\n"
		"  tcpswarm probe\n"
		"  tcpswarm probe -c 200k 127.0.0.1:7000\n"
		"  tcpswarm probe -c 1m 10.0.0.1:53 --source 10.0.1.1-10.0.1.20\n");
}

/* Memory the cgroup of this process may use (v2 memory.max, v1
 * memory.limit_in_bytes), or 0 when unlimited or unknown. */
static uint64_t cgroup_memory_limit(void)
{
	char paths[4][512];
	size_t np = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (f) {
		char line[512];
		while (np < 2 && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (!strncmp(line, "0::", 3))
				snprintf(paths[np++], sizeof(paths[0]), "/sys/fs/cgroup%.400s/memory.max", line + 3);
			else if (strstr(line, ":memory:"))
				snprintf(paths[np++], sizeof(paths[0]), "/sys/fs/cgroup/memory%.400s/memory.limit_in_bytes",
					 strstr(line, ":memory:") + 8);
		}
		fclose(f);
	}
	snprintf(paths[np++], sizeof(paths[0]), "/sys/fs/cgroup/memory.max");
	snprintf(paths[np++], sizeof(paths[0]), "/sys/fs/cgroup/memory/memory.limit_in_bytes");
	uint64_t best = 0;
	for (size_t i = 0; i < np; i++) {
		int64_t v;
		if (kstat_read_ints(paths[i], &v, 1) == 1 && v > 0 && v < HUGE_LIMIT && (!best || (uint64_t)v < best))
			best = (uint64_t)v;
	}
	return best;
}

/* CAP_SYS_ADMIN (bit 21) in CapEff, and the initial user namespace (an
 * identity uid_map): capable() checks the initial namespace. */
static bool has_cap_sys_admin(void)
{
	bool cap = false, init_ns = false;
	FILE *f = fopen("/proc/self/status", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "CapEff:", 7)) {
				unsigned long long m = strtoull(line + 7, NULL, 16);
				cap = (m >> 21) & 1;
			}
		fclose(f);
	}
	f = fopen("/proc/self/uid_map", "r");
	if (f) {
		unsigned long long in = 1, out = 1, len = 0;
		init_ns = fscanf(f, "%llu %llu %llu", &in, &out, &len) == 3 && in == 0 && out == 0 && len == 4294967295ULL;
		fclose(f);
	}
	return cap && init_ns;
}

void probe_read_host(struct probe_host *host, bool *cgroup)
{
	memset(host, 0, sizeof(*host));
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	host->mem_bytes = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
	uint64_t cg = cgroup_memory_limit();
	bool used = cg && (!host->mem_bytes || cg < host->mem_bytes);
	if (used)
		host->mem_bytes = cg;
	if (cgroup)
		*cgroup = used;
	host->cap_sys_admin = has_cap_sys_admin();
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tcpswarm probe: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_USAGE;
}

int probe_main(int argc, char **argv)
{
	uint64_t conns = 0;
	const char *source = NULL;
	int role = -1;
	struct sockaddr_any targets[MAX_TARGETS];
	unsigned nt = 0;
	bool only_pos = false;
	char err[512];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			probe_help(stdout);
			return 0;
		}
		if (only_pos || a[0] != '-' || !a[1]) {
			if (nt == MAX_TARGETS)
				return usage_error("at most %d targets ('%s' is one too many)", MAX_TARGETS, a);
			if (addr_parse_target(a, &targets[nt], err, sizeof(err)) < 0)
				return usage_error("target %s", err);
			nt++;
			continue;
		}
		char shown[64];
		const char *val = NULL;
		char which;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			snprintf(shown, sizeof(shown), "--%.*s", (int)(len < 40 ? len : 40), name);
			if (len == 11 && !strncmp(name, "connections", len))
				which = 'c';
			else if (len == 6 && !strncmp(name, "source", len))
				which = 's';
			else if (len == 4 && !strncmp(name, "role", len))
				which = 'r';
			else
				return usage_error("unknown option '%s' (see tcpswarm probe --help)", shown);
			if (eq)
				val = eq + 1;
		} else {
			snprintf(shown, sizeof(shown), "-%c", a[1]);
			if (a[1] != 'c')
				return usage_error("unknown option '%s' (see tcpswarm probe --help)", shown);
			which = 'c';
			if (a[2])
				val = a + 2;
		}
		if (!val) {
			if (i + 1 >= argc)
				return usage_error("option %s needs a value (%s)", shown,
						   which == 'c' ? "N, e.g. 100k" : which == 's' ? "RANGE, e.g. 127.0.0.2-127.0.0.20"
									     : "client, server or both");
			val = argv[++i];
		}
		if (which == 'c') {
			if (units_parse_count(val, &conns, err, sizeof(err)) < 0)
				return usage_error("option %s: %s", shown, err);
			if (conns == 0 || conns > 100000000)
				return usage_error("option %s: '%s': expected 1 to 100m connections", shown, val);
		} else if (which == 's') {
			if (!*val)
				return usage_error("option %s: empty value (accepted: 127.0.0.2-127.0.0.20, "
						   "10.0.1.0/24 or a comma list)", shown);
			source = val;
		} else {
			if (!strcmp(val, "client"))
				role = PROBE_ROLE_CLIENT;
			else if (!strcmp(val, "server"))
				role = PROBE_ROLE_SERVER;
			else if (!strcmp(val, "both"))
				role = PROBE_ROLE_BOTH;
			else
				return usage_error("option %s: '%s': expected one of client, server, both", shown, val);
		}
	}

	int fam = nt ? targets[0].sa.sa_family : 0;
	bool loopback = nt > 0;
	for (unsigned i = 0; i < nt; i++) {
		loopback = loopback && addr_is_loopback(&targets[i]);
		if (source && targets[i].sa.sa_family != fam)
			return usage_error("--source needs every target in one address family");
	}
	struct srcset set = { 0 };
	if (source) {
		if (srcset_parse(&set, source, err, sizeof(err)) < 0)
			return usage_error("option --source: %s", err);
		if (nt && set.n && set.addrs[0].sa.sa_family != fam) {
			bool v6 = set.addrs[0].sa.sa_family == AF_INET6;
			srcset_free(&set);
			return usage_error("option --source: addresses are %s but the targets are %s", v6 ? "IPv6" : "IPv4",
					   v6 ? "IPv4" : "IPv6");
		}
	}

	struct probe_plan plan = {
		.conns = conns,
		.ntargets = nt,
		.source_ips = set.n,
		.loopback = loopback,
		.ipv6 = fam == AF_INET6 || (set.n && set.addrs[0].sa.sa_family == AF_INET6),
		.role = role >= 0 ? (enum probe_role)role : loopback ? PROBE_ROLE_BOTH : PROBE_ROLE_CLIENT,
	};
	bool have_plan = conns || nt || source || role >= 0;
	srcset_free(&set);

	struct klimits lim;
	kstat_read_limits(&lim);
	struct probe_host host;
	bool cgroup = false;
	probe_read_host(&host, &cgroup);
	if (cgroup) {
		char a[16];
		units_fmt_bytes(a, sizeof(a), (double)host.mem_bytes);
		printf("memory: this cgroup may use %s, less than the RAM: counting that\n", a);
	}

	struct probe_row rows[PROBE_MAX_ROWS];
	size_t n = probe_evaluate(&lim, &host, have_plan ? &plan : NULL, rows, PROBE_MAX_ROWS);
	probe_print(stdout, rows, n, have_plan ? &plan : NULL);
	if (!have_plan) {
		/* what this host holds when it is both ends and sources are no limit */
		struct probe_plan lo = { .ntargets = 1, .source_ips = PROBE_ANY_SOURCES, .loopback = true,
					 .role = PROBE_ROLE_BOTH };
		struct probe_row r2[PROBE_MAX_ROWS];
		size_t n2 = probe_evaluate(&lim, &host, &lo, r2, PROBE_MAX_ROWS);
		const struct probe_row *first = probe_first_cap(r2, n2);
		if (first)
			printf("with both ends on this host (loopback) and enough source IPs (--source 127.0.0.2-...): "
			       "at most %" PRIu64 " connections: %s binds first\n",
			       first->max_conns, first->limit);
	}
	return probe_status(rows, n);
}
