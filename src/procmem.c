#include "tcpswarm/procmem.h"

#include <stdio.h>
#include <unistd.h>

uint64_t rss_bytes(void) { return rss_bytes_of(0); }

uint64_t rss_bytes_of(pid_t pid)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/statm");
	FILE *f = fopen(path, "r");
	unsigned long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}
