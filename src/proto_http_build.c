/* HTTP/1.1 building: response heads, the body pattern, and requests for any
 * server (RFC 9112 message syntax, RFC 9110 semantics). */
#include "tcpswarm/proto_http.h"
#include "proto_http_internal.h"

#include <string.h>
#include <strings.h>

struct wbuf {
	char *p;
	size_t cap, len;
	int err;
};

static void w_mem(struct wbuf *w, const char *s, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void w_str(struct wbuf *w, const char *s)
{
	w_mem(w, s, strlen(s));
}

static void w_u64(struct wbuf *w, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	w_mem(w, tmp + i, sizeof(tmp) - i);
}

static ssize_t w_done(const struct wbuf *w)
{
	return w->err ? -1 : (ssize_t)w->len;
}

static const char *reason_of(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

ssize_t proto_http_build_response_head(char *out, size_t cap, int status, uint64_t body_len,
				       int keep_alive)
{
	if (!out || status < 100 || status > 599)
		return -1;
	struct wbuf w = {out, cap, 0, 0};
	w_str(&w, "HTTP/1.1 ");
	w_u64(&w, (uint64_t)status);
	w_str(&w, " ");
	w_str(&w, reason_of(status));
	if (status >= 200 && status != 204) {
		w_str(&w, "\r\nContent-Length: ");
		w_u64(&w, body_len);
	}
	w_str(&w, keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
	return w_done(&w);
}

#define X16 "xxxxxxxxxxxxxxxx"
#define X256 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16
#define X4K X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256 X256
static const char body_pattern[] = X4K X4K X4K X4K;
_Static_assert(sizeof(body_pattern) == PROTO_HTTP_BODY_CHUNK + 1, "body pattern size");

const uint8_t *proto_http_body_chunk(size_t *len)
{
	if (len)
		*len = PROTO_HTTP_BODY_CHUNK;
	return (const uint8_t *)body_pattern;
}

/* Visible ASCII (no SP, CTL or obs-text) and non-empty. */
static int is_visible(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((uint8_t)*s <= 0x20 || (uint8_t)*s >= 0x7f)
			return 0;
	return 1;
}

static int valid_field(const char *s)
{
	const uint8_t *name, *val;
	size_t nlen, vlen;
	return proto_http_split_field((const uint8_t *)s, strlen(s), &name, &nlen, &val, &vlen) == 0;
}

/* The field name of a valid field line is name; case-insensitive. */
static int field_named(const char *field, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(field, name, n) == 0 && field[n] == ':';
}

static const char *const method_names[] = {
	[PROTO_HTTP_GET] = "GET", [PROTO_HTTP_HEAD] = "HEAD", [PROTO_HTTP_POST] = "POST",
	[PROTO_HTTP_PUT] = "PUT", [PROTO_HTTP_DELETE] = "DELETE",
};

const char *proto_http_method_name(int method)
{
	if (method <= PROTO_HTTP_OTHER || method > PROTO_HTTP_DELETE)
		return NULL;
	return method_names[method];
}

int proto_http_method_parse(const char *s)
{
	for (int m = PROTO_HTTP_GET; s && m <= PROTO_HTTP_DELETE; m++)
		if (strcmp(s, method_names[m]) == 0)
			return m;
	return -1;
}

/* Path, host and extra headers as proto_http_build documents; *host_given
 * when an extra header is Host. */
static int check_request(const struct proto_http_request *rq, int *host_given)
{
	const char *t = rq->target;
	if (!t || t[0] != '/' || !is_visible(t) || strchr(t, '#'))
		return -1;
	if (!rq->host || !is_visible(rq->host) || (rq->nextra && !rq->extra_headers))
		return -1;
	if (!proto_http_method_name(rq->method) || (rq->body_len && !rq->body))
		return -1;
	*host_given = 0;
	for (size_t i = 0; i < rq->nextra; i++) {
		const char *h = rq->extra_headers[i];
		if (!h || !valid_field(h))
			return -1;
		if (field_named(h, "content-length") || field_named(h, "transfer-encoding"))
			return -1; /* the framing is this builder's to set */
		*host_given |= field_named(h, "host");
	}
	return 0;
}

/* "length=N" after the target, with '?' or '&' as the target needs. */
static void w_length_param(struct wbuf *w, const char *target, uint64_t length)
{
	const char *q = strchr(target, '?');
	char last = target[strlen(target) - 1];
	if (!q)
		w_str(w, "?");
	else if (last != '?' && last != '&')
		w_str(w, "&");
	w_str(w, "length=");
	w_u64(w, length);
}

ssize_t proto_http_build(char *out, size_t cap, const struct proto_http_request *rq)
{
	int host_given;
	if (!out || !rq || check_request(rq, &host_given) < 0)
		return -1;
	struct wbuf w = {out, cap, 0, 0};
	w_str(&w, proto_http_method_name(rq->method));
	w_str(&w, " ");
	w_str(&w, rq->target);
	if (rq->has_length)
		w_length_param(&w, rq->target, rq->length);
	w_str(&w, " HTTP/1.1\r\n");
	if (!host_given) {
		w_str(&w, "Host: ");
		w_str(&w, rq->host);
		w_str(&w, "\r\n");
	}
	for (size_t i = 0; i < rq->nextra; i++) {
		w_str(&w, rq->extra_headers[i]);
		w_str(&w, "\r\n");
	}
	int wants_length = rq->has_body || rq->method == PROTO_HTTP_POST || rq->method == PROTO_HTTP_PUT;
	if (wants_length) { /* RFC 9110 8.6: also 0 for POST and PUT without content */
		w_str(&w, "Content-Length: ");
		w_u64(&w, rq->has_body ? rq->body_len : 0);
		w_str(&w, "\r\n");
	}
	w_str(&w, "\r\n");
	if (rq->has_body && rq->body_len)
		w_mem(&w, (const char *)rq->body, rq->body_len);
	return w_done(&w);
}

ssize_t proto_http_build_request(char *out, size_t cap, const char *path, uint64_t length,
				 int has_length, const char *host,
				 const char *const *extra_headers, size_t nextra)
{
	if (!out || !path || !host || (nextra && !extra_headers))
		return -1;
	if (path[0] != '/' || !is_visible(path) || strchr(path, '#') || !is_visible(host))
		return -1;
	for (size_t i = 0; i < nextra; i++)
		if (!extra_headers[i] || !valid_field(extra_headers[i]))
			return -1;
	struct wbuf w = {out, cap, 0, 0};
	w_str(&w, "GET ");
	w_str(&w, path);
	if (has_length)
		w_length_param(&w, path, length);
	w_str(&w, " HTTP/1.1\r\nHost: ");
	w_str(&w, host);
	w_str(&w, "\r\n");
	for (size_t i = 0; i < nextra; i++) {
		w_str(&w, extra_headers[i]);
		w_str(&w, "\r\n");
	}
	w_str(&w, "\r\n");
	return w_done(&w);
}
