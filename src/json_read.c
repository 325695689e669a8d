/* Strict recursive-descent JSON reader: see include/tcpswarm/json_read.h.
 * Depth is bounded (JR_MAX_DEPTH) so hostile input cannot exhaust the
 * stack; every read checks the end of the text. */
#include "tcpswarm/json_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rd {
	const char *p, *start, *end;
	char *err;
	size_t errcap;
	bool failed;
};

static int fail(struct rd *r, const char *what)
{
	if (!r->failed) {
		unsigned line = 1, col = 1;
		for (const char *q = r->start; q < r->p && q < r->end; q++) {
			if (*q == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		snprintf(r->err, r->errcap, "line %u column %u: %s", line, col, what);
		r->failed = true;
	}
	return -1;
}

static void skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static int hex4(struct rd *r, unsigned *out)
{
	if (r->end - r->p < 4)
		return fail(r, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = r->p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d == 16)
			return fail(r, "bad hex digit in \\u escape");
		v = v * 16 + d;
	}
	r->p += 4;
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* \uXXXX, a surrogate pair taken whole; r->p is after the 'u'. */
static int unicode_escape(struct rd *r, char *o, size_t *w)
{
	unsigned cp, lo;
	if (hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(r, "lone low surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (!literal(r, "\\u") || hex4(r, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return fail(r, "high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	*w += put_utf8(o + *w, cp);
	return 0;
}

/* The character a one-letter escape stands for, 0 if e is not one. */
static char simple_escape(char e)
{
	switch (e) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* r->p at the opening quote. The decoded text is never longer than the
 * source, so one allocation of the source length suffices. */
static int string(struct rd *r, char **out, size_t *outlen)
{
	const char *q = ++r->p;
	while (q < r->end && *q != '"')
		q += (*q == '\\' && q + 1 < r->end) ? 2 : 1;
	if (q >= r->end)
		return fail(r, "unterminated string");
	char *o = malloc((size_t)(q - r->p) + 1);
	if (!o)
		return fail(r, "out of memory");
	size_t w = 0;
	while (r->p < q) {
		unsigned char c = (unsigned char)*r->p++;
		if (c < 0x20) {
			free(o);
			return fail(r, "control character in string");
		}
		if (c != '\\') {
			o[w++] = (char)c;
			continue;
		}
		char e = *r->p++, plain = simple_escape(e);
		if (plain) {
			o[w++] = plain;
		} else if (e == 'u') {
			if (unicode_escape(r, o, &w) < 0) {
				free(o);
				return -1;
			}
		} else {
			free(o);
			return fail(r, "bad escape in string");
		}
	}
	r->p = q + 1;
	o[w] = 0;
	*out = o;
	*outlen = w;
	return 0;
}

static bool digit(char c) { return c >= '0' && c <= '9'; }

static int number(struct rd *r, struct jr_value *v)
{
	const char *s = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || !digit(*r->p))
		return fail(r, "expected a value");
	if (*r->p == '0' && r->p + 1 < r->end && digit(r->p[1]))
		return fail(r, "leading zero in number");
	while (r->p < r->end && digit(*r->p))
		r->p++;
	bool integer = true;
	if (r->p < r->end && *r->p == '.') {
		integer = false;
		if (++r->p >= r->end || !digit(*r->p))
			return fail(r, "digit expected after '.'");
		while (r->p < r->end && digit(*r->p))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		integer = false;
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || !digit(*r->p))
			return fail(r, "digit expected in exponent");
		while (r->p < r->end && digit(*r->p))
			r->p++;
	}
	char buf[64];
	size_t n = (size_t)(r->p - s);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1; /* a longer number loses only digits strtod would round away */
	memcpy(buf, s, n);
	buf[n] = 0;
	v->type = JR_NUMBER;
	v->number = strtod(buf, NULL);
	if (integer && *s != '-') {
		uint64_t u = 0;
		bool fits = true;
		for (const char *d = s; d < r->p && fits; d++)
			fits = !__builtin_mul_overflow(u, 10, &u) && !__builtin_add_overflow(u, (uint64_t)(*d - '0'), &u);
		v->is_u64 = fits;
		v->u64 = fits ? u : 0;
	}
	return 0;
}

static int value(struct rd *r, struct jr_value *v, int depth);

/* Appends one element (and its key) to v, growing both arrays. */
static struct jr_value *add_kid(struct rd *r, struct jr_value *v, size_t *cap, char *key)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct jr_value *k = realloc(v->kids, nc * sizeof(*k));
		if (k)
			v->kids = k;
		char **ks = k && v->type == JR_OBJECT ? realloc(v->keys, nc * sizeof(*ks)) : NULL;
		if (ks)
			v->keys = ks;
		if (!k || (v->type == JR_OBJECT && !ks)) {
			free(key);
			fail(r, "out of memory");
			return NULL;
		}
		*cap = nc;
	}
	if (v->type == JR_OBJECT)
		v->keys[v->n] = key;
	struct jr_value *kid = &v->kids[v->n++];
	memset(kid, 0, sizeof(*kid));
	return kid;
}

static int container(struct rd *r, struct jr_value *v, int depth)
{
	bool obj = *r->p == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0;
	v->type = obj ? JR_OBJECT : JR_ARRAY;
	if (depth >= JR_MAX_DEPTH)
		return fail(r, "nesting too deep");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(r);
		if (obj) {
			size_t klen;
			if (r->p >= r->end || *r->p != '"')
				return fail(r, "expected a string key");
			if (string(r, &key, &klen) < 0)
				return -1;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				return fail(r, "expected ':' after a key");
			}
			r->p++;
		}
		struct jr_value *kid = add_kid(r, v, &cap, key);
		if (!kid || value(r, kid, depth + 1) < 0)
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int value(struct rd *r, struct jr_value *v, int depth)
{
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "unexpected end of text");
	const char *s = r->p;
	int rc = 0;
	switch (*r->p) {
	case '{':
	case '[':
		rc = container(r, v, depth);
		break;
	case '"':
		v->type = JR_STRING;
		rc = string(r, &v->str, &v->str_len);
		break;
	case 't':
	case 'f':
		v->type = JR_BOOL;
		v->boolean = *r->p == 't';
		rc = literal(r, v->boolean ? "true" : "false") ? 0 : fail(r, "expected a value");
		break;
	case 'n':
		v->type = JR_NULL;
		rc = literal(r, "null") ? 0 : fail(r, "expected a value");
		break;
	default:
		rc = number(r, v);
	}
	v->raw = s;
	v->raw_len = (size_t)(r->p - s);
	return rc;
}

int jr_parse(const char *text, size_t len, struct jr_value *root, char *err, size_t errcap)
{
	struct rd r = {.p = text, .start = text, .end = text + len, .err = err, .errcap = errcap};
	memset(root, 0, sizeof(*root));
	if (errcap)
		err[0] = 0;
	if (value(&r, root, 0) < 0)
		return -1;
	skip_ws(&r);
	return r.p == r.end ? 0 : fail(&r, "text after the value");
}

void jr_free(struct jr_value *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jr_free(&v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct jr_value *jr_get(const struct jr_value *v, const char *key)
{
	if (!v || v->type != JR_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return &v->kids[i];
	return NULL;
}

const struct jr_value *jr_path(const struct jr_value *v, const char *dotted)
{
	char step[128];
	while (v && *dotted) {
		size_t n = strcspn(dotted, ".");
		if (n >= sizeof(step))
			return NULL;
		memcpy(step, dotted, n);
		step[n] = 0;
		v = jr_get(v, step);
		dotted += n + (dotted[n] == '.');
	}
	return v;
}

bool jr_as_u64(const struct jr_value *v, uint64_t *out)
{
	if (!v || v->type != JR_NUMBER || !v->is_u64)
		return false;
	*out = v->u64;
	return true;
}

bool jr_as_double(const struct jr_value *v, double *out)
{
	if (!v || v->type != JR_NUMBER)
		return false;
	*out = v->number;
	return true;
}

const char *jr_as_str(const struct jr_value *v)
{
	return v && v->type == JR_STRING ? v->str : NULL;
}
