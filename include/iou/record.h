/* SPDX-License-Identifier: MIT */
#ifndef IOU_RECORD_H
#define IOU_RECORD_H

/*
 * Walk records of iou-stream(5): one file system object with its statx
 * metadata, symlink target and path. record_format_walk() and
 * record_parse_walk() are exact inverses for every valid record.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iou/buf.h"

enum {
	RECORD_HARDLINKED = 1u << 0, /* 'h': not a directory and nlink > 1 */
	RECORD_REPEATED = 1u << 1,   /* 'r': dev/ino seen earlier in the stream */
	RECORD_MOUNT = 1u << 2,	     /* 'm': mount boundary */
};

/* Position of each flag letter within the FLAGS field. */
#define RECORD_FLAGS_LEN 3

struct record_time {
	int64_t sec;
	uint32_t nsec; /* 0..999999999, counted forward from sec */
};

struct walk_record {
	char type; /* one of "fdlpscb" */
	unsigned flags;
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint64_t nlink;
	uint32_t mode; /* permission bits only: 07777 */
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks;
	uint32_t rdev_major, rdev_minor;
	struct record_time atime, mtime, ctime;
	/*
	 * XATTRS: digests of the POSIX ACLs and of the other extended
	 * attributes a copy would carry, when the walker read them (-X).
	 */
	bool has_xattrs;
	uint64_t acl_digest, xattr_digest;
	const char *target; /* symlink target bytes, NULL for other types */
	size_t target_len;
	const char *path;
	size_t path_len;
};

/* The type letter of a st_mode, or 0 for an unknown file type. */
char record_type_of_mode(uint32_t st_mode);

/* The S_IF* bits of a type letter, or 0 for an unknown letter. */
uint32_t record_mode_of_type(char type);

/* Append one walk record with its terminating NUL. Returns 0 or -ENOMEM. */
int record_format_walk(struct buf *b, const struct walk_record *r);

/*
 * Offset of the FLAGS field within any formatted walk record: writers patch
 * the 'r' flag in place once the stream order is known.
 */
#define RECORD_FLAGS_OFFSET 2

/*
 * Parse a walk record in place (the symlink target is decoded into the
 * record's own bytes). Returns 0, or -EINVAL with *why naming the bad field.
 */
int record_parse_walk(char *rec, size_t len, struct walk_record *r, const char **why);

/* Options of record_parse(). */
enum {
	/* TARGET may be set for any type (plan records reuse it as a link path). */
	RECORD_PARSE_ANY_TARGET = 1u << 0,
};

/* record_parse_walk() with options. */
int record_parse(char *rec, size_t len, struct walk_record *r, unsigned opts, const char **why);

/*
 * Whether a path is "." or a relative path of non-empty components none of
 * which is "." or "..": the only paths a stream may carry, so that no record
 * can name anything outside its root.
 */
int record_path_is_clean(const char *path, size_t len);

/* Percent-encode a symlink target as iou-stream(5) says. */
int record_encode_target(struct buf *b, const char *target, size_t len);

#endif
