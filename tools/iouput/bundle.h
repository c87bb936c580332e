/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_BUNDLE_H
#define IOUPUT_BUNDLE_H

/*
 * Running one part of a plan bundle (iou/bundle.h): which shard this process
 * is (a number, or the rank a launcher put in the environment), whether the
 * finish may run (every shard has its done marker), and the marker a shard
 * leaves when it finished without error. Every function reports its own
 * errors on standard error, naming the bundle, and returns 0 or an exit
 * status.
 */

#include <stdbool.h>
#include <stdint.h>

#include "iou/bundle.h"

struct put_bundle {
	const char *dir;
	int dirfd;
	struct bundle_manifest manifest;
	char plan[4096]; /* the path of the plan to run */
};

/* The variables --shard-from-env reads, in order: the first one set counts. */
#define BUNDLE_RANK_VARS "SLURM_ARRAY_TASK_ID, OMPI_COMM_WORLD_RANK, PMI_RANK or SLURM_PROCID"

/* The shard number in the environment, into *k. Returns 0 or exit status 2. */
int bundle_shard_from_env(long *k);

/*
 * Open bundle dir for shard k (k >= 0) or for the finish (k < 0), refusing a
 * shard out of range and a finish while shards are pending. *skip is set
 * when shard k is done already (said on standard error): nothing to run.
 */
int bundle_open(struct put_bundle *b, const char *dir, long k, bool *skip);

/* Leave shard k's done marker, with what the run did. */
int bundle_mark_done(struct put_bundle *b, long k, uint64_t entries, uint64_t bytes);

void bundle_close(struct put_bundle *b);

#endif
