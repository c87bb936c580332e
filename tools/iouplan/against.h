/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_AGAINST_H
#define IOUPLAN_AGAINST_H

/*
 * The destination's own walk (iouplan --against), held in memory and found
 * by path, so that each source record can be compared with what the
 * destination already has. Each entry also carries what planning decided
 * about it: whether the source has it, whether it must go, whether
 * something inside it changes (so its times need restoring).
 *
 * Memory per destination entry: its record's text (about 150 bytes plus the
 * path), a parsed struct walk_record and state (about 190 bytes) and 4 to 8
 * bytes of index: about 350 bytes plus the path, about 400 MiB for a join of
 * 1M entries with 60-byte paths.
 */

#include <stddef.h>
#include <stdint.h>

#include "iou/buf.h"
#include "iou/record.h"

enum {
	AGAINST_MATCHED = 1u << 0,  /* the source has this path */
	AGAINST_REPLACED = 1u << 1, /* the source has another type here: it goes first */
	AGAINST_TOUCHED = 1u << 2,  /* an entry inside this directory is made or removed */
	AGAINST_DELETED = 1u << 3,  /* the plan removes it */
};

struct against_entry {
	struct walk_record r; /* points into the index's text */
	unsigned state;
};

struct against {
	struct buf text; /* every record, NUL-terminated, as read */
	struct against_entry *entries;
	size_t count;
	uint32_t *slots; /* entry index + 1, 0 for empty; open addressing */
	size_t cap;	 /* a power of two */
};

#define AGAINST_INIT                                                                               \
	{                                                                                          \
		BUF_INIT, NULL, 0, NULL, 0                                                         \
	}

/*
 * Read a walk stream of one root from fd. Returns 0; -EINVAL with *why and
 * *recno (from 1) set for a stream that is not one root's valid walk (or
 * holds a path twice); -EBADMSG/-EMSGSIZE from the reader; -ENOMEM.
 */
int against_load(struct against *a, int fd, const char **why, uint64_t *recno);

/* The entry for path, or NULL. */
struct against_entry *against_find(const struct against *a, const char *path, size_t len);

/* The entry for the directory that holds path, or NULL (also for "."). */
struct against_entry *against_parent(const struct against *a, const char *path, size_t len);

void against_free(struct against *a);

#endif
