/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_SPOOL_H
#define IOUPLAN_SPOOL_H

/*
 * An append-only byte store for output that must wait: the first
 * SPOOL_MEM_MAX bytes stay in memory, the rest goes to an unlinked temporary
 * file in $TMPDIR (default /tmp), so a tree of millions of files costs disk
 * rather than memory, and a small one never creates a file.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "iou/buf.h"

#define SPOOL_MEM_MAX (1u << 20)

struct spool {
	struct buf mem;	  /* bytes after the spilled ones */
	int fd;		  /* the temporary file, or -1 until the first spill */
	uint64_t spilled; /* bytes in the file */
};

void spool_init(struct spool *s);

/* Append n bytes. Returns 0, -ENOMEM, or the errno of a failed spill. */
int spool_append(struct spool *s, const void *p, size_t n);

/*
 * Write everything appended so far to fd. Returns 0 or a negative errno;
 * *spool_failed says whether reading back the temporary file failed rather
 * than writing to fd.
 */
int spool_copy_to(const struct spool *s, int fd, bool *spool_failed);

/* Forget the contents; keep the memory and the file for the next use. */
int spool_reset(struct spool *s);

void spool_free(struct spool *s);

#endif
