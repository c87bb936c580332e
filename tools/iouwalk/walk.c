/* SPDX-License-Identifier: MIT */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iou/array.h"
#include "iou/xattrs.h"
#include "iou/cursor.h"
#include "iou/pathset.h"
#include "iou/stream.h"
#include "iou/uring.h"
#include "scan.h"

/* Flush a thread's records once this much is buffered, to keep memory flat. */
#define WALK_FLUSH_BYTES (256u << 10)
#define WALK_DENTS_BYTES (64u << 10)

/* An open directory that children may still be opened from. */
struct walk_dir {
	int fd;
	atomic_uint refs;
};

/* A directory to read: `open_name` relative to parent (or the cwd). */
struct walk_task {
	struct walk_dir *parent; /* NULL: relative to the working directory */
	uint64_t dev;		 /* the directory's own device */
	const char *open_name;	 /* points into path, or at the root's name */
	size_t path_len;
	char path[]; /* root-relative, NUL-terminated */
};

struct task_stack {
	struct walk_task **items;
	size_t len;
	size_t cap;
};

struct walk_ctx {
	const struct walk_options *opt;
	struct emit_out *out;
	const char *root;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct task_stack shared; /* only tasks whose records are already written */
	unsigned busy;		  /* workers that hold tasks */
	atomic_uint idle;	  /* workers waiting for tasks */
	atomic_int skipped;
	atomic_int fatal; /* first negative errno that stops the walk */
	/*
	 * --from0: the listed paths, each emitted once as listed. Read-only
	 * once the workers run, which skip them where they meet them inside
	 * a listed directory.
	 */
	struct inoset listed;
};

struct walk_worker {
	struct walk_ctx *ctx;
	struct io_uring ring;
	bool has_ring;
	struct emit_buf out;
	struct task_stack local;
	char *dents;
	struct scan_entry *entries;
	size_t entries_cap;
	struct buf path;
	struct buf link;
};

static int stack_push(struct task_stack *s, struct walk_task *t)
{
	struct walk_task **items = array_grow(s->items, &s->cap, s->len, sizeof(*items), 64);

	if (!items)
		return -ENOMEM;
	s->items = items;
	s->items[s->len++] = t;
	return 0;
}

static struct walk_task *stack_pop(struct task_stack *s)
{
	return s->len ? s->items[--s->len] : NULL;
}

static struct walk_dir *dir_new(int fd)
{
	struct walk_dir *d = malloc(sizeof(*d));

	if (d) {
		d->fd = fd;
		atomic_init(&d->refs, 1);
	}
	return d;
}

static void dir_put(struct walk_dir *d)
{
	if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
		close(d->fd);
		free(d);
	}
}

static struct walk_task *task_new(struct walk_dir *parent, uint64_t dev, const char *path,
				  size_t path_len, size_t name_offset)
{
	struct walk_task *t = malloc(sizeof(*t) + path_len + 1);

	if (!t)
		return NULL;
	t->parent = parent;
	t->dev = dev;
	t->path_len = path_len;
	memcpy(t->path, path, path_len);
	t->path[path_len] = '\0';
	t->open_name = t->path + name_offset;
	if (parent)
		atomic_fetch_add(&parent->refs, 1);
	return t;
}

static void task_free(struct walk_task *t)
{
	dir_put(t->parent);
	free(t);
}

static void walk_report_why(struct walk_ctx *ctx, const char *path, int err, const char *why)
{
	atomic_store(&ctx->skipped, 1);
	if (ctx->opt->on_error)
		ctx->opt->on_error(ctx->opt->error_arg, ctx->root, path, err, why);
}

static void walk_report(struct walk_ctx *ctx, const char *path, int err)
{
	walk_report_why(ctx, path, err, NULL);
}

static void walk_fail(struct walk_ctx *ctx, int err)
{
	int expected = 0;

	atomic_compare_exchange_strong(&ctx->fatal, &expected, err);
}

/* Build "parent/name" (or "name" below the root) in w->path. */
static int child_path(struct walk_worker *w, const struct walk_task *t, const char *name)
{
	buf_clear(&w->path);
	if (!(t->path_len == 1 && t->path[0] == '.')) {
		if (buf_append(&w->path, t->path, t->path_len) || buf_putc(&w->path, '/'))
			return -ENOMEM;
	}
	if (buf_append(&w->path, name, strlen(name)) || buf_putc(&w->path, '\0'))
		return -ENOMEM;
	w->path.len--;
	return 0;
}

static bool is_pruned(const struct walk_options *opt, const struct statx *stx)
{
	uint64_t dev = scan_dev(stx);

	for (size_t i = 0; i < opt->nprune; i++)
		if (opt->prune[i].dev == dev && opt->prune[i].ino == stx->stx_ino)
			return true;
	return false;
}

/* Emit one statted entry and, for a directory to enter, queue it locally. */
static int walk_entry(struct walk_worker *w, const struct walk_task *t, struct walk_dir *dir,
		      const struct scan_entry *e)
{
	struct walk_ctx *ctx = w->ctx;
	struct walk_record r;
	struct walk_task *child;
	int ret;

	ret = child_path(w, t, e->name);
	if (ret)
		return ret;
	/* Emitted as listed already; a listed directory is walked on its own. */
	if (ctx->listed.count && pathset_contains(&ctx->listed, w->path.data, w->path.len, 0))
		return 0;
	if (e->err) {
		walk_report(ctx, w->path.data, e->err);
		return 0;
	}
	/* Left out whole, unseen: e.g. a destination inside the tree being copied. */
	if (S_ISDIR(e->stx.stx_mode) && is_pruned(ctx->opt, &e->stx))
		return 0;
	scan_fill_record(&r, &e->stx, t->dev);
	if (ctx->opt->xattrs && (ret = xattrs_digest_at(dir->fd, e->name, &r)))
		walk_report(ctx, w->path.data, ret);
	if (r.type == 'l') {
		ret = scan_readlink(dir->fd, e->name, e->stx.stx_size, &w->link);
		if (ret == -ENOMEM)
			return ret;
		if (ret) {
			walk_report(ctx, w->path.data, ret);
			return 0;
		}
		r.target = w->link.data;
		r.target_len = w->link.len;
	}
	r.path = w->path.data;
	r.path_len = w->path.len;
	ret = emit_record(&w->out, ctx->out, &r, ctx->root);
	if (ret || r.type != 'd' || !ctx->opt->recurse)
		return ret;
	if (ctx->opt->one_file_system && (r.flags & RECORD_MOUNT))
		return 0;
	child = task_new(dir, scan_dev(&e->stx), w->path.data, w->path.len,
			 w->path.len - strlen(e->name));
	if (!child)
		return -ENOMEM;
	ret = stack_push(&w->local, child);
	if (ret)
		task_free(child);
	return ret;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* Collect the names of one getdents64 chunk into w->entries. */
static int collect_names(struct walk_worker *w, long nread, size_t *count)
{
	struct scan_entry *e;
	size_t n = 0;

	for (long off = 0; off < nread;) {
		struct dirent64 *d = (struct dirent64 *)(w->dents + off);

		off += d->d_reclen;
		if (is_dot_or_dotdot(d->d_name))
			continue;
		e = array_grow(w->entries, &w->entries_cap, n, sizeof(*e), 256);
		if (!e)
			return -ENOMEM;
		w->entries = e;
		w->entries[n++].name = d->d_name;
	}
	*count = n;
	return 0;
}

/* Stat a batch; a ring that stops working gives way to plain syscalls. */
static int stat_batch(struct walk_worker *w, int dirfd, size_t n)
{
	if (w->has_ring && scan_statx_batch(&w->ring, dirfd, w->entries, n) == 0)
		return 0;
	if (w->has_ring) {
		io_uring_queue_exit(&w->ring);
		w->has_ring = false;
	}
	return scan_statx_batch(NULL, dirfd, w->entries, n);
}

static int read_dir(struct walk_worker *w, const struct walk_task *t, struct walk_dir *dir)
{
	size_t n;
	long nread;
	int ret;

	for (;;) {
		nread = getdents64(dir->fd, w->dents, WALK_DENTS_BYTES);
		if (nread < 0) {
			walk_report(w->ctx, t->path, -errno);
			return 0;
		}
		if (nread == 0)
			return 0;
		ret = collect_names(w, nread, &n);
		if (!ret)
			ret = stat_batch(w, dir->fd, n);
		for (size_t i = 0; !ret && i < n; i++)
			ret = walk_entry(w, t, dir, &w->entries[i]);
		/*
		 * A big directory goes out in parts, so that what reads the stream
		 * can start on it. Safe for the order: the subdirectories found so
		 * far stay on this worker's stack until their records are out.
		 */
		if (!ret && w->out.data.len >= WALK_FLUSH_BYTES)
			ret = emit_flush(w->ctx->out, &w->out);
		if (ret)
			return ret;
	}
}

static int walk_dir_task(struct walk_worker *w, struct walk_task *t)
{
	int parent_fd = t->parent ? t->parent->fd : AT_FDCWD;
	struct walk_dir *dir;
	int fd, ret;

	fd =
	    cursor_openat(parent_fd, t->open_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		walk_report(w->ctx, t->path, fd);
		return 0;
	}
	dir = dir_new(fd);
	if (!dir) {
		close(fd);
		return -ENOMEM;
	}
	ret = read_dir(w, t, dir);
	dir_put(dir);
	return ret;
}

/* Hand half of the local tasks, the oldest and so the largest, to idle peers. */
static int share_tasks(struct walk_worker *w)
{
	struct walk_ctx *ctx = w->ctx;
	size_t give = w->local.len / 2, given = 0;
	int ret;

	ret = emit_flush(ctx->out, &w->out);
	if (ret)
		return ret;
	pthread_mutex_lock(&ctx->lock);
	while (given < give && stack_push(&ctx->shared, w->local.items[given]) == 0)
		given++;
	pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
	memmove(w->local.items, w->local.items + given, (w->local.len - given) * sizeof(void *));
	w->local.len -= given;
	return given == give ? 0 : -ENOMEM;
}

/* Walk a task and everything below it that no peer asks for. */
static int walk_subtree(struct walk_worker *w, struct walk_task *t)
{
	int ret = 0;

	while (t && !ret && !atomic_load(&w->ctx->fatal)) {
		ret = walk_dir_task(w, t);
		task_free(t);
		if (ret)
			break;
		if (atomic_load(&w->ctx->idle) > 0 && w->local.len > 1)
			ret = share_tasks(w);
		else if (w->out.data.len >= WALK_FLUSH_BYTES)
			ret = emit_flush(w->ctx->out, &w->out);
		t = stack_pop(&w->local);
	}
	while ((t = stack_pop(&w->local)))
		task_free(t);
	if (!ret)
		ret = emit_flush(w->ctx->out, &w->out);
	return ret;
}

static struct walk_task *take_shared(struct walk_ctx *ctx)
{
	struct walk_task *t;

	pthread_mutex_lock(&ctx->lock);
	while (!ctx->shared.len && ctx->busy > 0 && !atomic_load(&ctx->fatal)) {
		atomic_fetch_add(&ctx->idle, 1);
		pthread_cond_wait(&ctx->cond, &ctx->lock);
		atomic_fetch_sub(&ctx->idle, 1);
	}
	t = atomic_load(&ctx->fatal) ? NULL : stack_pop(&ctx->shared);
	if (t)
		ctx->busy++;
	else
		pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
	return t;
}

static void release_busy(struct walk_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	if (--ctx->busy == 0)
		pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

static void *walk_worker_main(void *arg)
{
	struct walk_worker *w = arg;
	const struct walk_options *opt = w->ctx->opt;
	struct walk_task *t;
	int ret;

	/*
	 * The ring is single-issuer, so the thread that uses it creates it.
	 * Without one (disabled, filtered, too old) the same code runs on syscalls.
	 */
	if (opt->use_uring)
		w->has_ring = uring_init(&w->ring, opt->ring_entries, opt->ring_workers) == 0;
	while ((t = take_shared(w->ctx))) {
		ret = walk_subtree(w, t);
		if (ret)
			walk_fail(w->ctx, ret);
		release_busy(w->ctx);
	}
	return NULL;
}

static int worker_init(struct walk_worker *w, struct walk_ctx *ctx)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->dents = malloc(WALK_DENTS_BYTES);
	return w->dents ? 0 : -ENOMEM;
}

static void worker_free(struct walk_worker *w)
{
	if (w->has_ring)
		io_uring_queue_exit(&w->ring);
	free(w->dents);
	free(w->entries);
	free(w->local.items);
	buf_free(&w->path);
	buf_free(&w->link);
	emit_buf_free(&w->out);
}

/* Run worker threads until every queued directory is walked. */
static int walk_run(struct walk_ctx *ctx)
{
	unsigned n = ctx->opt->jobs ? ctx->opt->jobs : 1, started = 0;
	struct walk_worker *workers = calloc(n, sizeof(*workers));
	pthread_t *threads = calloc(n, sizeof(*threads));
	int ret = -ENOMEM;

	if (!workers || !threads)
		goto out;
	for (; started < n; started++) {
		ret = worker_init(&workers[started], ctx);
		if (!ret)
			ret = -pthread_create(&threads[started], NULL, walk_worker_main,
					      &workers[started]);
		if (ret) {
			worker_free(&workers[started]);
			walk_fail(ctx, ret);
			break;
		}
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(threads[i], NULL);
		worker_free(&workers[i]);
	}
	ret = atomic_load(&ctx->fatal);
out:
	free(workers);
	free(threads);
	return ret;
}

static int ctx_init(struct walk_ctx *ctx, const struct walk_options *opt, struct emit_out *out,
		    const char *root)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opt = opt;
	ctx->out = out;
	ctx->root = root;
	atomic_init(&ctx->idle, 0);
	atomic_init(&ctx->skipped, 0);
	atomic_init(&ctx->fatal, 0);
	if (pthread_mutex_init(&ctx->lock, NULL))
		return -ENOMEM;
	if (pthread_cond_init(&ctx->cond, NULL)) {
		pthread_mutex_destroy(&ctx->lock);
		return -ENOMEM;
	}
	return 0;
}

static int ctx_finish(struct walk_ctx *ctx, int ret)
{
	struct walk_task *t;

	while ((t = stack_pop(&ctx->shared)))
		task_free(t);
	free(ctx->shared.items);
	inoset_free(&ctx->listed);
	pthread_cond_destroy(&ctx->cond);
	pthread_mutex_destroy(&ctx->lock);
	if (ret < 0)
		return ret;
	return atomic_load(&ctx->skipped) ? 1 : 0;
}

/*
 * Stat one starting point (a root, or a listed path below one), emit it into
 * eb and, if it is a directory to enter, queue it for the workers.
 */
static int walk_start(struct walk_ctx *ctx, struct emit_buf *eb, struct walk_dir *base, int dirfd,
		      const char *name, const char *path, struct buf *link)
{
	struct walk_record r;
	struct walk_task *t;
	struct statx stx;
	int ret;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, SCAN_STATX_MASK, &stx)) {
		walk_report(ctx, path, -errno);
		return 0;
	}
	scan_fill_record(&r, &stx, 0);
	if (ctx->opt->xattrs && (ret = xattrs_digest_at(dirfd, name, &r)))
		walk_report(ctx, path, ret);
	if (r.type == 'l') {
		ret = scan_readlink(dirfd, name, stx.stx_size, link);
		if (ret) {
			walk_report(ctx, path, ret);
			return ret == -ENOMEM ? ret : 0;
		}
		r.target = link->data;
		r.target_len = link->len;
	}
	r.path = path;
	r.path_len = strlen(path);
	ret = emit_record(eb, ctx->out, &r, ctx->root);
	if (ret || r.type != 'd' || !ctx->opt->recurse)
		return ret;
	/* A root's own name is opened as given; a listed path relative to the base. */
	t = task_new(base, scan_dev(&stx), path, r.path_len, 0);
	if (!t)
		return -ENOMEM;
	if (!base)
		t->open_name = name;
	ret = stack_push(&ctx->shared, t);
	if (ret)
		task_free(t);
	return ret;
}

int walk_root(const struct walk_options *opt, struct emit_out *out, const char *root)
{
	struct emit_buf eb = {0};
	struct buf link = BUF_INIT;
	struct walk_ctx ctx;
	int ret;

	ret = ctx_init(&ctx, opt, out, root);
	if (ret)
		return ret;
	ret = emit_header(&eb, out, root);
	if (!ret)
		ret = walk_start(&ctx, &eb, NULL, AT_FDCWD, root, ".", &link);
	if (!ret)
		ret = emit_flush(out, &eb);
	if (!ret && ctx.shared.len)
		ret = walk_run(&ctx);
	emit_buf_free(&eb);
	buf_free(&link);
	return ctx_finish(&ctx, ret);
}

/* Whether a path has a ".." component anywhere. */
static bool has_dotdot(const char *path, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (path[i] == '.' && path[i + 1] == '.' && (i == 0 || path[i - 1] == '/') &&
		    (i + 2 == len || path[i + 2] == '/'))
			return true;
	return false;
}

long walk_relative_path(char *path, size_t len, const char *root)
{
	size_t root_len = strlen(root), in = 0, out = 0;

	if (len == 0 || has_dotdot(path, len))
		return -EINVAL;

	if (len > 0 && path[0] == '/') {
		while (root_len > 1 && root[root_len - 1] == '/')
			root_len--;
		if (root[0] != '/')
			return -EINVAL;
		if (root_len > 1) {
			if (len < root_len || memcmp(path, root, root_len) ||
			    (len > root_len && path[root_len] != '/'))
				return -EINVAL;
			in = root_len;
		}
	}
	while (in < len) {
		size_t n;
		const char *slash;

		while (in < len && path[in] == '/')
			in++;
		slash = memchr(path + in, '/', len - in);
		n = slash ? (size_t)(slash - (path + in)) : len - in;
		if (n > 0 && !(n == 1 && path[in] == '.')) {
			if (out > 0)
				path[out++] = '/';
			memmove(path + out, path + in, n);
			out += n;
		}
		in += n;
	}
	if (out == 0)
		path[out++] = '.';
	path[out] = '\0';
	return (long)out;
}

/* Emit each listed path; directories go to the shared queue for the workers. */
static int walk_listed(struct walk_ctx *ctx, struct emit_buf *eb, struct walk_dir *base, int fd)
{
	struct stream_reader reader;
	struct buf link = BUF_INIT;
	struct cursor cur;
	const char *name;
	char *rec;
	size_t len;
	long rel;
	int ret, dirfd;

	ret = stream_reader_init(&reader, fd);
	if (ret)
		return ret;
	/* Listed paths may be longer than PATH_MAX: resolve them step by step. */
	cursor_init(&cur, base->fd, false);
	while ((ret = stream_read_record(&reader, &rec, &len)) == 1) {
		rel = walk_relative_path(rec, len, ctx->root);
		if (rel < 0) {
			walk_report_why(ctx, rec, -EINVAL, "not below the root, or has a \"..\"");
			continue;
		}
		/* A path listed twice, or inside a listed directory, goes out once. */
		ret = pathset_add(&ctx->listed, rec, (size_t)rel, 0);
		if (ret <= 0) {
			if (ret < 0)
				break;
			continue;
		}
		ret = cursor_parent(&cur, rec, (size_t)rel, &dirfd, &name);
		if (ret) {
			walk_report(ctx, rec, ret);
			continue;
		}
		ret = walk_start(ctx, eb, base, dirfd, name, rec, &link);
		if (!ret && eb->data.len >= WALK_FLUSH_BYTES)
			ret = emit_flush(ctx->out, eb);
		if (ret)
			break;
	}
	cursor_free(&cur);
	stream_reader_free(&reader);
	buf_free(&link);
	return ret;
}

int walk_paths_from(const struct walk_options *opt, struct emit_out *out, const char *root, int fd)
{
	struct emit_buf eb = {0};
	struct walk_dir *base = NULL;
	struct walk_ctx ctx;
	bool truncated = false;
	int ret, dfd;

	ret = ctx_init(&ctx, opt, out, root);
	if (ret)
		return ret;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		walk_report(&ctx, ".", -errno);
		goto out;
	}
	base = dir_new(dfd);
	ret = base ? emit_header(&eb, out, root) : -ENOMEM;
	if (!ret)
		ret = walk_listed(&ctx, &eb, base, fd);
	/* An unterminated last path is refused, but what came before it stands. */
	truncated = ret == -EBADMSG;
	if (truncated)
		ret = 0;
	if (!ret)
		ret = emit_flush(out, &eb);
	if (!ret && ctx.shared.len)
		ret = walk_run(&ctx);
out:
	dir_put(base);
	emit_buf_free(&eb);
	ret = ctx_finish(&ctx, ret);
	return ret >= 0 && truncated ? -EBADMSG : ret;
}
