/* libFuzzer target for proto_dns.
 *
 * The input is used three ways: as a stream of length-prefixed frames (each
 * message parsed as a response and as a query; every query that parses must
 * yield answers and an error frame that parse back), as a bare message, and
 * as a name for proto_dns_build_query() whose query must parse back to the
 * same (lower-cased) name. Any broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpswarm/proto_dns.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static void check_answers(const uint8_t *msg, size_t len, const struct proto_dns_query *q)
{
	static uint8_t out[2 + PROTO_DNS_MAX_MSG];
	static const uint8_t addr[16] = {192, 0, 2, 1};
	static const int families[] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		for (int rcode = 0; rcode <= 3; rcode += 3) {
			ssize_t n = proto_dns_build_answer(out, sizeof(out), msg, len, q, rcode, addr,
							   families[i], 60);
			CHECK(n > 2);
			CHECK(proto_dns_frame(out, (size_t)n, PROTO_DNS_MAX_MSG) == n);
			struct proto_dns_resp r;
			CHECK(proto_dns_parse_response(out + 2, (size_t)n - 2, &r) == 0);
			CHECK(r.id == q->id && r.qr == 1 && r.rcode == rcode && r.qdcount == 1);
			CHECK(r.qtype == q->qtype && r.ancount <= 1 && r.an_qtype == r.ancount);
			/* the answer fails cleanly one byte short */
			CHECK(proto_dns_build_answer(out, (size_t)n - 1, msg, len, q, rcode, addr,
						     families[i], 60) == -1);
		}
	}
}

static void check_message(const uint8_t *msg, size_t len)
{
	struct proto_dns_resp r;
	int rr = proto_dns_parse_response(msg, len, &r);
	CHECK(rr == 0 || rr == -1);
	struct proto_dns_query q;
	if (proto_dns_parse_query(msg, len, &q) == 0) {
		CHECK(rr == 0); /* a valid query is a valid message */
		CHECK(strlen(q.qname) == q.qname_len && q.qname_len > 0);
		CHECK(q.question_len >= 5 && PROTO_DNS_HDR_LEN + (size_t)q.question_len <= len);
		check_answers(msg, len, &q);
	}
	uint8_t err[14];
	CHECK(proto_dns_build_error(err, sizeof(err), msg, len, PROTO_DNS_FORMERR) == 14);
	CHECK(proto_dns_parse_response(err + 2, 12, &r) == 0 && r.rcode == PROTO_DNS_FORMERR);
}

/* Names made of plain characters must survive build -> parse. */
static void check_name(const uint8_t *data, size_t size)
{
	char name[300], want[300];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = '\0';
	uint8_t out[600];
	ssize_t len = proto_dns_build_query(out, sizeof(out), 0x4242, name, PROTO_DNS_T_A);
	if (len < 0)
		return;
	CHECK(proto_dns_frame(out, (size_t)len, 512) == len);
	size_t k = strlen(name);
	if (k > 1 && name[k - 1] == '.')
		k--;
	int plain = 1;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			plain = 0;
		want[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	want[k] = '\0';
	/* escaped bytes may not fit the 255-character presentation form */
	struct proto_dns_query q;
	int rc = proto_dns_parse_query(out + 2, (size_t)len - 2, &q);
	CHECK(rc == 0 || !plain);
	if (rc == 0)
		CHECK(q.id == 0x4242 && q.qtype == PROTO_DNS_T_A && q.qclass == PROTO_DNS_C_IN);
	if (plain)
		CHECK(strcmp(q.qname, want) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t f;
	while ((f = proto_dns_frame(data + off, size - off, PROTO_DNS_MAX_MSG)) > 0) {
		CHECK((size_t)f <= size - off);
		check_message(data + off + 2, (size_t)f - 2);
		off += (size_t)f;
	}
	CHECK(f == -1 || f == -2);
	check_message(data, size);
	check_name(data, size);
	char s[8];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	int t = proto_dns_qtype_from_str(s);
	CHECK(t >= -1 && t <= 65535);
	return 0;
}
