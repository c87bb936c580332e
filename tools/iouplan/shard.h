/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_SHARD_H
#define IOUPLAN_SHARD_H

/*
 * Splitting a plan into a bundle (iou/bundle.h) that many machines run at
 * once. Each shard gets whole units (balance.h): a directory, a symlink or
 * special file, a file with all the hard links to it, or one chunk of a
 * file larger than the chunk size. The finish plan gets what must wait for
 * every shard: the seal of each chunked file, the links to chunked files,
 * and all directory metadata, deepest first. Directories go to one shard
 * each; a shard whose files need a directory of another shard makes it on
 * its way (iouput makes missing parents), so no shard waits for another.
 *
 * The bundle is written into a temporary directory beside out and renamed
 * onto out only when complete, so out holds a whole bundle or nothing.
 */

#include <limits.h>
#include <stdint.h>

struct shard_options {
	unsigned shards;
	uint64_t chunk_size; /* files larger than this are copied in chunks */
	uint64_t entry_cost; /* bytes a plan record weighs in the balance */
};

struct shard_failure {
	const char *why;     /* what is wrong with the plan, or NULL for a system error */
	char path[PATH_MAX]; /* what a system error happened on */
};

/* Whether out may receive a bundle: 0 when absent or an empty directory, else -ENOTEMPTY, -ENOTDIR
 * or another negative errno. */
int shard_check_out(const char *out);

/*
 * Read the plan in plan_fd (a regular file, read twice) and write its bundle
 * to out, which must not exist or be an empty directory (else -ENOTEMPTY,
 * or -ENOTDIR). Returns 0 or a negative errno with f saying where.
 */
int shard_write_bundle(int plan_fd, const char *out, const struct shard_options *o,
		       struct shard_failure *f);

#endif
