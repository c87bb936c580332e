/* SPDX-License-Identifier: MIT */
#ifndef IOU_TREEORDER_H
#define IOU_TREEORDER_H

/*
 * Whether the paths of one root come parents first, as iou-stream(5) says a
 * walk (and a plan's mkdirs) must: a path may not turn up after something
 * inside it. A parent that never turns up is fine (iouwalk --from0 -d lists
 * only what it was given). Keeps a fingerprint (see pathset.h) of every
 * directory that held an earlier path, not the paths.
 */

#include <stdbool.h>
#include <stddef.h>

#include "iou/inoset.h"

struct treeorder {
	struct inoset ancestors; /* every proper ancestor of the paths seen, "." aside */
	bool seen_below_root;	 /* a path other than "." was seen */
};

#define TREEORDER_INIT                                                                             \
	{                                                                                          \
		INOSET_INIT, false                                                                 \
	}

/*
 * Take the next clean path (see record_path_is_clean). Returns 0, -EINVAL
 * when an earlier path lies inside it, or -ENOMEM.
 */
int treeorder_add(struct treeorder *t, const char *path, size_t len);

/* Forget every path, ready for the next root. */
void treeorder_free(struct treeorder *t);

#endif
