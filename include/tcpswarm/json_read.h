/* A small strict JSON reader (RFC 8259) for tcpswarm's own reports: parses
 * a whole text into a tree the caller walks, then frees. Pure: bytes in,
 * a tree out; no files. json.c is the writer. */
#ifndef TCPSWARM_JSON_READ_H
#define TCPSWARM_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JR_MAX_DEPTH 64

enum jr_type { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_value {
	enum jr_type type;
	bool boolean;
	double number;
	bool is_u64;          /* a non-negative integer that fits: u64 is exact */
	uint64_t u64;
	char *str;            /* JR_STRING: decoded UTF-8, NUL-terminated */
	size_t str_len;
	const char *raw;      /* the value's span in the parsed text */
	size_t raw_len;
	struct jr_value *kids; /* JR_ARRAY / JR_OBJECT elements, in order */
	char **keys;           /* JR_OBJECT: keys[i] names kids[i] */
	size_t n;
};

/* Parses text[0..len) (one value, whitespace around it allowed). 0, or -1
 * with "line L column C: what" in err. The tree points into text (raw), so
 * text must outlive it. Free with jr_free even after a failure. */
int jr_parse(const char *text, size_t len, struct jr_value *root, char *err, size_t errcap);
void jr_free(struct jr_value *v);

/* Member key of an object (the first one if repeated), NULL if absent or v
 * is not an object. */
const struct jr_value *jr_get(const struct jr_value *v, const char *key);
/* "a.b.c": members of nested objects; NULL if any step is missing. */
const struct jr_value *jr_path(const struct jr_value *v, const char *dotted);
/* The exact non-negative integer at v: true and *out set, else false. */
bool jr_as_u64(const struct jr_value *v, uint64_t *out);
/* A number at v: true and *out set. */
bool jr_as_double(const struct jr_value *v, double *out);
/* The string at v, or NULL when v is not a string. */
const char *jr_as_str(const struct jr_value *v);

#endif
