/* Report files written whole or not at all: the text goes to a temporary
 * file beside the target (same directory, so rename() is atomic), which is
 * flushed, synced and renamed over the target only once complete; on any
 * error it is removed and the target is left as it was. */
#ifndef TCPSWARM_OUTFILE_H
#define TCPSWARM_OUTFILE_H

#include <stdio.h>

struct outfile {
	FILE *f;
	const char *path;
	char tmp[4096];
};

/* Opens the temporary file for `path`; NULL (message printed, prefixed by
 * who, e.g. "tcpswarm client") when it cannot. */
FILE *outfile_open(struct outfile *o, const char *path, const char *who, const char *what);
/* The same for a file written while the run goes (the per-second series):
 * the temporary file is `path` + OUTFILE_PARTIAL, a fixed name a user can
 * tail; it is renamed to `path` by outfile_commit. */
#define OUTFILE_PARTIAL ".partial"
FILE *outfile_open_partial(struct outfile *o, const char *path, const char *who, const char *what);
/* Gives up an open file: closed and removed, the target untouched. */
void outfile_abort(struct outfile *o);
/* Completes it: err is an errno the writer already saw (0: none). 0, or -1
 * with a message (the temporary file removed, the target untouched). */
int outfile_commit(struct outfile *o, int err, const char *who);
/* Whether `path` can be written this way, checked before a run without
 * creating or truncating it. 0, or -1 with a message naming `opt`. */
int outfile_check(const char *who, const char *opt, const char *path);
/* Whether two paths name the same file (same name, or the same inode). */
int outfile_same(const char *a, const char *b);

#endif
