/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_CHECK_H
#define IOUPUT_CHECK_H

/*
 * The checks a plan passes, record by record, before iouput changes
 * anything: each record well formed, the stream a plan, each root's
 * operations in the order iou-stream(5) gives (execution relies on it), its
 * mkdirs parents first, and no path planned twice for one kind of operation.
 */

#include <stdbool.h>
#include <stddef.h>

#include "iou/inoset.h"
#include "iou/treeorder.h"
#include "stats.h"

/* What checking the plan gathers: its totals, and what it saw of each root. */
struct plan_check {
	struct plan_totals *totals; /* not owned */
	struct inoset paths;	    /* (kind of operation, path) of the current root */
	struct treeorder mkdirs;    /* the current root's mkdirs */
	int phase;		    /* of the current root's last record */
};

#define PLAN_CHECK_INIT(totals)                                                                    \
	{                                                                                          \
		(totals), INOSET_INIT, TREEORDER_INIT, 0                                           \
	}

/*
 * Check the next record (NUL-terminated, modified in place) and add it to
 * the totals; first says it is the stream's first. Returns 0, -EINVAL or
 * -EPROTONOSUPPORT with *why saying what is wrong, or -ENOMEM.
 */
int plan_check_record(struct plan_check *c, char *rec, size_t len, bool first, const char **why);

void plan_check_free(struct plan_check *c);

#endif
