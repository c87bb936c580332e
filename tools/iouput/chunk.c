/* SPDX-License-Identifier: MIT */
#include "chunk.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"

/* After the data: is the source still the walk's version? */
static int source_is_walks(int src, const struct walk_record *r, struct exec_result *res)
{
	struct stat st;

	res->step = "stat source";
	if (fstat(src, &st))
		return -errno;
	if (exec_source_unchanged(r, (uint64_t)st.st_size, st.st_mtim.tv_sec,
				  (uint32_t)st.st_mtim.tv_nsec))
		return 0;
	res->step = EXEC_STEP_CHANGED;
	return -ESTALE;
}

/* The destination directory of p and the staging name in it. */
static int staging_of(struct exec_worker *w, const struct plan_record *p, int *dirfd,
		      const char **name, char staging[PLAN_STAGING_NAME_MAX])
{
	plan_staging_name(p->obj.path, p->obj.path_len, staging);
	return cursor_parent(&w->dst, p->obj.path, p->obj.path_len, dirfd, name);
}

int chunk_write(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	char staging[PLAN_STAGING_NAME_MAX];
	enum copy_method method;
	const char *name;
	int src, dst = -1, dirfd, ret;

	res->step = "open source";
	src = exec_open_source(w, &p->obj, 0);
	if (src < 0)
		return src;
	res->step = "open staging file";
	ret = staging_of(w, p, &dirfd, &name, staging);
	if (ret)
		goto out;
	/* No O_TRUNC: other pieces may be in it already, from other machines. */
	dst = openat(dirfd, staging, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dst < 0) {
		ret = -errno;
		goto out;
	}
	res->step = "copy data";
	ret = copy_file_part(src, dst, p->offset, p->length,
			     &(struct copy_io){w->buf, w->bufsize, w->ring}, &method);
	if (ret == -ESTALE)
		res->step = EXEC_STEP_CHANGED;
	if (!ret)
		ret = source_is_walks(src, &p->obj, res);
out:
	if (dst >= 0)
		close(dst);
	close(src);
	return ret;
}

/* Whether a seal already happened: the final name holds the walk's file. */
static bool already_sealed(int dirfd, const char *name, const struct walk_record *r)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       exec_source_unchanged(r, (uint64_t)st.st_size, st.st_mtim.tv_sec,
				     (uint32_t)st.st_mtim.tv_nsec);
}

int chunk_seal(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	char staging[PLAN_STAGING_NAME_MAX];
	const char *name;
	int src, dst = -1, dirfd, ret;

	res->step = "open source";
	src = exec_open_source(w, &p->obj, 0);
	if (src < 0)
		return src;
	res->step = "open staging file";
	ret = staging_of(w, p, &dirfd, &name, staging);
	if (ret)
		goto out;
	dst = openat(dirfd, staging, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0) {
		ret = errno == ENOENT && already_sealed(dirfd, name, &p->obj) ? 0 : -errno;
		goto out;
	}
	ret = source_is_walks(src, &p->obj, res);
	res->step = "set size";
	if (!ret && ftruncate(dst, (off_t)p->obj.size))
		ret = -errno;
	if (!ret)
		ret = meta_apply_fd(&w->shared->meta, src, dst, &p->obj, META_MODE_UNKNOWN,
				    &res->warn, &res->step);
	if (!ret) {
		res->step = "rename into place";
		if (renameat(dirfd, staging, dirfd, name))
			ret = -errno;
	}
out:
	if (dst >= 0)
		close(dst);
	close(src);
	return ret;
}
