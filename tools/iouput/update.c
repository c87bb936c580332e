/* SPDX-License-Identifier: MIT */
#include "update.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "iou/fdlimit.h"

/* Reading an existing file: a FIFO swapped in cannot block, a tty cannot adopt us. */
#define OPEN_EXISTING (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

/*
 * The destination directory that holds r, without making anything: what is
 * missing there holds nothing. A dry run's DST may not exist at all.
 */
static int find_parent(struct exec_worker *w, const struct walk_record *r, int *dirfd,
		       const char **name)
{
	if (w->shared->dst_root_fd < 0)
		return -ENOENT;
	return cursor_parent(&w->dst_find, r->path, r->path_len, dirfd, name);
}

/* 0 when st_mode is of the type the plan saw, else an error that says what is there. */
static int type_check(mode_t st_mode, char type)
{
	if (record_type_of_mode(st_mode) == type)
		return 0;
	if (S_ISDIR(st_mode))
		return -EISDIR;
	if (S_ISLNK(st_mode))
		return -ELOOP;
	return type == 'd' ? -ENOTDIR : -EEXIST;
}

static int check_type_at(int dirfd, const char *name, char type, const char **step)
{
	struct stat st;

	*step = "stat";
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	*step = "check type (changed since the plan)";
	return type_check(st.st_mode, type);
}

/* Open the regular file name for reading; anything else there is an error. */
static int open_file_at(int dirfd, const char *name)
{
	struct stat st;
	int fd = fdlimit_openat(dirfd, name, OPEN_EXISTING, 0), ret;

	if (fd < 0)
		return fd;
	ret = fstat(fd, &st) ? -errno : type_check(st.st_mode, 'f');
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int exec_delete(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	struct stat st;
	const char *name;
	int dirfd, ret;

	res->step = "delete";
	ret = find_parent(w, &p->obj, &dirfd, &name);
	if (!ret && w->shared->dry_run)
		ret = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	else if (!ret)
		ret = unlinkat(dirfd, name, p->obj.type == 'd' ? AT_REMOVEDIR : 0) ? -errno : 0;
	if (ret == -ENOENT) {
		res->outcome = OUTCOME_NONE;
		return 0;
	}
	return ret;
}

/* What a non-root caller gets opening a file without read permission. */
static bool denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

/*
 * A regular file's metadata through descriptors, its xattrs from the
 * source's. Where either cannot be opened for want of permission (a 0000
 * file, not root), owner, mode and times are still set by name; the xattrs
 * are left, as such a caller could neither read nor write them anyway.
 */
static int meta_file(struct exec_worker *w, const struct plan_record *p, int dirfd,
		     const char *name, struct exec_result *res)
{
	int src, dst = -1, ret;

	res->step = "open source";
	ret = src = exec_open_source(w, &p->obj, O_NONBLOCK);
	if (ret >= 0) {
		res->step = "open";
		ret = dst = open_file_at(dirfd, name);
	}
	if (ret >= 0)
		ret = meta_apply_fd(&w->shared->meta, src, dst, &p->obj, NULL, &res->warn,
				    &res->step);
	else if (denied(ret))
		ret = meta_apply_at(&w->shared->meta, dirfd, name, &p->obj, &res->step);
	if (dst >= 0)
		close(dst);
	if (src >= 0)
		close(src);
	return ret;
}

/* The exact xattr set of a symlink or special file, which cannot be opened. */
static int meta_xattrs_by_name(struct exec_worker *w, const struct plan_record *p, int dirfd,
			       const char *name, struct exec_result *res)
{
	const char *src_name;
	int src_dir, ret;

	res->step = "open source directory";
	ret = exec_source_parent(w, &p->obj, &src_dir, &src_name);
	if (ret)
		return ret;
	res->step = "copy xattrs";
	return meta_copy_xattrs_at(&w->shared->meta, src_dir, dirfd, name, true, &res->warn);
}

int exec_meta(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	const char *name;
	int dirfd, ret;

	res->step = "meta";
	ret = find_parent(w, &p->obj, &dirfd, &name);
	if (!ret)
		ret = check_type_at(dirfd, name, p->obj.type, &res->step);
	if (ret)
		return ret;
	if (p->obj.type == 'f')
		return meta_file(w, p, dirfd, name, res);
	ret = meta_apply_at(&w->shared->meta, dirfd, name, &p->obj, &res->step);
	return ret ? ret : meta_xattrs_by_name(w, p, dirfd, name, res);
}

/* The regular file the destination has at r's path, open for reading, or an error. */
static int open_dst_file(struct exec_worker *w, const struct walk_record *r)
{
	const char *name, *step;
	int dirfd, ret = find_parent(w, r, &dirfd, &name);

	if (!ret)
		ret = check_type_at(dirfd, name, 'f', &step);
	return ret ? ret : open_file_at(dirfd, name);
}

/*
 * Whether the destination holds the same bytes as r's source: 1 yes, 0 no
 * (also when it has no regular file there: the copy replaces whatever it
 * is, or says why it cannot), or a negative errno.
 */
static int same_data(struct exec_worker *w, const struct walk_record *r, struct exec_result *res)
{
	struct stat s, d;
	int src, dst, ret;

	src = exec_open_source_file(w, r, res);
	if (src < 0)
		return src;
	dst = open_dst_file(w, r);
	res->step = "compare data";
	if (dst < 0)
		ret = 0;
	else if (fstat(src, &s) || fstat(dst, &d))
		ret = -errno;
	else if (s.st_size != d.st_size)
		ret = 0;
	else
		ret = copy_data_equal(src, dst, (uint64_t)s.st_size, w->buf, w->bufsize);
	if (dst >= 0)
		close(dst);
	close(src);
	return ret;
}

/* Whether CHANGE names an attribute besides the content. */
static bool attributes_differ(const char *change)
{
	return strspn(change + 1, ".") < PLAN_CHANGE_LEN - 1;
}

int exec_verify(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	int same = same_data(w, &p->obj, res);

	if (same < 0)
		return same;
	if (!same) {
		res->outcome = OUTCOME_COPIED;
		if (w->shared->dry_run)
			exec_note_renewed(w->shared, &p->obj);
	} else
		res->outcome = attributes_differ(p->change) ? OUTCOME_META_ONLY : OUTCOME_NONE;
	if (w->shared->dry_run || res->outcome == OUTCOME_NONE)
		return 0;
	return same ? exec_meta(w, p, res) : exec_copy(w, p, res);
}
