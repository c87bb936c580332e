/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_FILTER_H
#define IOUPLAN_FILTER_H

/*
 * iouplan's whole job, minus the command line: read a walk stream, write a
 * plan stream. Each root's plan is written only once its last record has been
 * read and checked, so bad input never leaves a partial plan for a root on
 * the output (the plans of earlier, complete roots are already written).
 * With sync (iouplan --against), the input must hold one root, and a second
 * header is refused before anything is written.
 * Streamed (iouplan --stream, a plain copy), a root's mkdirs and creations go
 * out as they are read, so that iouput can start while the walk goes on:
 * bad input then stops a root's plan part way, after what came before it.
 */

#include <stdbool.h>
#include <stdint.h>

#include "plan_build.h"

enum plan_where {
	PLAN_AT_INPUT,
	PLAN_AT_OUTPUT,
	PLAN_AT_SPOOL, /* a temporary file */
};

struct plan_failure {
	enum plan_where where;
	uint64_t recno;	 /* the input record at fault, from 1; 0 for none */
	const char *why; /* what is wrong with the input, or NULL for a system error */
};

/*
 * Returns 0; -EINVAL with f->why set for input that is not a valid walk
 * stream; or another negative errno, with f->where, for a system error.
 */
int plan_filter(int in_fd, int out_fd, const struct root_sync *sync, bool stream,
		struct plan_failure *f);

#endif
