/* SPDX-License-Identifier: MIT */
#ifndef IOUWALK_SCAN_H
#define IOUWALK_SCAN_H

/*
 * statx for a batch of names in one directory, through an io_uring with
 * the whole batch in flight, or through plain syscalls when there is no
 * ring. Both paths fill the same results.
 */

#include <liburing.h>
#include <sys/stat.h>

#include "iou/buf.h"
#include "iou/record.h"

struct scan_entry {
	const char *name; /* relative to the batch's directory */
	struct statx stx;
	int err; /* 0 or negative errno */
};

/* The fields every walk record needs. */
#define SCAN_STATX_MASK STATX_BASIC_STATS

/*
 * Stat n entries relative to dirfd without following symlinks. ring may be
 * NULL for plain syscalls. Per-entry failures land in entry->err; the return
 * value is 0 or a negative errno that makes the ring itself unusable.
 */
int scan_statx_batch(struct io_uring *ring, int dirfd, struct scan_entry *e, size_t n);

/*
 * Read a symlink's target into b (replacing its contents), growing past
 * size_hint when the link changed under us. Returns 0 or negative errno.
 */
int scan_readlink(int dirfd, const char *name, size_t size_hint, struct buf *b);

/*
 * Fill a walk record from statx results. parent_dev is the device of the
 * containing directory, or 0 for a root (then only the kernel's mount-root
 * attribute marks a boundary). Target and path are left to the caller.
 */
void scan_fill_record(struct walk_record *r, const struct statx *stx, uint64_t parent_dev);

/* The device of a statx result, packed as in inoset_dev(). */
uint64_t scan_dev(const struct statx *stx);

#endif
