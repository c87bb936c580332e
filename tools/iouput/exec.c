/* SPDX-License-Identifier: MIT */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "chunk.h"
#include "copy.h"
#include "iou/fdlimit.h"
#include "iou/pathset.h"
#include "update.h"

#define EXEC_BUF_BYTES (1u << 20)
#define TMP_NAME_MAX   EXEC_TMP_NAME_MAX

int exec_worker_init(struct exec_worker *w, struct exec_shared *shared)
{
	memset(w, 0, sizeof(*w));
	w->shared = shared;
	w->root_gen = atomic_load(&shared->root_gen);
	cursor_init(&w->src, shared->src_root_fd, false);
	/* Missing destination parents are made, so mkdir order is not a barrier. */
	cursor_init(&w->dst, shared->dst_root_fd, true);
	cursor_init(&w->dst_find, shared->dst_root_fd, false);
	w->bufsize = EXEC_BUF_BYTES;
	w->buf = malloc(w->bufsize);
	return w->buf ? 0 : -ENOMEM;
}

void exec_worker_free(struct exec_worker *w)
{
	cursor_free(&w->src);
	cursor_free(&w->dst);
	cursor_free(&w->dst_find);
	free(w->buf);
	w->buf = NULL;
}

/*
 * A new hidden name in dirfd, registered before anything is made under it,
 * so that a termination signal can remove it (tmp_drop once it is gone).
 */
static void tmp_name(struct exec_worker *w, int dirfd, char out[TMP_NAME_MAX])
{
	struct exec_shared *sh = w->shared;

	snprintf(out, TMP_NAME_MAX, ".iou-tmp.%d.%lx.%lu", (int)getpid(), (unsigned long)w,
		 w->tmp_seq++);
	memcpy(w->tmp.name, out, TMP_NAME_MAX);
	w->tmp.dirfd = dirfd;
	pthread_mutex_lock(&sh->tmp_lock);
	w->tmp.next = sh->tmps;
	sh->tmps = &w->tmp;
	pthread_mutex_unlock(&sh->tmp_lock);
}

static void tmp_drop(struct exec_worker *w)
{
	struct exec_shared *sh = w->shared;
	struct exec_named_tmp **p;

	pthread_mutex_lock(&sh->tmp_lock);
	for (p = &sh->tmps; *p; p = &(*p)->next)
		if (*p == &w->tmp) {
			*p = w->tmp.next;
			break;
		}
	pthread_mutex_unlock(&sh->tmp_lock);
}

void exec_remove_named_tmps(struct exec_shared *sh)
{
	pthread_mutex_lock(&sh->tmp_lock);
	for (struct exec_named_tmp *t = sh->tmps; t; t = t->next)
		unlinkat(t->dirfd, t->name, 0);
}

/*
 * Put an object made by make(dirfd, name) at name, replacing what is there
 * (never a directory) atomically: made under a temporary name, then renamed.
 */
typedef int make_fn(int dirfd, const char *name, const void *arg);

static int make_replacing(struct exec_worker *w, int dirfd, const char *name, make_fn *make,
			  const void *arg)
{
	char tmp[TMP_NAME_MAX];
	int ret = make(dirfd, name, arg);

	if (ret != -EEXIST)
		return ret;
	tmp_name(w, dirfd, tmp);
	ret = make(dirfd, tmp, arg);
	if (!ret) {
		if (renameat(dirfd, tmp, dirfd, name))
			ret = -errno;
		/*
		 * Gone after a rename, as a rule. But a link made again onto
		 * a name that already is that inode (a rerun) is a rename
		 * between two links of one file, which does nothing.
		 */
		unlinkat(dirfd, tmp, 0);
	}
	tmp_drop(w);
	return ret;
}

static int exec_mkdir(struct exec_worker *w, const struct plan_record *p, const char **step)
{
	struct stat st;
	const char *name;
	int dirfd, ret;

	*step = "mkdir";
	if (strcmp(p->obj.path, ".") == 0)
		return 0; /* the destination root exists before any record runs */
	ret = cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &dirfd, &name);
	if (ret)
		return ret;
	if (mkdirat(dirfd, name, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -EEXIST;
}

/*
 * A new plan header switched roots (with no record in flight): follow it.
 * The destination's cursors start afresh too: the new root's deletions may
 * have removed a directory they hold, which a mkdir then makes anew.
 */
static void follow_root(struct exec_worker *w)
{
	unsigned gen = atomic_load(&w->shared->root_gen);

	if (gen == w->root_gen)
		return;
	w->root_gen = gen;
	cursor_free(&w->src);
	cursor_init(&w->src, w->shared->src_root_fd, false);
	cursor_free(&w->dst);
	cursor_init(&w->dst, w->shared->dst_root_fd, true);
	cursor_free(&w->dst_find);
	cursor_init(&w->dst_find, w->shared->dst_root_fd, false);
}

int exec_open_source(struct exec_worker *w, const struct walk_record *r, int flags)
{
	const char *name;
	int dirfd, ret;

	if (strcmp(r->path, ".") == 0)
		dirfd = w->shared->src_root_fd, name = ".";
	else if ((ret = cursor_parent(&w->src, r->path, r->path_len, &dirfd, &name)))
		return ret;
	return fdlimit_openat(dirfd, name, flags | O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0);
}

/* Whether fd is a regular file; -ESTALE when it is something else now. */
static int require_regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : -ESTALE;
}

/*
 * A lease holder (a file server, say) makes a non-blocking open fail: wait
 * for it as a plain open does, through a reopen of a descriptor whose type
 * is checked first, so that nothing swapped in meanwhile is opened instead.
 */
static int open_regular_waiting(struct exec_worker *w, const struct walk_record *r)
{
	char proc[32];
	int path_fd, ret;

	path_fd = exec_open_source(w, r, O_PATH);
	if (path_fd < 0)
		return path_fd;
	ret = require_regular(path_fd);
	if (ret)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	ret = fdlimit_openat(AT_FDCWD, proc, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	if (ret == -ENOENT) /* no /proc: by name, just checked */
		ret = exec_open_source(w, r, 0);
out:
	close(path_fd);
	return ret;
}

int exec_open_source_file(struct exec_worker *w, const struct walk_record *r,
			  struct exec_result *res)
{
	int fd = exec_open_source(w, r, O_NONBLOCK), ret;
	bool nonblocking = true;

	res->step = "open source";
	if (fd == -EWOULDBLOCK) {
		fd = open_regular_waiting(w, r);
		nonblocking = false;
	}
	if (fd < 0)
		return fd;
	ret = require_regular(fd);
	if (ret == -ESTALE)
		res->step = EXEC_STEP_CHANGED;
	/*
	 * Regular files ignore O_NONBLOCK, but the ring would not wait for a
	 * read. No other status flag was asked for, so F_SETFL 0 clears it.
	 */
	if (!ret && nonblocking && fcntl(fd, F_SETFL, 0))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* An unnamed file in dirfd, or a hidden temporary name when the fs lacks O_TMPFILE. */
static int create_tmp(struct exec_worker *w, int dirfd, uint32_t mode, char tmp[TMP_NAME_MAX])
{
	int fd = fdlimit_openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);

	tmp[0] = '\0';
	if (fd >= 0 || (fd != -EOPNOTSUPP && fd != -EISDIR && fd != -EINVAL))
		return fd;
	tmp_name(w, dirfd, tmp);
	fd = fdlimit_openat(dirfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		tmp_drop(w);
		tmp[0] = '\0';
	}
	return fd;
}

struct fd_link {
	int fd;
	int dirfd;
};

static int link_tmpfile(int dirfd, const char *name, const void *arg)
{
	const struct fd_link *l = arg;
	char proc[64];

	(void)dirfd;
	if (linkat(l->fd, "", l->dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	/* AT_EMPTY_PATH wants CAP_DAC_READ_SEARCH; /proc does not. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", l->fd);
	return linkat(AT_FDCWD, proc, l->dirfd, name, AT_SYMLINK_FOLLOW) ? -errno : 0;
}

/* Give the finished temporary its final name, replacing an older file. */
static int publish(struct exec_worker *w, int fd, int dirfd, const char *tmp, const char *name)
{
	struct fd_link l = {fd, dirfd};

	if (tmp[0])
		return renameat(dirfd, tmp, dirfd, name) ? -errno : 0;
	return make_replacing(w, dirfd, name, link_tmpfile, &l);
}

int exec_publish_tmpfile(struct exec_worker *w, int fd, int dirfd, const char *name)
{
	return publish(w, fd, dirfd, "", name);
}

int exec_source_parent(struct exec_worker *w, const struct walk_record *r, int *dirfd,
		       const char **name)
{
	follow_root(w);
	return cursor_parent(&w->src, r->path, r->path_len, dirfd, name);
}

int exec_parents(struct exec_worker *w, const struct walk_record *r, int *src_dir, int *dst_dir,
		 const char **name)
{
	int ret;

	ret = exec_source_parent(w, r, src_dir, name);
	if (!ret)
		ret = cursor_parent(&w->dst, r->path, r->path_len, dst_dir, name);
	return ret;
}

/* Remember whether extents can be shared between this source and DST. */
static void note_reflink(struct exec_shared *sh, enum copy_method method)
{
	if (method == COPY_REFLINK)
		atomic_store(&sh->reflink, REFLINK_WORKS);
	else if (method != COPY_NONE)
		atomic_store(&sh->reflink, REFLINK_NONE);
}

bool exec_source_unchanged(const struct walk_record *r, uint64_t size, int64_t mtime_sec,
			   uint32_t mtime_nsec)
{
	return size == r->size && mtime_sec == r->mtime.sec && mtime_nsec == r->mtime.nsec;
}

/*
 * A plain statx even where a ring is at hand: in the ring it would always be
 * punted to an io-wq thread, and the wake-ups cost more than the syscall.
 */
int exec_check_source(int src, const struct walk_record *r, struct exec_result *res)
{
	struct statx s;

	if (statx(src, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE | STATX_MTIME, &s)) {
		res->step = "stat source";
		return -errno;
	}
	if (S_ISREG(s.stx_mode) &&
	    exec_source_unchanged(r, s.stx_size, s.stx_mtime.tv_sec, s.stx_mtime.tv_nsec))
		return 0;
	res->step = EXEC_STEP_CHANGED;
	return -ESTALE;
}

int exec_copy(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	char tmp[TMP_NAME_MAX] = "";
	enum copy_method method;
	const char *name;
	int src, dst = -1, dirfd, ret;

	src = exec_open_source_file(w, &p->obj, res);
	if (src < 0)
		return src;
	res->step = "create";
	ret = cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &dirfd, &name);
	if (!ret)
		ret = dst = create_tmp(w, dirfd, meta_create_mode(&p->obj), tmp);
	if (ret < 0)
		goto out;
	res->step = "copy data";
	ret = copy_file_data(src, dst, p->obj.size, &(struct copy_io){w->buf, w->bufsize, w->ring},
			     &method);
	if (ret == -ESTALE)
		res->step = EXEC_STEP_CHANGED; /* it ended before the walk's size */
	if (!ret)
		note_reflink(w->shared, method);
	if (!ret)
		ret = exec_check_source(src, &p->obj, res);
	if (!ret)
		ret = meta_apply_fd(&w->shared->meta, src, dst, &p->obj,
				    meta_inherits_acl(dirfd)
					? NULL
					: &(struct meta_created){.mode = meta_create_mode(&p->obj)},
				    &res->warn, &res->step);
	if (!ret) {
		res->step = "rename into place";
		ret = publish(w, dst, dirfd, tmp, name);
	}
	if (ret && tmp[0])
		unlinkat(dirfd, tmp, 0);
	if (tmp[0])
		tmp_drop(w);
out:
	if (dst >= 0)
		close(dst);
	close(src);
	return ret;
}

static int make_symlink(int dirfd, const char *name, const void *target)
{
	return symlinkat(target, dirfd, name) ? -errno : 0;
}

/*
 * Owner, mode, xattrs and times of a symlink or special file just made as
 * dst_dir/name, its source being src_dir/name.
 */
static int meta_of_made(struct exec_worker *w, const struct plan_record *p, int src_dir,
			int dst_dir, const char *name, struct exec_result *res)
{
	int ret = meta_apply_at(&w->shared->meta, dst_dir, name, &p->obj, &res->step);

	if (!ret) {
		res->step = "copy xattrs";
		/* Symlinks take no ACL; special files inherit one as files do. */
		ret = meta_copy_xattrs_at(&w->shared->meta, src_dir, dst_dir, name,
					  p->obj.type != 'l' && meta_inherits_acl(dst_dir),
					  &res->warn);
	}
	return ret;
}

static int exec_symlink(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	const char *name;
	int src_dir, dirfd, ret;

	res->step = "symlink";
	ret = exec_parents(w, &p->obj, &src_dir, &dirfd, &name);
	if (!ret)
		ret = make_replacing(w, dirfd, name, make_symlink, p->obj.target);
	return ret ? ret : meta_of_made(w, p, src_dir, dirfd, name, res);
}

static int make_node(int dirfd, const char *name, const void *arg)
{
	const struct walk_record *r = arg;
	dev_t dev = makedev(r->rdev_major, r->rdev_minor);

	return mknodat(dirfd, name, record_mode_of_type(r->type) | r->mode, dev) ? -errno : 0;
}

static int exec_mknod(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	const char *name;
	int src_dir, dirfd, ret;

	res->step = "mknod";
	ret = exec_parents(w, &p->obj, &src_dir, &dirfd, &name);
	if (!ret)
		ret = make_replacing(w, dirfd, name, make_node, &p->obj);
	return ret ? ret : meta_of_made(w, p, src_dir, dirfd, name, res);
}

struct hard_link {
	int dirfd;
	const char *name;
};

static int make_hard_link(int dirfd, const char *name, const void *arg)
{
	const struct hard_link *t = arg;

	return linkat(t->dirfd, t->name, dirfd, name, 0) ? -errno : 0;
}

/* Whether dirfd/name already is a link of t's inode. */
static bool already_linked(const struct hard_link *t, int dirfd, const char *name)
{
	struct stat a, b;

	return fstatat(t->dirfd, t->name, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

void exec_note_renewed(struct exec_shared *sh, const struct walk_record *r)
{
	pthread_mutex_lock(&sh->renewed_lock);
	/* Out of memory, a dry run's -i lists a link fewer: nothing is changed. */
	(void)pathset_add(&sh->renewed, r->path, r->path_len, 0);
	pthread_mutex_unlock(&sh->renewed_lock);
}

static bool target_renewed(struct exec_shared *sh, const struct walk_record *r)
{
	bool found;

	pthread_mutex_lock(&sh->renewed_lock);
	found = sh->renewed.count && pathset_contains(&sh->renewed, r->target, r->target_len, 0);
	pthread_mutex_unlock(&sh->renewed_lock);
	return found;
}

/*
 * A name that DST had when the plan was made may be a link of the target
 * already: iouplan -c links every member of a group whose first member is
 * verified, since only the verify finds out whether that one gets a new
 * inode. Then nothing is done, dry or not, and no ctime moves; a dry run
 * whose verify found new data says the link would be made.
 */
static int exec_link(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	struct hard_link target;
	const char *name;
	int dirfd, ret;

	if (w->shared->dry_run && plan_change_is_new(p->change))
		return 0;
	res->step = "find link target";
	ret = cursor_parent(&w->dst_find, p->obj.target, p->obj.target_len, &target.dirfd,
			    &target.name);
	if (ret)
		return ret;
	res->step = "link";
	ret = cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &dirfd, &name);
	if (ret)
		return ret;
	if (!plan_change_is_new(p->change) && already_linked(&target, dirfd, name) &&
	    !target_renewed(w->shared, &p->obj))
		res->outcome = OUTCOME_NONE;
	else if (!w->shared->dry_run)
		ret = make_replacing(w, dirfd, name, make_hard_link, &target);
	return ret;
}

/* The destination directory of p, opened without following a symlink. */
static int open_dst_dir(struct exec_worker *w, const struct plan_record *p)
{
	const char *name;
	int dirfd, ret;

	if (strcmp(p->obj.path, ".") == 0)
		dirfd = w->shared->dst_root_fd, name = ".";
	else if ((ret = cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &dirfd, &name)))
		return ret;
	return fdlimit_openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
}

/*
 * A dirmeta whose CHANGE is "........." restores a directory's mode and
 * times after something inside it changed. When nothing did (a verify found
 * equal data), the directory still has them: leave it, and its ctime, alone.
 */
static bool dir_needs_restoring(const struct exec_worker *w, int fd, const struct plan_record *p)
{
	const struct walk_record *r = &p->obj;
	struct stat st;

	if (strcmp(p->change, PLAN_CHANGE_NONE) != 0 || fstat(fd, &st))
		return true;
	if (w->shared->meta.set_owner && (st.st_uid != r->uid || st.st_gid != r->gid))
		return true;
	return (st.st_mode & 07777) != r->mode || st.st_mtim.tv_sec != r->mtime.sec ||
	       st.st_mtim.tv_nsec != (long)r->mtime.nsec;
}

static int exec_dirmeta(struct exec_worker *w, const struct plan_record *p, const char **step,
			bool *warn)
{
	int src, dst, ret;

	*step = "open source directory";
	src = exec_open_source(w, &p->obj, O_DIRECTORY);
	/*
	 * A directory this user may not read (mode 0311, 0000) was reported
	 * by the walk; as rsync does, it still gets the walk's owner, mode
	 * and times, only not the attributes nobody could read.
	 */
	if (src < 0 && src != -EACCES)
		return src;
	*step = "open directory";
	ret = dst = open_dst_dir(w, p);
	if (dst < 0)
		goto out;
	ret = 0;
	if (dir_needs_restoring(w, dst, p))
		ret = meta_apply_fd(&w->shared->meta, src, dst, &p->obj, NULL, warn, step);
	close(dst);
out:
	if (src >= 0)
		close(src);
	return ret;
}

/* The operations whose outcome is known before they run. */
static int exec_planned(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	switch (p->op) {
	case PLAN_MKDIR:
		return exec_mkdir(w, p, &res->step);
	case PLAN_COPY:
		return exec_copy(w, p, res);
	case PLAN_SYMLINK:
		return exec_symlink(w, p, res);
	case PLAN_MKNOD:
		return exec_mknod(w, p, res);
	case PLAN_DIRMETA:
		return exec_dirmeta(w, p, &res->step, &res->warn);
	case PLAN_META:
		return exec_meta(w, p, res);
	case PLAN_CHUNK:
		return chunk_write(w, p, res);
	case PLAN_SEAL:
		return chunk_seal(w, p, res);
	case PLAN_VERIFY:
	case PLAN_DELETE:
	case PLAN_LINK:
	case PLAN_OP_COUNT:
		break;
	}
	res->step = "unknown operation";
	return -EINVAL;
}

static int exec_record_once(struct exec_worker *w, const struct plan_record *p,
			    struct exec_result *res)
{
	res->step = "";
	res->warn = false;
	res->outcome = OUTCOME_DONE;
	follow_root(w);
	/* These look before they act, dry or not. */
	if (p->op == PLAN_VERIFY)
		return exec_verify(w, p, res);
	if (p->op == PLAN_DELETE)
		return exec_delete(w, p, res);
	if (p->op == PLAN_LINK)
		return exec_link(w, p, res);
	return w->shared->dry_run ? 0 : exec_planned(w, p, res);
}

/*
 * Whether p may be tried again in its DST directory, made writable for this
 * user who owns it (or found made so by another worker meanwhile): a user
 * may copy into, and delete from, a read-only directory of its own, as
 * rsync lets it. The mode is not put back at once: another worker may be
 * at work in the same directory. The plan's dirmeta for that directory,
 * which follows every change inside it, restores mode and times.
 */
static bool open_up_parent(struct exec_worker *w, const struct plan_record *p)
{
	const char *name;
	struct stat st;
	int dirfd;

	if (w->shared->dry_run || strcmp(p->obj.path, ".") == 0 ||
	    cursor_parent(&w->dst, p->obj.path, p->obj.path_len, &dirfd, &name) ||
	    fstat(dirfd, &st) || st.st_uid != geteuid())
		return false;
	return (st.st_mode & S_IWUSR) || fchmod(dirfd, (st.st_mode & 07777) | S_IWUSR) == 0;
}

int exec_record(struct exec_worker *w, const struct plan_record *p, struct exec_result *res)
{
	int ret = exec_record_once(w, p, res);

	if (ret == -EACCES && open_up_parent(w, p))
		ret = exec_record_once(w, p, res);
	return ret;
}
