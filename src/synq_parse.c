/* Pure half of synq.h: the sock_diag dump parser and the SYN queue ceiling. */
#include "tcpswarm/synq.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <string.h>

/* TCP states as the kernel numbers them (include/net/tcp_states.h) */
#define SYNQ_TCP_SYN_RECV 3
#define SYNQ_TCP_NEW_SYN_RECV 12

int synq_parse_dump(const void *buf, size_t len, uint16_t port, uint64_t *count)
{
	const unsigned char *p = buf;
	size_t off = 0;
	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			return -1;
		if (h.nlmsg_type == NLMSG_DONE)
			return 0;
		if (h.nlmsg_type == NLMSG_ERROR)
			return -1;
		if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct inet_diag_msg m;
			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(m)))
				return -1;
			memcpy(&m, p + off + NLMSG_HDRLEN, sizeof(m));
			/* the port is big-endian on the wire */
			const unsigned char *sp = (const unsigned char *)&m.id.idiag_sport;
			uint16_t sport = (uint16_t)(sp[0] << 8 | sp[1]);
			if ((m.idiag_state == SYNQ_TCP_SYN_RECV || m.idiag_state == SYNQ_TCP_NEW_SYN_RECV) &&
			    sport == port)
				(*count)++;
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			break; /* the last message, unpadded */
		off += step;
	}
	return off == len ? 1 : -1;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

int64_t synq_ceiling(int64_t backlog, int64_t somaxconn, int64_t max_syn_backlog, int64_t syncookies)
{
	if (backlog < 0 || somaxconn < 0 || max_syn_backlog < 0 || syncookies < 0)
		return -1;
	if (syncookies >= 2)
		return 0;
	int64_t q = min64(backlog, somaxconn);
	if (syncookies == 0)
		q = min64(q, max_syn_backlog - max_syn_backlog / 4);
	return q + 1;
}
