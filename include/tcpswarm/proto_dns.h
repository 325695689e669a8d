/* DNS over TCP: pure framing, parsing and building over caller-owned buffers.
 *
 * Over TCP every message is preceded by a two-byte big-endian length
 * (RFC 1035 4.2.2, RFC 7766 8). "msg" below is the message without that
 * prefix; "frame" is prefix + message. Nothing here allocates or does I/O.
 * Byte counts are ssize_t; -1 always means malformed (or does not fit), and
 * proto_dns_frame() returns -2 when more bytes are needed. */
#ifndef TCPSWARM_PROTO_DNS_H
#define TCPSWARM_PROTO_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_DNS_HDR_LEN 12
#define PROTO_DNS_MAX_MSG 65535   /* largest message the prefix can carry */
#define PROTO_DNS_MAX_NAME 253    /* presentation length, without final dot */
#define PROTO_DNS_NAME_BUF 256    /* room for any escaped name + NUL */

/* RCODEs (RFC 1035 4.1.1). */
#define PROTO_DNS_NOERROR 0
#define PROTO_DNS_FORMERR 1
#define PROTO_DNS_SERVFAIL 2
#define PROTO_DNS_NXDOMAIN 3
#define PROTO_DNS_NOTIMP 4
#define PROTO_DNS_REFUSED 5

/* Types and class used here (RFC 1035 3.2.2, RFC 3596). */
#define PROTO_DNS_T_A 1
#define PROTO_DNS_T_NS 2
#define PROTO_DNS_T_CNAME 5
#define PROTO_DNS_T_SOA 6
#define PROTO_DNS_T_PTR 12
#define PROTO_DNS_T_MX 15
#define PROTO_DNS_T_TXT 16
#define PROTO_DNS_T_AAAA 28
#define PROTO_DNS_T_OPT 41
#define PROTO_DNS_T_ANY 255
#define PROTO_DNS_C_IN 1

/* Header flag bits (RFC 1035 4.1.1). */
#define PROTO_DNS_F_QR 0x8000
#define PROTO_DNS_F_OPCODE 0x7800
#define PROTO_DNS_F_AA 0x0400
#define PROTO_DNS_F_TC 0x0200
#define PROTO_DNS_F_RD 0x0100
#define PROTO_DNS_F_RA 0x0080
#define PROTO_DNS_F_CD 0x0010
#define PROTO_DNS_F_RCODE 0x000f

struct proto_dns_resp {
	uint16_t id;
	uint16_t flags;    /* the whole flags word */
	uint8_t rcode;     /* low 4 bits of flags (no EDNS extension) */
	uint8_t qr;        /* 1 for a response */
	uint8_t tc;        /* truncated */
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t qtype;    /* type of the first question, 0 if none */
	uint16_t an_qtype; /* answer records whose type equals qtype */
};

struct proto_dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t question_len;           /* wire bytes of the question (name + 4) */
	uint16_t qname_len;              /* strlen(qname) */
	char qname[PROTO_DNS_NAME_BUF];  /* lower-case, no final dot, "." for the
	                                  * root; '.', '\\' and non-printable bytes
	                                  * inside labels escaped as RFC 1035 5.1 */
};

/* "A", "AAAA", "MX", "TXT", "NS", "CNAME", "SOA", "PTR", "ANY" (any case) or a
 * decimal number 0..65535 -> the type; -1 if unknown. */
int proto_dns_qtype_from_str(const char *s);

/* Query frame for qname (presentation form, optional final dot, no escapes;
 * "." is the root) with RD set, one question, class IN. Returns the bytes
 * written including the prefix, or -1: label > 63, name > 253, empty label,
 * or cap too small. */
ssize_t proto_dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *qname,
			      uint16_t qtype);

/* Length of the first frame in buf: 2 + message length when the whole frame
 * is present, -2 when more bytes are needed, -1 when the prefix is 0, below
 * the 12-byte header or above max_msg. */
ssize_t proto_dns_frame(const uint8_t *buf, size_t len, size_t max_msg);

/* Client side. Validates the header, the question section and every answer,
 * authority and additional record (names inside NS, CNAME, PTR, MX, SOA too),
 * with compression pointers bounds-checked and only allowed to point before
 * the name that uses them (so they cannot loop); bytes after the last record
 * are malformed. Returns 0, or -1 (then *out is undefined). */
int proto_dns_parse_response(const uint8_t *msg, size_t len, struct proto_dns_resp *out);

/* Server side. A query has QR clear, exactly one question with an
 * uncompressed name, and well-formed records after it (an EDNS OPT, say).
 * Returns 0, or -1 (answer with proto_dns_build_error()); a name whose
 * escaped form would not fit qname is refused too. */
int proto_dns_parse_query(const uint8_t *msg, size_t len, struct proto_dns_query *q);

/* Answer frame for a query parsed by proto_dns_parse_query() from
 * query_msg/qlen: same id, opcode, RD and CD; QR, AA, RA set; the question
 * copied. If rcode is 0, qclass is IN and qtype matches addr_family (A for
 * AF_INET, AAAA for AF_INET6), one answer whose name is a pointer to the
 * question name, with addr (4 or 16 bytes) and ttl. Returns the bytes written
 * including the prefix, or -1 (bad arguments or cap too small). */
ssize_t proto_dns_build_answer(uint8_t *out, size_t cap, const uint8_t *query_msg, size_t qlen,
			       const struct proto_dns_query *q, int rcode, const uint8_t *addr,
			       int addr_family, uint32_t ttl);

/* Header-only error frame (FORMERR, say) for a message that could not be
 * parsed: the id is echoed if at least 2 bytes exist, opcode and RD if the
 * flags are present; QR set; all counts 0. Returns 14, or -1. */
ssize_t proto_dns_build_error(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, int rcode);

#endif
