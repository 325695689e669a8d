/* Unit tests for proto_dns: framing at every split, building, parsing,
 * compression-pointer abuse, truncation and inputs that end at a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpswarm/proto_dns.h"

/* ---- helpers ---- */

/* dig +tcp example.com A: RD+AD, EDNS OPT (udp 1232) with an 8-byte cookie. */
static const uint8_t query_example_com[] = {
	0x00, 0x34,					/* length prefix: 52 */
	0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00,
	0x00, 0x01, 0x00, 0x01,				/* A IN */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, /* OPT */
	0x00, 0x0a, 0x00, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

/* Its answer: 93.184.215.14, TTL 3600, with OPT. */
static const uint8_t resp_example_com[] = {
	0x12, 0x34, 0x81, 0xa0, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00,
	0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04,
	93,   184,  215,  14,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

struct mb {
	uint8_t b[8192];
	size_t n;
};

static void mb_bytes(struct mb *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void mb_u8(struct mb *m, uint8_t v)
{
	mb_bytes(m, &v, 1);
}

static void mb_u16(struct mb *m, uint16_t v)
{
	mb_u8(m, (uint8_t)(v >> 8));
	mb_u8(m, (uint8_t)v);
}

static void mb_header(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		      uint16_t ns, uint16_t ar)
{
	m->n = 0;
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

/* Patches the 16-bit value at off. */
static void mb_set16(struct mb *m, size_t off, uint16_t v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

/* RR fixed part after the name: type, class IN, ttl 60, rdlength. */
static void mb_rr_fixed(struct mb *m, uint16_t type, uint16_t rdlen)
{
	mb_u16(m, type);
	mb_u16(m, PROTO_DNS_C_IN);
	mb_u16(m, 0);
	mb_u16(m, 60);
	mb_u16(m, rdlen);
}

/* www.example.com A: CNAME to web.example.com (compressed), its A, SOA in
 * authority, MX and TXT in additional: pointers inside RDATA too. */
static void build_rich_response(struct mb *m)
{
	static const uint8_t www[] = "\003www\007example\003com";
	mb_header(m, 7, 0x8180, 1, 2, 1, 2);
	mb_bytes(m, www, sizeof(www)); /* at 12, "example" at 16 */
	mb_u16(m, PROTO_DNS_T_A);
	mb_u16(m, PROTO_DNS_C_IN);
	mb_u16(m, 0xc00c);
	mb_rr_fixed(m, PROTO_DNS_T_CNAME, 6);
	size_t web = m->n;
	mb_bytes(m, "\003web", 4);
	mb_u16(m, 0xc010);
	mb_u16(m, (uint16_t)(0xc000 | web));
	mb_rr_fixed(m, PROTO_DNS_T_A, 4);
	mb_bytes(m, "\x01\x02\x03\x04", 4);
	mb_u16(m, 0xc010);
	mb_rr_fixed(m, PROTO_DNS_T_SOA, 5 + 13 + 20);
	mb_bytes(m, "\002ns", 3);
	mb_u16(m, 0xc010);
	mb_bytes(m, "\012hostmaster", 11);
	mb_u16(m, 0xc010);
	for (int i = 0; i < 5; i++) {
		mb_u16(m, 0);
		mb_u16(m, (uint16_t)(i + 1));
	}
	mb_u16(m, 0xc010);
	mb_rr_fixed(m, PROTO_DNS_T_MX, 2 + 5 + 2);
	mb_u16(m, 10);
	mb_bytes(m, "\004mail", 5);
	mb_u16(m, 0xc010);
	mb_u16(m, 0xc010);
	mb_rr_fixed(m, PROTO_DNS_T_TXT, 10);
	mb_bytes(m, "\005hello\003abc", 10);
}

/* Two pages, the second PROT_NONE; places data so that its last byte is the
 * last byte of the first page. */
struct guard {
	uint8_t *base;
	size_t page;
};

static void guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->base = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->base != MAP_FAILED);
	assert_int_equal(mprotect(g->base + g->page, g->page, PROT_NONE), 0);
}

static const uint8_t *guard_place(struct guard *g, const void *data, size_t n)
{
	assert_true(n <= g->page);
	uint8_t *p = g->base + g->page - n;
	memcpy(p, data, n);
	return p;
}

static void guard_free(struct guard *g)
{
	munmap(g->base, 2 * g->page);
}

/* ---- qtype names ---- */

static void test_qtype_from_str(void **state)
{
	(void)state;
	assert_int_equal(proto_dns_qtype_from_str("A"), 1);
	assert_int_equal(proto_dns_qtype_from_str("aaaa"), 28);
	assert_int_equal(proto_dns_qtype_from_str("MX"), 15);
	assert_int_equal(proto_dns_qtype_from_str("TXT"), 16);
	assert_int_equal(proto_dns_qtype_from_str("NS"), 2);
	assert_int_equal(proto_dns_qtype_from_str("CNAME"), 5);
	assert_int_equal(proto_dns_qtype_from_str("SOA"), 6);
	assert_int_equal(proto_dns_qtype_from_str("PTR"), 12);
	assert_int_equal(proto_dns_qtype_from_str("ANY"), 255);
	assert_int_equal(proto_dns_qtype_from_str("65"), 65);
	assert_int_equal(proto_dns_qtype_from_str("0"), 0);
	assert_int_equal(proto_dns_qtype_from_str("65535"), 65535);
	assert_int_equal(proto_dns_qtype_from_str("65536"), -1);
	assert_int_equal(proto_dns_qtype_from_str("100000"), -1);
	assert_int_equal(proto_dns_qtype_from_str(""), -1);
	assert_int_equal(proto_dns_qtype_from_str("-1"), -1);
	assert_int_equal(proto_dns_qtype_from_str("AA"), -1);
	assert_int_equal(proto_dns_qtype_from_str("A "), -1);
	assert_int_equal(proto_dns_qtype_from_str(NULL), -1);
}

/* ---- building queries ---- */

static void test_build_query_example(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x00, 0x1d, 0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x07, 'e',	'x',  'a',  'm',  'p',	'l',  'e',  0x03, 'c',
		'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
	};
	uint8_t out[512];
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 0xbeef, "example.com", 1),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* a final dot changes nothing */
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 0xbeef, "example.com.", 1),
			 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* every cap below the need fails, the exact need succeeds */
	for (size_t cap = 0; cap < sizeof(want); cap++)
		assert_int_equal(proto_dns_build_query(out, cap, 0xbeef, "example.com", 1), -1);
	assert_int_equal(proto_dns_build_query(out, sizeof(want), 0xbeef, "example.com", 1),
			 sizeof(want));
	/* the root */
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 1, ".", PROTO_DNS_T_NS), 2 + 12 + 5);
	assert_int_equal(out[14], 0);
}

static void test_build_query_bad_names(void **state)
{
	(void)state;
	uint8_t out[600];
	char name[400];
	memset(name, 'a', 63);
	name[63] = '\0';
	assert_true(proto_dns_build_query(out, sizeof(out), 1, name, 1) > 0);
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 1, name, 1), -1);
	/* 253 characters is the longest name: 63.63.63.61 */
	memset(name, 'b', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	ssize_t n = proto_dns_build_query(out, sizeof(out), 1, name, 1);
	assert_int_equal(n, 2 + 12 + 255 + 4);
	struct proto_dns_query q;
	assert_int_equal(proto_dns_parse_query(out + 2, (size_t)n - 2, &q), 0);
	assert_string_equal(q.qname, name);
	name[253] = 'b';
	name[254] = '\0';
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 1, name, 1), -1);
	const char *bad[] = {"", "a..b", ".a", "a..", "..", "example..com."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(proto_dns_build_query(out, sizeof(out), 1, bad[i], 1), -1);
	assert_int_equal(proto_dns_build_query(out, sizeof(out), 1, NULL, 1), -1);
}

/* ---- framing ---- */

static void test_frame_every_split(void **state)
{
	(void)state;
	size_t n = sizeof(query_example_com);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(proto_dns_frame(query_example_com, cut, 512), -2);
	assert_int_equal(proto_dns_frame(query_example_com, n, 512), n);
	/* the message fits max_msg exactly; one less is malformed */
	assert_int_equal(proto_dns_frame(query_example_com, n, n - 2), n);
	assert_int_equal(proto_dns_frame(query_example_com, n, n - 3), -1);
}

static void test_frame_coalesced(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t lens[3], total = 0;
	lens[0] = (size_t)proto_dns_build_query(buf, sizeof(buf), 1, "a.example", 1);
	total += lens[0];
	memcpy(buf + total, query_example_com, sizeof(query_example_com));
	lens[1] = sizeof(query_example_com);
	total += lens[1];
	lens[2] = (size_t)proto_dns_build_query(buf + total, sizeof(buf) - total, 3, "c.example",
						PROTO_DNS_T_AAAA);
	total += lens[2];
	/* at every cut, the whole frames before it come out and the rest waits */
	for (size_t cut = 0; cut <= total; cut++) {
		size_t off = 0, i = 0;
		ssize_t r;
		while ((r = proto_dns_frame(buf + off, cut - off, 512)) > 0) {
			assert_int_equal(r, lens[i]);
			struct proto_dns_query q;
			assert_int_equal(proto_dns_parse_query(buf + off + 2, (size_t)r - 2, &q), 0);
			off += (size_t)r;
			i++;
		}
		assert_int_equal(r, -2);
		size_t want = 0, k = 0;
		while (k < 3 && want + lens[k] <= cut)
			want += lens[k++];
		assert_int_equal(off, want);
	}
}

static void test_frame_bad_prefix(void **state)
{
	(void)state;
	uint8_t b[64] = {0};
	assert_int_equal(proto_dns_frame(b, 0, 512), -2);
	assert_int_equal(proto_dns_frame(b, 1, 512), -2);
	assert_int_equal(proto_dns_frame(b, 2, 512), -1); /* length 0 */
	b[1] = 11;
	assert_int_equal(proto_dns_frame(b, sizeof(b), 512), -1); /* below a header */
	b[1] = 12;
	assert_int_equal(proto_dns_frame(b, sizeof(b), 512), 14);
	b[0] = 0xff;
	b[1] = 0xff;
	assert_int_equal(proto_dns_frame(b, sizeof(b), 512), -1);  /* oversize */
	assert_int_equal(proto_dns_frame(b, sizeof(b), 65535), -2); /* allowed, waits */
	b[0] = 0x02;
	b[1] = 0x01;
	assert_int_equal(proto_dns_frame(b, 2, 512), -1); /* 513 > 512 */
}

/* ---- server side ---- */

static void test_parse_known_query(void **state)
{
	(void)state;
	ssize_t f = proto_dns_frame(query_example_com, sizeof(query_example_com), 512);
	assert_int_equal(f, sizeof(query_example_com));
	struct proto_dns_query q;
	assert_int_equal(proto_dns_parse_query(query_example_com + 2, (size_t)f - 2, &q), 0);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.flags, 0x0120);
	assert_int_equal(q.qtype, PROTO_DNS_T_A);
	assert_int_equal(q.qclass, PROTO_DNS_C_IN);
	assert_string_equal(q.qname, "example.com");
	assert_int_equal(q.qname_len, 11);
	assert_int_equal(q.question_len, 17);
	/* every truncation is malformed */
	for (size_t cut = 0; cut < (size_t)f - 2; cut++)
		assert_int_equal(proto_dns_parse_query(query_example_com + 2, cut, &q), -1);
}

static void test_parse_query_name_forms(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_query q;
	/* upper case is folded; '.' and '\\' inside a label and binary escaped */
	mb_header(&m, 9, 0, 1, 0, 0, 0);
	mb_bytes(&m, "\003WwW\004a.b\\\002\x00\x7f\000", 13);
	mb_u16(&m, PROTO_DNS_T_AAAA);
	mb_u16(&m, PROTO_DNS_C_IN);
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), 0);
	assert_string_equal(q.qname, "www.a\\.b\\\\.\\000\\127");
	assert_int_equal(q.qtype, PROTO_DNS_T_AAAA);
	assert_int_equal(q.question_len, 13 + 4);
	/* root */
	mb_header(&m, 9, 0, 1, 0, 0, 0);
	mb_u8(&m, 0);
	mb_u16(&m, PROTO_DNS_T_NS);
	mb_u16(&m, PROTO_DNS_C_IN);
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), 0);
	assert_string_equal(q.qname, ".");
	/* escapes that do not fit 255 characters: 3 labels of 63 binary bytes */
	mb_header(&m, 9, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		mb_u8(&m, 63);
		for (int k = 0; k < 63; k++)
			mb_u8(&m, 1);
	}
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), -1);
}

static void test_parse_query_rejects(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_query q;
	uint8_t msg[64];
	size_t n = sizeof(query_example_com) - 2;
	memcpy(msg, query_example_com + 2, n);
	assert_int_equal(proto_dns_parse_query(msg, n, &q), 0);
	msg[2] |= 0x80; /* QR: a response, not a query */
	assert_int_equal(proto_dns_parse_query(msg, n, &q), -1);
	msg[2] &= 0x7f;
	msg[5] = 2; /* QDCOUNT 2 */
	assert_int_equal(proto_dns_parse_query(msg, n, &q), -1);
	msg[5] = 0;
	assert_int_equal(proto_dns_parse_query(msg, n, &q), -1);
	msg[5] = 1;
	msg[11] = 2; /* ARCOUNT claims a record that is not there */
	assert_int_equal(proto_dns_parse_query(msg, n, &q), -1);
	msg[11] = 0; /* OPT left over: trailing bytes */
	assert_int_equal(proto_dns_parse_query(msg, n, &q), -1);
	/* a compressed question name */
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), -1);
	/* extended label types */
	mb_header(&m, 1, 0, 1, 0, 0, 0);
	mb_bytes(&m, "\x41" "a\000\000\001\000\001", 7);
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), -1);
	m.b[12] = 0x81;
	assert_int_equal(proto_dns_parse_query(m.b, m.n, &q), -1);
}

static void test_build_answer_roundtrip(void **state)
{
	(void)state;
	const uint8_t *msg = query_example_com + 2;
	size_t n = sizeof(query_example_com) - 2;
	struct proto_dns_query q;
	assert_int_equal(proto_dns_parse_query(msg, n, &q), 0);
	const uint8_t v4[4] = {10, 0, 0, 1};
	uint8_t out[512];
	ssize_t r = proto_dns_build_answer(out, sizeof(out), msg, n, &q, 0, v4, AF_INET, 300);
	assert_int_equal(r, 2 + 12 + 17 + 16);
	assert_int_equal(proto_dns_frame(out, (size_t)r, 512), r);
	struct proto_dns_resp resp;
	assert_int_equal(proto_dns_parse_response(out + 2, (size_t)r - 2, &resp), 0);
	assert_int_equal(resp.id, 0x1234);
	assert_int_equal(resp.qr, 1);
	assert_int_equal(resp.tc, 0);
	assert_int_equal(resp.rcode, 0);
	assert_int_equal(resp.qdcount, 1);
	assert_int_equal(resp.ancount, 1);
	assert_int_equal(resp.qtype, PROTO_DNS_T_A);
	assert_int_equal(resp.an_qtype, 1);
	/* QR AA RD RA; AD of the query not copied */
	assert_int_equal(resp.flags, 0x8580);
	static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 10, 0, 0, 1};
	assert_memory_equal(out + 2 + 12 + 17, rr, sizeof(rr));
	assert_memory_equal(out + 2 + 12, msg + 12, 17);
	for (size_t cap = 0; cap < (size_t)r; cap++)
		assert_int_equal(proto_dns_build_answer(out, cap, msg, n, &q, 0, v4, AF_INET, 1), -1);
	/* A asked, IPv6 served: NOERROR, no answer (NODATA) */
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	r = proto_dns_build_answer(out, sizeof(out), msg, n, &q, 0, v6, AF_INET6, 300);
	assert_int_equal(r, 2 + 12 + 17);
	assert_int_equal(proto_dns_parse_response(out + 2, (size_t)r - 2, &resp), 0);
	assert_int_equal(resp.ancount, 0);
	/* NXDOMAIN: no answer, rcode carried */
	r = proto_dns_build_answer(out, sizeof(out), msg, n, &q, PROTO_DNS_NXDOMAIN, v4, AF_INET, 1);
	assert_true(r > 0);
	assert_int_equal(proto_dns_parse_response(out + 2, (size_t)r - 2, &resp), 0);
	assert_int_equal(resp.rcode, PROTO_DNS_NXDOMAIN);
	assert_int_equal(resp.ancount, 0);
	assert_int_equal(proto_dns_build_answer(out, sizeof(out), msg, n, &q, 16, v4, AF_INET, 1), -1);
	/* inconsistent query length */
	assert_int_equal(proto_dns_build_answer(out, sizeof(out), msg, 20, &q, 0, v4, AF_INET, 1), -1);
}

static void test_build_answer_aaaa(void **state)
{
	(void)state;
	uint8_t qbuf[512], out[512];
	ssize_t qn = proto_dns_build_query(qbuf, sizeof(qbuf), 77, "Host.Example.ORG", PROTO_DNS_T_AAAA);
	assert_true(qn > 0);
	struct proto_dns_query q;
	assert_int_equal(proto_dns_parse_query(qbuf + 2, (size_t)qn - 2, &q), 0);
	assert_string_equal(q.qname, "host.example.org");
	const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	ssize_t r = proto_dns_build_answer(out, sizeof(out), qbuf + 2, (size_t)qn - 2, &q, 0, v6,
					   AF_INET6, 5);
	assert_int_equal(r, qn + 2 + 10 + 16);
	struct proto_dns_resp resp;
	assert_int_equal(proto_dns_parse_response(out + 2, (size_t)r - 2, &resp), 0);
	assert_int_equal(resp.id, 77);
	assert_int_equal(resp.an_qtype, 1);
	assert_memory_equal(out + r - 16, v6, 16);
	assert_int_equal(proto_dns_build_answer(out, sizeof(out), qbuf + 2, (size_t)qn - 2, &q, 0,
						NULL, AF_INET6, 5),
			 -1);
}

static void test_build_error(void **state)
{
	(void)state;
	uint8_t out[64];
	const uint8_t junk[] = {0xab, 0xcd, 0x01, 0x00, 0xff};
	assert_int_equal(proto_dns_build_error(out, sizeof(out), junk, sizeof(junk), PROTO_DNS_FORMERR), 14);
	static const uint8_t want[] = {0, 12, 0xab, 0xcd, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_memory_equal(out, want, sizeof(want));
	struct proto_dns_resp resp;
	assert_int_equal(proto_dns_parse_response(out + 2, 12, &resp), 0);
	assert_int_equal(resp.rcode, PROTO_DNS_FORMERR);
	assert_int_equal(proto_dns_build_error(out, sizeof(out), junk, 1, 1), 14);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 0);
	assert_int_equal(proto_dns_build_error(out, sizeof(out), junk, 2, 1), 14);
	assert_int_equal(out[2], 0xab);
	assert_int_equal(out[3], 0xcd);
	assert_int_equal(out[4], 0x80);
	assert_int_equal(proto_dns_build_error(out, sizeof(out), NULL, 0, 1), 14);
	assert_int_equal(proto_dns_build_error(out, 13, junk, 2, 1), -1);
}

/* ---- client side ---- */

static void test_parse_known_response(void **state)
{
	(void)state;
	struct proto_dns_resp r;
	size_t n = sizeof(resp_example_com);
	assert_int_equal(proto_dns_parse_response(resp_example_com, n, &r), 0);
	assert_int_equal(r.id, 0x1234);
	assert_int_equal(r.qr, 1);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.arcount, 1);
	assert_int_equal(r.an_qtype, 1);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(proto_dns_parse_response(resp_example_com, cut, &r), -1);
	/* trailing garbage */
	uint8_t big[128];
	memcpy(big, resp_example_com, n);
	big[n] = 0;
	assert_int_equal(proto_dns_parse_response(big, n + 1, &r), -1);
}

static void test_parse_rich_response(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_resp r;
	build_rich_response(&m);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), 0);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.nscount, 1);
	assert_int_equal(r.arcount, 2);
	assert_int_equal(r.an_qtype, 1);
	/* every truncated record is malformed */
	for (size_t cut = 0; cut < m.n; cut++)
		assert_int_equal(proto_dns_parse_response(m.b, cut, &r), -1);
}

static void test_parse_response_bad_rdata(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_resp r;
	/* A with 5 bytes */
	mb_header(&m, 1, 0x8000, 0, 1, 0, 0);
	mb_u8(&m, 0);
	mb_rr_fixed(&m, PROTO_DNS_T_A, 5);
	mb_bytes(&m, "\1\2\3\4\5", 5);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* CNAME whose name does not fill the RDATA */
	mb_header(&m, 1, 0x8000, 0, 1, 0, 0);
	mb_u8(&m, 0);
	mb_rr_fixed(&m, PROTO_DNS_T_CNAME, 4);
	mb_bytes(&m, "\1a\0\0", 4);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	m.b[12 + 1 + 9] = 3; /* rdlength 3: fits exactly, trailing byte left */
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n - 1, &r), 0);
	/* rdlength past the end */
	mb_header(&m, 1, 0x8000, 0, 1, 0, 0);
	mb_u8(&m, 0);
	mb_rr_fixed(&m, 99, 200);
	mb_bytes(&m, "abc", 3);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* TXT with a character-string running past the RDATA */
	mb_header(&m, 1, 0x8000, 0, 1, 0, 0);
	mb_u8(&m, 0);
	mb_rr_fixed(&m, PROTO_DNS_T_TXT, 3);
	mb_bytes(&m, "\5ab", 3);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* OPT option running past the RDATA */
	mb_header(&m, 1, 0x8000, 0, 0, 0, 1);
	mb_u8(&m, 0);
	mb_rr_fixed(&m, PROTO_DNS_T_OPT, 6);
	mb_bytes(&m, "\0\12\0\10ab", 6);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* shorter than a header */
	assert_int_equal(proto_dns_parse_response(m.b, 11, &r), -1);
	/* counts that promise more than is there */
	mb_header(&m, 1, 0x8000, 0, 0xffff, 0xffff, 0xffff);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
}

static void test_compression_pointers(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_resp r;
	/* label then a pointer back to its own start: a loop */
	mb_header(&m, 1, 0x8000, 1, 0, 0, 0);
	mb_bytes(&m, "\1a", 2);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* pointer to itself */
	mb_header(&m, 1, 0x8000, 1, 0, 0, 0);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* two pointers at each other: the first one points forward */
	mb_header(&m, 1, 0x8000, 2, 0, 0, 0);
	mb_u16(&m, 0xc012); /* -> 18 */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc00c); /* at 18 -> 12 */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* into the header */
	mb_header(&m, 1, 0x8000, 1, 0, 0, 0);
	mb_u16(&m, 0xc004);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* beyond the message */
	mb_set16(&m, 12, 0xc0ff);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* a pointer cut after its first byte */
	mb_header(&m, 1, 0x8000, 1, 0, 0, 0);
	mb_u8(&m, 0xc0);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* a legal chain: q3 -> q2 -> q1 */
	mb_header(&m, 1, 0x8000, 3, 0, 0, 0);
	mb_bytes(&m, "\1a\0\0\1\0\1", 7);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc013);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), 0);
}

/* Each question's name is a pointer to the one before: depth = count - 1. */
static void build_pointer_chain(struct mb *m, uint16_t count)
{
	mb_header(m, 1, 0x8000, count, 0, 0, 0);
	mb_bytes(m, "\1a\0\0\1\0\1", 7);
	size_t prev = 12;
	for (uint16_t i = 1; i < count; i++) {
		size_t here = m->n;
		mb_u16(m, (uint16_t)(0xc000 | prev));
		mb_u16(m, 1);
		mb_u16(m, 1);
		prev = here;
	}
}

static void test_jump_limit_and_name_length(void **state)
{
	(void)state;
	struct mb m;
	struct proto_dns_resp r;
	build_pointer_chain(&m, 100);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), 0);
	build_pointer_chain(&m, 200);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1);
	/* 3 x 63-byte labels (193 octets), then 63 more + a pointer: 257 > 255 */
	mb_header(&m, 1, 0x8000, 2, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		mb_u8(&m, 63);
		for (int k = 0; k < 63; k++)
			mb_u8(&m, 'x');
	}
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n - 6, &r), -1); /* cut */
	size_t second = m.n;
	mb_u8(&m, 61);
	for (int k = 0; k < 61; k++)
		mb_u8(&m, 'y');
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), 0); /* 62 + 193 = 255 */
	m.b[second] = 62;
	m.n = second + 1;
	for (int k = 0; k < 62; k++)
		mb_u8(&m, 'y');
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(proto_dns_parse_response(m.b, m.n, &r), -1); /* 256 */
}

/* ---- robustness ---- */

static void test_guard_page(void **state)
{
	(void)state;
	struct guard g;
	guard_init(&g);
	struct mb rich;
	build_rich_response(&rich);
	struct proto_dns_resp r;
	struct proto_dns_query q;
	for (size_t cut = 0; cut <= rich.n; cut++) {
		const uint8_t *p = guard_place(&g, rich.b, cut);
		assert_int_equal(proto_dns_parse_response(p, cut, &r), cut == rich.n ? 0 : -1);
		proto_dns_parse_query(p, cut, &q);
	}
	size_t qn = sizeof(query_example_com);
	for (size_t cut = 0; cut <= qn; cut++) {
		const uint8_t *p = guard_place(&g, query_example_com, cut);
		assert_int_equal(proto_dns_frame(p, cut, 512), cut == qn ? (ssize_t)qn : -2);
		if (cut >= 2)
			assert_int_equal(proto_dns_parse_query(p + 2, cut - 2, &q), cut == qn ? 0 : -1);
		proto_dns_parse_response(p, cut, &r);
	}
	/* a name whose labels run to the very end of the page */
	uint8_t tail[] = {0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f, 'a', 'b'};
	const uint8_t *p = guard_place(&g, tail, sizeof(tail));
	assert_int_equal(proto_dns_parse_response(p, sizeof(tail), &r), -1);
	assert_int_equal(proto_dns_parse_query(p, sizeof(tail), &q), -1);
	guard_free(&g);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void test_garbage(void **state)
{
	(void)state;
	uint32_t seed = 12345;
	struct mb rich;
	build_rich_response(&rich);
	uint8_t buf[512];
	struct proto_dns_resp r;
	struct proto_dns_query q;
	for (int iter = 0; iter < 20000; iter++) {
		size_t n;
		if (iter & 1) { /* a valid message with a few bytes flipped */
			n = rich.n;
			memcpy(buf, rich.b, n);
			for (int k = 0; k < 3; k++)
				buf[lcg(&seed) % n] = (uint8_t)lcg(&seed);
		} else {
			n = lcg(&seed) % sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)lcg(&seed);
		}
		int rr = proto_dns_parse_response(buf, n, &r);
		assert_true(rr == 0 || rr == -1);
		if (proto_dns_parse_query(buf, n, &q) == 0) {
			assert_true(strlen(q.qname) == q.qname_len);
			assert_true(q.question_len >= 5);
		}
		ssize_t f = proto_dns_frame(buf, n, 512);
		assert_true(f == -1 || f == -2 || (f >= 14 && (size_t)f <= n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qtype_from_str),
		cmocka_unit_test(test_build_query_example),
		cmocka_unit_test(test_build_query_bad_names),
		cmocka_unit_test(test_frame_every_split),
		cmocka_unit_test(test_frame_coalesced),
		cmocka_unit_test(test_frame_bad_prefix),
		cmocka_unit_test(test_parse_known_query),
		cmocka_unit_test(test_parse_query_name_forms),
		cmocka_unit_test(test_parse_query_rejects),
		cmocka_unit_test(test_build_answer_roundtrip),
		cmocka_unit_test(test_build_answer_aaaa),
		cmocka_unit_test(test_build_error),
		cmocka_unit_test(test_parse_known_response),
		cmocka_unit_test(test_parse_rich_response),
		cmocka_unit_test(test_parse_response_bad_rdata),
		cmocka_unit_test(test_compression_pointers),
		cmocka_unit_test(test_jump_limit_and_name_length),
		cmocka_unit_test(test_guard_page),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
