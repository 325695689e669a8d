/* Internal to the address parsers (srcaddr.c, addr_target.c): addresses as
 * 128-bit integers in host order, IPv4 in the low 32 bits. */
#ifndef TCPSWARM_ADDR_KEY_H
#define TCPSWARM_ADDR_KEY_H

#include "tcpswarm/srcaddr.h"

struct u128 {
	uint64_t hi, lo;
};

int addr_u128_cmp(struct u128 a, struct u128 b);
struct u128 addr_u128_sub(struct u128 a, struct u128 b);
void addr_u128_inc(struct u128 *a);
struct u128 addr_key_of(const struct sockaddr_any *a);
/* port in host order */
void addr_from_key(struct sockaddr_any *a, int family, struct u128 k, uint16_t port);
/* Numeric IPv4 or IPv6 from s[0..len), no port, no brackets: 0 or -1. */
int addr_parse_ip(const char *s, size_t len, int *family, struct u128 *k);
/* err = "'S': WHAT (accepted: ACCEPTED)", S cut at 64 characters; accepted may be NULL. */
void addr_fail(char *err, size_t errcap, const char *s, size_t len, const char *what, const char *accepted);

#endif
