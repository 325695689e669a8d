/* --proto raw: message escapes and incremental reply framing. */
#include "tcpswarm/proto_raw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ACCEPT_ESC "accepted escapes: \\r \\n \\t \\\\ \\0 \\xHH"

static void say(char *err, size_t errcap, const char *fmt, ...)
{
	if (!err || errcap == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The escape at text[i] == '\\': its byte in *b, its length in *n, or -1. */
static int one_escape(const char *text, size_t i, uint8_t *b, size_t *n, char *err, size_t errcap)
{
	char c = text[i + 1];
	*n = 2;
	switch (c) {
	case 'r': *b = '\r'; return 0;
	case 'n': *b = '\n'; return 0;
	case 't': *b = '\t'; return 0;
	case '\\': *b = '\\'; return 0;
	case '0':
		if (text[i + 2] >= '0' && text[i + 2] <= '9') {
			say(err, errcap, "position %zu: '\\0' followed by a digit (octal is not supported; "
				"write \\xHH); " ACCEPT_ESC, i + 1);
			return -1;
		}
		*b = 0;
		return 0;
	case 'x': {
		int hi = hex_digit(text[i + 2]), lo = hi < 0 ? -1 : hex_digit(text[i + 3]);
		if (hi < 0 || lo < 0) {
			say(err, errcap, "position %zu: '\\x' needs two hex digits, e.g. \\x0d; " ACCEPT_ESC,
			    i + 1);
			return -1;
		}
		*b = (uint8_t)(hi << 4 | lo);
		*n = 4;
		return 0;
	}
	case '\0':
		say(err, errcap, "position %zu: trailing lone '\\' (write \\\\ for a backslash); " ACCEPT_ESC,
		    i + 1);
		return -1;
	default:
		if ((unsigned char)c > 0x20 && (unsigned char)c < 0x7f)
			say(err, errcap, "position %zu: unknown escape '\\%c'; " ACCEPT_ESC, i + 1, c);
		else
			say(err, errcap, "position %zu: unknown escape '\\' then byte 0x%02x; " ACCEPT_ESC,
			    i + 1, (unsigned)(unsigned char)c);
		return -1;
	}
}

ssize_t proto_raw_unescape(const char *text, uint8_t *out, size_t cap, char *err, size_t errcap)
{
	if (!text || (cap && !out)) {
		say(err, errcap, "no text");
		return -1;
	}
	size_t i = 0, n = 0;
	while (text[i]) {
		uint8_t b = (uint8_t)text[i];
		size_t step = 1;
		if (b == '\\' && one_escape(text, i, &b, &step, err, errcap) < 0)
			return -1;
		if (n == cap && out) {
			say(err, errcap, "longer than %zu bytes", cap);
			return -1;
		}
		if (out)
			out[n] = b;
		n++;
		i += step;
	}
	return (ssize_t)n;
}

void proto_raw_framing_none(struct proto_raw_framing *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->kind = PROTO_RAW_REPLY_NONE;
}

int proto_raw_framing_delim(struct proto_raw_framing *fr, const uint8_t *delim, size_t len, char *err,
			    size_t errcap)
{
	if (!delim || len == 0 || len > PROTO_RAW_MAX_DELIM) {
		say(err, errcap, "the delimiter must be 1 to %d bytes, got %zu", PROTO_RAW_MAX_DELIM,
		    delim ? len : 0);
		return -1;
	}
	memset(fr, 0, sizeof(*fr));
	fr->kind = PROTO_RAW_REPLY_DELIM;
	fr->delim_len = (uint8_t)len;
	memcpy(fr->delim, delim, len);
	/* KMP failure function: fallback[i] for the prefix delim[0, i] */
	size_t k = 0;
	for (size_t i = 1; i < len; i++) {
		while (k > 0 && delim[i] != delim[k])
			k = fr->fallback[k - 1];
		if (delim[i] == delim[k])
			k++;
		fr->fallback[i] = (uint8_t)k;
	}
	return 0;
}

int proto_raw_framing_bytes(struct proto_raw_framing *fr, uint64_t n, char *err, size_t errcap)
{
	if (n == 0 || n > PROTO_RAW_MAX_REPLY_BYTES) {
		say(err, errcap, "the reply size must be 1 to %u bytes", (unsigned)PROTO_RAW_MAX_REPLY_BYTES);
		return -1;
	}
	memset(fr, 0, sizeof(*fr));
	fr->kind = PROTO_RAW_REPLY_BYTES;
	fr->reply_bytes = (uint32_t)n;
	return 0;
}

/* Delimiter framing: the matched count advances or falls back byte by byte;
 * between partial matches memchr skips to the next first byte. */
static size_t feed_delim(const struct proto_raw_framing *fr, struct proto_raw_state *st, const uint8_t *buf,
			 size_t len, size_t max_replies, size_t *used)
{
	size_t replies = 0, i = 0, k = st->v;
	const uint8_t *d = fr->delim;
	while (i < len && replies < max_replies) {
		if (k == 0) {
			const uint8_t *p = memchr(buf + i, d[0], len - i);
			if (!p) {
				i = len;
				break;
			}
			i = (size_t)(p - buf);
		}
		uint8_t c = buf[i++];
		while (k > 0 && c != d[k])
			k = fr->fallback[k - 1];
		if (c == d[k])
			k++;
		if (k == fr->delim_len) {
			replies++;
			k = 0;
		}
	}
	st->v = (uint32_t)k;
	*used = i;
	return replies;
}

static size_t feed_bytes(const struct proto_raw_framing *fr, struct proto_raw_state *st, size_t len,
			 size_t max_replies, size_t *used)
{
	size_t replies = 0, i = 0;
	uint64_t need = fr->reply_bytes - st->v; /* to finish the current reply */
	while (replies < max_replies && len - i >= need) {
		i += (size_t)need;
		replies++;
		need = fr->reply_bytes;
		st->v = 0;
	}
	if (replies < max_replies) { /* the rest is part of an unfinished reply */
		st->v += (uint32_t)(len - i);
		i = len;
	}
	*used = i;
	return replies;
}

size_t proto_raw_feed(const struct proto_raw_framing *fr, struct proto_raw_state *st, const uint8_t *buf,
		      size_t len, size_t max_replies, size_t *used)
{
	size_t dummy;
	if (!used)
		used = &dummy;
	*used = 0;
	if (!fr || !st || (len && !buf))
		return 0;
	switch (fr->kind) {
	case PROTO_RAW_REPLY_DELIM:
		return feed_delim(fr, st, buf, len, max_replies, used);
	case PROTO_RAW_REPLY_BYTES:
		return feed_bytes(fr, st, len, max_replies, used);
	default:
		*used = len;
		return 0;
	}
}
