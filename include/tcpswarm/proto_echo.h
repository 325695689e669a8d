/* Echo framing: every request is a fixed-size frame whose first 24 bytes
 * carry what the client needs to match the echoed reply without keeping any
 * per-request state: a magic, the connection id, the sequence number and the
 * intended send time. The rest of the frame is filler. The echo server does
 * not parse frames; it returns bytes as they come. */
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
};

/* Writes one frame of `size` (>= ECHO_HDR) bytes into out. */
void proto_echo_build(uint8_t *out, size_t size, const struct echo_hdr *h);
/* Copies frame bytes [from, from+len) into out without building the rest
 * (resuming a partly written frame). */
void proto_echo_build_part(uint8_t *out, size_t size, const struct echo_hdr *h, size_t from, size_t len);
/* 0 when the 24 header bytes are a frame header, -1 otherwise. */
int proto_echo_parse(const uint8_t *hdr, struct echo_hdr *h);

#endif
