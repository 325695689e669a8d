/* libFuzzer target: a sock_diag netlink reply as the kernel might send it
 * (or a truncated, lying one): synq_parse_dump must never read past len,
 * and the SYN-queue ceiling formula never overflows on any sysctl values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/synq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint16_t port;
	memcpy(&port, data, 2);
	/* an exact-size heap copy: ASan sees any read past the reply */
	size_t n = size - 2;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 2, n);
	uint64_t count = 0;
	(void)synq_parse_dump(buf, n, port, &count);
	free(buf);
	if (size >= 2 + 4 * sizeof(int64_t)) {
		int64_t v[4];
		memcpy(v, data + 2, sizeof(v));
		(void)synq_ceiling(v[0], v[1], v[2], v[3]);
	}
	return 0;
}
