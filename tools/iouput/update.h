/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_UPDATE_H
#define IOUPUT_UPDATE_H

/*
 * The operations on what the destination already holds: "delete", "meta"
 * and "verify". They find their object through a cursor that never creates
 * a directory and never follows a symlink, and check that it still has the
 * type the plan saw before touching it. "delete" and "verify" look before
 * they act, so in a dry run they still find out what they would do.
 * Each returns 0 or a negative errno, with res as exec_record() sets it.
 */

#include "exec.h"

/* Remove the object; one that is already gone is not an error. */
int exec_delete(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

/* Owner, mode, extended attributes and times of an existing non-directory. */
int exec_meta(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

/* Compare the data; copy when it differs, else "meta" when attributes differ. */
int exec_verify(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

#endif
