/* SPDX-License-Identifier: MIT */
#ifndef IOU_DUPCHECK_H
#define IOU_DUPCHECK_H

/*
 * Finding a repeated 128-bit key among any number of keys in bounded
 * memory: how iouput refuses a plan that names a path twice while its
 * memory stays bounded by its queue, not by the plan's size. Keys gather
 * in a run of at most run_cap entries; a full run is sorted and spilled to
 * an anonymous temporary file, and the runs are merged at the end. Memory:
 * 24 bytes per run entry while gathering, 8 KiB per spilled run while
 * merging.
 *
 * Each key carries a tag (iouput: the record number). Of all keys that
 * occur more than once, the check reports the smallest tag among second
 * occurrences: the first record that repeats an earlier one, exactly what
 * a reader keeping every key in a hash set would stop at.
 */

#include <stddef.h>
#include <stdint.h>

#include "iou/bigalloc.h"

struct dupcheck_key {
	uint64_t hi, lo;
	uint64_t tag;
};

struct dupcheck {
	struct dupcheck_key *run;
	size_t len, cap;
	int spill_fd; /* -1 until the first run spills */
	size_t nruns, runs_cap;
	uint64_t spilled;     /* keys in the spill file */
	uint64_t *run_starts; /* key index where each spilled run starts */
};

/*
 * The run size iouput uses: 2 MiB of keys (87,381) before a spill, one huge
 * page where the kernel allows it (see bigalloc.h).
 */
#define DUPCHECK_RUN_DEFAULT (BIGALLOC_HUGE / sizeof(struct dupcheck_key))

/* Prepare an empty check gathering up to run_cap (at least 2) keys in memory. */
int dupcheck_init(struct dupcheck *d, size_t run_cap);

/* Add a key. Returns 0, or a negative errno (memory, temporary file). */
int dupcheck_add(struct dupcheck *d, uint64_t hi, uint64_t lo, uint64_t tag);

/*
 * Look for a repeated key among those added. Returns 1 with *tag set to the
 * first repeat's tag, 0 when every key is distinct, or a negative errno.
 * The check is empty afterwards, ready for new keys.
 */
int dupcheck_finish(struct dupcheck *d, uint64_t *tag);

void dupcheck_free(struct dupcheck *d);

#endif
