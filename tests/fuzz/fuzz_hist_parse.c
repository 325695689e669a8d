/* libFuzzer target for hist_parse_sparse: arbitrary bytes must never crash
 * or read past len, and whatever parses must survive format -> parse ->
 * format unchanged (the sparse form is canonical). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/hist.h"

/* abort() rather than assert(): it must hold in NDEBUG builds too. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                              \
		}                                                             \
	} while (0)

static struct hist h1, h2;

static char *format(const struct hist *h, size_t *len)
{
	*len = hist_format_sparse(h, NULL, 0);
	char *s = malloc(*len + 1);
	CHECK(s != NULL);
	CHECK(hist_format_sparse(h, s, *len + 1) == *len);
	CHECK(strlen(s) == *len);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Copy into an exact-size heap block so ASan flags any read past size. */
	char *in = malloc(size ? size : 1);
	CHECK(in != NULL);
	memcpy(in, data, size);
	int rc = hist_parse_sparse(&h1, in, size);
	free(in);
	if (rc != 0)
		return 0;

	uint64_t total = 0;
	for (size_t b = 0; b < HIST_BUCKETS; b++)
		total += h1.buckets[b];
	CHECK(total == h1.count);
	CHECK(h1.clamped == 0);
	CHECK(h1.count == 0 || (h1.min <= h1.max && h1.min >= HIST_MIN_US));
	if (h1.count)
		CHECK(hist_percentile(&h1, 50) <= h1.max);

	size_t len1, len2;
	char *t1 = format(&h1, &len1);
	CHECK(hist_parse_sparse(&h2, t1, len1) == 0);
	CHECK(memcmp(&h1, &h2, sizeof(h1)) == 0);
	char *t2 = format(&h2, &len2);
	CHECK(len1 == len2 && memcmp(t1, t2, len1) == 0);
	free(t1);
	free(t2);
	return 0;
}
