/* SPDX-License-Identifier: MIT */
#ifndef IOU_INOMAP_H
#define IOU_INOMAP_H

/*
 * A map from (device, inode) to a 64-bit value: where the members of a
 * hard-link group find what their first member was given. Open addressing,
 * grows by doubling; 24 bytes per member at most 50% load, tables from
 * 1 MiB up on huge pages (bigalloc.h). Not thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

struct inomap {
	struct inomap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
};

#define INOMAP_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Set the value of a pair, replacing an earlier one. Returns 0 or -ENOMEM. */
int inomap_put(struct inomap *m, uint64_t dev, uint64_t ino, uint64_t value);

/* The value of a pair: 1 with *value set, or 0 when the pair is absent. */
int inomap_get(const struct inomap *m, uint64_t dev, uint64_t ino, uint64_t *value);

void inomap_free(struct inomap *m);

#endif
