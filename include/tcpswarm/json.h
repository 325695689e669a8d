/* Streaming JSON writer: commas, nesting and string escaping handled here so
 * report code only says what to write. Writes to a FILE*; the first write
 * error sticks in jw->err and later calls do nothing. */
#ifndef TCPSWARM_JSON_H
#define TCPSWARM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct jw {
	FILE *f;
	int depth;
	bool pretty;                    /* newline + two-space indent per level */
	bool first[JW_MAX_DEPTH];       /* nothing written yet at this level */
	int err;                        /* errno of the first failure, 0 if none */
};

void jw_init(struct jw *w, FILE *f, bool pretty);
/* key is NULL when the value is an array element (or the top-level value). */
void jw_obj_begin(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
/* Non-finite values are written as null. Up to 6 significant decimals. */
void jw_double(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* UTF-8 passes through; control characters, quote and backslash escaped;
 * invalid bytes become U+FFFD. s may be NULL (writes null). */
void jw_str(struct jw *w, const char *key, const char *s);
/* Writes text verbatim as the value (caller guarantees it is valid JSON). */
void jw_raw(struct jw *w, const char *key, const char *text);
/* Finishes with a newline and flushes; returns 0 or the sticky errno. */
int jw_finish(struct jw *w);

#endif
