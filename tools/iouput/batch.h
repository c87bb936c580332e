/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_BATCH_H
#define IOUPUT_BATCH_H

/*
 * Copying many small files of one directory at once through a worker's own
 * io_uring. Instead of a dozen syscalls per file, a batch of files costs
 * three ring submissions: every open (the source, and the destination:
 * created under its final name when the plan says it is new, else an
 * unnamed file), every read+write pair (linked, into registered buffers),
 * every close; replacements add one to link their unnamed files into
 * place. What io_uring cannot do, or would only punt to io-wq threads
 * (stat, xattr listing, times; chown and chmod when the new file lacks the
 * source's owner or mode), stays a plain syscall per file. The result is
 * the same as exec_record() on each file: a final name never holds a
 * partial file that a rerun would trust.
 *
 * Small files of a destination that can share extents do not come here:
 * a reflink beats copying the bytes at any size (see batch_fits()).
 */

#include <liburing.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "exec.h"

/*
 * Files per batch at most, and the default size of the buffer each file of
 * a batch has (the largest file a batch takes; --buffer-size sets it).
 */
#define BATCH_FILES	 32
#define BATCH_FILE_BYTES (64u * 1024)

struct batch_item {
	const struct plan_record *p;
	int ret;	  /* 0 or a negative errno */
	const char *step; /* what failed */
	bool warn;	  /* first report of a destination without xattrs */
	/* private to batch_copy() */
	const char *name;
	int src, dst;
	bool slow;    /* leave to exec_record(): e.g. no O_TMPFILE here */
	bool direct;  /* new: created under its final name, not unnamed */
	bool created; /* direct and made by this batch: undone if it fails */
	char proc[32];
};

struct batch_ring {
	struct io_uring ring;
	char *bufs; /* BATCH_FILES buffers of buf_size bytes */
	size_t buf_size;
	bool fixed;		  /* bufs registered with the ring */
	bool proc_link;		  /* link through /proc/self/fd: AT_EMPTY_PATH refused */
	bool broken;		  /* io_uring_enter failed: copy file by file */
	int res[2 * BATCH_FILES]; /* by SQE id: 2 per file */
};

/*
 * Set up a ring with io-wq bounded to max_workers. Returns 0, or a negative
 * errno when io_uring is unavailable (the caller copies file by file).
 */
int batch_ring_init(struct batch_ring *b, unsigned max_workers, size_t buf_size);
void batch_ring_free(struct batch_ring *b);

/*
 * Whether r can go into a batch: a non-sparse regular file that fits one
 * buffer, to a destination known not to share extents (reflinks are tried
 * file by file first; shared->reflink records what the first copy found),
 * and not in a dry run, which copies nothing.
 */
bool batch_fits(const struct batch_ring *b, const struct exec_shared *shared,
		const struct plan_record *r);

/*
 * Copy items[0..n) (n <= BATCH_FILES, all "copy" records of one directory)
 * and set each item's ret, step and warn as exec_record() would.
 */
void batch_copy(struct batch_ring *b, struct exec_worker *w, struct batch_item *items, unsigned n);

#endif
