/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_STATS_H
#define IOUPUT_STATS_H

/*
 * Counting what a run did, for --stats and --progress. Workers count as
 * they finish records, with relaxed atomics: the numbers are only read
 * for display, and exactly once everything has been joined.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iou/plan.h"
#include "outcome.h"

/*
 * What the plan holds, counted while it is read and checked. With --stream
 * the counting goes on while the workers run: growing says so, and the
 * progress thread reads the counts as they grow.
 */
struct plan_totals {
	atomic_ullong entries; /* records, headers not included */
	atomic_ullong bytes;   /* data of copy and verify records */
	atomic_bool growing;   /* the plan is still being read */
};

/* Kinds of objects created, in the order --stats lists them. */
enum stats_kind { STATS_REG, STATS_DIR, STATS_SYMLINK, STATS_SPECIAL, STATS_HARDLINK, STATS_KINDS };

struct put_stats {
	atomic_ullong done;	  /* records finished, failed ones included */
	atomic_ullong bytes_done; /* data of finished copy and verify records */
	atomic_ullong created[STATS_KINDS];
	atomic_ullong deleted;
	atomic_ullong files_copied; /* regular files whose data was written */
	atomic_ullong bytes_copied;
	atomic_ullong meta_only; /* attributes changed on an object that stayed */
};

/* Count one record of the plan. */
void stats_total_add(struct plan_totals *t, const struct plan_record *p);

void stats_init(struct put_stats *s);

/* Count a finished record: ok when it succeeded, with what it did. */
void stats_note(struct put_stats *s, const struct plan_record *p, enum put_outcome outcome,
		bool ok);

/* The --stats summary: what was done in seconds. */
void stats_print(FILE *out, const struct put_stats *s, const struct plan_totals *t, double seconds);

#endif
