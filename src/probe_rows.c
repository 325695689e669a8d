/* probe's rows, one function per kernel limit (ip_local_port_range is in
 * probe_ports.c): what the limit is now, what it caps, what the plan needs
 * of it, the verdict, a note and a fix. Pure: numbers in, rows out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "probe_shape.h"
#include "tcpswarm/synq.h"
#include "tcpswarm/units.h"

/* Kernel memory of one idle established TCP socket, one side: the slab
 * objects it pins, sizes from /proc/slabinfo on Linux 6.18 x86-64:
 * TCP (struct tcp_sock) 2368 + sock_inode_cache 832 + filp 192 + dentry 192
 * + eventpoll_epi 128 = 3712 bytes (~3.6 KiB; bind buckets and slab slack
 * add a little more). This is slab memory: it comes out of RAM (and the
 * cgroup's memory limit), not out of tcp_mem. */
#define PROBE_SOCK_KMEM_BYTES 3712
/* tcpswarm's own memory per connection per side (its connection state). */
#define PROBE_USER_BYTES_PER_CONN 64
/* tcp_mem counts socket buffer memory only, charged in whole pages: a socket
 * with empty queues (idle) charges nothing; one holding any data (a request
 * not yet read, a reply not yet acked) charges at least one page. The
 * worst case we estimate is every socket holding one small message at once. */
#define PROBE_BUSY_SOCK_PAGES 1
/* ---- helpers --------------------------------------------------------------- */

/* Suggested new value for a limit: need plus a quarter, rounded up to 64k. */
static uint64_t suggest(uint64_t need)
{
	uint64_t x = sat_add(need, need / 4);
	return x > UINT64_MAX - 65535 ? x : (x + 65535) & ~(uint64_t)65535;
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
		probe_set_max(r, 0);
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
		probe_set_max(r, cap);
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
	if (!sh->server_info) {
		r->v = PROBE_NA;
		return;
	}
	/* the ceiling tests/integration/syn_queue_netns.sh measures, for the server's default backlog */
	int64_t ceil = synq_ceiling(65535, has(l, KL_SOMAXCONN) ? l->v[KL_SOMAXCONN][0] : -1,
				    l->v[KL_TCP_MAX_SYN_BACKLOG][0], has(l, KL_TCP_SYNCOOKIES) ? l->v[KL_TCP_SYNCOOKIES][0] : -1);
	if (ceil >= 0)
		snprintf(r->note, sizeof(r->note), "SYN queue holds %" PRId64 " half-open handshakes per listener at "
			 "--backlog 65535 (%s)", ceil, SYNQ_FORMULA);
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
	probe_set_max(r, mem / per);
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
			 "%sspread the clients over more hosts, or add memory",
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
		probe_set_max(r, (uint64_t)max > count ? (uint64_t)max - count : 0);
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

size_t probe_rows_fill(const struct klimits *lim, const struct probe_host *host, const struct shape *sh,
		       struct probe_row *all)
{
	size_t n = 0;
	row_nofile(lim, sh, row_new(all, &n, "nofile", "fds per process (soft/hard)"));
	row_file_max(lim, sh, host->cap_sys_admin, row_new(all, &n, "fs.file-max", "open files, whole system"));
	row_nr_open(lim, sh, row_new(all, &n, "fs.nr_open", "ceiling for ulimit -Hn"));
	probe_row_ports(lim, sh, row_new(all, &n, "ip_local_port_range", "ports per (source IP, target)"));
	row_somaxconn(lim, sh, row_new(all, &n, "somaxconn", "accept queue per listener"));
	row_syn_backlog(lim, sh, row_new(all, &n, "tcp_max_syn_backlog", "SYN_RECV per listener"));
	row_syncookies(lim, sh, row_new(all, &n, "tcp_syncookies", "SYN queue overflow"));
	row_tcp_mem(lim, sh, row_new(all, &n, "tcp_mem", "TCP buffers (min/pressure/max)"));
	row_memory(host->mem_bytes, sh, row_new(all, &n, "memory", "RAM for socket structs"));
	row_orphans(lim, sh, row_new(all, &n, "tcp_max_orphans", "closed, unfinished sockets"));
	row_tw_buckets(lim, sh, row_new(all, &n, "tcp_max_tw_buckets", "TIME-WAIT sockets"));
	row_conntrack(lim, sh, row_new(all, &n, "nf_conntrack_max", "tracked connections"));
	return n;
}
