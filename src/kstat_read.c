/* Kernel statistics: the readers. They read the live files (/proc, /sys,
 * rlimits, a listener's TCP_INFO) and hand the text to kstat.c's parsers. */
#define _GNU_SOURCE
#include "tcpswarm/kstat.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- readers ----------------------------------------------------------- */

/* Reads up to cap bytes of path. Returns the length, or -1 with errno
 * (EFBIG when the file does not fit). */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	int err = 0;
	for (;;) {
		char extra;
		bool full = len == cap;
		ssize_t r = full ? read(fd, &extra, 1) : read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = errno;
		else if (r > 0 && full)
			err = EFBIG;
		if (r <= 0 || full)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err) {
		errno = err;
		return -1;
	}
	return (ssize_t)len;
}

/* /proc/net/netstat is ~4 KiB on 6.18; 64 KiB leaves room for growth. */
#define PROC_TEXT_MAX (64 * 1024)

int kstat_read_counters(struct kcounters *out)
{
	static const char *const files[] = {"/proc/net/netstat", "/proc/net/snmp"};
	char *buf = malloc(PROC_TEXT_MAX);
	if (!buf)
		return -1;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ssize_t n = read_file(files[i], buf, PROC_TEXT_MAX);
		if (n < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		/* A malformed section leaves its counters absent; that is all. */
		(void)kstat_parse_netstat(buf, (size_t)n, out);
	}
	free(buf);
	int present = 0;
	for (int i = 0; i < KC__COUNT; i++)
		present += out->present[i];
	return present;
}

int kstat_read_sockstat(struct sockstat *out)
{
	char buf[4096];
	memset(out, 0, sizeof(*out));
	ssize_t n = read_file("/proc/net/sockstat", buf, sizeof(buf));
	if (n < 0)
		return -1;
	(void)kstat_parse_sockstat(buf, (size_t)n, out);
	/* sockstat6 exists only when IPv6 is enabled: absent then, no error. */
	n = read_file("/proc/net/sockstat6", buf, sizeof(buf));
	if (n >= 0)
		(void)kstat_parse_sockstat(buf, (size_t)n, out);
	int present = 0;
	for (int i = 0; i < SS__COUNT; i++)
		present += out->present[i];
	return present;
}

int kstat_read_ints(const char *path, int64_t *v, int max)
{
	char buf[256];
	ssize_t n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	int r = kstat_parse_ints(buf, (size_t)n, v, max);
	if (r < 0)
		errno = EINVAL;
	return r;
}

/* path NULL: not a sysctl (rlimit, page size). nv: values the file holds;
 * keep: how many of them are stored (fs.file-nr holds 3, we keep 1). */
static const struct {
	const char *name;
	const char *path;
	uint8_t nv, keep;
} kl_tab[KL__COUNT] = {
	[KL_NOFILE_SOFT] = {"nofile_soft", NULL, 1, 1},
	[KL_NOFILE_HARD] = {"nofile_hard", NULL, 1, 1},
	[KL_FILE_MAX] = {"file_max", "/proc/sys/fs/file-max", 1, 1},
	[KL_FILE_NR] = {"file_nr", "/proc/sys/fs/file-nr", 3, 1},
	[KL_NR_OPEN] = {"nr_open", "/proc/sys/fs/nr_open", 1, 1},
	[KL_SOMAXCONN] = {"somaxconn", "/proc/sys/net/core/somaxconn", 1, 1},
	[KL_TCP_MAX_SYN_BACKLOG] = {"tcp_max_syn_backlog", "/proc/sys/net/ipv4/tcp_max_syn_backlog", 1, 1},
	[KL_TCP_SYNCOOKIES] = {"tcp_syncookies", "/proc/sys/net/ipv4/tcp_syncookies", 1, 1},
	[KL_TCP_ABORT_ON_OVERFLOW] = {"tcp_abort_on_overflow", "/proc/sys/net/ipv4/tcp_abort_on_overflow", 1, 1},
	[KL_IP_LOCAL_PORT_RANGE] = {"ip_local_port_range", "/proc/sys/net/ipv4/ip_local_port_range", 2, 2},
	[KL_TCP_TW_REUSE] = {"tcp_tw_reuse", "/proc/sys/net/ipv4/tcp_tw_reuse", 1, 1},
	[KL_TCP_MAX_TW_BUCKETS] = {"tcp_max_tw_buckets", "/proc/sys/net/ipv4/tcp_max_tw_buckets", 1, 1},
	[KL_TCP_MAX_ORPHANS] = {"tcp_max_orphans", "/proc/sys/net/ipv4/tcp_max_orphans", 1, 1},
	[KL_TCP_MEM] = {"tcp_mem", "/proc/sys/net/ipv4/tcp_mem", 3, 3},
	[KL_TCP_RMEM] = {"tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem", 3, 3},
	[KL_TCP_WMEM] = {"tcp_wmem", "/proc/sys/net/ipv4/tcp_wmem", 3, 3},
	[KL_TCP_FIN_TIMEOUT] = {"tcp_fin_timeout", "/proc/sys/net/ipv4/tcp_fin_timeout", 1, 1},
	[KL_NETDEV_MAX_BACKLOG] = {"netdev_max_backlog", "/proc/sys/net/core/netdev_max_backlog", 1, 1},
	[KL_NF_CONNTRACK_COUNT] = {"nf_conntrack_count", "/proc/sys/net/netfilter/nf_conntrack_count", 1, 1},
	[KL_NF_CONNTRACK_MAX] = {"nf_conntrack_max", "/proc/sys/net/netfilter/nf_conntrack_max", 1, 1},
	[KL_PAGE_SIZE] = {"page_size", NULL, 1, 1},
};

const char *kl_name(enum kl l)
{
	return (unsigned)l < KL__COUNT ? kl_tab[l].name : NULL;
}

static int64_t rlim_to_i64(rlim_t r)
{
	if (r == RLIM_INFINITY || (uint64_t)r > (uint64_t)INT64_MAX)
		return KL_UNLIMITED;
	return (int64_t)r;
}

static void kl_set(struct klimits *out, enum kl id, int64_t v)
{
	out->v[id][0] = v;
	out->n[id] = 1;
}

int kstat_read_limits(struct klimits *out)
{
	memset(out, 0, sizeof(*out));
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		kl_set(out, KL_NOFILE_SOFT, rlim_to_i64(rl.rlim_cur));
		kl_set(out, KL_NOFILE_HARD, rlim_to_i64(rl.rlim_max));
	}
	long page = sysconf(_SC_PAGESIZE);
	if (page > 0)
		kl_set(out, KL_PAGE_SIZE, page);

	int present = 0;
	for (int i = 0; i < KL__COUNT; i++) {
		int64_t v[KL_MAXV];
		if (kl_tab[i].path && kstat_read_ints(kl_tab[i].path, v, KL_MAXV) == kl_tab[i].nv) {
			memcpy(out->v[i], v, kl_tab[i].keep * sizeof(v[0]));
			out->n[i] = kl_tab[i].keep;
		}
		present += out->n[i] > 0;
	}
	return present;
}

/* ---- listener ---------------------------------------------------------- */

int kstat_listener_queue(int fd, uint32_t *queued, uint32_t *limit)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	if (ti.tcpi_state != TCP_LISTEN) {
		errno = EINVAL;
		return -1;
	}
	/* For a listener, tcp_get_info() reports sk_ack_backlog (connections
	 * done with the handshake, waiting for accept) in tcpi_unacked and
	 * sk_max_ack_backlog (min(backlog, somaxconn)) in tcpi_sacked. */
	*queued = ti.tcpi_unacked;
	*limit = ti.tcpi_sacked;
	return 0;
}

/* ---- this process's memory limit and capabilities ---------------------- */

/* Limit values this large mean "no limit" (memory.max "max" fails to parse;
 * cgroup v1 writes a page-rounded LONG_MAX). */
#define HUGE_LIMIT (INT64_C(1) << 62)

uint64_t kstat_cgroup_memory_limit(void)
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

bool kstat_cap_sys_admin(void)
{
	bool cap = false, init_ns = false;
	FILE *f = fopen("/proc/self/status", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "CapEff:", 7)) {
				unsigned long long m = strtoull(line + 7, NULL, 16);
				cap = (m >> 21) & 1; /* CAP_SYS_ADMIN */
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
