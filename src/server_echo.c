/* Server modes echo and sink: no framing, bytes are returned as they come
 * (echo) or only counted (sink). */
#include "server_internal.h"

/* Echo what arrived; if the peer does not take it all, keep the rest and
 * stop reading (backpressure: the kernel's receive buffer holds the rest). */
static int echo_out(struct sworker *w, int fd, struct sconn *c, size_t len)
{
	ssize_t n = server_send(w, fd, w->scratch, len);
	if (n < 0)
		return -1;
	if ((size_t)n == len)
		return 1;
	return server_keep_output(w, fd, c, w->scratch + n, len - (size_t)n) < 0 ? -1 : 0;
}

static void serve_stream(struct sworker *w, int fd, struct sconn *c, uint32_t events, bool echo)
{
	if (c->carry && server_flush(w, fd, c) <= 0)
		return;
	for (;;) {
		ssize_t n = server_recv(w, fd, w->scratch, SERVER_PEEK_BYTES);
		if (n <= 0)
			return; /* nothing more now, or closed */
		if (echo && echo_out(w, fd, c, (size_t)n) <= 0)
			return;
		if (reactor_read_drained((size_t)n, SERVER_PEEK_BYTES, events))
			return;
	}
}

static void echo_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	serve_stream(w, fd, c, events, true);
}

static void sink_serve(struct sworker *w, int fd, struct sconn *c, uint32_t events)
{
	serve_stream(w, fd, c, events, false);
}

const struct server_protocol server_proto_echo = {.name = "echo", .serve = echo_serve};
const struct server_protocol server_proto_sink = {.name = "sink", .serve = sink_serve};
