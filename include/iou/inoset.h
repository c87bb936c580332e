/* SPDX-License-Identifier: MIT */
#ifndef IOU_INOSET_H
#define IOU_INOSET_H

/*
 * A set of (device, inode) pairs: how the tools tell the first link of a
 * hard-link group from the repeats. Open addressing, grows by doubling;
 * 16 bytes per member at most 50% load, tables from 1 MiB up on huge pages
 * (bigalloc.h). Not thread-safe: callers lock.
 */

#include <stddef.h>
#include <stdint.h>

struct inoset {
	struct inoset_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
};

#define INOSET_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Pack a major:minor pair the way the set keys devices. */
uint64_t inoset_dev(uint32_t major, uint32_t minor);

/* The hash the set uses for a pair; other (device, inode) maps share it. */
size_t inoset_hash(uint64_t dev, uint64_t ino);

/* Insert a pair. Returns 1 if it was new, 0 if already present, or -ENOMEM. */
int inoset_insert(struct inoset *s, uint64_t dev, uint64_t ino);

/* Whether a pair is present. */
int inoset_contains(const struct inoset *s, uint64_t dev, uint64_t ino);

void inoset_free(struct inoset *s);

#endif
