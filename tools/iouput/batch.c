/* SPDX-License-Identifier: MIT */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "copy.h"
#include "iou/uring.h"

#define BATCH_BUF_ALIGN 4096

int batch_ring_init(struct batch_ring *b, unsigned max_workers, size_t buf_size)
{
	struct iovec iov[BATCH_FILES];
	int ret;

	memset(b, 0, sizeof(*b));
	ret = uring_init(&b->ring, 2 * BATCH_FILES, max_workers);
	if (ret)
		return ret;
	b->buf_size = buf_size;
	b->bufs = aligned_alloc(BATCH_BUF_ALIGN, (size_t)BATCH_FILES * buf_size);
	if (!b->bufs) {
		io_uring_queue_exit(&b->ring);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < BATCH_FILES; i++) {
		iov[i].iov_base = b->bufs + (size_t)i * buf_size;
		iov[i].iov_len = buf_size;
	}
	/* Registering pins memory (RLIMIT_MEMLOCK); unregistered buffers work too. */
	b->fixed = io_uring_register_buffers(&b->ring, iov, BATCH_FILES) == 0;
	return 0;
}

void batch_ring_free(struct batch_ring *b)
{
	io_uring_queue_exit(&b->ring);
	free(b->bufs);
	b->bufs = NULL;
}

bool batch_fits(const struct batch_ring *b, const struct exec_shared *shared,
		const struct plan_record *p)
{
	const struct walk_record *r = &p->obj;

	/*
	 * Fewer blocks than bytes: holes to keep, which only copy_file_data()
	 * does. An empty file has nothing to share, so it need not wait for the
	 * first copy to tell whether the destination shares extents.
	 */
	return p->op == PLAN_COPY && !shared->dry_run && r->size <= b->buf_size &&
	       r->blocks * 512 >= r->size &&
	       (r->size == 0 || atomic_load(&shared->reflink) == REFLINK_NONE);
}

static bool item_live(const struct batch_item *it)
{
	return it->ret == 0 && !it->slow;
}

static struct io_uring_sqe *batch_sqe(struct batch_ring *b, unsigned long long id)
{
	/* The ring holds two entries per file: a phase never runs out. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

	io_uring_sqe_set_data64(sqe, id);
	return sqe;
}

static void item_fail(struct batch_item *it, int err, const char *step)
{
	it->ret = err;
	it->step = step;
}

static void item_close_now(struct batch_item *it)
{
	if (it->src >= 0)
		close(it->src);
	if (it->dst >= 0)
		close(it->dst);
	it->src = it->dst = -1;
}

static bool fd_shortage(int res)
{
	return res == -EMFILE || res == -ENFILE;
}

/*
 * A file the destination did not have is created under its final name:
 * half the kernel's work of an unnamed file linked in later (no orphan list,
 * no second directory lookup). A kill leaves it with the time of the kill,
 * not the source's mtime, which is set last, so no rerun's quick check
 * trusts it; any failure seen here removes it, and a termination signal lets
 * the batch finish first (pool_hold_batches()). Replacements still go
 * through an unnamed file and a rename, so the old file stays whole until
 * the new one is.
 */
static void batch_queue_create(struct batch_ring *b, struct batch_item *it, unsigned i, int ddir)
{
	struct io_uring_sqe *sqe = batch_sqe(b, 2 * i + 1);
	uint32_t mode = meta_create_mode(&it->p->obj);

	it->direct = plan_change_is_new(it->p->change);
	if (it->direct)
		io_uring_prep_openat(sqe, ddir, it->name,
				     O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	else
		io_uring_prep_openat(sqe, ddir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
}

/* Open every source, and a file to write for each (see batch_queue_create). */
static int batch_open(struct batch_ring *b, int sdir, int ddir, struct batch_item *it, unsigned n)
{
	int ret, err;

	for (unsigned i = 0; i < n; i++) {
		io_uring_prep_openat(batch_sqe(b, 2 * i), sdir, it[i].name,
				     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0);
		batch_queue_create(b, &it[i], i, ddir);
	}
	ret = uring_submit_collect(&b->ring, 2 * n, b->res);
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++) {
		it[i].src = b->res[2 * i];
		it[i].dst = b->res[2 * i + 1];
		err = it[i].dst;
		it[i].created = it[i].direct && err >= 0;
		if (fd_shortage(it[i].src) || fd_shortage(err))
			it[i].slow = true; /* once this batch is closed, alone and patient */
		else if (it[i].direct && err == -EEXIST)
			it[i].slow = true; /* something is there: replace it by a rename */
		else if (it[i].src < 0)
			item_fail(&it[i], it[i].src, "open source");
		else if (err == -EOPNOTSUPP || err == -EISDIR || err == -EINVAL)
			it[i].slow = true; /* no O_TMPFILE here: a hidden name will do */
		else if (err == -EACCES)
			it[i].slow = true; /* a read-only directory: exec may open it up */
		else if (err < 0)
			item_fail(&it[i], err, "create");
		if (!item_live(&it[i]))
			item_close_now(&it[i]);
	}
	return 0;
}

static void batch_queue_data(struct batch_ring *b, struct batch_item *it, unsigned i, char *buf)
{
	unsigned size = (unsigned)it->p->obj.size;
	struct io_uring_sqe *sqe = batch_sqe(b, 2 * i);

	if (b->fixed)
		io_uring_prep_read_fixed(sqe, it->src, buf, size, 0, (int)i);
	else
		io_uring_prep_read(sqe, it->src, buf, size, 0);
	/* A short read cancels the write: no partial copy is ever published. */
	sqe->flags |= IOSQE_IO_LINK;
	sqe = batch_sqe(b, 2 * i + 1);
	if (b->fixed)
		io_uring_prep_write_fixed(sqe, it->dst, buf, size, 0, (int)i);
	else
		io_uring_prep_write(sqe, it->dst, buf, size, 0);
	/* Not linked on: each file's read and write are a chain of their own. */
}

/*
 * Did the source stay as the walk saw it, now that its data is read? Still a
 * regular file, too: the ring opens a FIFO put in its place without waiting
 * for a writer, and it must not become an empty file in the copy.
 */
static void batch_check_source(struct batch_item *it)
{
	struct exec_result res;
	int ret = exec_check_source(it->src, &it->p->obj, &res);

	if (ret)
		item_fail(it, ret, res.step);
}

/* Read each file whole into its buffer and write it out, all in one go. */
static int batch_data(struct batch_ring *b, struct batch_item *it, unsigned n)
{
	unsigned queued = 0;
	int ret;

	for (unsigned i = 0; i < n; i++) {
		if (!item_live(&it[i]))
			continue;
		if (it[i].p->obj.size) {
			batch_queue_data(b, &it[i], i, b->bufs + (size_t)i * b->buf_size);
			queued += 2;
		}
	}
	ret = uring_submit_collect(&b->ring, queued, b->res);
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++) {
		size_t size = it[i].p->obj.size;
		int got = b->res[2 * i], put = b->res[2 * i + 1];

		if (!item_live(&it[i]))
			continue;
		if (!size)
			got = put = 0;
		/* A short read cancelled the write (put is -ECANCELED): the source shrank. */
		if (got >= 0 && (size_t)got != size)
			item_fail(&it[i], -ESTALE, EXEC_STEP_CHANGED);
		else if (got < 0 || put < 0)
			item_fail(&it[i], got < 0 ? got : put, "copy data");
		else if ((size_t)put < size)
			it[i].ret = copy_write_rest(it[i].dst, b->bufs + (size_t)i * b->buf_size,
						    (size_t)put, size, 0);
		if (it[i].ret)
			it[i].step = it[i].step[0] ? it[i].step : "copy data";
		else
			batch_check_source(&it[i]);
	}
	return 0;
}

/*
 * The owner the files of this batch were created with. One thread's
 * credentials made them all in one directory, so one fstat stands for the
 * batch and spares a chown per file whose source has that owner. Only root
 * chowns at all, so only then is the fstat worth making.
 */
static void batch_learn_owner(const struct exec_worker *w, const struct batch_item *it, unsigned n,
			      struct meta_created *created)
{
	struct stat st;

	created->owner_known = false;
	if (!w->shared->meta.set_owner)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!item_live(&it[i]))
			continue;
		if (fstat(it[i].dst, &st) == 0) {
			created->owner_known = true;
			created->uid = st.st_uid;
			created->gid = st.st_gid;
		}
		return;
	}
}

static void batch_meta(struct exec_worker *w, struct batch_item *it, unsigned n, int ddir)
{
	struct meta_created created;
	bool inherited = meta_inherits_acl(ddir);

	batch_learn_owner(w, it, n, &created);
	for (unsigned i = 0; i < n; i++) {
		if (!item_live(&it[i]))
			continue;
		created.mode = meta_create_mode(&it[i].p->obj);
		it[i].ret = meta_apply_fd(&w->shared->meta, it[i].src, it[i].dst, &it[i].p->obj,
					  inherited ? NULL : &created, &it[i].warn, &it[i].step);
	}
}

static void batch_queue_link(struct batch_ring *b, struct batch_item *it, unsigned i, int ddir)
{
	struct io_uring_sqe *sqe = batch_sqe(b, i);

	if (!b->proc_link) {
		io_uring_prep_linkat(sqe, it->dst, "", ddir, it->name, AT_EMPTY_PATH);
		return;
	}
	snprintf(it->proc, sizeof(it->proc), "/proc/self/fd/%d", it->dst);
	io_uring_prep_linkat(sqe, AT_FDCWD, it->proc, ddir, it->name, AT_SYMLINK_FOLLOW);
}

/* Name every complete file; what the ring cannot link is linked by exec. */
static int batch_link(struct batch_ring *b, struct exec_worker *w, int ddir, struct batch_item *it,
		      unsigned n)
{
	unsigned queued = 0;
	int ret;

	for (unsigned i = 0; i < n; i++) {
		if (item_live(&it[i]) && !it[i].direct) {
			batch_queue_link(b, &it[i], i, ddir);
			queued++;
		}
	}
	ret = uring_submit_collect(&b->ring, queued, b->res);
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++) {
		if (!item_live(&it[i]) || it[i].direct || b->res[i] == 0)
			continue;
		/* AT_EMPTY_PATH may want CAP_DAC_READ_SEARCH; /proc does not. */
		if (b->res[i] == -ENOENT || b->res[i] == -EPERM)
			b->proc_link = true;
		/* An older file in the way (-EEXIST) is replaced by a rename there. */
		it[i].ret = exec_publish_tmpfile(w, it[i].dst, ddir, it[i].name);
		if (it[i].ret)
			it[i].step = "rename into place";
	}
	return 0;
}

/* Close every descriptor still open; unnamed files that failed vanish. */
static void batch_close(struct batch_ring *b, struct batch_item *it, unsigned n)
{
	unsigned queued = 0;

	for (unsigned i = 0; i < n; i++) {
		if (it[i].src >= 0)
			io_uring_prep_close(batch_sqe(b, 2 * i), it[i].src), queued++;
		if (it[i].dst >= 0)
			io_uring_prep_close(batch_sqe(b, 2 * i + 1), it[i].dst), queued++;
	}
	/*
	 * If the ring failed now, some of these may be closed and their numbers
	 * reused by another thread: leaking them is the safe choice.
	 */
	if (uring_submit_collect(&b->ring, queued, b->res))
		b->broken = true;
	for (unsigned i = 0; i < n; i++)
		it[i].src = it[i].dst = -1;
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void batch_start(struct batch_item *it, unsigned n, bool slow)
{
	for (unsigned i = 0; i < n; i++) {
		it[i].ret = 0;
		it[i].step = "";
		it[i].warn = false;
		it[i].name = last_component(it[i].p->obj.path);
		it[i].src = it[i].dst = -1;
		it[i].slow = slow;
		it[i].direct = it[i].created = false;
	}
}

/*
 * Remove what this batch created under a final name but could not finish
 * (a slow item is redone from scratch), so nothing partial keeps that name.
 */
static void batch_undo_created(int ddir, struct batch_item *it, unsigned n)
{
	/* Should the removal fail, the wrong mtime still marks the file as unfinished. */
	for (unsigned i = 0; i < n; i++)
		if (it[i].created && !item_live(&it[i]))
			(void)unlinkat(ddir, it[i].name, 0);
}

/* A file the ring could not take, copied as any other record. */
static void batch_by_exec(struct exec_worker *w, struct batch_item *it)
{
	struct exec_result res;

	it->ret = exec_record(w, it->p, &res);
	it->step = res.step;
	it->warn = res.warn;
}

void batch_copy(struct batch_ring *b, struct exec_worker *w, struct batch_item *it, unsigned n)
{
	const char *name;
	int sdir, ddir = -1, ret;

	/* A directory that cannot be resolved: let exec name the failing step. */
	ret = exec_parents(w, &it[0].p->obj, &sdir, &ddir, &name);
	batch_start(it, n, ret != 0);
	if (!ret)
		ret = batch_open(b, sdir, ddir, it, n);
	if (!ret)
		ret = batch_data(b, it, n);
	if (!ret) {
		batch_meta(w, it, n, ddir);
		ret = batch_link(b, w, ddir, it, n);
	}
	if (ret) {
		/* The ring itself failed: finish file by file, and from now on. */
		b->broken = true;
		for (unsigned i = 0; i < n; i++)
			if (item_live(&it[i]))
				it[i].slow = true;
	}
	batch_close(b, it, n);
	if (ddir >= 0)
		batch_undo_created(ddir, it, n);
	for (unsigned i = 0; i < n; i++)
		if (it[i].slow)
			batch_by_exec(w, &it[i]);
}
