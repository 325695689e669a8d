/* DNS over TCP: framing, query/answer building, response and query parsing.
 * RFC 1035 (message format), RFC 7766 (TCP transport), RFC 3596 (AAAA). */
#include "tcpswarm/proto_dns.h"

#include <string.h>
#include <sys/socket.h>

#define MAX_WIRE_NAME 255 /* RFC 1035 3.1: octets including the root label */
#define MAX_LABEL 63
#define MAX_JUMPS 127     /* more than any legal name can need */
#define RR_FIXED 10       /* type, class, ttl, rdlength */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static int ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;
		if (x >= 'a' && x <= 'z')
			x = (char)(x - 32);
		if (y >= 'a' && y <= 'z')
			y = (char)(y - 32);
		if (x != y)
			return 0;
	}
	return *a == *b;
}

int proto_dns_qtype_from_str(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} names[] = {
		{"A", PROTO_DNS_T_A},	  {"AAAA", PROTO_DNS_T_AAAA}, {"MX", PROTO_DNS_T_MX},
		{"TXT", PROTO_DNS_T_TXT}, {"NS", PROTO_DNS_T_NS},     {"CNAME", PROTO_DNS_T_CNAME},
		{"SOA", PROTO_DNS_T_SOA}, {"PTR", PROTO_DNS_T_PTR},   {"ANY", PROTO_DNS_T_ANY},
	};
	if (!s || !*s)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ascii_ieq(s, names[i].name))
			return names[i].type;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s >= 5)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= 65535 ? (int)v : -1;
}

/* Presentation name -> uncompressed wire labels at out. Returns the wire
 * length or -1. "." alone is the root; a final dot is optional. */
static ssize_t name_to_wire(uint8_t *out, size_t cap, const char *name)
{
	size_t n = strlen(name);
	if (n == 1 && name[0] == '.')
		n = 0;
	else if (n > 0 && name[n - 1] == '.')
		n--;
	else if (n == 0)
		return -1;
	if (n > PROTO_DNS_MAX_NAME || n + 2 > cap)
		return -1;
	size_t w = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && name[j] != '.')
			j++;
		size_t lab = j - i;
		if (lab == 0 || lab > MAX_LABEL)
			return -1;
		out[w++] = (uint8_t)lab;
		memcpy(out + w, name + i, lab);
		w += lab;
		i = j + 1; /* skip the dot; i == n + 1 after the last label */
		if (j + 1 == n)
			return -1; /* "a..": the final dot was already stripped */
	}
	out[w++] = 0;
	return (ssize_t)w;
}

ssize_t proto_dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *qname,
			      uint16_t qtype)
{
	if (!out || !qname || cap < 2 + PROTO_DNS_HDR_LEN)
		return -1;
	uint8_t *m = out + 2;
	ssize_t nl = name_to_wire(m + PROTO_DNS_HDR_LEN, cap - 2 - PROTO_DNS_HDR_LEN, qname);
	if (nl < 0)
		return -1;
	size_t msglen = PROTO_DNS_HDR_LEN + (size_t)nl + 4;
	if (2 + msglen > cap)
		return -1;
	memset(m, 0, PROTO_DNS_HDR_LEN);
	put16(m, id);
	put16(m + 2, PROTO_DNS_F_RD);
	put16(m + 4, 1); /* QDCOUNT */
	put16(m + PROTO_DNS_HDR_LEN + nl, qtype);
	put16(m + PROTO_DNS_HDR_LEN + nl + 2, PROTO_DNS_C_IN);
	put16(out, (uint16_t)msglen);
	return (ssize_t)(2 + msglen);
}

ssize_t proto_dns_frame(const uint8_t *buf, size_t len, size_t max_msg)
{
	if (len < 2)
		return -2;
	size_t n = get16(buf);
	if (n < PROTO_DNS_HDR_LEN || n > max_msg)
		return -1;
	if (len - 2 < n)
		return -2;
	return (ssize_t)(2 + n);
}

/* Where a presentation name is written while walking (NULL: not wanted). */
struct name_out {
	char *buf;
	size_t len;
};

/* Appends one label to the presentation form, lower-cased and escaped
 * (RFC 1035 5.1: "\." and "\\", "\DDD" for other bytes). */
static int pres_label(struct name_out *o, const uint8_t *lab, size_t n)
{
	if (o->len > 0) {
		if (o->len + 1 >= PROTO_DNS_NAME_BUF)
			return -1;
		o->buf[o->len++] = '.';
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = lab[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		char esc[4];
		size_t k = 0;
		if (c == '.' || c == '\\') {
			esc[k++] = '\\';
			esc[k++] = (char)c;
		} else if (c <= 0x20 || c >= 0x7f) {
			esc[0] = '\\';
			esc[1] = (char)('0' + c / 100);
			esc[2] = (char)('0' + c / 10 % 10);
			esc[3] = (char)('0' + c % 10);
			k = 4;
		} else {
			esc[k++] = (char)c;
		}
		if (o->len + k >= PROTO_DNS_NAME_BUF)
			return -1;
		memcpy(o->buf + o->len, esc, k);
		o->len += k;
	}
	return 0;
}

/* Walks the name at msg[off] (RFC 1035 4.1.4). Sets *end to the offset just
 * after the name as it sits at off (after its zero byte, or after its first
 * pointer). A pointer must aim strictly before the start of the label run
 * it ends, which makes every jump go backwards and loops impossible; jumps
 * are counted as well. Returns 0 or -1. */
static int walk_name(const uint8_t *msg, size_t len, size_t off, int allow_ptr, size_t *end,
		     struct name_out *o)
{
	size_t run_start = off; /* first byte of the current label run */
	size_t wire = 0;	/* decompressed length, for the 255 limit */
	int jumps = 0;
	int jumped = 0;
	for (;;) {
		if (off >= len)
			return -1;
		uint8_t b = msg[off];
		if ((b & 0xc0) == 0xc0) {
			if (!allow_ptr || off + 1 >= len || ++jumps > MAX_JUMPS)
				return -1;
			size_t target = (size_t)(get16(msg + off) & 0x3fff);
			if (target < PROTO_DNS_HDR_LEN || target >= run_start)
				return -1;
			if (!jumped)
				*end = off + 2;
			jumped = 1;
			off = run_start = target;
			continue;
		}
		if (b & 0xc0)
			return -1; /* 01 and 10 label types: RFC 6891 9 */
		wire += (size_t)b + 1;
		if (wire > MAX_WIRE_NAME)
			return -1;
		if (b == 0)
			break;
		if (off + 1 + b > len)
			return -1;
		if (o && pres_label(o, msg + off + 1, b) < 0)
			return -1;
		off += 1 + (size_t)b;
	}
	if (!jumped)
		*end = off + 1;
	if (o) {
		if (o->len == 0)
			o->buf[o->len++] = '.';
		o->buf[o->len] = '\0';
	}
	return 0;
}

/* A name that fills msg[off, off + n) exactly. */
static int name_fills(const uint8_t *msg, size_t len, size_t off, size_t n)
{
	size_t end;
	if (walk_name(msg, len, off, 1, &end, NULL) < 0)
		return -1;
	return end == off + n ? 0 : -1;
}

/* TXT RDATA: one or more <character-string>s filling it (RFC 1035 3.3.14). */
static int txt_fills(const uint8_t *p, size_t n)
{
	if (n == 0)
		return -1;
	size_t i = 0;
	while (i < n)
		i += 1 + (size_t)p[i];
	return i == n ? 0 : -1;
}

/* OPT RDATA: {code, length, data} options filling it (RFC 6891 6.1.2). */
static int opt_fills(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (n - i < 4)
			return -1;
		i += 4 + (size_t)get16(p + i + 2);
	}
	return i == n ? 0 : -1;
}

/* RDATA of the types whose layout matters here; others are opaque. */
static int check_rdata(const uint8_t *msg, size_t len, size_t off, uint16_t type,
		       uint16_t cls, size_t n)
{
	size_t end;
	switch (type) {
	case PROTO_DNS_T_A:
		return cls != PROTO_DNS_C_IN || n == 4 ? 0 : -1;
	case PROTO_DNS_T_AAAA:
		return cls != PROTO_DNS_C_IN || n == 16 ? 0 : -1;
	case PROTO_DNS_T_NS:
	case PROTO_DNS_T_CNAME:
	case PROTO_DNS_T_PTR:
		return name_fills(msg, len, off, n);
	case PROTO_DNS_T_MX: /* preference, exchange */
		return n >= 3 ? name_fills(msg, len, off + 2, n - 2) : -1;
	case PROTO_DNS_T_SOA: /* mname, rname, five 32-bit numbers */
		if (walk_name(msg, len, off, 1, &end, NULL) < 0 || end > off + n)
			return -1;
		if (walk_name(msg, len, end, 1, &end, NULL) < 0)
			return -1;
		return end + 20 == off + n ? 0 : -1;
	case PROTO_DNS_T_TXT:
		return txt_fills(msg + off, n);
	case PROTO_DNS_T_OPT:
		return opt_fills(msg + off, n);
	default:
		return 0;
	}
}

/* One resource record at *off (RFC 1035 4.1.3); advances *off past it. */
static int walk_rr(const uint8_t *msg, size_t len, size_t *off, uint16_t *type)
{
	size_t p;
	if (walk_name(msg, len, *off, 1, &p, NULL) < 0 || len - p < RR_FIXED)
		return -1;
	*type = get16(msg + p);
	uint16_t cls = get16(msg + p + 2);
	size_t rdlen = get16(msg + p + 8);
	p += RR_FIXED;
	if (len - p < rdlen || check_rdata(msg, len, p, *type, cls, rdlen) < 0)
		return -1;
	*off = p + rdlen;
	return 0;
}

/* One question at *off (RFC 1035 4.1.2). */
static int walk_question(const uint8_t *msg, size_t len, size_t *off, int allow_ptr,
			 uint16_t *qtype, uint16_t *qclass, struct name_out *o)
{
	size_t p;
	if (walk_name(msg, len, *off, allow_ptr, &p, o) < 0 || len - p < 4)
		return -1;
	*qtype = get16(msg + p);
	*qclass = get16(msg + p + 2);
	*off = p + 4;
	return 0;
}

/* All records after the questions; the message must end with the last one. */
static int walk_records(const uint8_t *msg, size_t len, size_t off, uint16_t ancount,
			uint32_t others, uint16_t qtype, uint16_t *an_qtype)
{
	uint16_t type;
	for (uint32_t i = 0; i < ancount; i++) {
		if (walk_rr(msg, len, &off, &type) < 0)
			return -1;
		if (an_qtype && type == qtype)
			(*an_qtype)++;
	}
	for (uint32_t i = 0; i < others; i++)
		if (walk_rr(msg, len, &off, &type) < 0)
			return -1;
	return off == len ? 0 : -1;
}

int proto_dns_parse_response(const uint8_t *msg, size_t len, struct proto_dns_resp *out)
{
	if (!msg || !out || len < PROTO_DNS_HDR_LEN)
		return -1;
	memset(out, 0, sizeof(*out));
	out->id = get16(msg);
	out->flags = get16(msg + 2);
	out->rcode = (uint8_t)(out->flags & PROTO_DNS_F_RCODE);
	out->qr = (out->flags & PROTO_DNS_F_QR) != 0;
	out->tc = (out->flags & PROTO_DNS_F_TC) != 0;
	out->qdcount = get16(msg + 4);
	out->ancount = get16(msg + 6);
	out->nscount = get16(msg + 8);
	out->arcount = get16(msg + 10);
	size_t off = PROTO_DNS_HDR_LEN;
	for (uint32_t i = 0; i < out->qdcount; i++) {
		uint16_t qt, qc;
		if (walk_question(msg, len, &off, 1, &qt, &qc, NULL) < 0)
			return -1;
		if (i == 0)
			out->qtype = qt;
	}
	return walk_records(msg, len, off, out->ancount, (uint32_t)out->nscount + out->arcount,
			    out->qtype, &out->an_qtype);
}

int proto_dns_parse_query(const uint8_t *msg, size_t len, struct proto_dns_query *q)
{
	if (!msg || !q || len < PROTO_DNS_HDR_LEN)
		return -1;
	memset(q, 0, sizeof(*q));
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	/* RFC 9619: exactly one question; QR clear in a query */
	if ((q->flags & PROTO_DNS_F_QR) || get16(msg + 4) != 1)
		return -1;
	struct name_out o = {q->qname, 0};
	size_t off = PROTO_DNS_HDR_LEN;
	if (walk_question(msg, len, &off, 0, &q->qtype, &q->qclass, &o) < 0)
		return -1;
	q->question_len = (uint16_t)(off - PROTO_DNS_HDR_LEN);
	q->qname_len = (uint16_t)o.len;
	uint32_t others = (uint32_t)get16(msg + 8) + get16(msg + 10);
	return walk_records(msg, len, off, get16(msg + 6), others, 0, NULL);
}

/* Header of a response to a query with flags qflags. */
static void put_resp_header(uint8_t *m, uint16_t id, uint16_t qflags, int rcode, int aa_ra)
{
	uint16_t f = PROTO_DNS_F_QR | (qflags & (PROTO_DNS_F_OPCODE | PROTO_DNS_F_RD));
	if (aa_ra)
		f |= PROTO_DNS_F_AA | PROTO_DNS_F_RA | (qflags & PROTO_DNS_F_CD);
	f |= (uint16_t)(rcode & PROTO_DNS_F_RCODE);
	memset(m, 0, PROTO_DNS_HDR_LEN);
	put16(m, id);
	put16(m + 2, f);
}

ssize_t proto_dns_build_answer(uint8_t *out, size_t cap, const uint8_t *query_msg, size_t qlen,
			       const struct proto_dns_query *q, int rcode, const uint8_t *addr,
			       int addr_family, uint32_t ttl)
{
	if (!out || !query_msg || !q || rcode < 0 || rcode > 15)
		return -1;
	size_t ql = q->question_len;
	if (ql < 5 || qlen < PROTO_DNS_HDR_LEN || qlen - PROTO_DNS_HDR_LEN < ql)
		return -1;
	size_t alen = 0;
	if (rcode == PROTO_DNS_NOERROR && q->qclass == PROTO_DNS_C_IN) {
		if (addr_family == AF_INET && q->qtype == PROTO_DNS_T_A)
			alen = 4;
		else if (addr_family == AF_INET6 && q->qtype == PROTO_DNS_T_AAAA)
			alen = 16;
	}
	if (alen && !addr)
		return -1;
	size_t rrlen = alen ? 2 + RR_FIXED + alen : 0;
	size_t msglen = PROTO_DNS_HDR_LEN + ql + rrlen;
	if (cap < 2 + msglen)
		return -1;
	uint8_t *m = out + 2;
	put_resp_header(m, q->id, q->flags, rcode, 1);
	put16(m + 4, 1);
	memcpy(m + PROTO_DNS_HDR_LEN, query_msg + PROTO_DNS_HDR_LEN, ql);
	if (alen) {
		uint8_t *r = m + PROTO_DNS_HDR_LEN + ql;
		put16(m + 6, 1);
		put16(r, 0xc000 | PROTO_DNS_HDR_LEN); /* pointer to the question name */
		put16(r + 2, q->qtype);
		put16(r + 4, PROTO_DNS_C_IN);
		put32(r + 6, ttl);
		put16(r + 10, (uint16_t)alen);
		memcpy(r + 12, addr, alen);
	}
	put16(out, (uint16_t)msglen);
	return (ssize_t)(2 + msglen);
}

ssize_t proto_dns_build_error(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, int rcode)
{
	if (!out || cap < 2 + PROTO_DNS_HDR_LEN || rcode < 0 || rcode > 15 || (len && !msg))
		return -1;
	uint16_t id = len >= 2 ? get16(msg) : 0;
	uint16_t qflags = len >= 4 ? get16(msg + 2) : 0;
	put_resp_header(out + 2, id, qflags, rcode, 0);
	put16(out, PROTO_DNS_HDR_LEN);
	return 2 + PROTO_DNS_HDR_LEN;
}
