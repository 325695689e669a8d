#include "tcpswarm/proto_echo.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Covers every header field, so a corrupted or stitched frame is refused:
 * each field times a distinct odd constant (a bijection, so any change of
 * one field changes the word), all folded with the magic. */
static uint32_t check_word(const struct echo_hdr *h)
{
	return ECHO_MAGIC ^ (h->conn * 0x27D4EB2Fu) ^ (h->seq * 0x9E3779B1u) ^ (uint32_t)h->intended_ns ^
	       ((uint32_t)(h->intended_ns >> 32) * 0x85EBCA6Bu) ^ (h->lag_us * 0xC2B2AE35u);
}

static void header(uint8_t hdr[ECHO_HDR], const struct echo_hdr *h)
{
	put32(hdr, h->conn);
	put32(hdr + 4, h->seq);
	put32(hdr + 8, (uint32_t)h->intended_ns);
	put32(hdr + 12, (uint32_t)(h->intended_ns >> 32));
	put32(hdr + 16, h->lag_us);
	/* a check word catches a frame stitched from two others */
	put32(hdr + 20, check_word(h));
}

void proto_echo_build(uint8_t *out, size_t size, const struct echo_hdr *h)
{
	header(out, h);
	if (size > ECHO_HDR)
		memset(out + ECHO_HDR, 'e', size - ECHO_HDR);
}

void proto_echo_build_part(uint8_t *out, size_t size, const struct echo_hdr *h, size_t from, size_t len)
{
	uint8_t hdr[ECHO_HDR];
	(void)size;
	header(hdr, h);
	for (size_t i = 0; i < len; i++) {
		size_t at = from + i;
		out[i] = at < ECHO_HDR ? hdr[at] : 'e';
	}
}

int proto_echo_parse(const uint8_t *p, struct echo_hdr *h)
{
	h->conn = get32(p);
	h->seq = get32(p + 4);
	h->intended_ns = (uint64_t)get32(p + 8) | (uint64_t)get32(p + 12) << 32;
	h->lag_us = get32(p + 16);
	if (get32(p + 20) != check_word(h))
		return -1;
	return 0;
}

int proto_echo_consume(const uint8_t *p, size_t len, size_t size, uint16_t *off, uint8_t *carry, echo_frame_fn fn,
		       void *ctx)
{
	while (len) {
		if (*off == 0 && len >= size) {
			int rc = fn(ctx, p);
			if (rc)
				return rc;
			p += size;
			len -= size;
			continue;
		}
		size_t take = size - *off < len ? size - *off : len;
		if (*off < ECHO_HDR) {
			size_t h = ECHO_HDR - *off < take ? ECHO_HDR - *off : take;
			memcpy(carry + *off, p, h);
		}
		*off = (uint16_t)(*off + take);
		p += take;
		len -= take;
		if (*off == size) {
			*off = 0;
			int rc = fn(ctx, carry);
			if (rc)
				return rc;
		}
	}
	return 0;
}
