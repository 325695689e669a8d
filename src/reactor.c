#include "tcpswarm/reactor.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t tick_of(uint64_t ns) { return ns / REACTOR_TICK_NS; }

int reactor_init(struct reactor *r, const struct reactor_ops *ops, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->ops = *ops;
	r->ctx = ctx;
	r->stopfd = -1;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return -errno;
	r->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->stopfd < 0) {
		int e = errno;
		close(r->epfd);
		return -e;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = REACTOR_DATA_STOP};
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stopfd, &ev) < 0) {
		int e = errno;
		close(r->stopfd);
		close(r->epfd);
		return -e;
	}
	r->now_ns = mono_ns();
	tw_init(&r->wheel, tick_of(r->now_ns));
	atomic_init(&r->stopping, 0);
	return 0;
}

void reactor_destroy(struct reactor *r)
{
	if (r->stopfd >= 0)
		close(r->stopfd);
	if (r->epfd >= 0)
		close(r->epfd);
	r->stopfd = r->epfd = -1;
}

int reactor_add(struct reactor *r, int fd, uint64_t data)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = data};
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int reactor_add_listener(struct reactor *r, int fd, uint64_t data)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = data};
	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int reactor_listener_arm(struct reactor *r, int fd, uint64_t data, bool armed)
{
	struct epoll_event ev = {.events = armed ? EPOLLIN | EPOLLET : 0, .data.u64 = data};
	return epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int reactor_del(struct reactor *r, int fd)
{
	return epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

void reactor_timer_at(struct reactor *r, struct tw_node *n, uint64_t at_ns)
{
	tw_add(&r->wheel, n, tw_coalesced_tick(at_ns, REACTOR_TICK_NS, r->timer_window_ns));
}

void reactor_timer_cancel(struct reactor *r, struct tw_node *n) { tw_cancel(&r->wheel, n); }

void reactor_wake(struct reactor *r)
{
	uint64_t one = 1;
	ssize_t n = write(r->stopfd, &one, sizeof(one));
	(void)n; /* EAGAIN means a wake-up is already pending */
}

void reactor_stop(struct reactor *r)
{
	atomic_store_explicit(&r->stopping, 1, memory_order_release);
	reactor_wake(r);
}

static void fire_timer(void *ctx, struct tw_node *n)
{
	struct reactor *r = ctx;
	r->ops.on_timer(r->ctx, n);
}

/* Nanoseconds until the earlier of the next timer tick and wake_ns. */
static uint64_t wait_ns(struct reactor *r)
{
	uint64_t ns = UINT64_MAX;
	uint64_t ticks = tw_next_due(&r->wheel);
	if (ticks != UINT64_MAX) {
		uint64_t at = (r->wheel.now + ticks) * REACTOR_TICK_NS;
		ns = at > r->now_ns ? at - r->now_ns : 0;
	}
	if (r->wake_ns != UINT64_MAX) {
		uint64_t w = r->wake_ns > r->now_ns ? r->wake_ns - r->now_ns : 0;
		if (w < ns)
			ns = w;
	}
	return ns;
}

/* epoll_pwait2 takes a timespec, so pacing is not rounded up to whole
 * milliseconds; kernels or libcs without it fall back to epoll_wait. */
static int wait_events(struct reactor *r, struct epoll_event *evs, uint64_t ns)
{
	static atomic_int no_pwait2;
	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		struct timespec ts, *tp = NULL;
		if (ns != UINT64_MAX) {
			ts.tv_sec = (time_t)(ns / 1000000000ULL);
			ts.tv_nsec = (long)(ns % 1000000000ULL);
			tp = &ts;
		}
		int n = epoll_pwait2(r->epfd, evs, REACTOR_MAX_EVENTS, tp, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		atomic_store_explicit(&no_pwait2, 1, memory_order_relaxed);
	}
	int ms = ns == UINT64_MAX ? -1 : (int)((ns + 999999) / 1000000);
	return epoll_wait(r->epfd, evs, REACTOR_MAX_EVENTS, ms);
}

int reactor_run(struct reactor *r)
{
	struct epoll_event evs[REACTOR_MAX_EVENTS];
	while (!atomic_load_explicit(&r->stopping, memory_order_acquire)) {
		r->wake_ns = UINT64_MAX;
		if (r->ops.on_turn)
			r->ops.on_turn(r->ctx);
		if (atomic_load_explicit(&r->stopping, memory_order_acquire))
			break;
		int n = wait_events(r, evs, wait_ns(r));
		if (n < 0) {
			if (errno == EINTR)
				n = 0;
			else
				return -errno;
		}
		r->now_ns = mono_ns();
		r->turns++;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == REACTOR_DATA_STOP) {
				/* a wake-up: drain the counter, or this level-triggered
				 * fd keeps epoll returning at once (a busy loop) */
				uint64_t v;
				ssize_t rd = read(r->stopfd, &v, sizeof(v));
				(void)rd;
				continue; /* `stopping` is checked at the top of the loop */
			}
			r->ops.on_io(r->ctx, evs[i].data.u64, evs[i].events);
		}
		tw_advance(&r->wheel, tick_of(r->now_ns), fire_timer, r);
	}
	return 0;
}
