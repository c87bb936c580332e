/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_COMPARE_H
#define IOUPLAN_COMPARE_H

/*
 * What to do about a source object the destination already has, with the
 * same type: rsync's quick check (size and modification time, here to the
 * nanosecond) decides whether data is copied, --checksum turns a quick-check
 * match into a comparison of the data by iouput, and attribute differences
 * become metadata-only operations. The answer comes with the CHANGE string
 * that iouput -i prints.
 */

#include <stdbool.h>

#include "iou/plan.h"

struct compare_opts {
	bool owner;    /* compare owner and group (a copy made as root keeps them) */
	bool checksum; /* same size and time: let iouput compare the data */
};

/*
 * Set change (PLAN_CHANGE_LEN + 1 bytes) to the attributes of src that
 * differ from dst, of the same type: 't', 'p' (not for symlinks), 'o',
 * 'g', and 'a', 'x' when both sides carry xattr digests. Returns whether
 * any differs.
 */
bool compare_attributes(const struct walk_record *src, const struct walk_record *dst,
			const struct compare_opts *o, char *change);

/*
 * The operation that makes dst (same type as src) match src, and its
 * CHANGE: copy, symlink or mknod to replace it (data, target or device
 * differ), verify (checksum), meta (attributes only), or PLAN_OP_COUNT when
 * nothing differs. Not for directories.
 */
enum plan_op compare_choose(const struct walk_record *src, const struct walk_record *dst,
			    const struct compare_opts *o, char *change);

#endif
