/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_ITEMIZE_H
#define IOUPUT_ITEMIZE_H

/*
 * The -i line of a finished record, in rsync's --itemize-changes notation,
 * so that tools and eyes used to rsync read it unchanged:
 *
 *   YXcstpoguax NAME
 *
 * Y what happened ('>' data copied, 'c' created, 'h' hard-linked, '.' only
 * attributes), X the type (f d L D S), then the record's CHANGE. NAME is the
 * path, "dir/" for directories ("./" for the root), "link -> TARGET" for
 * symlinks and "name => FIRST" for hard links. A deletion is
 * "*deleting   NAME". Paths are raw bytes, as in the plan.
 */

#include <stdio.h>

#include "iou/buf.h"
#include "iou/plan.h"
#include "outcome.h"

/*
 * Append the line (with its newline) for p having ended in outcome, or
 * nothing when nothing visible changed. Returns 0 or -ENOMEM (b unchanged).
 */
int itemize_format(struct buf *b, const struct plan_record *p, enum put_outcome outcome);

/*
 * Write that line to out with a single call: stdio locks the stream for
 * the call, so lines of concurrent workers never interleave. Returns 0 or
 * -ENOMEM.
 */
int itemize_print(FILE *out, const struct plan_record *p, enum put_outcome outcome);

#endif
