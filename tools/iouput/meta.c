/* SPDX-License-Identifier: MIT */
#include "meta.h"

#include <attr/libattr.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void meta_times(const struct walk_record *r, struct timespec ts[2])
{
	ts[0].tv_sec = r->atime.sec;
	ts[0].tv_nsec = r->atime.nsec;
	ts[1].tv_sec = r->mtime.sec;
	ts[1].tv_nsec = r->mtime.nsec;
}

static bool xattrs_unsupported(int err)
{
	return err == ENOTSUP || err == ENOSYS;
}

/*
 * libattr's default check also skips what /etc/xattr.conf marks
 * "permissions" (the POSIX ACLs), expecting libacl to copy them; the raw
 * ACL attributes copy just as well, so only "skip" is honoured.
 */
static int xattr_should_copy(const char *name, struct error_context *ctx)
{
	return attr_copy_action(name, ctx) != ATTR_ACTION_SKIP;
}

static int meta_copy_xattrs(struct meta_ctx *m, int src_fd, int dst_fd, bool *warn_once)
{
	if (attr_copy_fd(NULL, src_fd, NULL, dst_fd, xattr_should_copy, NULL) == 0)
		return 0;
	if (!xattrs_unsupported(errno))
		return -errno;
	*warn_once = !atomic_exchange(&m->xattr_warned, true);
	return 0;
}

int meta_apply_fd(struct meta_ctx *m, int src_fd, int fd, const struct walk_record *r,
		  bool *warn_once, const char **step)
{
	struct timespec ts[2];
	int ret;

	*warn_once = false;
	*step = "chown";
	if (m->set_owner && fchown(fd, r->uid, r->gid))
		return -errno;
	*step = "chmod";
	if (fchmod(fd, r->mode))
		return -errno;
	*step = "copy xattrs";
	ret = meta_copy_xattrs(m, src_fd, fd, warn_once);
	if (ret)
		return ret;
	*step = "set times";
	meta_times(r, ts);
	if (futimens(fd, ts))
		return -errno;
	return 0;
}

int meta_apply_at(struct meta_ctx *m, int dirfd, const char *name, const struct walk_record *r,
		  const char **step)
{
	struct timespec ts[2];

	*step = "chown";
	if (m->set_owner && fchownat(dirfd, name, r->uid, r->gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	*step = "chmod";
	/* Symlinks have no mode of their own; a special file's is set here. */
	if (r->type != 'l' && fchmodat(dirfd, name, r->mode, 0))
		return -errno;
	*step = "set times";
	meta_times(r, ts);
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return 0;
}
