/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_EXEC_H
#define IOUPUT_EXEC_H

/*
 * Carrying out one plan record in the destination. Every path is resolved
 * through directory cursors (no symlink in either tree is followed, any
 * depth works), and file data is written to an unnamed O_TMPFILE (or a
 * hidden temporary name) that only gets its final name once data and
 * metadata are complete.
 */

#include <stdatomic.h>
#include <stdbool.h>

#include "iou/buf.h"
#include "iou/cursor.h"
#include "iou/plan.h"
#include "meta.h"

/* What the first file copied with data found about sharing extents. */
enum exec_reflink {
	REFLINK_UNKNOWN,
	REFLINK_WORKS, /* FICLONE succeeded: every file tries it */
	REFLINK_NONE,  /* it failed: small files may skip it */
};

struct exec_shared {
	int src_root_fd;
	int dst_root_fd;
	struct meta_ctx meta;
	atomic_int reflink; /* enum exec_reflink, for this source root */
};

struct exec_worker {
	struct exec_shared *shared;
	struct cursor src;
	struct cursor dst;
	struct cursor dst_link; /* the link target's directory */
	char *buf;
	size_t bufsize;
	unsigned long tmp_seq;
};

int exec_worker_init(struct exec_worker *w, struct exec_shared *shared);
void exec_worker_free(struct exec_worker *w);

/*
 * Carry out p. Returns 0 or a negative errno with *step naming what failed;
 * *xattr_warning is set when this record found the destination without
 * xattr support for the first time.
 */
int exec_record(struct exec_worker *w, const struct plan_record *p, const char **step,
		bool *xattr_warning);

/*
 * For batches: the source and destination directories that hold r (missing
 * destination directories are made), valid until the next call on w, and
 * r's last component. Returns 0 or a negative errno.
 */
int exec_parents(struct exec_worker *w, const struct walk_record *r, int *src_dir, int *dst_dir,
		 const char **name);

/*
 * Give the complete unnamed file fd its final name in dirfd, replacing an
 * older file there. Returns 0 or a negative errno.
 */
int exec_publish_tmpfile(struct exec_worker *w, int fd, int dirfd, const char *name);

#endif
