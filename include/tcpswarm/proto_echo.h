/* Echo framing: every request is a fixed-size frame whose first 24 bytes
 * carry what the client needs to match the echoed reply without keeping any
 * per-request state: the connection id, the sequence number, the intended
 * send time, how late the frame actually left (so service time needs no
 * state either) and a check word. The rest of the frame is filler. The echo
 * server does not parse frames; it returns bytes as they come.
 *
 * Wire layout (little-endian 32-bit words):
 *   [conn][seq][intended lo][intended hi][send lag us][check]
 * The magic is folded into the check word (which covers every other field)
 * rather than sent on its own: that made room for the send lag without
 * raising the 24-byte minimum frame. */
#ifndef TCPSWARM_PROTO_ECHO_H
#define TCPSWARM_PROTO_ECHO_H

#include <stddef.h>
#include <stdint.h>

#define ECHO_HDR 24u
#define ECHO_MAGIC 0x54535731u /* "TSW1" */

struct echo_hdr {
	uint32_t conn;
	uint32_t seq;
	uint64_t intended_ns;
	uint32_t lag_us; /* actual send minus intended, microseconds (saturates) */
};

/* Writes one frame of `size` (>= ECHO_HDR) bytes into out. */
void proto_echo_build(uint8_t *out, size_t size, const struct echo_hdr *h);
/* Copies frame bytes [from, from+len) into out without building the rest
 * (resuming a partly written frame). */
void proto_echo_build_part(uint8_t *out, size_t size, const struct echo_hdr *h, size_t from, size_t len);
/* 0 when the 24 header bytes are a frame header, -1 otherwise. */
int proto_echo_parse(const uint8_t *hdr, struct echo_hdr *h);

/* Called once per complete echoed frame with its header bytes; a nonzero
 * return stops consumption and is passed back. */
typedef int (*echo_frame_fn)(void *ctx, const uint8_t *hdr);

/* True when consuming len bytes at frame offset off leaves or starts a
 * frame split across reads: only then does proto_echo_consume need carry. */
static inline int proto_echo_needs_carry(size_t off, size_t len, size_t size)
{
	return off != 0 || len % size != 0;
}

/* Consumes len bytes of an echoed stream of size-byte frames. *off is the
 * byte offset inside the current frame (kept by the caller between reads);
 * carry (ECHO_HDR bytes, NULL allowed when !proto_echo_needs_carry) keeps a
 * split frame's header until its last byte arrives. Returns 0, or the
 * first nonzero value of fn. */
int proto_echo_consume(const uint8_t *p, size_t len, size_t size, uint16_t *off, uint8_t *carry, echo_frame_fn fn,
		       void *ctx);

#endif
