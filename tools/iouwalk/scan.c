/* SPDX-License-Identifier: MIT */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "iou/inoset.h"
#include "iou/uring.h"

#define SCAN_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)

static void scan_sync(int dirfd, struct scan_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e[i].err =
		    statx(dirfd, e[i].name, SCAN_FLAGS, SCAN_STATX_MASK, &e[i].stx) ? -errno : 0;
}

/* Results of one chunk, by SQE id; a chunk is also bounded by the ring. */
#define SCAN_CHUNK_MAX 256

/* Submit as many entries as the ring holds, then reap them all. */
static int scan_ring_chunk(struct io_uring *ring, int dirfd, struct scan_entry *e, size_t n,
			   size_t *done)
{
	int res[SCAN_CHUNK_MAX], ret;
	size_t queued = 0;

	while (queued < n && queued < SCAN_CHUNK_MAX) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe)
			break;
		io_uring_prep_statx(sqe, dirfd, e[queued].name, SCAN_FLAGS, SCAN_STATX_MASK,
				    &e[queued].stx);
		io_uring_sqe_set_data64(sqe, queued);
		queued++;
	}
	ret = uring_submit_collect(ring, (unsigned)queued, res);
	if (ret)
		return ret;
	for (size_t i = 0; i < queued; i++)
		e[i].err = res[i] < 0 ? res[i] : 0;
	*done = queued;
	return 0;
}

int scan_statx_batch(struct io_uring *ring, int dirfd, struct scan_entry *e, size_t n)
{
	size_t done;
	int ret;

	if (!ring) {
		scan_sync(dirfd, e, n);
		return 0;
	}
	while (n > 0) {
		ret = scan_ring_chunk(ring, dirfd, e, n, &done);
		if (ret)
			return ret;
		e += done;
		n -= done;
	}
	return 0;
}

int scan_readlink(int dirfd, const char *name, size_t size_hint, struct buf *b)
{
	size_t want = size_hint ? size_hint + 1 : 256;
	ssize_t n;
	int ret;

	for (;;) {
		buf_clear(b);
		ret = buf_reserve(b, want);
		if (ret)
			return ret;
		n = readlinkat(dirfd, name, b->data, want);
		if (n < 0)
			return -errno;
		if ((size_t)n < want) {
			b->len = (size_t)n;
			return n > 0 ? 0 : -EINVAL;
		}
		/* The target may have grown since statx: read it whole. */
		want *= 2;
	}
}

uint64_t scan_dev(const struct statx *stx)
{
	return inoset_dev(stx->stx_dev_major, stx->stx_dev_minor);
}

static struct record_time scan_time(const struct statx_timestamp *t)
{
	struct record_time rt = {t->tv_sec, t->tv_nsec};

	return rt;
}

void scan_fill_record(struct walk_record *r, const struct statx *stx, uint64_t parent_dev)
{
	int is_dev = S_ISCHR(stx->stx_mode) || S_ISBLK(stx->stx_mode);

	memset(r, 0, sizeof(*r));
	r->type = record_type_of_mode(stx->stx_mode);
	if (!S_ISDIR(stx->stx_mode) && stx->stx_nlink > 1)
		r->flags |= RECORD_HARDLINKED;
	if ((parent_dev && scan_dev(stx) != parent_dev) ||
	    (stx->stx_attributes_mask & stx->stx_attributes & STATX_ATTR_MOUNT_ROOT))
		r->flags |= RECORD_MOUNT;
	r->dev_major = stx->stx_dev_major;
	r->dev_minor = stx->stx_dev_minor;
	r->ino = stx->stx_ino;
	r->nlink = stx->stx_nlink;
	r->mode = stx->stx_mode & 07777;
	r->uid = stx->stx_uid;
	r->gid = stx->stx_gid;
	r->size = stx->stx_size;
	r->blocks = stx->stx_blocks;
	r->rdev_major = is_dev ? stx->stx_rdev_major : 0;
	r->rdev_minor = is_dev ? stx->stx_rdev_minor : 0;
	r->atime = scan_time(&stx->stx_atime);
	r->mtime = scan_time(&stx->stx_mtime);
	r->ctime = scan_time(&stx->stx_ctime);
}
