/* SPDX-License-Identifier: MIT */
#ifndef IOU_PLAN_H
#define IOU_PLAN_H

/*
 * Plan records of iou-stream(5): what iouplan emits and iouput executes.
 * A plan record is an operation word, what changes, and a walk record
 * describing the source object the operation reproduces (for "delete", the
 * destination object it removes):
 *
 *   OP CHANGE TYPE FLAGS DEV INO NLINK MODE UID GID SIZE BLOCKS RDEV ATIME MTIME
 *      CTIME XATTRS TARGET PATH
 *
 * CHANGE is rsync's itemized attribute string "cstpoguax": "+++++++++" for
 * a new object, else each letter where that attribute differs and '.' where
 * it does not (c: content or symlink target, s: size, t: mtime, p: mode,
 * o: owner, g: group, u: atime, a: ACL, x: other xattrs).
 *
 * PATH is relative to the plan header's root (the source root) and names the
 * same relative path in the destination. For "link", TARGET is not a symlink
 * target but the percent-encoded path of the hard-link group's first member,
 * which an earlier "copy" created.
 *
 * Since stream version 2.1, for plans split over many machines (a bundle,
 * see bundle.h): "chunk" carries OFFSET and LENGTH between CHANGE and the
 * walk record and writes that byte range of a file into its staging name;
 * "seal" gives the staging file its size and metadata and its final name.
 */

#include <stdbool.h>
#include <stddef.h>

#include "iou/buf.h"
#include "iou/record.h"

enum plan_op {
	PLAN_MKDIR,   /* "mkdir": create the directory (final metadata comes later) */
	PLAN_COPY,    /* "copy": regular file data and metadata */
	PLAN_SYMLINK, /* "symlink": symbolic link with its target and metadata */
	PLAN_MKNOD,   /* "mknod": FIFO, socket, character or block device */
	PLAN_LINK,    /* "link": hard link to the group's first member */
	PLAN_DIRMETA, /* "dirmeta": a directory's mode, owner, xattrs, times */
	PLAN_VERIFY,  /* "verify": compare data with the existing file, copy if it differs */
	PLAN_META,    /* "meta": an existing non-directory's mode, owner, xattrs, times */
	PLAN_DELETE,  /* "delete": remove a destination object (directories when empty) */
	PLAN_CHUNK,   /* "chunk": one byte range of a file into its staging name (2.1) */
	PLAN_SEAL,    /* "seal": size, metadata and final name of a staged file (2.1) */
	PLAN_OP_COUNT
};

#define PLAN_CHANGE_LEN	    9
#define PLAN_CHANGE_NEW	    "+++++++++"
#define PLAN_CHANGE_NONE    "........."
#define PLAN_CHANGE_LETTERS "cstpoguax"

struct plan_record {
	enum plan_op op;
	char change[PLAN_CHANGE_LEN + 1]; /* "" formats as PLAN_CHANGE_NEW */
	uint64_t offset, length;	  /* the byte range of a "chunk"; 0 otherwise */
	struct walk_record obj;
};

/*
 * The name, in the destination directory of a file, that the chunks of the
 * file's PATH gather under until its seal: ".iou-chunk-" and 16 hexadecimal
 * digits of the FNV-1a hash of PATH, so that every machine derives the same
 * name alone, and a name never longer than NAME_MAX.
 */
#define PLAN_STAGING_NAME_MAX 32
void plan_staging_name(const char *path, size_t len, char out[PLAN_STAGING_NAME_MAX]);

/* Whether s (PLAN_CHANGE_LEN bytes) is a valid CHANGE field. */
bool plan_change_is_valid(const char *s);

/* Whether a record's change field says the destination lacks the object. */
bool plan_change_is_new(const char *change);

/* The word of an operation, as it appears in the stream. */
const char *plan_op_name(enum plan_op op);

/* Append one plan record with its terminating NUL. Returns 0 or -ENOMEM. */
int plan_format(struct buf *b, const struct plan_record *p);

/*
 * Parse a plan record in place. Returns 0, or -EINVAL with *why saying what
 * is wrong (unknown operation, a field, an operation that does not fit the
 * object's type, a link target that is not a clean relative path).
 */
int plan_parse(char *rec, size_t len, struct plan_record *p, const char **why);

/*
 * Where a raw plan record's PATH starts, found by counting fields, without
 * the cost of parsing the record: for routing records of one directory
 * together. NULL when the record does not have a plan record's shape; what
 * it returns is only as valid as the record, which plan_parse() checks.
 */
const char *plan_raw_path(const char *rec, size_t len);

#endif
