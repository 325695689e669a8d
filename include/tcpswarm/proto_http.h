/* HTTP/1.1 for load testing: pure parsing and building over caller-owned
 * buffers (RFC 9112 message syntax, RFC 9110 semantics). Nothing here
 * allocates or does I/O.
 *
 * Return convention (as picohttpparser): bytes consumed or written (>= 0),
 * PROTO_HTTP_AGAIN (-2) when more bytes are needed, PROTO_HTTP_BAD (-1) when
 * malformed or it does not fit, PROTO_HTTP_UNSUPPORTED (-3) for a well-formed
 * response this client cannot frame (101, huge bodies, and read-until-close
 * unless PROTO_HTTP_RESP_UNTIL_CLOSE is given).
 * CRLF line endings, bare LF accepted too. Header names are case-insensitive. */
#ifndef TCPSWARM_PROTO_HTTP_H
#define TCPSWARM_PROTO_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_HTTP_BAD (-1)
#define PROTO_HTTP_AGAIN (-2)
#define PROTO_HTTP_UNSUPPORTED (-3)

#define PROTO_HTTP_MAX_CHUNK_LINE 64          /* chunk-size line, LF included */
#define PROTO_HTTP_MAX_BODY ((1ULL << 44) - 1) /* per response: 16 TiB */
#define PROTO_HTTP_BODY_CHUNK 16384            /* size of proto_http_body_chunk() */

enum proto_http_method {
	PROTO_HTTP_OTHER = 0, /* any other well-formed method token */
	PROTO_HTTP_GET,
	PROTO_HTTP_HEAD,
	PROTO_HTTP_POST,
	PROTO_HTTP_PUT,    /* built by proto_http_build; the request parser reports PUT */
	PROTO_HTTP_DELETE, /* and DELETE as OTHER */
};

/* "GET", "HEAD", "POST", "PUT", "DELETE" (case-sensitive, RFC 9110 9.1) to
 * the enum, or -1. And back: NULL for OTHER or out of range. */
int proto_http_method_parse(const char *s);
const char *proto_http_method_name(int method);

/* ---- server side ---- */

struct proto_http_req {
	const uint8_t *path;  /* request-target up to '?', points into buf */
	size_t path_len;
	const uint8_t *query; /* after '?' (NULL if none), points into buf */
	size_t query_len;
	uint64_t length;      /* N of the first "length=N" query parameter */
	uint64_t body_len;    /* Content-Length, 0 if absent */
	size_t head_len;      /* request line through the blank line */
	uint8_t method;       /* enum proto_http_method */
	uint8_t minor_version;
	uint8_t keep_alive;   /* 1.1: unless "close"; 1.0: only with "keep-alive" */
	uint8_t has_length;   /* length holds a valid number */
	uint8_t bad_length;   /* "length" present but empty, not decimal, or > 2^64-1 */
};

/* One request from the start of buf. Returns head_len + body_len when the head
 * (at most max_header bytes, leading empty lines included) and its
 * Content-Length body are all present; -2 if not yet (then, if the head is
 * complete, r->head_len and r->body_len are already set so the caller can
 * tell whether the body will fit its buffer); -1 if malformed, if
 * Transfer-Encoding is present (not supported in requests), or if
 * len >= max_header and the head has not ended. Pipelined requests: call
 * again from buf + the returned count. */
ssize_t proto_http_parse_request(const uint8_t *buf, size_t len, size_t max_header,
				 struct proto_http_req *r);

/* "HTTP/1.1 <status> <reason>", Content-Length (left out for 1xx and 204,
 * RFC 9110 8.6) and "Connection: keep-alive" or "close", then the blank line.
 * status must be 100..599. Returns the bytes written (no NUL), or -1. */
ssize_t proto_http_build_response_head(char *out, size_t cap, int status, uint64_t body_len,
				       int keep_alive);

/* A static, read-only body pattern (PROTO_HTTP_BODY_CHUNK bytes of 'x') that
 * the server writes repeatedly for any body length. */
const uint8_t *proto_http_body_chunk(size_t *len);

/* ---- client side ---- */

/* "GET <path>[?|&]length=<length> HTTP/1.1", Host, each extra header
 * ("Name: value", without CRLF), blank line. "length=N" is added only when
 * has_length; with '&' if path already has a query. path must start with '/'
 * and be visible ASCII without '#'; host must be visible ASCII; extra headers
 * must be well-formed fields. Returns the bytes written (no NUL), or -1. */
ssize_t proto_http_build_request(char *out, size_t cap, const char *path, uint64_t length,
				 int has_length, const char *host,
				 const char *const *extra_headers, size_t nextra);

/* A request for any server. */
struct proto_http_request {
	int method;                       /* enum proto_http_method, not OTHER */
	const char *target;               /* origin-form "/path?query": '/' then visible ASCII, no '#' */
	const char *host;                 /* Host header value, visible ASCII */
	const char *const *extra_headers; /* "Name: value" each, without CRLF */
	size_t nextra;
	const uint8_t *body;              /* binary-safe; may be NULL when body_len is 0 */
	size_t body_len;
	int has_body;                     /* send Content-Length: body_len and the body */
	uint64_t length;                  /* the "length=N" query parameter ... */
	int has_length;                   /* ... only when set (tcpswarm's own server) */
};

/* "<METHOD> <target>[?|&length=N] HTTP/1.1", Host (left out when an extra
 * header is a Host field, which then replaces it), the extra headers,
 * Content-Length when there is a body, and "Content-Length: 0" for POST and
 * PUT without one (RFC 9110 8.6), the blank line, then the body. Refused
 * (-1): an invalid target, host or header, an extra Content-Length or
 * Transfer-Encoding field (the framing is the builder's), body_len without a
 * body, or cap too small. The answer to HEAD has no body: read it with a
 * state from proto_http_resp_init(st, 1). Returns the bytes written (no NUL). */
ssize_t proto_http_build(char *out, size_t cap, const struct proto_http_request *rq);

/* Incremental response reader, one per connection. All-zero is the initial
 * state (expecting a response that may have a body); the state returns to
 * all-zero after each complete response. Body bytes are counted, never
 * buffered. Bodies above PROTO_HTTP_MAX_BODY are unsupported. */
struct proto_http_resp_state {
	uint64_t phase : 2;       /* head, Content-Length body, chunked body, body until close */
	uint64_t chunk_phase : 3; /* size line, data, CR, LF, trailer lines */
	uint64_t status : 10;     /* of the response being read */
	uint64_t flags : 5;       /* close after it; no body expected (HEAD) */
	uint64_t body : 44;       /* body bytes so far */
	uint64_t remaining;       /* bytes left of the body or of this chunk */
};
_Static_assert(sizeof(struct proto_http_resp_state) <= 16, "resp state must stay tiny");

struct proto_http_resp_done {
	int complete;      /* a response ended inside this call */
	int status;
	int close;         /* the server will close: "Connection: close", or 1.0 */
	int interim;       /* 1xx other than 101: not the final response */
	uint64_t body_len; /* body bytes, chunk framing and trailers excluded */
};

/* Zero the state; no_body = 1 when the request was HEAD (RFC 9110 9.3.2). */
void proto_http_resp_init(struct proto_http_resp_state *st, int no_body);

/* Feeds bytes of the response stream. Returns:
 *   n >= 0  n bytes consumed. If n < len, either done->complete is set (a
 *           response ended: handle it, then call again with the rest), or
 *           the rest starts a line that is not complete yet (a chunk-size or
 *           trailer line): call again with the rest, which returns -2.
 *   -2      nothing can be consumed: the head (or a chunk-size/trailer line)
 *           is incomplete. Keep all of buf[0, len) and call again with it
 *           followed by more bytes. A head is at most max_header bytes, a
 *           chunk-size line PROTO_HTTP_MAX_CHUNK_LINE, a trailer line
 *           max_header.
 *   -1      malformed (also: head over max_header, over-long lines).
 *   -3      well-formed but unsupported: no Content-Length and not chunked
 *           (read until close), 101 Switching Protocols, body too large.
 * After -1 or -3 the state is undefined: close the connection. */
ssize_t proto_http_resp_feed(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
			     size_t max_header, struct proto_http_resp_done *done);

/* Options of proto_http_resp_feed_opts. */
#define PROTO_HTTP_RESP_UNTIL_CLOSE 1u /* accept bodies delimited by the close */

/* proto_http_resp_feed with options. With PROTO_HTTP_RESP_UNTIL_CLOSE, a
 * final response with neither Content-Length nor chunked framing (RFC 9112
 * 6.3 item 8, e.g. an HTTP/1.0 server) is not -3: its body is every byte
 * until the server closes; they are all consumed and counted, the response
 * never completes by itself (it is marked close), and the caller finishes it
 * with proto_http_resp_eof when it reads EOF. The option is given on every
 * call, so the all-zero state stays the idle state. */
ssize_t proto_http_resp_feed_opts(struct proto_http_resp_state *st, const uint8_t *buf, size_t len,
				  size_t max_header, unsigned opts, struct proto_http_resp_done *done);

/* The connection reached EOF. Returns 1 when that completed a body read
 * until close (done describes it, close = 1; the state is all-zero again),
 * 0 when no response was in progress as far as the state knows (a head
 * the caller still carries is cut short: the caller knows it has bytes),
 * -1 when a response was cut short (inside a Content-Length or chunked
 * body). */
int proto_http_resp_eof(struct proto_http_resp_state *st, struct proto_http_resp_done *done);

#endif
