#include "tcpswarm/cpustat.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Parses up to 10 decimal fields after "cpu "; fewer than 4 (user nice
 * system idle, as on 2.4 kernels) is malformed. */
static int parse_cpu_line(const char *p, const char *end, struct cpu_times *out)
{
	uint64_t f[10] = {0};
	int n = 0;
	while (p < end && *p != '\n' && n < 10) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p == '\n')
			break;
		if (*p < '0' || *p > '9')
			return -1;
		uint64_t v = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			uint64_t d = (uint64_t)(*p++ - '0');
			if (v > (UINT64_MAX - d) / 10)
				return -1;
			v = v * 10 + d;
		}
		if (p < end && *p != ' ' && *p != '\n')
			return -1;
		f[n++] = v;
	}
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal guest guest_nice:
	 * guest and guest_nice are already counted in user and nice */
	uint64_t idle = f[3] + f[4];
	uint64_t busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
	out->idle = idle;
	out->busy = busy;
	out->total = idle + busy;
	return 0;
}

int cpustat_parse(const char *buf, size_t len, struct cpu_times *out)
{
	memset(out, 0, sizeof(*out));
	const char *end = buf + len;
	int found = -1;
	for (const char *line = buf; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - line);
		if (ll > 4 && !memcmp(line, "cpu ", 4))
			found = parse_cpu_line(line + 4, le, out);
		else if (ll > 3 && !memcmp(line, "cpu", 3) && line[3] >= '0' && line[3] <= '9')
			out->ncpu++;
		line = nl ? nl + 1 : end;
	}
	return found;
}

int cpustat_read(struct cpu_times *out)
{
	/* the cpu lines come first; 8 KiB holds them for ~100 CPUs */
	char buf[8192];
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof(buf))
			break;
	}
	close(fd);
	/* cut at the last whole line: a cpuN line split by the buffer end is dropped */
	while (have && buf[have - 1] != '\n')
		have--;
	return cpustat_parse(buf, have, out);
}

double cpustat_busy_share(const struct cpu_times *a, const struct cpu_times *b)
{
	if (b->total <= a->total || b->busy < a->busy)
		return -1;
	return (double)(b->busy - a->busy) / (double)(b->total - a->total);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t cpustat_thread_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }
uint64_t cpustat_process_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
