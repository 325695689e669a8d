/* Streaming JSON writer: see include/tcpswarm/json.h. */
#include "tcpswarm/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

static void fail(struct jw *w, int e)
{
	if (!w->err)
		w->err = e ? e : EIO;
}

static void out(struct jw *w, const char *s, size_t n)
{
	if (w->err || n == 0)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n)
		fail(w, errno);
}

static void outs(struct jw *w, const char *s)
{
	out(w, s, strlen(s));
}

static void indent(struct jw *w, int depth)
{
	out(w, "\n", 1);
	for (int i = 0; i < depth; i++)
		out(w, "  ", 2);
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0. Follows
 * RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. *bad gets
 * how many bytes to replace by one U+FFFD (the maximal invalid prefix, as
 * Unicode recommends), always at least 1. */
static size_t utf8_len(const unsigned char *s, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else {
		*bad = 1;
		return 0;
	}
	/* Second byte range narrowed to exclude overlongs, surrogates, >10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (size_t i = 1; i < n; i++) {
		/* A NUL terminator fails this test, so we never read past it. */
		if (s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

static const char *escape_ascii(unsigned char c, char buf[8])
{
	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\t': return "\\t";
	case '\r': return "\\r";
	case '\b': return "\\b";
	case '\f': return "\\f";
	}
	snprintf(buf, 8, "\\u%04x", c);
	return buf;
}

static void string(struct jw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char buf[8];

	out(w, "\"", 1);
	while (*s) {
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		out(w, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		if (*s < 0x80) {
			outs(w, escape_ascii(*s++, buf));
			continue;
		}
		size_t bad, n = utf8_len(s, &bad);
		if (n) {
			out(w, (const char *)s, n);
			s += n;
		} else {
			out(w, "\xEF\xBF\xBD", 3); /* U+FFFD */
			s += bad;
		}
	}
	out(w, "\"", 1);
}

/* Separator, indentation and key before a value. */
static bool value_begin(struct jw *w, const char *key)
{
	if (w->err)
		return false;
	if (w->depth == 0) {
		if (!w->first[0])
			out(w, "\n", 1); /* several top-level values: one per line */
	} else {
		if (!w->first[w->depth])
			out(w, ",", 1);
		if (w->pretty)
			indent(w, w->depth);
	}
	w->first[w->depth] = false;
	if (key) {
		string(w, key);
		out(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	}
	return !w->err;
}

static void container_begin(struct jw *w, const char *key, const char *bracket)
{
	if (!w->err && w->depth + 1 >= JW_MAX_DEPTH) {
		fail(w, EOVERFLOW);
		return;
	}
	if (!value_begin(w, key))
		return;
	out(w, bracket, 1);
	w->first[++w->depth] = true;
}

static void container_end(struct jw *w, const char *bracket)
{
	if (w->err)
		return;
	if (w->depth == 0) {
		fail(w, EINVAL); /* more ends than begins */
		return;
	}
	bool empty = w->first[w->depth--];
	if (w->pretty && !empty)
		indent(w, w->depth);
	out(w, bracket, 1);
}

void jw_init(struct jw *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
}

void jw_obj_begin(struct jw *w, const char *key) { container_begin(w, key, "{"); }
void jw_obj_end(struct jw *w) { container_end(w, "}"); }
void jw_arr_begin(struct jw *w, const char *key) { container_begin(w, key, "["); }
void jw_arr_end(struct jw *w) { container_end(w, "]"); }

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	char buf[24];
	if (value_begin(w, key))
		out(w, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	char buf[24];
	if (value_begin(w, key))
		out(w, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v));
}

void jw_double(struct jw *w, const char *key, double v)
{
	char buf[32];
	if (!value_begin(w, key))
		return;
	if (!isfinite(v)) {
		outs(w, "null");
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%.6g", v);
	/* A locale with a decimal comma (setlocale elsewhere) must not leak in. */
	for (char *c = buf; *c; c++)
		if (*c == ',')
			*c = '.';
	out(w, buf, (size_t)n);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	if (value_begin(w, key))
		outs(w, v ? "true" : "false");
}

void jw_null(struct jw *w, const char *key)
{
	if (value_begin(w, key))
		outs(w, "null");
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	if (!value_begin(w, key))
		return;
	if (s)
		string(w, s);
	else
		outs(w, "null");
}

void jw_raw(struct jw *w, const char *key, const char *text)
{
	if (value_begin(w, key))
		outs(w, text ? text : "null");
}

int jw_finish(struct jw *w)
{
	if (w->err)
		return w->err;
	if (w->depth != 0) {
		fail(w, EINVAL); /* a container left open: the output is not JSON */
		return w->err;
	}
	out(w, "\n", 1);
	errno = 0;
	if (!w->err && fflush(w->f) != 0)
		fail(w, errno);
	return w->err;
}
