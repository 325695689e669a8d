/* Fill-first steering of the SO_REUSEPORT listeners (see server_steer.h).
 *
 * Measured on 2 CPUs, 15,000 connects against the default plan (14 single-
 * worker processes): hashed over 14 listeners the server spent ~1.0 s of CPU
 * and 21,000 context switches on the accepts (about one process wake-up per
 * connection); sent to one listener, ~0.45 s and 3,000.
 *
 * The kernel numbers a port's group in the order of listen() (a listener
 * joins the group there), so listen() runs under a lock shared by every
 * process and the count of earlier listens is the listener's index. The
 * classic BPF program returns base + hash(source port) % window; an index
 * past the group makes the kernel fall back to its own hash over all.
 * Listeners leave the group only at the end of the run (a worker process
 * that dies shifts the order: steering is then only less exact). */
#define _GNU_SOURCE
#include "server_steer.h"

#include <errno.h>
#include <linux/filter.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "tcpswarm/worker.h"

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

struct steer_shared {
	pthread_mutex_t lock;
	uint32_t window;                  /* listeners taking SYNs at once: the CPUs */
	uint32_t joined[SERVER_MAX_PORTS]; /* listens so far: the next listener's index */
	uint32_t base[SERVER_MAX_PORTS];   /* the window's first listener */
};

/* One shared page for the process's life, inherited by the workers' fork
 * (NULL: steering is off for this run). */
static struct steer_shared *steer_map;
static bool steer_enabled;

void server_steer_init(const struct server_config *cfg)
{
	steer_enabled = cfg->com.processes == 0 && cfg->com.workers == 0;
	if (!steer_enabled)
		return;
	if (!steer_map) {
		void *p = mmap(NULL, sizeof(*steer_map), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			steer_enabled = false;
			return;
		}
		steer_map = p;
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutex_init(&steer_map->lock, &a);
		pthread_mutexattr_destroy(&a);
	}
	memset(steer_map->joined, 0, sizeof(steer_map->joined));
	memset(steer_map->base, 0, sizeof(steer_map->base));
	steer_map->window = worker_cpu_count();
}

#define SRC_PORT_V4 SKF_NET_OFF       /* + the IPv4 header length, from its first byte */
#define SRC_PORT_V6 (SKF_NET_OFF + 40) /* after the fixed IPv6 header */

unsigned server_steer_program(struct sock_filter *out, uint32_t base, uint32_t window, uint32_t n)
{
	if (base >= n || window == 0) { /* past the last listener: the kernel's hash */
		out[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, UINT32_MAX);
		return 1;
	}
	if (window > n - base)
		window = n - base;
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)SKF_NET_OFF),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),              /* the IP version */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 2),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)SRC_PORT_V6),
		BPF_JUMP(BPF_JMP | BPF_JA, 2, 0, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, (uint32_t)SKF_NET_OFF), /* X = IPv4 header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, (uint32_t)SRC_PORT_V4),
		/* connect() picks ports two apart: multiply so both halves of a
		 * window get their share */
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, window),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, base),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	_Static_assert(sizeof(prog) / sizeof(prog[0]) <= STEER_PROG_MAX, "STEER_PROG_MAX holds the program");
	memcpy(out, prog, sizeof(prog));
	return (unsigned)(sizeof(prog) / sizeof(prog[0]));
}

int server_steer_attach(int fd, uint32_t base, uint32_t window, uint32_t n)
{
	struct sock_filter code[STEER_PROG_MAX];
	struct sock_fprog fprog = {.len = (unsigned short)server_steer_program(code, base, window, n), .filter = code};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof(fprog));
}

int server_steer_listen(struct steer_worker *sw, unsigned port_k, int fd, int backlog, int queue_max,
			unsigned nworkers, size_t maxfd)
{
	struct steer_shared *m = steer_map;
	sw->on = steer_enabled && m && nworkers > m->window;
	if (!sw->on)
		return listen(fd, backlog);
	/* what the accept queue may still hold when the window moves comes on
	 * top (measured: at maxfd - maxfd/8, 681 connections of 70,000 were
	 * shed at EMFILE on a loaded host) */
	size_t room = maxfd / 8 + (size_t)(queue_max > 0 ? queue_max : 0);
	sw->fill_mark = (int)(room < maxfd / 2 ? maxfd - room : maxfd / 2);
	pthread_mutex_lock(&m->lock);
	int rc = listen(fd, backlog);
	int e = errno;
	if (rc == 0) {
		sw->index[port_k] = m->joined[port_k]++;
		/* the group keeps it as later listeners join; a failure only
		 * leaves the kernel's hash */
		if (sw->index[port_k] == 0)
			server_steer_attach(fd, m->base[port_k], m->window, nworkers);
	}
	pthread_mutex_unlock(&m->lock);
	errno = e;
	return rc;
}

void server_steer_filled(struct steer_worker *sw, const int *lfds, unsigned nlfd)
{
	struct steer_shared *m = steer_map;
	sw->moved = true;
	pthread_mutex_lock(&m->lock);
	for (unsigned k = 0; k < nlfd; k++) {
		uint32_t n = m->joined[k];
		/* only from inside the window: a listener the kernel's hash fed
		 * before the program was attached must not skip the window ahead */
		if (sw->index[k] >= m->base[k] && sw->index[k] - m->base[k] < m->window && m->base[k] < n) {
			m->base[k] = sw->index[k] + 1;
			server_steer_attach(lfds[k], m->base[k], m->window, n);
		}
	}
	pthread_mutex_unlock(&m->lock);
}
