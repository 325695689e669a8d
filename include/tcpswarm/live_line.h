/* The live line's layout: fields by priority into the terminal's width.
 * Each field has a full form and optionally a brief one; the line keeps the
 * most important fields that fit (brief first), then spends the room left on
 * full forms, most important first, and prints the kept fields in the order
 * they were added. Pure: text in, text out (report.c fills the fields). */
#ifndef TCPSWARM_LIVE_LINE_H
#define TCPSWARM_LIVE_LINE_H

#include <stddef.h>

#define LIVE_MAX_FIELDS 24

struct live_field {
	char full[112];
	char brief[48]; /* empty: no shorter form */
	unsigned prio;  /* 0 is the most important */
};

struct live_line {
	struct live_field f[LIVE_MAX_FIELDS];
	size_t n;
};

/* Adds a field after the others; brief NULL or "" when it has no shorter
 * form. The texts are copied (cut to their buffers). 0, or -1 when full. */
int live_add(struct live_line *l, unsigned prio, const char *full, const char *brief);
/* Writes the fields joined by two spaces into out (cap > 0), at most width
 * columns (0: no limit, every field full). When not even the most important
 * field fits in its brief form, it is cut at width. Returns the columns
 * written (UTF-8 aware: a multi-byte character is one column). */
size_t live_fit(const struct live_line *l, unsigned width, char *out, size_t cap);
/* Columns of a UTF-8 string (bytes that are not continuation bytes). */
size_t live_cols(const char *s);

#endif
