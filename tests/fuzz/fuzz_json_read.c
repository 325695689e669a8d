/* libFuzzer target for json_read: any bytes either parse into a tree whose
 * raw spans lie inside the input and re-parse to the same shape, or are
 * refused with a message. Any broken invariant aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpswarm/json_read.h"

#define CHECK(x)                 \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static size_t count(const struct jr_value *v, const uint8_t *data, size_t size)
{
	CHECK((const uint8_t *)v->raw >= data && (const uint8_t *)v->raw + v->raw_len <= data + size);
	size_t n = 1;
	for (size_t i = 0; i < v->n; i++)
		n += count(&v->kids[i], data, size);
	if (v->type == JR_STRING)
		CHECK(v->str && strlen(v->str) <= v->str_len);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_value v, again;
	char err[256] = "";
	if (jr_parse((const char *)data, size, &v, err, sizeof(err)) < 0) {
		CHECK(err[0] != 0);
		jr_free(&v);
		return 0;
	}
	size_t nodes = count(&v, data, size);
	/* the value's own span is JSON on its own */
	CHECK(jr_parse(v.raw, v.raw_len, &again, err, sizeof(err)) == 0);
	CHECK(count(&again, (const uint8_t *)v.raw, v.raw_len) == nodes);
	jr_free(&again);
	jr_free(&v);
	return 0;
}
