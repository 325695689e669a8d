/* Kernel half of synq.h: one sock_diag dump per family, and the sampler
 * thread the server runs beside its workers. */
#include "tcpswarm/synq.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SYNQ_STATES ((1u << 3) | (1u << 12)) /* TCP_SYN_RECV, TCP_NEW_SYN_RECV */

static int dump_family(int fd, uint8_t family, uint16_t port, uint64_t *count)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = SYNQ_STATES;
	req.r.id.idiag_sport = htons(port); /* not a filter for dumps: the parser filters */
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -1;
	static _Thread_local unsigned char buf[32768] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		int r = synq_parse_dump(buf, (size_t)n, port, count);
		if (r <= 0)
			return r;
	}
}

int synq_count(uint16_t port, uint64_t *out)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	uint64_t n = 0;
	int r = dump_family(fd, AF_INET, port, &n);
	if (r == 0)
		(void)dump_family(fd, AF_INET6, port, &n); /* no IPv6 is not an error */
	int saved = errno;
	close(fd);
	errno = saved;
	if (r < 0)
		return -1;
	*out = n;
	return 0;
}

/* Every listening port has its own SYN queue: the fullest one is the peak. */
static void sample(struct synq_sampler *s)
{
	for (unsigned k = 0; k < s->nports; k++) {
		uint64_t n;
		if (synq_count((uint16_t)(s->port + k), &n) < 0)
			return;
		atomic_store(&s->ok, true);
		if (n > atomic_load(&s->peak))
			atomic_store(&s->peak, n);
	}
}

/* Ten times a second, or less when a dump is dear: the kernel walks every
 * TCP socket of the host for it (about 0.3 s of CPU at 600k sockets), so the
 * sampler takes at most 1/SYNQ_COST_SHARE of a CPU (a million connections
 * on 2 CPUs lost one CPU to it). */
#define SYNQ_COST_SHARE 50
static void *sampler_main(void *arg)
{
	struct synq_sampler *s = arg;
	while (!atomic_load(&s->stop)) {
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a); /* CPU, not wall: a busy host does not stretch it */
		sample(s);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		int64_t took = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
		int64_t gap = took * SYNQ_COST_SHARE > 100000000 ? took * SYNQ_COST_SHARE : 100000000;
		for (; gap > 0 && !atomic_load(&s->stop); gap -= 100000000) { /* stop within 100 ms */
			struct timespec tick = {.tv_sec = 0, .tv_nsec = gap < 100000000 ? gap : 100000000};
			nanosleep(&tick, NULL);
		}
	}
	return NULL;
}

int synq_sampler_start(struct synq_sampler *s, uint16_t port, unsigned nports)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->nports = nports ? nports : 1;
	uint64_t n;
	if (synq_count(port, &n) < 0)
		return -1;
	sample(s);
	if (pthread_create(&s->thread, NULL, sampler_main, s) != 0)
		return -1;
	s->running = true;
	return 0;
}

int64_t synq_sampler_stop(struct synq_sampler *s)
{
	if (s->running) {
		atomic_store(&s->stop, true);
		pthread_join(s->thread, NULL);
		s->running = false;
		sample(s); /* the last moment counts too */
	}
	return atomic_load(&s->ok) ? (int64_t)atomic_load(&s->peak) : -1;
}
