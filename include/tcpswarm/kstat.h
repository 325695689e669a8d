/* Kernel statistics: TCP counters (/proc/net/netstat, /proc/net/snmp),
 * socket counts (/proc/net/sockstat{,6}), limits (sysctls, rlimits) and the
 * accept queue of a listener.
 *
 * Every value carries a present flag: a counter or file that this kernel does
 * not have is absent, never zero. The text parsers are pure: they take
 * (buf, len) with no NUL needed, never read past len, never allocate, and
 * store what they find into a caller-zeroed struct (kstat.c). The readers
 * (kstat_read_*, the listener queue, this process's cgroup memory limit and
 * capability) read the live system (kstat_read.c). */
#ifndef TCPSWARM_KSTAT_H
#define TCPSWARM_KSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- TCP counters ------------------------------------------------------ */

enum kc {
	/* TcpExt: (/proc/net/netstat) */
	KC_LISTEN_OVERFLOWS,       /* accept queue full: a completed handshake was dropped */
	KC_LISTEN_DROPS,           /* every drop on a listener (overflows included) */
	KC_TCP_REQQ_FULL_DROP,     /* SYN dropped: SYN queue full and no syncookies */
	KC_TCP_REQQ_FULL_DO_COOKIES, /* SYN queue full: answered with a syncookie */
	KC_SYNCOOKIES_SENT,
	KC_SYNCOOKIES_RECV,
	KC_SYNCOOKIES_FAILED,
	KC_TCP_ABORT_ON_MEMORY,    /* reset sent: tcp_mem or orphan limit */
	KC_TCP_ABORT_ON_DATA,
	KC_TCP_ABORT_ON_CLOSE,
	KC_TCP_ABORT_ON_TIMEOUT,
	KC_TCP_ABORT_ON_LINGER,
	KC_TCP_ABORT_FAILED,
	KC_TCP_TIME_WAIT_OVERFLOW, /* tcp_max_tw_buckets reached: TIME-WAIT skipped */
	KC_TCP_BACKLOG_DROP,       /* socket backlog full (socket busy, rcvbuf) */
	KC_TCP_MEMORY_PRESSURES,   /* times tcp_mem[1] pressure was entered */
	KC_TCP_MEMORY_PRESSURES_CHRONO, /* ms spent under pressure (newer kernels) */
	KC_TCP_RCVQ_DROP,          /* receive queue drop: no memory (newer kernels) */
	KC_TCP_SYN_RETRANS,        /* SYN/SYN-ACK retransmits (newer kernels) */
	/* Tcp: (/proc/net/snmp) */
	KC_ACTIVE_OPENS,
	KC_PASSIVE_OPENS,
	KC_ATTEMPT_FAILS,
	KC_ESTAB_RESETS,
	KC_CURR_ESTAB,             /* a gauge, not a counter */
	KC_RETRANS_SEGS,
	KC_IN_ERRS,
	KC_OUT_RSTS,
	KC__COUNT
};

struct kcounters {
	uint64_t v[KC__COUNT];
	uint8_t present[KC__COUNT];
};

/* The kernel's name ("ListenOverflows") and its line prefix ("TcpExt").
 * NULL for an out-of-range value. */
const char *kc_name(enum kc c);
const char *kc_section(enum kc c);

/* Parses /proc/net/netstat or /proc/net/snmp text (same layout: pairs of
 * "Prefix: name name ..." / "Prefix: value value ..." lines). Counters are
 * matched by name, never by position; unknown prefixes and names are skipped.
 * A tracked section whose names and values do not pair up (count mismatch,
 * no values line) is malformed and all its counters stay absent; a tracked
 * value that is not a decimal uint64 leaves only that counter absent. The rest
 * is still stored. out is not cleared, so one zeroed struct can take netstat
 * and snmp in turn.
 * Returns how many distinct tracked counters this text stored (a repeated
 * name counts once, the last value wins), or -1 if a tracked section was
 * malformed. */
int kstat_parse_netstat(const char *buf, size_t len, struct kcounters *out);

/* delta = after - before for counters present in both (a 32-bit kernel's
 * counter that wrapped is counted modulo 2^32, a 64-bit one modulo 2^64).
 * The gauge CurrEstab gets after's value when after has it. */
void kcounters_delta(const struct kcounters *before, const struct kcounters *after,
		     struct kcounters *delta);

/* Calls fn for each present counter, in enum order. */
void kcounters_foreach(const struct kcounters *c,
		       void (*fn)(void *ctx, enum kc id, const char *name, uint64_t v), void *ctx);

/* Reads /proc/net/netstat and /proc/net/snmp into a cleared out. Returns the
 * number of counters present, or -1 with errno if a file cannot be read. */
int kstat_read_counters(struct kcounters *out);

/* ---- sockets in use ---------------------------------------------------- */

enum ss {
	SS_SOCKETS_USED,   /* "sockets: used" (all families) */
	SS_TCP_INUSE,      /* "TCP: inuse": IPv4 TCP sockets, listeners included */
	SS_TCP_ORPHAN,     /* closed by the process, still in the kernel */
	SS_TCP_TW,         /* TIME-WAIT (IPv4 and IPv6) */
	SS_TCP_ALLOC,      /* all TCP socks allocated (IPv6 included) */
	SS_TCP_MEM_PAGES,  /* "mem": pages charged to TCP, compare with tcp_mem */
	SS_TCP6_INUSE,     /* "TCP6: inuse" (/proc/net/sockstat6) */
	SS__COUNT
};

struct sockstat {
	uint64_t v[SS__COUNT];
	uint8_t present[SS__COUNT];
};

const char *ss_name(enum ss s); /* "tcp_inuse", ...; NULL if out of range */

/* Parses sockstat or sockstat6 text ("TCP: inuse 5 orphan 0 tw 0 alloc 7
 * mem 1": a prefix, then key/value pairs; older kernels have fewer keys).
 * out is not cleared. Returns how many distinct tracked fields this text
 * stored, or -1 if a tracked line was malformed (odd token count, a tracked
 * value that is not a number; such values stay absent). */
int kstat_parse_sockstat(const char *buf, size_t len, struct sockstat *out);

/* Reads /proc/net/sockstat and, if it exists (IPv6 on), sockstat6 into a
 * cleared out. Returns fields present, or -1 with errno if sockstat cannot be
 * read. */
int kstat_read_sockstat(struct sockstat *out);

/* What a host holds before a client run starts: TIME-WAIT near its ceiling is
 * a host-wide limit. Ports are the port plan's (per source and target): a
 * host-wide socket count cannot say what this run's tuples have left. */
#define KSTAT_TW_NEAR 0.8 /* of tcp_max_tw_buckets: past it the kernel soon skips TIME-WAIT */
struct host_pressure {
	uint64_t tw;      /* TIME-WAIT sockets now */
	int64_t tw_max;   /* tcp_max_tw_buckets; -1 unknown */
	bool tw_near;     /* tw above KSTAT_TW_NEAR of tw_max */
};
/* Pure: s from kstat_read_sockstat (fields absent count as 0). */
void kstat_host_pressure(const struct sockstat *s, int64_t tw_max, struct host_pressure *out);

/* ---- limits ------------------------------------------------------------ */

enum kl {
	KL_NOFILE_SOFT,          /* getrlimit(RLIMIT_NOFILE) */
	KL_NOFILE_HARD,
	KL_FILE_MAX,             /* fs.file-max */
	KL_FILE_NR,              /* fs.file-nr, first field: file handles allocated */
	KL_NR_OPEN,              /* fs.nr_open: ceiling for RLIMIT_NOFILE */
	KL_SOMAXCONN,            /* net.core.somaxconn: caps listen() backlog */
	KL_TCP_MAX_SYN_BACKLOG,
	KL_TCP_SYNCOOKIES,
	KL_TCP_ABORT_ON_OVERFLOW,
	KL_IP_LOCAL_PORT_RANGE,  /* v[0] = lo, v[1] = hi */
	KL_TCP_TW_REUSE,
	KL_TCP_MAX_TW_BUCKETS,
	KL_TCP_MAX_ORPHANS,
	KL_TCP_MEM,              /* pages: min, pressure, max */
	KL_TCP_RMEM,             /* bytes: min, default, max */
	KL_TCP_WMEM,
	KL_TCP_FIN_TIMEOUT,
	KL_NETDEV_MAX_BACKLOG,
	KL_NF_CONNTRACK_COUNT,   /* absent when conntrack is not loaded */
	KL_NF_CONNTRACK_MAX,
	KL_PAGE_SIZE,            /* sysconf(_SC_PAGESIZE), for tcp_mem and "mem" */
	KL__COUNT
};

#define KL_MAXV 3
#define KL_UNLIMITED INT64_MAX /* RLIM_INFINITY is reported as this */

struct klimits {
	int64_t v[KL__COUNT][KL_MAXV];
	uint8_t n[KL__COUNT]; /* values held; 0 = absent */
};

/* JSON key: "somaxconn", "ip_local_port_range", ...; NULL if out of range. */
const char *kl_name(enum kl l);

/* Parses the text of a sysctl file: 1..max whitespace-separated decimal
 * integers ("32768\t60999\n"). Returns the count, or -1 if empty, not a
 * number, out of int64 range or more than max values. */
int kstat_parse_ints(const char *buf, size_t len, int64_t *v, int max);

/* Reads a sysctl file by path and parses it as above. Returns the count, or
 * -1 with errno (ENOENT if the file does not exist, EINVAL if malformed). */
int kstat_read_ints(const char *path, int64_t *v, int max);

/* Reads every limit into a cleared out; what cannot be read stays absent.
 * Returns the number of limits present. */
int kstat_read_limits(struct klimits *out);

/* ---- listener ---------------------------------------------------------- */

/* Accept queue of a listening TCP socket: connections waiting for accept()
 * and the queue's limit (listen() backlog capped by somaxconn). The kernel
 * drops handshakes once queued exceeds limit, so queued can reach limit + 1.
 * Returns 0, or -1 with errno (EINVAL if fd is not a TCP listener). */
int kstat_listener_queue(int fd, uint32_t *queued, uint32_t *limit);

/* ---- this process ------------------------------------------------------ */

/* Memory the cgroup of this process may use (v2 memory.max, v1
 * memory.limit_in_bytes, the lowest found), or 0 when unlimited or unknown. */
uint64_t kstat_cgroup_memory_limit(void);
/* CAP_SYS_ADMIN in CapEff, in the initial user namespace (an identity
 * uid_map): capable() checks the initial namespace, so only then does the
 * kernel let this process past fs.file-max. */
bool kstat_cap_sys_admin(void);

#endif
