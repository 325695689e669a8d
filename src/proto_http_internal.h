/* Shared between proto_http.c (parsing) and proto_http_build.c (building). */
#ifndef TCPSWARM_PROTO_HTTP_INTERNAL_H
#define TCPSWARM_PROTO_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5), no CRLF:
 * 0 with the name and the trimmed value, or -1. */
int proto_http_split_field(const uint8_t *l, size_t n, const uint8_t **name, size_t *nlen,
			   const uint8_t **val, size_t *vlen);

#endif
