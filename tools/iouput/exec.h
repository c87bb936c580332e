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

#include <stdbool.h>

#include "iou/buf.h"
#include "iou/cursor.h"
#include "iou/plan.h"
#include "meta.h"

struct exec_shared {
	int src_root_fd;
	int dst_root_fd;
	struct meta_ctx meta;
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

#endif
