/* SPDX-License-Identifier: MIT */
#ifndef IOUPLAN_PLAN_BUILD_H
#define IOUPLAN_PLAN_BUILD_H

/*
 * The plan of one root: walk records go in, in stream order; out comes the
 * root's plan header and plan records in the order iouput can execute them:
 *
 *   -. with a destination walk to sync against (iouplan --against), delete
 *      for what goes (replaced by another type, or with --delete absent from
 *      the source), deepest first;
 *   a. mkdir for every directory, in input order (parents first);
 *   b. copy, symlink or mknod for every other object, in input order, but
 *      only for the first member of each hard-link group;
 *   c. link for every later member, naming the first member;
 *   d. dirmeta for every directory, deepest first, the root last.
 *
 * Streamed (root_plan_stream(), a plain copy only), a and b go out mixed in
 * input order as each record is taken, so that iouput can start while the
 * walk goes on; c and d still wait for the root's end.
 *
 * Against a destination only what differs is planned (see compare.h): a
 * directory the destination has gets no mkdir, and a dirmeta only when its
 * attributes differ or something inside it is made or removed; other
 * objects get their operation only when they differ; a hard-link group's
 * other members are linked again only when the destination's member is not
 * already the same inode as its first member, or the first is replaced.
 *
 * Memory per input record (the rest of the plan waits in spools, see
 * spool.h): 16 to 64 bytes of path fingerprint, to reject duplicate paths,
 * and as much again per directory that holds something, to reject a
 * directory that comes after its contents;
 * for a directory its formatted record, about 110 bytes plus the path; for
 * the first member of a hard-link group 32 to 64 bytes of map plus its path.
 */

#include <stdbool.h>
#include <stddef.h>

#include "iou/buf.h"
#include "iou/inoset.h"
#include "iou/record.h"
#include "iou/treeorder.h"
#include "against.h"
#include "compare.h"
#include "linkmap.h"
#include "spool.h"

/* Syncing against the destination's walk (NULL: a plain copy). */
struct root_sync {
	struct against *against;
	struct compare_opts compare;
	bool delete_extra; /* remove what the source lacks (--delete) */
};

struct root_plan {
	struct root_sync sync;
	struct buf dirs;	/* DIR_PREFIX + walk record per directory, input order */
	struct spool objects;	/* phase b plan records */
	struct spool links;	/* phase c plan records */
	struct linkmap firsts;	/* each hard-link group's first member */
	struct inoset paths;	/* 128-bit fingerprint of every path seen */
	struct treeorder order; /* that no path comes after something inside it */
	struct buf scratch;	/* one formatted record on its way to a spool */
	int live_fd;		/* streamed: where a and b go at once; else -1 */
	struct buf live;	/* streamed records on their way to live_fd */
};

/* sync may be NULL (a plain copy); the plan keeps the pointer. */
void root_plan_init(struct root_plan *rp, const struct root_sync *sync);

/*
 * Stream the plain copy's plan to fd: a root's header and its mkdirs and
 * creations go out as they are taken, not at root_plan_write().
 */
void root_plan_stream(struct root_plan *rp, int fd);

/* A new root begins: streamed, its plan header goes out. Returns 0 or a negative errno. */
int root_plan_begin(struct root_plan *rp, const char *root, size_t root_len);

/*
 * Streamed: write what is ready, once there is a chunk's worth (all: any).
 * Returns 0 or the negative errno of the write.
 */
int root_plan_send(struct root_plan *rp, bool all);

/*
 * Take the next walk record of the root. Returns 0; -EINVAL with *why set
 * when the record cannot belong to the root (its path was seen before or
 * lies above an earlier one, or a hard link's type differs from its group's); -ENOMEM; or the
 * negative errno of a spool's temporary file.
 */
int root_plan_add(struct root_plan *rp, const struct walk_record *r, const char **why);

/*
 * Write the plan header for root and the plan records taken so far to fd
 * (streamed: the rest of the root's plan, after what already went out).
 * Returns 0 or a negative errno; *spool_failed says whether a temporary file
 * failed rather than fd.
 */
int root_plan_write(struct root_plan *rp, const char *root, size_t root_len, int fd,
		    bool *spool_failed);

/* Forget the root, ready for the next. Returns 0 or the errno of a spool. */
int root_plan_reset(struct root_plan *rp);

void root_plan_free(struct root_plan *rp);

#endif
