/* Connection helpers of the server that every mode calls: the transport
 * (send/recv/peek), pending output, closing. Calls nothing of the engine
 * or of any mode. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_engine.h"
#include "tls_server.h"
#include "tcpswarm/proto_http.h"

size_t server_conn_size(void) { return sizeof(struct sconn); }

void server_conn_close(struct sworker *w, int fd, enum close_reason why, int err)
{
	struct sconn *c = server_conn_at(w, fd);
	if (w->tls) /* close_notify when we end it ourselves */
		server_tls_close(w, fd, why == CR_RUN_END || why == CR_IDLE_TIMEOUT || why == CR_REQUEST_TIMEOUT);
	if (c->carry) {
		carry_put(&w->carry, c->carry);
		c->carry = 0;
	}
	c->body_left = 0;
	c->flags = 0;
	c->state = SS_FREE;
	c->gen++;
	if (w->peers)
		peers_close(w->peers, w->peer_of[fd], why == CR_RUN_END);
	close(fd);
	ctr_sub(&w->sh->c.conn_open, 1);
	ctr_add(&w->sh->c.closed, 1);
	ctr_add(&w->sh->c.close[why], 1);
	if (err)
		ctr_add(&w->sh->c.errs[errslot_of(err)], 1);
}

/* A TLS call's result: -1 closes the connection with the layer's reason;
 * bytes moved mark it active (for --idle-timeout). */
static ssize_t tls_result(struct sworker *w, int fd, ssize_t n, const struct server_tls_fail *f)
{
	if (n < 0)
		server_conn_close(w, fd, f->why, f->err);
	else if (n > 0)
		server_conn_at(w, fd)->flags |= SF_ACTIVE;
	return n;
}

ssize_t server_send(struct sworker *w, int fd, const void *buf, size_t len)
{
	struct server_tls_fail f;
	if (w->tls)
		return tls_result(w, fd, server_tls_send(w, fd, buf, len, &f), &f);
	ssize_t n;
	do /* a signal is no error: retry (test_io_wrap closed the connection on EINTR) */
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n >= 0) {
		server_conn_at(w, fd)->flags |= SF_ACTIVE;
		ctr_add(&w->sh->c.bytes_out, (uint64_t)n);
		return n;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	server_conn_close(w, fd, close_reason_of(errno), errno);
	return -1;
}

static ssize_t recv_flags(struct sworker *w, int fd, void *buf, size_t cap, int flags)
{
	for (;;) {
		ssize_t n = recv(fd, buf, cap, flags | MSG_DONTWAIT);
		if (n > 0) {
			server_conn_at(w, fd)->flags |= SF_ACTIVE; /* for --idle-timeout */
			return n;
		}
		if (n == 0) {
			server_conn_close(w, fd, CR_PEER_CLOSED, 0);
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		server_conn_close(w, fd, close_reason_of(errno), errno);
		return -1;
	}
}

ssize_t server_recv(struct sworker *w, int fd, void *buf, size_t cap)
{
	struct server_tls_fail f;
	if (w->tls)
		return tls_result(w, fd, server_tls_recv(w, fd, buf, cap, &f), &f);
	ssize_t n = recv_flags(w, fd, buf, cap, 0);
	if (n > 0)
		ctr_add(&w->sh->c.bytes_in, (uint64_t)n);
	return n;
}

ssize_t server_peek(struct sworker *w, int fd, void *buf, size_t cap)
{
	struct server_tls_fail f;
	if (w->tls)
		return tls_result(w, fd, server_tls_peek(w, fd, buf, cap, &f), &f);
	return recv_flags(w, fd, buf, cap, MSG_PEEK);
}

int server_peek_more(struct sworker *w, int fd, size_t peeked)
{
	if (!w->tls)
		return 0; /* MSG_PEEK showed all there is: more comes with an edge */
	struct server_tls_fail f;
	int r = server_tls_gather(w, fd, peeked, &f);
	if (r < 0)
		server_conn_close(w, fd, f.why, f.err);
	return r;
}

int server_discard(struct sworker *w, int fd, size_t n)
{
	struct server_tls_fail f;
	if (w->tls)
		return (int)tls_result(w, fd, server_tls_discard(w, fd, n, &f), &f) < 0 ? -1 : 0;
	/* MSG_TRUNC: TCP discards without copying; the buffer is there for
	 * interceptors (ASan) that assume recv writes what it returns */
	if (recv(fd, w->scratch, n, MSG_TRUNC | MSG_DONTWAIT) < 0) {
		server_conn_close(w, fd, CR_IO_ERROR, errno);
		return -1;
	}
	ctr_add(&w->sh->c.bytes_in, n);
	return 0;
}

int server_keep_output(struct sworker *w, int fd, struct sconn *c, const uint8_t *rest, size_t n)
{
	if (!(c->carry = carry_get(&w->carry))) {
		server_conn_close(w, fd, CR_NO_CARRY, 0);
		return -1;
	}
	memcpy(carry_ptr(&w->carry, c->carry), rest, n);
	c->pend_off = 0;
	c->pend_len = (uint16_t)n;
	return 0;
}

int server_flush(struct sworker *w, int fd, struct sconn *c)
{
	while (c->carry || c->body_left) {
		const uint8_t *p;
		size_t len;
		if (c->carry) {
			p = carry_ptr(&w->carry, c->carry) + c->pend_off;
			len = (size_t)(c->pend_len - c->pend_off);
		} else {
			size_t chunk;
			p = proto_http_body_chunk(&chunk);
			len = c->body_left < chunk ? c->body_left : chunk;
		}
		ssize_t n = server_send(w, fd, p, len);
		if (n <= 0)
			return (int)n; /* the peer is not reading (0), or closed (-1) */
		if (c->carry) {
			c->pend_off = (uint16_t)(c->pend_off + n);
			if (c->pend_off == c->pend_len) {
				carry_put(&w->carry, c->carry);
				c->carry = 0;
			}
		} else {
			c->body_left -= (uint32_t)n;
		}
	}
	if (c->flags & SF_CLOSE_AFTER) {
		server_conn_close(w, fd, c->flags & SF_BAD ? CR_PROTOCOL : CR_PEER_CLOSED, 0);
		return -1;
	}
	return 1;
}
