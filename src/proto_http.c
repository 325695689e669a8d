/* HTTP/1.1 request parsing and an incremental response reader (building is
 * in proto_http_build.c). Syntax from RFC 9112, semantics RFC 9110. */
#include "tcpswarm/proto_http.h"
#include "proto_http_internal.h"

#include <limits.h>
#include <string.h>

enum { RP_HEAD = 0, RP_LENGTH, RP_CHUNKED, RP_UNTIL_CLOSE };
enum { CP_SIZE = 0, CP_DATA, CP_CR, CP_LF, CP_TRAILER };
enum { RF_CLOSE = 1, RF_NO_BODY = 2 };

/* ---- characters and small helpers ---- */

/* tchar (RFC 9110 5.6.2) */
static int is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return 1;
	default:
		return 0;
	}
}

/* field-vchar, SP or HTAB (RFC 9110 5.5) */
static int is_field_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Case-insensitive match of a span against a lower-case literal. */
static int span_ieq(const uint8_t *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);
	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (uint8_t)lit[i])
			return 0;
	return 1;
}

/* 1*DIGIT without overflow; -1 otherwise. */
static int parse_dec(const uint8_t *p, size_t n, uint64_t *out)
{
	if (n == 0)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* ---- lines and header fields ---- */

/* The line starting at buf[pos] (limit = bytes available). Its content is
 * buf[pos, *end) without the CR of a CRLF; returns the offset after its LF,
 * or -2 if no LF yet. A CR elsewhere is left in the content, where the
 * character checks reject it. */
static ssize_t next_line(const uint8_t *buf, size_t limit, size_t pos, size_t *end)
{
	const uint8_t *lf = memchr(buf + pos, '\n', limit - pos);
	if (!lf)
		return PROTO_HTTP_AGAIN;
	size_t e = (size_t)(lf - buf);
	*end = (e > pos && buf[e - 1] == '\r') ? e - 1 : e;
	return (ssize_t)(e + 1);
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5). No space is
 * allowed before the colon, no obs-fold. */
int proto_http_split_field(const uint8_t *l, size_t n, const uint8_t **name, size_t *nlen,
			   const uint8_t **val, size_t *vlen)
{
	size_t i = 0;
	while (i < n && is_tchar(l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ':')
		return -1;
	*name = l;
	*nlen = i;
	i++;
	while (i < n && is_ows(l[i]))
		i++;
	size_t e = n;
	while (e > i && is_ows(l[e - 1]))
		e--;
	for (size_t k = i; k < e; k++)
		if (!is_field_char(l[k]))
			return -1;
	*val = l + i;
	*vlen = e - i;
	return 0;
}

/* What the framing needs from the header fields. */
struct fields {
	uint64_t content_length;
	uint8_t has_cl;
	uint8_t conn_close;
	uint8_t conn_keep_alive;
	uint8_t has_te;
	uint8_t te_chunked; /* the last coding listed is "chunked" */
};

/* Next element of a comma list (RFC 9110 5.6.1), OWS trimmed; empty elements
 * are returned as empty spans. Returns 0 when the list is exhausted. */
static int list_next(const uint8_t *v, size_t n, size_t *pos, const uint8_t **el, size_t *elen)
{
	if (*pos > n)
		return 0;
	size_t s = *pos, e = s;
	while (e < n && v[e] != ',')
		e++;
	*pos = e + 1;
	while (s < e && is_ows(v[s]))
		s++;
	while (e > s && is_ows(v[e - 1]))
		e--;
	*el = v + s;
	*elen = e - s;
	return 1;
}

static void field_connection(const uint8_t *v, size_t n, struct fields *f)
{
	const uint8_t *el;
	size_t elen, pos = 0;
	while (list_next(v, n, &pos, &el, &elen)) {
		if (span_ieq(el, elen, "close"))
			f->conn_close = 1;
		else if (span_ieq(el, elen, "keep-alive"))
			f->conn_keep_alive = 1;
	}
}

/* RFC 9112 6.1: only the last coding decides whether the body is chunked. */
static int field_transfer_encoding(const uint8_t *v, size_t n, struct fields *f)
{
	const uint8_t *el, *last = NULL;
	size_t elen, last_len = 0, pos = 0;
	while (list_next(v, n, &pos, &el, &elen))
		if (elen) {
			last = el;
			last_len = elen;
		}
	if (!last)
		return -1;
	f->has_te = 1;
	f->te_chunked = (uint8_t)span_ieq(last, last_len, "chunked");
	return 0;
}

/* RFC 9112 6.3: a list or differing repeated values are an error. */
static int field_content_length(const uint8_t *v, size_t n, struct fields *f)
{
	uint64_t cl;
	if (parse_dec(v, n, &cl) < 0)
		return -1;
	if (f->has_cl && f->content_length != cl)
		return -1;
	f->has_cl = 1;
	f->content_length = cl;
	return 0;
}

static int field_line(const uint8_t *l, size_t n, struct fields *f)
{
	const uint8_t *name, *val;
	size_t nlen, vlen;
	if (proto_http_split_field(l, n, &name, &nlen, &val, &vlen) < 0)
		return -1;
	if (span_ieq(name, nlen, "content-length"))
		return field_content_length(val, vlen, f);
	if (span_ieq(name, nlen, "transfer-encoding"))
		return field_transfer_encoding(val, vlen, f);
	if (span_ieq(name, nlen, "connection"))
		field_connection(val, vlen, f);
	return 0;
}

/* Field lines from buf[pos] up to and including the empty line. Returns the
 * offset after the head, -2 (not complete within limit) or -1. */
static ssize_t parse_fields(const uint8_t *buf, size_t limit, size_t pos, struct fields *f)
{
	memset(f, 0, sizeof(*f));
	for (;;) {
		size_t end;
		ssize_t next = next_line(buf, limit, pos, &end);
		if (next < 0)
			return next;
		if (end == pos)
			return next;
		if (field_line(buf + pos, end - pos, f) < 0)
			return -1;
		pos = (size_t)next;
	}
}

/* "HTTP/1.d" (RFC 9112 2.3); only major version 1. */
static int parse_version(const uint8_t *p, size_t n, uint8_t *minor)
{
	if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9')
		return -1;
	*minor = (uint8_t)(p[7] - '0');
	return 0;
}

/* ---- server side: requests ---- */

/* The first "length" parameter of the query. */
static void parse_length_param(const uint8_t *q, size_t n, struct proto_http_req *r)
{
	size_t i = 0;
	while (i <= n) {
		size_t e = i;
		while (e < n && q[e] != '&')
			e++;
		if (e - i >= 6 && memcmp(q + i, "length", 6) == 0 &&
		    (e - i == 6 || q[i + 6] == '=')) {
			size_t v = i + 7 <= e ? i + 7 : e;
			if (parse_dec(q + v, e - v, &r->length) == 0)
				r->has_length = 1;
			else
				r->bad_length = 1;
			return;
		}
		i = e + 1;
	}
}

static enum proto_http_method method_of(const uint8_t *m, size_t n)
{
	if (n == 3 && memcmp(m, "GET", 3) == 0)
		return PROTO_HTTP_GET;
	if (n == 4 && memcmp(m, "HEAD", 4) == 0)
		return PROTO_HTTP_HEAD;
	if (n == 4 && memcmp(m, "POST", 4) == 0)
		return PROTO_HTTP_POST;
	return PROTO_HTTP_OTHER;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3). */
static int parse_request_line(const uint8_t *l, size_t n, struct proto_http_req *r)
{
	size_t i = 0;
	while (i < n && is_tchar(l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ' ')
		return -1;
	r->method = (uint8_t)method_of(l, i);
	size_t t = ++i;
	while (i < n && l[i] > 0x20 && l[i] < 0x7f)
		i++;
	if (i == t || i == n || l[i] != ' ')
		return -1;
	const uint8_t *target = l + t;
	size_t tlen = i - t;
	const uint8_t *qm = memchr(target, '?', tlen);
	r->path = target;
	r->path_len = qm ? (size_t)(qm - target) : tlen;
	if (qm) {
		r->query = qm + 1;
		r->query_len = tlen - r->path_len - 1;
		parse_length_param(r->query, r->query_len, r);
	}
	return parse_version(l + i + 1, n - i - 1, &r->minor_version);
}

/* RFC 9112 2.2: empty lines before the request-line are ignored. */
static size_t skip_empty_lines(const uint8_t *buf, size_t len)
{
	size_t i = 0;
	while (i < len && (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')))
		i += buf[i] == '\r' ? 2 : 1;
	return i;
}

/* The head within buf[0, limit): returns its length, -2 or -1. */
static ssize_t parse_request_head(const uint8_t *buf, size_t limit, struct proto_http_req *r,
				  struct fields *f)
{
	size_t pos = skip_empty_lines(buf, limit), end;
	ssize_t next = next_line(buf, limit, pos, &end);
	if (next < 0)
		return next;
	if (parse_request_line(buf + pos, end - pos, r) < 0)
		return -1;
	return parse_fields(buf, limit, (size_t)next, f);
}

ssize_t proto_http_parse_request(const uint8_t *buf, size_t len, size_t max_header,
				 struct proto_http_req *r)
{
	if (!buf || !r)
		return -1;
	memset(r, 0, sizeof(*r));
	struct fields f;
	size_t limit = len < max_header ? len : max_header;
	ssize_t head = parse_request_head(buf, limit, r, &f);
	if (head == PROTO_HTTP_AGAIN)
		return len >= max_header ? PROTO_HTTP_BAD : PROTO_HTTP_AGAIN;
	if (head < 0 || f.has_te)
		return -1;
	r->keep_alive = r->minor_version >= 1 ? !f.conn_close : (f.conn_keep_alive && !f.conn_close);
	r->head_len = (size_t)head;
	r->body_len = f.has_cl ? f.content_length : 0;
	if (r->body_len > (uint64_t)(SSIZE_MAX - head))
		return -1;
	size_t total = (size_t)head + (size_t)r->body_len;
	return len < total ? PROTO_HTTP_AGAIN : (ssize_t)total;
}

/* ---- client side: incremental responses ---- */

void proto_http_resp_init(struct proto_http_resp_state *st, int no_body)
{
	memset(st, 0, sizeof(*st));
	st->flags = no_body ? RF_NO_BODY : 0;
}

static ssize_t finish(struct proto_http_resp_state *st, struct proto_http_resp_done *done,
		      size_t pos)
{
	done->complete = 1;
	done->status = st->status;
	done->close = (st->flags & RF_CLOSE) != 0;
	done->body_len = st->body;
	memset(st, 0, sizeof(*st));
	return (ssize_t)pos;
}

/* status-line = HTTP-version SP status-code SP [reason-phrase] (RFC 9112 4);
 * a missing final SP is tolerated. */
static int parse_status_line(const uint8_t *l, size_t n, uint8_t *minor, unsigned *status)
{
	if (n < 12 || parse_version(l, 8, minor) < 0 || l[8] != ' ')
		return -1;
	unsigned s = 0;
	for (size_t i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		s = s * 10 + (unsigned)(l[i] - '0');
	}
	if (s < 100 || (n > 12 && l[12] != ' '))
		return -1;
	for (size_t i = 13; i < n; i++)
		if (!is_field_char(l[i]))
			return -1;
	*status = s;
	return 0;
}

/* Decides the body framing (RFC 9112 6.3) once the head is parsed. */
static int frame_body(struct proto_http_resp_state *st, unsigned status, uint8_t minor,
		      const struct fields *f, unsigned opts)
{
	if (minor == 0 ? !f->conn_keep_alive || f->conn_close : f->conn_close)
		st->flags |= RF_CLOSE;
	if (status == 101)
		return PROTO_HTTP_UNSUPPORTED;
	if ((st->flags & RF_NO_BODY) || status < 200 || status == 204 || status == 304) {
		st->remaining = 0;
		st->phase = RP_LENGTH;
		return 0;
	}
	if (f->has_te && f->has_cl)
		return -1; /* RFC 9112 6.3 item 3: smuggling risk, an error */
	if (f->has_te) {
		if (!f->te_chunked)
			return PROTO_HTTP_UNSUPPORTED;
		st->phase = RP_CHUNKED;
		st->chunk_phase = CP_SIZE;
		return 0;
	}
	if (!f->has_cl) { /* read until close (RFC 9112 6.3 item 8) */
		if (!(opts & PROTO_HTTP_RESP_UNTIL_CLOSE))
			return PROTO_HTTP_UNSUPPORTED;
		st->flags |= RF_CLOSE;
		st->phase = RP_UNTIL_CLOSE;
		return 0;
	}
	if (f->content_length > PROTO_HTTP_MAX_BODY)
		return PROTO_HTTP_UNSUPPORTED;
	st->phase = RP_LENGTH;
	st->remaining = f->content_length;
	return 0;
}

/* The head at buf[0]: returns its length, -2, -1 or -3. */
static ssize_t feed_head(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
			 size_t max_header, unsigned opts)
{
	size_t limit = len < max_header ? len : max_header, end;
	ssize_t next = next_line(buf, limit, 0, &end);
	ssize_t head = next;
	uint8_t minor = 0;
	unsigned status = 0;
	struct fields f;
	if (next >= 0) {
		if (parse_status_line(buf, end, &minor, &status) < 0)
			return -1;
		head = parse_fields(buf, limit, (size_t)next, &f);
	}
	if (head == PROTO_HTTP_AGAIN)
		return len >= max_header ? PROTO_HTTP_BAD : PROTO_HTTP_AGAIN;
	if (head < 0)
		return head;
	st->status = status & 0x3ff;
	int rc = frame_body(st, status, minor, &f, opts);
	return rc < 0 ? rc : head;
}

/* chunk-size [chunk-ext] (RFC 9112 7.1), the line content without CRLF. */
static int parse_chunk_size(const uint8_t *l, size_t n, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n; i++) {
		uint8_t c = lower(l[i]);
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (v >> 60)
			return -1;
		v = v << 4 | d;
	}
	if (i == 0)
		return -1;
	while (i < n && is_ows(l[i]))
		i++;
	if (i < n && l[i] != ';')
		return -1;
	for (; i < n; i++)
		if (!is_field_char(l[i]))
			return -1;
	*size = v;
	return 0;
}

/* One step of a chunked body at buf[pos]; sets *pos past what it used.
 * Returns 1 to go on, 0 when the body ended, -2 when a line is incomplete,
 * -1 or -3. */
static int chunk_step(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
		      size_t *pos, size_t max_header)
{
	size_t p = *pos, end, avail = len - p;
	ssize_t next;
	uint64_t size;
	switch (st->chunk_phase) {
	case CP_SIZE:
		if (avail > PROTO_HTTP_MAX_CHUNK_LINE)
			avail = PROTO_HTTP_MAX_CHUNK_LINE;
		next = next_line(buf, p + avail, p, &end);
		if (next < 0)
			return avail >= PROTO_HTTP_MAX_CHUNK_LINE ? -1 : PROTO_HTTP_AGAIN;
		if (parse_chunk_size(buf + p, end - p, &size) < 0)
			return -1;
		if (size > PROTO_HTTP_MAX_BODY - st->body)
			return PROTO_HTTP_UNSUPPORTED;
		st->remaining = size;
		st->chunk_phase = size ? CP_DATA : CP_TRAILER;
		*pos = (size_t)next;
		return 1;
	case CP_DATA: {
		uint64_t take = st->remaining < avail ? st->remaining : avail;
		st->remaining -= take;
		st->body += take;
		*pos = p + (size_t)take;
		if (!st->remaining)
			st->chunk_phase = CP_CR;
		return 1;
	}
	case CP_CR: /* CRLF after the data; a bare LF is accepted */
		if (buf[p] != '\r' && buf[p] != '\n')
			return -1;
		st->chunk_phase = buf[p] == '\r' ? CP_LF : CP_SIZE;
		*pos = p + 1;
		return 1;
	case CP_LF:
		if (buf[p] != '\n')
			return -1;
		st->chunk_phase = CP_SIZE;
		*pos = p + 1;
		return 1;
	case CP_TRAILER: /* trailer-section then the final empty line */
		if (avail > max_header)
			avail = max_header;
		next = next_line(buf, p + avail, p, &end);
		if (next < 0)
			return avail >= max_header ? -1 : PROTO_HTTP_AGAIN;
		*pos = (size_t)next;
		if (end == p)
			return 0;
		const uint8_t *name, *val;
		size_t nlen, vlen;
		return proto_http_split_field(buf + p, end - p, &name, &nlen, &val, &vlen) < 0 ? -1 : 1;
	default:
		return -1;
	}
}

/* A body until close: everything is body, up to PROTO_HTTP_MAX_BODY. */
static ssize_t until_close(struct proto_http_resp_state *st, size_t pos, size_t len)
{
	if (len - pos > PROTO_HTTP_MAX_BODY - st->body)
		return PROTO_HTTP_UNSUPPORTED;
	st->body += len - pos;
	return (ssize_t)len;
}

ssize_t proto_http_resp_feed(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
			     size_t max_header, struct proto_http_resp_done *done)
{
	return proto_http_resp_feed_opts(st, buf, len, max_header, 0, done);
}

int proto_http_resp_eof(struct proto_http_resp_state *st, struct proto_http_resp_done *done)
{
	if (!st || !done)
		return -1;
	memset(done, 0, sizeof(*done));
	if (st->phase == RP_HEAD)
		return 0;
	if (st->phase != RP_UNTIL_CLOSE)
		return -1;
	finish(st, done, 0);
	return 1;
}

ssize_t proto_http_resp_feed_opts(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
				  size_t max_header, unsigned opts, struct proto_http_resp_done *done)
{
	if (!st || !done || (len && !buf))
		return -1;
	memset(done, 0, sizeof(*done));
	size_t pos = 0;
	if (st->phase == RP_HEAD) {
		ssize_t head = feed_head(st, buf, len, max_header, opts);
		if (head < 0)
			return head;
		pos = (size_t)head;
		if (st->status < 200) { /* interim (101 was refused above) */
			unsigned no_body = st->flags & RF_NO_BODY;
			done->interim = 1;
			finish(st, done, pos);
			st->flags = no_body; /* the final response is still to come */
			return (ssize_t)pos;
		}
	}
	if (st->phase == RP_UNTIL_CLOSE)
		return until_close(st, pos, len);
	if (st->phase == RP_LENGTH) {
		uint64_t take = st->remaining < len - pos ? st->remaining : len - pos;
		st->remaining -= take;
		st->body += take;
		pos += (size_t)take;
		return st->remaining ? (ssize_t)pos : finish(st, done, pos);
	}
	while (pos < len) {
		int rc = chunk_step(st, buf, len, &pos, max_header);
		if (rc == 0)
			return finish(st, done, pos);
		if (rc == PROTO_HTTP_AGAIN)
			return pos ? (ssize_t)pos : PROTO_HTTP_AGAIN;
		if (rc < 0)
			return rc;
	}
	return (ssize_t)pos;
}
