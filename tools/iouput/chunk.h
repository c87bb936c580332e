/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_CHUNK_H
#define IOUPUT_CHUNK_H

/*
 * The two operations of a file copied in pieces, possibly by many machines
 * at once (iou-stream(5), stream version 2.1). Every piece goes into the
 * file's staging name beside its final name (plan_staging_name()), which
 * whoever comes first creates and nobody truncates, so pieces written in any
 * order and any number of times add up to the file. The seal runs once all
 * pieces are in: final size, metadata, then the final name, so the final
 * name never holds a partial file.
 */

#include "exec.h"

/* "chunk": copy the record's byte range into the staging file. */
int chunk_write(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

/*
 * "seal": size, mode, owner, xattrs and times onto the staging file, then
 * rename it onto the final name. A seal run again after it succeeded (no
 * staging file, the final name holds a file of the walk's size and mtime)
 * does nothing.
 */
int chunk_seal(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

#endif
