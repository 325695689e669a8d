/* The findings list every diagnosis rule file adds to (diagnose.c,
 * diagnose_nat.c): below the rules, so they call down into it and never
 * into each other. Pure. */
#include "tcpswarm/diagnose.h"

#include <string.h>

struct finding *diag_add(struct diagnosis *d, const char *limit, uint64_t weight)
{
	if (d->n == DIAG_MAX)
		return NULL;
	struct finding *f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	f->limit = limit;
	f->score = weight > 1000000000 ? 1000000000 : (int)weight;
	return f;
}

bool diag_has(const struct diagnosis *d, const char *limit)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->f[i].limit, limit))
			return true;
	return false;
}
