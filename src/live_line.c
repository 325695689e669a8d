/* The live line's layout (live_line.h): presence by priority, then detail. */
#include "tcpswarm/live_line.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SEP "  "
#define SEP_COLS 2

enum form { DROPPED, BRIEF, FULL };

static void copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	while (n && ((unsigned char)src[n] & 0xC0) == 0x80) /* never half a character */
		n--;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

int live_add(struct live_line *l, unsigned prio, const char *full, const char *brief)
{
	if (l->n >= LIVE_MAX_FIELDS)
		return -1;
	struct live_field *f = &l->f[l->n++];
	copy_cut(f->full, sizeof(f->full), full);
	copy_cut(f->brief, sizeof(f->brief), brief);
	f->prio = prio;
	return 0;
}

size_t live_cols(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xC0) != 0x80;
	return c;
}

static const char *form_text(const struct live_field *f, enum form m)
{
	return m == BRIEF && f->brief[0] ? f->brief : f->full;
}

/* Field indexes sorted by priority (stable: the earlier added first). */
static void by_priority(const struct live_line *l, size_t *order)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t j = i;
		while (j && l->f[order[j - 1]].prio > l->f[i].prio) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/* Columns the line takes with field i in form m instead of its current one. */
static size_t cols_with(const struct live_line *l, const enum form *form, size_t used, size_t kept, size_t i,
			enum form m)
{
	size_t now = form[i] == DROPPED ? 0 : live_cols(form_text(&l->f[i], form[i]));
	size_t sep = form[i] == DROPPED && kept ? SEP_COLS : 0;
	return used - now + live_cols(form_text(&l->f[i], m)) + sep;
}

static void choose(const struct live_line *l, unsigned width, enum form *form)
{
	size_t order[LIVE_MAX_FIELDS], used = 0, kept = 0;
	by_priority(l, order);
	for (size_t k = 0; k < l->n; k++) /* which fields: brief, most important first */
		if (!width || cols_with(l, form, used, kept, order[k], BRIEF) <= width) {
			used = cols_with(l, form, used, kept, order[k], BRIEF);
			form[order[k]] = BRIEF;
			kept++;
		} else if (k == 0) {
			return; /* the most important never gives way to a lesser one: live_fit cuts it */
		}
	for (size_t k = 0; k < l->n; k++) { /* the room left: full forms */
		size_t i = order[k];
		if (form[i] == BRIEF && (!width || cols_with(l, form, used, kept, i, FULL) <= width)) {
			used = cols_with(l, form, used, kept, i, FULL);
			form[i] = FULL;
		}
	}
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte). */
static size_t char_len(const char *s)
{
	size_t k = 1;
	while (s[k] && ((unsigned char)s[k] & 0xC0) == 0x80)
		k++;
	return k;
}

/* Appends whole characters of s, at most max_cols of them, at out[*n]
 * (cap counts the NUL). */
static void put(char *out, size_t cap, size_t *n, const char *s, size_t max_cols)
{
	for (size_t cols = 0; *s && cols < max_cols; cols++) {
		size_t k = char_len(s);
		if (*n + k >= cap)
			break;
		memcpy(out + *n, s, k);
		*n += k;
		s += k;
	}
	out[*n] = 0;
}

size_t live_fit(const struct live_line *l, unsigned width, char *out, size_t cap)
{
	enum form form[LIVE_MAX_FIELDS] = { DROPPED };
	size_t n = 0;
	out[0] = 0;
	if (!l->n)
		return 0;
	choose(l, width, form);
	bool any = false;
	for (size_t i = 0; i < l->n; i++) {
		if (form[i] == DROPPED)
			continue;
		if (any)
			put(out, cap, &n, SEP, SIZE_MAX);
		put(out, cap, &n, form_text(&l->f[i], form[i]), SIZE_MAX);
		any = true;
	}
	if (!any) { /* not even the first field's brief form fits: cut it */
		size_t order[LIVE_MAX_FIELDS];
		by_priority(l, order);
		put(out, cap, &n, form_text(&l->f[order[0]], BRIEF), width);
	}
	return live_cols(out);
}
