/* SPDX-License-Identifier: MIT */
#ifndef IOU_PATHSET_H
#define IOU_PATHSET_H

/*
 * A set of paths that keeps 128-bit fingerprints, not the paths: how the
 * tools refuse a stream that names a path twice without holding every
 * name. Two independent 64-bit hashes go into an inoset as if they were a
 * (device, inode) pair: 16 to 32 bytes per path, and two distinct paths
 * agree in all 128 bits with odds near 2^-128 per pair.
 */

#include <stddef.h>
#include <stdint.h>

#include "iou/inoset.h"

/*
 * Add path to s, in the namespace salt (the same path under another salt
 * is another member). Returns 1 if it was new, 0 if already present, or
 * -ENOMEM.
 */
int pathset_add(struct inoset *s, const char *path, size_t len, uint64_t salt);

/* The two 64-bit hashes pathset_add() keys path by, for sets kept elsewhere. */
void pathset_fingerprint(const char *path, size_t len, uint64_t salt, uint64_t fp[2]);

/* Whether path is in s under salt. */
int pathset_contains(const struct inoset *s, const char *path, size_t len, uint64_t salt);

#endif
