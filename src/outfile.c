#include "tcpswarm/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tmp_name(char *out, size_t cap, const char *path)
{
	int n = snprintf(out, cap, "%s.tmp.%ld", path, (long)getpid());
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static FILE *open_as(struct outfile *o, const char *path, const char *who, const char *what, int named)
{
	o->path = path;
	o->f = NULL;
	if (named < 0) {
		fprintf(stderr, "%s: cannot write the %s report to '%s': path too long\n", who, what, path);
		return NULL;
	}
	/* the temporary name is ours: whatever stands there (a stale file, or a
	 * symbolic link planted to redirect the report) goes, and the new file
	 * is created, never opened through a link */
	unlink(o->tmp);
	int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: cannot write the %s report to '%s' (through '%s'): %s\n", who, what, path, o->tmp,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return NULL;
	}
	return o->f;
}

FILE *outfile_open(struct outfile *o, const char *path, const char *who, const char *what)
{
	return open_as(o, path, who, what, tmp_name(o->tmp, sizeof(o->tmp), path));
}

FILE *outfile_open_partial(struct outfile *o, const char *path, const char *who, const char *what)
{
	int n = snprintf(o->tmp, sizeof(o->tmp), "%s" OUTFILE_PARTIAL, path);
	return open_as(o, path, who, what, n < 0 || (size_t)n >= sizeof(o->tmp) ? -1 : 0);
}

void outfile_abort(struct outfile *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

int outfile_commit(struct outfile *o, int err, const char *who)
{
	if (fflush(o->f) != 0 && !err)
		err = errno;
	if (ferror(o->f) && !err)
		err = EIO;
	if (!err && fsync(fileno(o->f)) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) != 0)
		err = errno;
	if (err) {
		unlink(o->tmp);
		fprintf(stderr, "%s: writing '%s' failed: %s (nothing written)\n", who, o->path, strerror(err));
		return -1;
	}
	return 0;
}

int outfile_check(const char *who, const char *opt, const char *path)
{
	if (!path)
		return 0;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: option %s: cannot write '%s': it is a directory\n", who, opt, path);
		return -1;
	}
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s" OUTFILE_PARTIAL, path);
	if (n > 0 && (size_t)n < sizeof(tmp) && stat(tmp, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: option %s: cannot write '%s': '%s' is a directory\n", who, opt, path, tmp);
		return -1;
	}
	int fd = -1;
	if (tmp_name(tmp, sizeof(tmp), path) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "%s: option %s: cannot write '%s': %s\n", who, opt, path,
			strerror(errno ? errno : ENAMETOOLONG));
		return -1;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

/* dir/name with the directory resolved (symbolic links, "." and ".."), so
 * "out/a" and "./out/a" compare equal before either file exists. */
static int canonical(const char *path, char *out, size_t cap)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (dlen >= sizeof(dir))
		return -1;
	if (!slash)
		strcpy(dir, ".");
	else if (!dlen)
		strcpy(dir, "/");
	else
		memcpy(dir, path, dlen), dir[dlen] = 0;
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return -1;
	int n = snprintf(out, cap, "%s/%s", strcmp(real, "/") ? real : "", base);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* a is b, or b's streaming name (b.partial) */
static int names_clash(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), lp = strlen(OUTFILE_PARTIAL);
	return !strcmp(a, b) || (la == lb + lp && !strncmp(a, b, lb) && !strcmp(a + lb, OUTFILE_PARTIAL));
}

int outfile_same(const char *a, const char *b)
{
	if (!a || !b)
		return 0;
	if (names_clash(a, b) || names_clash(b, a))
		return 1;
	char ca[PATH_MAX + 256], cb[PATH_MAX + 256];
	if (canonical(a, ca, sizeof(ca)) == 0 && canonical(b, cb, sizeof(cb)) == 0 &&
	    (names_clash(ca, cb) || names_clash(cb, ca)))
		return 1;
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
