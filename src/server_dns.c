/* Server mode dns: answers each query with the configured A/AAAA record
 * (NXDOMAIN for other names when --name is set), FORMERR for what does not
 * parse, FORMERR and close for a length prefix that cannot be a message. */
#include <string.h>
#include <sys/socket.h>

#include "server_engine.h"
#include "tcpswarm/proto_dns.h"

static bool name_matches(const char *want, const char *qname)
{
	return !want || !strcmp(want, qname);
}

/* A length prefix that cannot frame a message: FORMERR, close. */
static size_t dns_unframeable(struct sworker *w, const uint8_t *p, size_t len, struct rr_batch *b)
{
	ssize_t n = proto_dns_build_error(b->out + b->outlen, b->cap - b->outlen, p + 2, len > 2 ? len - 2 : 0,
					  PROTO_DNS_FORMERR);
	if (n < 0)
		return 0;
	b->outlen += (size_t)n;
	b->close_after = b->bad = true;
	ctr_add(&w->sh->c.rcode[PROTO_DNS_FORMERR], 1);
	ctr_add(&w->sh->c.req_errors, 1);
	return len;
}

/* One DNS message at p (with its length prefix). A message that cannot fit
 * the peek buffer would never complete: it is refused like a malformed one. */
static size_t dns_one(struct sworker *w, const uint8_t *p, size_t len, bool full_buffer, struct rr_batch *b)
{
	ssize_t fl = proto_dns_frame(p, len, SERVER_PEEK_BYTES - 2);
	if (fl == -2 && !full_buffer)
		return 0; /* need more */
	if (fl < 0)
		return dns_unframeable(w, p, len, b);
	if (!throttle_request(w))
		return 0; /* --max-rate: it waits for the next refill */
	uint8_t *out = b->out + b->outlen;
	size_t room = b->cap - b->outlen;
	const uint8_t *msg = p + 2;
	size_t mlen = (size_t)fl - 2;
	struct proto_dns_query q;
	ssize_t n;
	int rcode;
	if (proto_dns_parse_query(msg, mlen, &q) < 0) {
		rcode = PROTO_DNS_FORMERR;
		n = proto_dns_build_error(out, room, msg, mlen, rcode);
		ctr_add(&w->sh->c.req_errors, 1);
	} else {
		const struct server_config *cfg = w->ss->cfg;
		rcode = name_matches(w->ss->name, q.qname) ? PROTO_DNS_NOERROR : PROTO_DNS_NXDOMAIN;
		bool v6 = q.qtype == PROTO_DNS_T_AAAA;
		n = proto_dns_build_answer(out, room, msg, mlen, &q, rcode, v6 ? cfg->answer6 : cfg->answer4,
					   v6 ? AF_INET6 : AF_INET, 60);
	}
	if (n < 0)
		return 0;
	b->outlen += (size_t)n;
	ctr_add(&w->sh->c.rcode[rcode], 1);
	ctr_add(&w->sh->c.req_answered, 1);
	return (size_t)fl;
}

const struct server_protocol server_proto_dns = {
	.name = "dns",
	.init = rr_init,
	.free = rr_free,
	.serve = throttle_rr_serve,
	.answer_one = dns_one,
};
