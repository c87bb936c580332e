/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_LINKMAP_H
#define IOUPLAN_LINKMAP_H

/*
 * The first member of each hard-link group: (device, inode) to the path and
 * type first seen for it, through an inomap to an array of entries (about
 * 64 bytes a group, plus the path bytes); only hard-linked objects are ever
 * put in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iou/buf.h"
#include "iou/inomap.h"

struct linkmap {
	struct inomap index;	       /* (dev, ino) to an entry's number */
	struct linkmap_entry *entries; /* one per group */
	size_t cap, count;
	struct buf paths; /* every first member's path, back to back */
};

#define LINKMAP_INIT                                                                               \
	{                                                                                          \
		INOMAP_INIT, NULL, 0, 0, BUF_INIT                                                  \
	}

struct linkmap_first {
	const char *path; /* valid until the next linkmap_first_of() */
	size_t path_len;
	char type;
	bool replaced; /* it gets (or may get) a new inode: every other member is linked */
};

/*
 * Look up the group of (dev, ino). Returns 1 after remembering path and type
 * as its first member if the group is new, 0 with *first set if it is not,
 * or -ENOMEM.
 */
int linkmap_first_of(struct linkmap *m, uint64_t dev, uint64_t ino, const char *path,
		     size_t path_len, char type, struct linkmap_first *first);

/* Note that the first member of (dev, ino) gets a new destination inode. */
void linkmap_mark_replaced(struct linkmap *m, uint64_t dev, uint64_t ino);

void linkmap_free(struct linkmap *m);

#endif
