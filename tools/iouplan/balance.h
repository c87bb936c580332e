/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_BALANCE_H
#define IOUPLAN_BALANCE_H

/*
 * Spreading units of work over shards. A unit is what must stay on one
 * machine: a directory, a symlink or special file, a file with every other
 * member of its hard-link group, or one chunk of a large file. A shard's
 * load is its bytes of file data plus entry_cost bytes for each plan record
 * (creating an entry costs about as much as copying that many bytes).
 * balance_assign() takes units largest load first and gives each to the
 * shard with the least load so far (the lowest-numbered among equals), so
 * the result depends only on the units, not on memory or timing.
 * About 32 bytes per unit.
 */

#include <stddef.h>
#include <stdint.h>

#include "iou/bundle.h"

struct balance_unit {
	uint64_t bytes;
	uint32_t entries;
	uint32_t shard; /* set by balance_assign() */
};

struct balance {
	struct balance_unit *units;
	size_t count, cap;
	uint64_t entry_cost;
};

#define BALANCE_INIT(cost)                                                                         \
	{                                                                                          \
		NULL, 0, 0, cost                                                                   \
	}

/* A new unit of one entry and bytes of data; its number in *index. Returns 0 or -ENOMEM. */
int balance_add(struct balance *b, uint64_t bytes, size_t *index);

/* One more entry (a hard link) into unit index. */
void balance_join(struct balance *b, size_t index);

/*
 * Give every unit a shard (0 to shards - 1) and sum each shard's load into
 * loads[shards]. Returns 0 or -ENOMEM.
 */
int balance_assign(struct balance *b, unsigned shards, struct bundle_load *loads);

void balance_free(struct balance *b);

#endif
