/* SPDX-License-Identifier: MIT */
/*
 * ptcopy: the plain-threads baseline of bench/copy-*.
 *
 * Copies the directory SRC to a new DST with the metadata cp -a keeps as
 * root (owners, modes, nanosecond times, hard links, symlinks, fifos and
 * devices, xattrs and ACLs), using N threads and plain syscalls only: no
 * io_uring. It is the design iou is measured against, so it is meant to be
 * the best non-io_uring one, not a strawman:
 *
 *   - one task is one directory: a worker opens it, reads it with readdir
 *     on an openat'd fd and handles every entry relative to the source and
 *     destination directory fds (*at calls, no path walks from the root);
 *   - subdirectories become new tasks on a shared FIFO queue, so N workers
 *     spread over the tree;
 *   - readdir's d_type picks the path: a regular file is opened and
 *     fstat'ed (no separate fstatat), anything else is fstatat'ed with
 *     AT_SYMLINK_NOFOLLOW; data goes through copy_file_range, with a
 *     read/write fallback;
 *   - buffers live per worker, allocations are per directory, not per file;
 *   - hard links are kept through a (dev, ino) table under a mutex;
 *   - a directory gets its owner, mode, xattrs and times once everything
 *     below it is done (a count of unfinished children per directory),
 *     so creating its contents does not disturb its mtime and a default
 *     ACL is not inherited by copies that must not have it.
 *
 * Sparse files are copied dense. Errors are reported and skipped; the exit
 * status is then 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_CHUNK	(1 << 30) /* bytes per copy_file_range call */
#define RW_BUF_SIZE	(1 << 20) /* the read/write fallback's buffer */
#define XATTR_LIST_MAX_ (1 << 16)
#define XATTR_VALUE_MAX (1 << 16)

/* ------------------------------------------------------------ errors */

static atomic_bool failed;
static bool is_root;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ptcopy: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	atomic_store(&failed, true);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("ptcopy: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* ------------------------------------------------------------ directories
 *
 * A dir is one directory of the copy: its path relative to the roots ("."
 * for the root), its source stat, and how many things must finish before its
 * metadata can be set: itself (its own listing) and each subdirectory.
 */
struct dir {
	struct dir *parent;
	struct dir *next; /* in the queue */
	atomic_int pending;
	struct stat st;
	char rel[]; /* "." or "a/b/c" */
};

static int src_root = -1, dst_root = -1;
static const char *src_name, *dst_name;

static struct dir *dir_new(struct dir *parent, const char *name, const struct stat *st)
{
	size_t plen = parent ? strlen(parent->rel) : 0;
	size_t nlen = strlen(name);
	struct dir *d = xmalloc(sizeof(*d) + plen + 1 + nlen + 1);

	d->parent = parent;
	d->next = NULL;
	atomic_init(&d->pending, 1);
	d->st = *st;
	if (!parent || strcmp(parent->rel, ".") == 0) {
		memcpy(d->rel, name, nlen + 1);
	} else {
		memcpy(d->rel, parent->rel, plen);
		d->rel[plen] = '/';
		memcpy(d->rel + plen + 1, name, nlen + 1);
	}
	if (parent)
		atomic_fetch_add(&parent->pending, 1);
	return d;
}

/* ------------------------------------------------------------ work queue */

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct dir *queue_head, *queue_tail;
static long queue_busy; /* queued plus being worked on */

static void queue_push(struct dir *d)
{
	pthread_mutex_lock(&queue_lock);
	if (queue_tail)
		queue_tail->next = d;
	else
		queue_head = d;
	queue_tail = d;
	queue_busy++;
	pthread_cond_signal(&queue_cond);
	pthread_mutex_unlock(&queue_lock);
}

/* The next directory to list, or NULL when the whole tree is done. */
static struct dir *queue_pop(void)
{
	struct dir *d;

	pthread_mutex_lock(&queue_lock);
	while (!queue_head && queue_busy > 0)
		pthread_cond_wait(&queue_cond, &queue_lock);
	d = queue_head;
	if (d) {
		queue_head = d->next;
		if (!queue_head)
			queue_tail = NULL;
	}
	pthread_mutex_unlock(&queue_lock);
	return d;
}

static void queue_task_done(void)
{
	pthread_mutex_lock(&queue_lock);
	if (--queue_busy == 0)
		pthread_cond_broadcast(&queue_cond);
	pthread_mutex_unlock(&queue_lock);
}

/* ------------------------------------------------------------ hard links
 *
 * The first worker to meet an inode with several links claims it and makes
 * the copy; the others wait until it is there and link to it.
 */
struct link {
	struct link *next;
	dev_t dev;
	ino_t ino;
	bool ready;
	char rel[]; /* the first copy, relative to the destination root */
};

#define LINK_BUCKETS 4096
static struct link *links[LINK_BUCKETS];
static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t links_ready = PTHREAD_COND_INITIALIZER;

static size_t link_bucket(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev;
	return (size_t)(h >> 52) % LINK_BUCKETS;
}

/*
 * Claim the inode of st for the copy at rel. Returns NULL when this caller
 * is the first and must make the copy (then link_ready), or the relative
 * path of the finished first copy to link to.
 */
static const char *link_claim(const struct stat *st, const char *rel)
{
	size_t b = link_bucket(st->st_dev, st->st_ino);
	struct link *l;

	pthread_mutex_lock(&links_lock);
	for (l = links[b]; l; l = l->next)
		if (l->dev == st->st_dev && l->ino == st->st_ino)
			break;
	if (!l) {
		size_t n = strlen(rel) + 1;
		l = xmalloc(sizeof(*l) + n);
		l->dev = st->st_dev;
		l->ino = st->st_ino;
		l->ready = false;
		memcpy(l->rel, rel, n);
		l->next = links[b];
		links[b] = l;
		pthread_mutex_unlock(&links_lock);
		return NULL;
	}
	while (!l->ready)
		pthread_cond_wait(&links_ready, &links_lock);
	pthread_mutex_unlock(&links_lock);
	return l->rel; /* never changes or goes away once ready */
}

/* The first copy of st's inode is complete (or failed: links then fail). */
static void link_ready(const struct stat *st)
{
	size_t b = link_bucket(st->st_dev, st->st_ino);
	struct link *l;

	pthread_mutex_lock(&links_lock);
	for (l = links[b]; l; l = l->next)
		if (l->dev == st->st_dev && l->ino == st->st_ino)
			l->ready = true;
	pthread_cond_broadcast(&links_ready);
	pthread_mutex_unlock(&links_lock);
}

/* ------------------------------------------------------------ workers */

struct worker {
	pthread_t thread;
	char *rw_buf;
	char *names;	      /* xattr name list */
	char *value;	      /* one xattr value */
	char rel[PATH_MAX];   /* an entry relative to the roots */
	char spath[PATH_MAX]; /* a full source path, for l*xattr */
	char dpath[PATH_MAX];
};

/* w->rel = dir->rel "/" name (or name in the root); false when too long. */
static bool rel_path(struct worker *w, const struct dir *d, const char *name)
{
	int n = strcmp(d->rel, ".") == 0 ? snprintf(w->rel, sizeof(w->rel), "%s", name)
					 : snprintf(w->rel, sizeof(w->rel), "%s/%s", d->rel, name);
	if (n < 0 || (size_t)n >= sizeof(w->rel)) {
		report("%s/%s: path too long", d->rel, name);
		return false;
	}
	return true;
}

/* w->spath and w->dpath = the full paths of w->rel, for the l*xattr calls. */
static bool full_paths(struct worker *w)
{
	int a = snprintf(w->spath, sizeof(w->spath), "%s/%s", src_name, w->rel);
	int b = snprintf(w->dpath, sizeof(w->dpath), "%s/%s", dst_name, w->rel);
	if (a < 0 || b < 0 || (size_t)a >= sizeof(w->spath) || (size_t)b >= sizeof(w->dpath)) {
		report("%s: path too long", w->rel);
		return false;
	}
	return true;
}

/* Is errno one that a copy as non-root or onto a poorer file system may
 * meet while keeping metadata, and cp -a would let pass? */
static bool meta_error_ok(int err)
{
	return err == ENOTSUP || (!is_root && err == EPERM);
}

/*
 * Copy the xattrs (and so the ACLs) of one object: through its fds when
 * both are given (sfd, dfd >= 0), else through w->spath and w->dpath
 * without following symlinks.
 */
static void copy_xattrs(struct worker *w, int sfd, int dfd)
{
	bool by_fd = sfd >= 0 && dfd >= 0;
	ssize_t len = by_fd ? flistxattr(sfd, w->names, XATTR_LIST_MAX_)
			    : llistxattr(w->spath, w->names, XATTR_LIST_MAX_);

	if (len < 0) {
		if (!meta_error_ok(errno))
			report("%s: listxattr: %s", w->rel, strerror(errno));
		return;
	}
	for (char *name = w->names; name < w->names + len; name += strlen(name) + 1) {
		ssize_t vlen = by_fd ? fgetxattr(sfd, name, w->value, XATTR_VALUE_MAX)
				     : lgetxattr(w->spath, name, w->value, XATTR_VALUE_MAX);
		int ret;

		if (vlen < 0) {
			if (!meta_error_ok(errno) && errno != ENODATA)
				report("%s: getxattr %s: %s", w->rel, name, strerror(errno));
			continue;
		}
		ret = by_fd ? fsetxattr(dfd, name, w->value, (size_t)vlen, 0)
			    : lsetxattr(w->dpath, name, w->value, (size_t)vlen, 0);
		if (ret < 0 && !meta_error_ok(errno))
			report("%s: setxattr %s: %s", w->rel, name, strerror(errno));
	}
}

/*
 * Owner, xattrs, mode and times of an object open as sfd/dfd. created_mode
 * says dfd was created with the permission bits of st already (umask is 0):
 * then only set-user-ID, set-group-ID and sticky need a chmod, as chown
 * clears the first two and creation does not set them.
 */
static void set_meta_fd(struct worker *w, int sfd, int dfd, const struct stat *st,
			bool created_mode)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchown(dfd, st->st_uid, st->st_gid) < 0 && !meta_error_ok(errno))
		report("%s: chown: %s", w->rel, strerror(errno));
	copy_xattrs(w, sfd, dfd);
	if ((!created_mode || (st->st_mode & 07000)) && fchmod(dfd, st->st_mode & 07777) < 0)
		report("%s: chmod: %s", w->rel, strerror(errno));
	if (futimens(dfd, ts) < 0)
		report("%s: utimens: %s", w->rel, strerror(errno));
}

/* The same for a symlink, fifo or device named name in ddir (w->rel set). */
static void set_meta_at(struct worker *w, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !meta_error_ok(errno))
		report("%s: chown: %s", w->rel, strerror(errno));
	if (full_paths(w))
		copy_xattrs(w, -1, -1);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		report("%s: chmod: %s", w->rel, strerror(errno));
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		report("%s: utimens: %s", w->rel, strerror(errno));
}

/* Copy size bytes from sfd to dfd: copy_file_range, else read/write. */
static int copy_data(struct worker *w, int sfd, int dfd, off_t size)
{
	off_t done = 0;

	while (done < size) {
		size_t want = size - done > COPY_CHUNK ? COPY_CHUNK : (size_t)(size - done);
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, want, 0);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			return 0; /* the source shrank */
		if (errno == EINTR)
			continue;
		if (done == 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
			break;
		return -errno;
	}
	for (;;) {
		ssize_t n = read(sfd, w->rw_buf, RW_BUF_SIZE);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t m = write(dfd, w->rw_buf + off, (size_t)(n - off));
			if (m < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			off += m;
		}
	}
}

/*
 * The second and later names of an inode copied already: link to the first
 * copy. Returns false when this caller is the first and must copy it.
 */
static bool linked(struct worker *w, int ddir, const char *name, const struct stat *st)
{
	const char *first;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return false;
	first = link_claim(st, w->rel);
	if (!first)
		return false;
	if (linkat(dst_root, first, ddir, name, 0) < 0)
		report("%s: link to %s: %s", w->rel, first, strerror(errno));
	return true;
}

static void copy_file(struct worker *w, int ddir, const char *name, int sfd, const struct stat *st)
{
	int dfd, ret;

	if (linked(w, ddir, name, st))
		return;
	/* Created with its final permission bits: no chmod in most cases. */
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 0777);
	if (dfd < 0) {
		report("%s: create: %s", w->rel, strerror(errno));
	} else {
		if (st->st_size > 0 && (ret = copy_data(w, sfd, dfd, st->st_size)) < 0)
			report("%s: copy: %s", w->rel, strerror(-ret));
		set_meta_fd(w, sfd, dfd, st, true);
		if (close(dfd) < 0)
			report("%s: close: %s", w->rel, strerror(errno));
	}
	if (st->st_nlink > 1)
		link_ready(st);
}

static void copy_special(struct worker *w, int sdir, int ddir, const char *name,
			 const struct stat *st)
{
	int ret;

	if (linked(w, ddir, name, st))
		return;
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0) {
			report("%s: readlink: %s", w->rel, strerror(errno));
			ret = -1;
		} else {
			target[n] = '\0';
			ret = symlinkat(target, ddir, name);
			if (ret < 0)
				report("%s: symlink: %s", w->rel, strerror(errno));
		}
	} else {
		ret = mknodat(ddir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev);
		if (ret < 0)
			report("%s: mknod: %s", w->rel, strerror(errno));
	}
	if (ret == 0)
		set_meta_at(w, ddir, name, st);
	if (st->st_nlink > 1)
		link_ready(st);
}

/* A directory's own metadata, once everything below it is copied. */
static void finish_dir(struct worker *w, struct dir *d)
{
	while (d && atomic_fetch_sub(&d->pending, 1) == 1) {
		struct dir *parent = d->parent;
		int sfd = openat(src_root, d->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int dfd = openat(dst_root, d->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		snprintf(w->rel, sizeof(w->rel), "%s", d->rel);
		if (sfd < 0 || dfd < 0)
			report("%s: open directory: %s", d->rel, strerror(errno));
		else
			set_meta_fd(w, sfd, dfd, &d->st, false);
		if (sfd >= 0)
			close(sfd);
		if (dfd >= 0)
			close(dfd);
		free(d);
		d = parent;
	}
}

/* One entry of the directory d, open as sdir/ddir. */
static void copy_entry(struct worker *w, struct dir *d, int sdir, int ddir, const struct dirent *e)
{
	struct stat st;
	int sfd = -1;

	if (!rel_path(w, d, e->d_name))
		return;
	if (e->d_type == DT_REG) {
		/* Open first and fstat: one path lookup instead of two. */
		sfd = openat(sdir, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (sfd < 0 || fstat(sfd, &st) < 0) {
			report("%s: open: %s", w->rel, strerror(errno));
			if (sfd >= 0)
				close(sfd);
			return;
		}
	} else if (fstatat(sdir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		report("%s: stat: %s", w->rel, strerror(errno));
		return;
	}

	if (S_ISREG(st.st_mode)) {
		if (sfd < 0)
			sfd = openat(sdir, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (sfd < 0)
			report("%s: open: %s", w->rel, strerror(errno));
		else
			copy_file(w, ddir, e->d_name, sfd, &st);
	} else if (S_ISDIR(st.st_mode)) {
		if (mkdirat(ddir, e->d_name, 0700) < 0)
			report("%s: mkdir: %s", w->rel, strerror(errno));
		else
			queue_push(dir_new(d, e->d_name, &st));
	} else {
		copy_special(w, sdir, ddir, e->d_name, &st);
	}
	if (sfd >= 0)
		close(sfd);
}

/* List the directory d and copy what is in it; subdirectories are queued. */
static void copy_dir(struct worker *w, struct dir *d)
{
	int sdir = openat(src_root, d->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int ddir = openat(dst_root, d->rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dh = NULL;
	struct dirent *e;

	if (sdir < 0 || ddir < 0) {
		report("%s: open directory: %s", d->rel, strerror(errno));
		goto out;
	}
	/* readdir moves the fd's offset only; the *at calls keep using sdir. */
	dh = fdopendir(sdir);
	if (!dh) {
		report("%s: opendir: %s", d->rel, strerror(errno));
		goto out;
	}
	errno = 0;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.' &&
		    (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
			continue;
		copy_entry(w, d, sdir, ddir, e);
		errno = 0;
	}
	if (errno)
		report("%s: readdir: %s", d->rel, strerror(errno));
out:
	if (dh)
		closedir(dh); /* closes sdir */
	else if (sdir >= 0)
		close(sdir);
	if (ddir >= 0)
		close(ddir);
	finish_dir(w, d);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dir *d;

	while ((d = queue_pop())) {
		copy_dir(w, d);
		queue_task_done();
	}
	return NULL;
}

/* ------------------------------------------------------------ main */

static int usage(FILE *out, int status)
{
	fputs("usage: ptcopy [-j N] SRC DST\n"
	      "Copy the directory SRC to DST, which must not exist, keeping owners,\n"
	      "modes, times, hard links, symlinks, special files, xattrs and ACLs,\n"
	      "with N threads (default: online CPUs) on plain syscalls.\n",
	      out);
	return status;
}

int main(int argc, char **argv)
{
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	struct worker *workers;
	struct stat st;
	int opt;

	while ((opt = getopt(argc, argv, "j:h")) != -1) {
		char *end;
		switch (opt) {
		case 'j':
			jobs = strtol(optarg, &end, 10);
			if (*end || jobs < 1 || jobs > 1024)
				return usage(stderr, 2);
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (argc - optind != 2)
		return usage(stderr, 2);
	if (jobs < 1)
		jobs = 1;
	src_name = argv[optind];
	dst_name = argv[optind + 1];
	is_root = geteuid() == 0;
	umask(0); /* modes are set exactly, after the fact */

	src_root = open(src_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src_root < 0 || fstat(src_root, &st) < 0) {
		fprintf(stderr, "ptcopy: %s: %s\n", src_name, strerror(errno));
		return 1;
	}
	if (mkdir(dst_name, 0700) < 0) {
		fprintf(stderr, "ptcopy: %s: %s\n", dst_name, strerror(errno));
		return 1;
	}
	dst_root = open(dst_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst_root < 0) {
		fprintf(stderr, "ptcopy: %s: %s\n", dst_name, strerror(errno));
		return 1;
	}

	queue_push(dir_new(NULL, ".", &st));
	workers = xmalloc(sizeof(*workers) * (size_t)jobs);
	for (long i = 0; i < jobs; i++) {
		struct worker *w = &workers[i];
		int err;
		w->rw_buf = xmalloc(RW_BUF_SIZE);
		w->names = xmalloc(XATTR_LIST_MAX_);
		w->value = xmalloc(XATTR_VALUE_MAX);
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			fprintf(stderr, "ptcopy: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (long i = 0; i < jobs; i++)
		pthread_join(workers[i].thread, NULL);
	return atomic_load(&failed) ? 1 : 0;
}
