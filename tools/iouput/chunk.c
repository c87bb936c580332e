/* SPDX-License-Identifier: MIT */
#include "chunk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "iou/fdlimit.h"

/* A file's source and its staging file, both open. */
struct staged {
	int src, dst;
	int dirfd;	  /* the destination directory, owned by the worker's cursor */
	const char *name; /* the final name in it */
	char staging[PLAN_STAGING_NAME_MAX];
};

/*
 * Open p's source and its staging file with flags. Returns 0, or a negative
 * errno with res->step saying which; s is for staged_close() either way.
 */
static int staged_open(struct exec_worker *w, const struct plan_record *p, int flags,
		       struct staged *s, struct exec_result *res)
{
	const char *name;
	int ret;

	s->dst = -1;
	s->name = NULL;
	s->src = exec_open_source_file(w, &p->obj, res);
	if (s->src < 0)
		return s->src;
	res->step = "open staging file";
	plan_staging_name(p->obj.path, p->obj.path_len, s->staging);
	ret = cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &s->dirfd, &name);
	if (ret)
		return ret;
	s->name = name;
	s->dst =
	    fdlimit_openat(s->dirfd, s->staging, flags | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	return s->dst < 0 ? s->dst : 0;
}

static void staged_close(struct staged *s)
{
	if (s->dst >= 0)
		close(s->dst);
	if (s->src >= 0)
		close(s->src);
}

int chunk_write(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	enum copy_method method;
	struct staged s;
	/* No O_TRUNC: other pieces may be in it already, from other machines. */
	int ret = staged_open(w, p, O_CREAT, &s, res);

	/*
	 * Holes are skipped, not written: a staging file left by an older,
	 * unfinished copy must not keep its bytes there. Where punching is not
	 * supported the file is new or the data fills the range anyway.
	 */
	if (!ret &&
	    fallocate(s.dst, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)p->offset,
		      (off_t)p->length) &&
	    errno != EOPNOTSUPP && errno != ENOSYS) {
		res->step = "clear range";
		ret = -errno;
	}
	if (!ret) {
		res->step = "copy data";
		ret = copy_file_part(s.src, s.dst, p->offset, p->length,
				     &(struct copy_io){w->buf, w->bufsize, w->ring}, &method);
		if (ret == -ESTALE)
			res->step = EXEC_STEP_CHANGED;
	}
	if (!ret)
		ret = exec_check_source(s.src, &p->obj, res);
	staged_close(&s);
	return ret;
}

/* Whether a seal already happened: the final name holds the walk's file. */
static bool already_sealed(const struct staged *s, const struct walk_record *r)
{
	struct stat st;

	return fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       exec_source_unchanged(r, (uint64_t)st.st_size, st.st_mtim.tv_sec,
				     (uint32_t)st.st_mtim.tv_nsec);
}

/* Size, metadata, then the final name: the staging file becomes the file. */
static int seal_staged(struct exec_worker *w, const struct plan_record *p, struct staged *s,
		       struct exec_result *res)
{
	int ret = exec_check_source(s->src, &p->obj, res);

	if (!ret && ftruncate(s->dst, (off_t)p->obj.size)) {
		res->step = "set size";
		ret = -errno;
	}
	if (!ret)
		ret = meta_apply_fd(&w->shared->meta, s->src, s->dst, &p->obj, NULL, &res->warn,
				    &res->step);
	if (!ret && renameat(s->dirfd, s->staging, s->dirfd, s->name)) {
		res->step = "rename into place";
		ret = -errno;
	}
	return ret;
}

int chunk_seal(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	struct staged s;
	int ret = staged_open(w, p, 0, &s, res);

	if (!ret)
		ret = seal_staged(w, p, &s, res);
	else if (ret == -ENOENT && s.name && already_sealed(&s, &p->obj))
		ret = 0; /* an earlier run of the finish sealed it */
	staged_close(&s);
	return ret;
}
