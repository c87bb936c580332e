/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_EXEC_H
#define IOUPUT_EXEC_H

/*
 * Carrying out one plan record in the destination. Every path is resolved
 * through directory cursors (no symlink in either tree is followed, any
 * depth works), and file data is written to an unnamed O_TMPFILE (or a
 * hidden temporary name) that only gets its final name once data and
 * metadata are complete.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "iou/buf.h"
#include "iou/cursor.h"
#include "iou/inoset.h"
#include "copy.h"
#include "iou/plan.h"
#include "meta.h"
#include "outcome.h"
#include "stats.h"

/* What the first file copied with data found about sharing extents. */
enum exec_reflink {
	REFLINK_UNKNOWN,
	REFLINK_WORKS, /* FICLONE succeeded: every file tries it */
	REFLINK_NONE,  /* it failed: small files may skip it */
};

/* A hidden temporary name, in the registry from just before it is made until it is gone. */
#define EXEC_TMP_NAME_MAX 64
struct exec_named_tmp {
	struct exec_named_tmp *next;
	int dirfd;
	char name[EXEC_TMP_NAME_MAX];
};

struct exec_shared {
	int src_root_fd;
	int dst_root_fd; /* -1 in a dry run whose DST does not exist yet */
	bool dry_run;	 /* -n: change nothing, only find out what would be done */
	bool itemize;	 /* -i: a line per change on standard output */
	struct meta_ctx meta;
	struct put_stats stats;
	atomic_int reflink;	     /* enum exec_reflink, for this source root */
	atomic_uint root_gen;	     /* bumped at each plan header, with no record in flight */
	pthread_mutex_t tmp_lock;    /* guards tmps */
	struct exec_named_tmp *tmps; /* the workers' live temporary names */
	/*
	 * A dry run's verifies that found the data changed (a real run would
	 * copy: new inodes), so that the links onto them say they would be
	 * made; links run after every verify.
	 */
	pthread_mutex_t renewed_lock;
	struct inoset renewed;
};

struct exec_worker {
	struct exec_shared *shared;
	unsigned root_gen; /* the header the cursors below were opened for */
	struct cursor src;
	struct cursor dst;
	struct cursor dst_find; /* never creates: link targets, existing objects */
	char *buf;
	size_t bufsize;
	struct copy_ring *ring; /* the worker's ring for big files, or NULL */
	unsigned long tmp_seq;
	struct exec_named_tmp tmp; /* a worker has one temporary name at a time */
};

int exec_worker_init(struct exec_worker *w, struct exec_shared *shared);

/*
 * For a termination signal, once running batches are done: remove every
 * temporary name the workers hold now. The registry stays locked, so no
 * worker names another one before the process ends.
 */
void exec_remove_named_tmps(struct exec_shared *shared);

/* A dry run's verify found r's data changed: a real run would give it a new inode. */
void exec_note_renewed(struct exec_shared *shared, const struct walk_record *r);
void exec_worker_free(struct exec_worker *w);

/* How a record went, besides its error. */
struct exec_result {
	const char *step;	  /* what failed */
	bool warn;		  /* first sign of a destination without xattrs */
	enum put_outcome outcome; /* what was done (or, dry, would be) */
};

/*
 * Carry out p (in a dry run, only find out what it would do). Returns 0 or
 * a negative errno with res->step naming what failed.
 */
int exec_record(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

/*
 * Whether a source still has the size and modification time its walk
 * record gave, checked after its data was read: a file rewritten, grown or
 * shrunk meanwhile is not published as a copy (-ESTALE, EXEC_STEP_CHANGED).
 */
bool exec_source_unchanged(const struct walk_record *r, uint64_t size, int64_t mtime_sec,
			   uint32_t mtime_nsec);
#define EXEC_STEP_CHANGED "source changed since the walk (size, time or type)"

/*
 * After the data of the open source src was read: is it still the walk's
 * version, not a mix of an old and a new one, and still a regular file? 0,
 * or -ESTALE with res->step EXEC_STEP_CHANGED (or the errno of statx).
 */
int exec_check_source(int src, const struct walk_record *r, struct exec_result *res);

/* The source directory that holds r (valid until the next call on w), and r's name. */
int exec_source_parent(struct exec_worker *w, const struct walk_record *r, int *dirfd,
		       const char **name);

/*
 * For batches: the source and destination directories that hold r (missing
 * destination directories are made), valid until the next call on w, and
 * r's last component. Returns 0 or a negative errno.
 */
int exec_parents(struct exec_worker *w, const struct walk_record *r, int *src_dir, int *dst_dir,
		 const char **name);

/*
 * Give the complete unnamed file fd its final name in dirfd, replacing an
 * older file there. Returns 0 or a negative errno.
 */
int exec_publish_tmpfile(struct exec_worker *w, int fd, int dirfd, const char *name);

/* For update.c: the source object r opened for reading, never followed. */
int exec_open_source(struct exec_worker *w, const struct walk_record *r, int flags);

/*
 * The source of a copy, opened for reading: a regular file, or -ESTALE when
 * something else (a FIFO, say) took its place since the walk. Never waits
 * for a FIFO's writer; does wait for a lease holder, as a plain open would.
 * res->step names the step that failed ("open source", EXEC_STEP_CHANGED).
 */
int exec_open_source_file(struct exec_worker *w, const struct walk_record *r,
			  struct exec_result *res);

/* For update.c: what a "copy" record does. */
int exec_copy(struct exec_worker *w, const struct plan_record *p, struct exec_result *res);

#endif
