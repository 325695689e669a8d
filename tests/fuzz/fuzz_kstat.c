/* libFuzzer target over the kstat text parsers: netstat/snmp, sockstat and
 * sysctl integers. Each parser sees the raw bytes with their exact length
 * (libFuzzer's buffer ends where the input ends, so ASan catches overreads).
 * Invariants checked: return values in range, present flags 0/1, and a
 * counter's delta against itself is zero. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tcpswarm/kstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	struct kcounters c = {0}, d;
	int r = kstat_parse_netstat(buf, size, &c);
	if (r < -1 || r > KC__COUNT)
		abort();
	kcounters_delta(&c, &c, &d);
	for (int i = 0; i < KC__COUNT; i++) {
		if (c.present[i] > 1 || d.present[i] != c.present[i])
			abort();
		if (i != KC_CURR_ESTAB && d.v[i] != 0)
			abort();
	}

	struct sockstat s = {0};
	r = kstat_parse_sockstat(buf, size, &s);
	if (r < -1 || r > SS__COUNT)
		abort();

	int64_t v[KL_MAXV];
	int max = size > 0 ? data[0] % (KL_MAXV + 1) : KL_MAXV;
	r = kstat_parse_ints(buf, size, v, max);
	if (r < -1 || r == 0 || r > max)
		abort();
	return 0;
}
