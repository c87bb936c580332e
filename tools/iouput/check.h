/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_CHECK_H
#define IOUPUT_CHECK_H

/*
 * The checks a plan passes, record by record, before iouput changes
 * anything: each record well formed, the stream a plan, each root's
 * operations in the order iou-stream(5) gives (execution relies on it), its
 * mkdirs parents first, and no path planned twice for one kind of operation
 * (found once the whole plan is read: plan_check_repeats()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iou/dupcheck.h"
#include "iou/treeorder.h"
#include "stats.h"

/*
 * What checking the plan gathers: its totals, and what it saw of each root.
 * Repeated paths are found from fingerprints in a dupcheck, so memory stays
 * bounded however long the plan; the mkdir order check keeps a fingerprint
 * per directory of the current root (treeorder.h).
 */
struct plan_check {
	struct plan_totals *totals; /* not owned */
	struct dupcheck paths;	    /* (root, kind of operation, path) fingerprints */
	uint64_t roots;		    /* headers seen */
	struct treeorder mkdirs;    /* the current root's mkdirs */
	int phase;		    /* of the current root's last record */
};

/* Start a check whose totals go to *totals. Returns 0 or -ENOMEM. */
int plan_check_init(struct plan_check *c, struct plan_totals *totals);

/*
 * Check record number recno (NUL-terminated, modified in place) and add it
 * to the totals. Returns 0, -EINVAL or -EPROTONOSUPPORT with *why saying
 * what is wrong, or -ENOMEM.
 */
int plan_check_record(struct plan_check *c, char *rec, size_t len, uint64_t recno,
		      const char **why);

/*
 * Once the plan is read: find a path planned twice for one kind of
 * operation before record bad_recno (0: anywhere), the first such repeat.
 * Returns 0, -EINVAL with *recno and *why set, or a negative errno.
 */
int plan_check_repeats(struct plan_check *c, uint64_t bad_recno, uint64_t *recno, const char **why);

void plan_check_free(struct plan_check *c);

#endif
