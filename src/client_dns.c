/* DNS over TCP on the client: the request/response core with a query per
 * request (the ID is the low 16 bits of the sequence number) and
 * length-prefixed answers whose ID must be the one in flight. */
#include <stdio.h>

#include "client_engine.h"
#include "tcpswarm/proto_dns.h"

static ssize_t dns_build(struct cworker *w, struct cconn *c, uint8_t *out, size_t cap)
{
	return proto_dns_build_query(out, cap, (uint16_t)c->seq_tx, w->cfg->qname, (uint16_t)w->cfg->qtype);
}

static ssize_t dns_parse_one(struct cworker *w, struct cconn *c, union rr_parse_state *st, const uint8_t *p,
			     size_t len, struct rr_reply *r)
{
	(void)st; /* a frame is taken whole: nothing to keep between reads */
	ssize_t fl = proto_dns_frame(p, len, RR_MAX_CARRIED - 2);
	if (fl == -2)
		return 0;
	struct proto_dns_resp resp;
	if (fl < 0 || c->seq_tx == c->seq_rx || proto_dns_parse_response(p + 2, (size_t)fl - 2, &resp) < 0 ||
	    !resp.qr || resp.id != (uint16_t)c->seq_rx)
		return -1;
	ctr_add(&w->sh->c.rcode[resp.rcode & 15], 1);
	r->answered = true;
	return fl;
}

static int dns_init(struct cworker *w, char *err, size_t errcap)
{
	uint8_t probe[512];
	if (proto_dns_build_query(probe, sizeof(probe), 0, w->cfg->qname, (uint16_t)w->cfg->qtype) < 0) {
		snprintf(err, errcap, "--qname '%s' is not a valid DNS name (labels of 1-63 bytes, at most 253 in all)",
			 w->cfg->qname);
		return -1;
	}
	return 0;
}

const struct client_protocol client_proto_dns = {
	.name = "dns",
	.carry_slot_bytes = RR_CARRY_SLOT,
	.max_in_flight = 1, /* t_out holds the intended time of one request */
	.init = dns_init,
	.on_open = rr_on_open,
	.send_due = rr_send_due,
	.on_readable = rr_on_readable,
	.build = dns_build,
	.parse_one = dns_parse_one,
};
