/* --proto raw: any bytes out, replies framed by a delimiter, by a fixed
 * size, or not at all. Pure: nothing here allocates or does I/O.
 *
 * Two jobs:
 *  - proto_raw_unescape: the text of -m/--message, --first-message and
 *    --reply-delim into bytes (binary-safe, NULs allowed).
 *  - proto_raw_feed: counts the replies that end in each buffer read, never
 *    buffering a reply. The framing (struct proto_raw_framing) is built once
 *    from the options and shared read-only; each connection keeps only a
 *    struct proto_raw_state of 4 bytes (fits the connection slot or a carry
 *    slot header).
 *
 * Return convention: functions returning int give 0 on success and -1 on
 * error with a message in err (what was wrong, where, and what is accepted;
 * the caller prefixes the option name). proto_raw_unescape returns the byte
 * count (>= 0) or -1. */
#ifndef TCPSWARM_PROTO_RAW_H
#define TCPSWARM_PROTO_RAW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_RAW_MAX_DELIM 64             /* --reply-delim, in bytes after unescaping */
#define PROTO_RAW_MAX_REPLY_BYTES UINT32_MAX /* --reply-bytes */

/* Escapes accepted in text:
 *   \r \n \t \\   CR, LF, TAB, backslash
 *   \xHH          the byte 0xHH (exactly two hex digits, either case)
 *   \0            a NUL byte, when no digit follows: octal is not
 *                 supported, so "\012" is refused (write \x0a, or \x0012
 *                 for a NUL then "12")
 * Any other character after a backslash, and a trailing lone backslash, is an
 * error naming its 1-based position. Every other byte is copied as is.
 * Writes at most cap bytes to out (out may be NULL with cap 0 to measure).
 * Returns the number of bytes, or -1 (bad escape, or the result does not fit
 * in cap: "longer than N bytes"). */
ssize_t proto_raw_unescape(const char *text, uint8_t *out, size_t cap, char *err, size_t errcap);

enum proto_raw_kind {
	PROTO_RAW_REPLY_NONE = 0, /* count bytes only: no replies */
	PROTO_RAW_REPLY_DELIM,    /* a reply ends with the delimiter */
	PROTO_RAW_REPLY_BYTES,    /* every reply is exactly reply_bytes bytes */
};

/* Built once from the options; read-only afterwards (shared by workers). */
struct proto_raw_framing {
	uint8_t kind;            /* enum proto_raw_kind */
	uint8_t delim_len;       /* 1..PROTO_RAW_MAX_DELIM for DELIM */
	uint8_t delim[PROTO_RAW_MAX_DELIM];
	/* fallback[i]: the longest proper prefix of delim[0, i] that is also a
	 * suffix of it (Knuth-Morris-Pratt), so a partial match that fails
	 * resumes without the bytes being kept. */
	uint8_t fallback[PROTO_RAW_MAX_DELIM];
	uint32_t reply_bytes;    /* for BYTES */
};

/* Per connection. All-zero is the initial state, and the state between two
 * replies. v is the count of delimiter bytes matched so far (DELIM) or of
 * bytes of the current reply received so far (BYTES); 0 for NONE. */
struct proto_raw_state {
	uint32_t v;
};
_Static_assert(sizeof(struct proto_raw_state) == 4, "raw state must stay 4 bytes");

void proto_raw_framing_none(struct proto_raw_framing *fr);
/* delim: the bytes (already unescaped), 1..PROTO_RAW_MAX_DELIM of them. */
int proto_raw_framing_delim(struct proto_raw_framing *fr, const uint8_t *delim, size_t len, char *err,
			    size_t errcap);
/* n: 1..PROTO_RAW_MAX_REPLY_BYTES. */
int proto_raw_framing_bytes(struct proto_raw_framing *fr, uint64_t n, char *err, size_t errcap);

/* Feeds the bytes read from a connection, in order. Consumes buf until its
 * end or until max_replies replies have ended, whichever comes first.
 * Returns the number of replies that ended in the consumed bytes (at most
 * max_replies; always 0 for NONE) and sets *used to the bytes consumed: len,
 * or, when it stopped at max_replies, the offset just after the last reply
 * (the state is then all-zero, and the rest of buf starts a reply that was not
 * asked for yet: call again when it is, or treat it as an error). With
 * max_replies 0 nothing is consumed, except for NONE, which consumes all.
 * The caller matches the returned replies in order to its messages in
 * flight and passes their number as max_replies. */
size_t proto_raw_feed(const struct proto_raw_framing *fr, struct proto_raw_state *st, const uint8_t *buf,
		      size_t len, size_t max_replies, size_t *used);

#endif
