/* SPDX-License-Identifier: MIT */
#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iou/xattrs.h"

static void meta_times(const struct walk_record *r, struct timespec ts[2])
{
	ts[0].tv_sec = r->atime.sec;
	ts[0].tv_nsec = r->atime.nsec;
	ts[1].tv_sec = r->mtime.sec;
	ts[1].tv_nsec = r->mtime.nsec;
}

void meta_init(struct meta_ctx *m, bool set_owner)
{
	m->set_owner = set_owner;
	atomic_init(&m->xattr_warned, false);
	xattrs_init();
}

/* Call fn on each name of a listing that a copy carries, until one fails. */
typedef int name_fn(const char *name, void *arg);

static int each_wanted(const char *list, ssize_t len, name_fn *fn, void *arg)
{
	int ret = 0;

	for (ssize_t off = 0; !ret && off < len; off += (ssize_t)strlen(list + off) + 1)
		if (xattrs_wanted(list + off))
			ret = fn(list + off, arg);
	return ret;
}

static bool list_has(const char *list, ssize_t len, const char *name)
{
	for (ssize_t off = 0; off < len; off += (ssize_t)strlen(list + off) + 1)
		if (strcmp(list + off, name) == 0)
			return true;
	return false;
}

/* A copy of attributes from src to dst, with the source's listing. */
struct xattr_copy {
	struct xattrs_obj src;
	struct xattrs_obj dst;
	const char *src_list;
	ssize_t src_len;
};

static int xattr_copy_one(const char *name, void *arg)
{
	const struct xattr_copy *x = arg;
	char small[XATTRS_STACK_BYTES], *value, *heap;
	ssize_t n = xattrs_read(&x->src, name, small, &value, &heap);
	int ret = n < 0 ? (int)n : xattrs_set(&x->dst, name, value, (size_t)n);

	free(heap);
	return ret;
}

static int xattr_drop_one(const char *name, void *arg)
{
	const struct xattr_copy *x = arg;
	int ret;

	if (list_has(x->src_list, x->src_len, name))
		return 0;
	ret = xattrs_remove(&x->dst, name);
	/* Removed meanwhile is just as good. */
	return ret == -ENODATA ? 0 : ret;
}

/* Remove what dst carries and the source lacks, so it ends with exactly the source's set. */
static int xattr_drop_extra(struct xattr_copy *x)
{
	char small[XATTRS_STACK_BYTES], *list, *heap;
	ssize_t n = xattrs_read(&x->dst, NULL, small, &list, &heap);
	int ret = n < 0 ? (int)n : each_wanted(list, n, xattr_drop_one, x);

	free(heap);
	return ret;
}

static int meta_copy_xattrs(struct meta_ctx *m, const struct xattrs_obj *src,
			    const struct xattrs_obj *dst, bool exact, bool *warn_once)
{
	char small[XATTRS_STACK_BYTES], *list, *heap;
	ssize_t n = xattrs_read(src, NULL, small, &list, &heap);
	struct xattr_copy x = {*src, *dst, list, n};
	int ret = n < 0 ? (int)n : each_wanted(list, n, xattr_copy_one, &x);

	if (!ret && exact)
		ret = xattr_drop_extra(&x);
	free(heap);
	if (ret == -ENOTSUP || ret == -ENOSYS) {
		*warn_once = !atomic_exchange(&m->xattr_warned, true);
		ret = 0;
	}
	return ret;
}

uint32_t meta_create_mode(const struct walk_record *r)
{
	return r->mode & 0755;
}

/* Whether fd needs a chown to r's owner: it might not have it already. */
static bool meta_owner_differs(const struct walk_record *r, const struct meta_created *created)
{
	return !created || !created->owner_known || created->uid != r->uid ||
	       created->gid != r->gid;
}

int meta_apply_fd(struct meta_ctx *m, int src_fd, int fd, const struct walk_record *r,
		  const struct meta_created *created, bool *warn_once, const char **step)
{
	struct timespec ts[2];
	int ret;

	*warn_once = false;
	*step = "chown";
	if (m->set_owner && meta_owner_differs(r, created) && fchown(fd, r->uid, r->gid))
		return -errno;
	*step = "chmod";
	/* A chown never changes a mode without set-ID bits. */
	if ((!created || r->mode != created->mode) && fchmod(fd, r->mode))
		return -errno;
	*step = "copy xattrs";
	/* Only an object made just now is known to carry nothing the source lacks. */
	ret = src_fd < 0
		  ? 0
		  : meta_copy_xattrs(m, &(struct xattrs_obj){src_fd, NULL},
				     &(struct xattrs_obj){fd, NULL}, created == NULL, warn_once);
	if (ret)
		return ret;
	*step = "set times";
	meta_times(r, ts);
	if (futimens(fd, ts))
		return -errno;
	return 0;
}

bool meta_inherits_acl(int dirfd)
{
	return fgetxattr(dirfd, "system.posix_acl_default", NULL, 0) > 0;
}

int meta_apply_at(struct meta_ctx *m, int dirfd, const char *name, const struct walk_record *r,
		  const char **step)
{
	struct timespec ts[2];

	*step = "chown";
	if (m->set_owner && fchownat(dirfd, name, r->uid, r->gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	*step = "chmod";
	/*
	 * Symlinks have no mode of their own; a special file's is set here, and
	 * should a symlink have taken its place, it is refused, not followed.
	 */
	if (r->type != 'l' && fchmodat(dirfd, name, r->mode, AT_SYMLINK_NOFOLLOW))
		return -errno;
	*step = "set times";
	meta_times(r, ts);
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return 0;
}

int meta_copy_xattrs_at(struct meta_ctx *m, int src_dir, int dst_dir, const char *name, bool exact,
			bool *warn_once)
{
	char src_path[XATTRS_PROC_PATH], dst_path[XATTRS_PROC_PATH];

	*warn_once = false;
	if (xattrs_proc_path(src_path, src_dir, name) || xattrs_proc_path(dst_path, dst_dir, name))
		return -ENAMETOOLONG;
	return meta_copy_xattrs(m, &(struct xattrs_obj){-1, src_path},
				&(struct xattrs_obj){-1, dst_path}, exact, warn_once);
}
