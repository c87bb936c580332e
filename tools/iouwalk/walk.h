/* SPDX-License-Identifier: MIT */
#ifndef IOUWALK_WALK_H
#define IOUWALK_WALK_H

/*
 * The parallel tree walker behind iouwalk(1). Walks roots one after another;
 * within a root, worker threads take whole directories, read them with
 * getdents64 and stat their entries in batches through a per-thread ring.
 * Every directory is opened relative to its parent's descriptor, so depth is
 * unlimited by PATH_MAX. Records leave in an order where a directory always
 * precedes its contents.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/*
 * Called for each object that could not be walked; path is root-relative.
 * why, when not NULL, explains better than the errno's text.
 */
typedef void walk_error_fn(void *arg, const char *root, const char *path, int err, const char *why);

/* A directory to leave out, with everything in it, wherever the walk meets it. */
struct walk_prune {
	uint64_t dev;
	uint64_t ino;
};

struct walk_options {
	unsigned jobs;			/* worker threads, at least 1 */
	bool one_file_system;		/* do not enter mount boundaries */
	bool recurse;			/* descend into directories */
	bool xattrs;			/* digest each object's xattrs and ACLs (-X) */
	bool use_uring;			/* false: plain syscalls only */
	unsigned ring_entries;		/* statx operations in flight per thread */
	unsigned ring_workers;		/* io-wq bound per ring, 0 for the kernel's default */
	const struct walk_prune *prune; /* directories below a root to leave out */
	size_t nprune;
	walk_error_fn *on_error;
	void *error_arg;
};

/*
 * Walk one root (as named, relative to the working directory) and emit its
 * header and records. Returns 0 when everything was walked, 1 when something
 * was skipped (and reported through on_error), or a negative errno when the
 * walk as a whole failed (out of memory, output error).
 */
int walk_root(const struct walk_options *opt, struct emit_out *out, const char *root);

/*
 * Emit one header for root, then each path read NUL-separated from fd,
 * relative to root ("./" prefixes and, under an absolute root, the root's own
 * prefix are removed). Returns as walk_root(), or -EBADMSG when the input
 * ends inside a path.
 */
int walk_paths_from(const struct walk_options *opt, struct emit_out *out, const char *root, int fd);

/*
 * Reduce a listed path to a clean root-relative path in place: strip "./"
 * prefixes, repeated and trailing slashes, and an absolute root's prefix.
 * Returns the new length, or -EINVAL for a path with ".." or outside root.
 */
long walk_relative_path(char *path, size_t len, const char *root);

#endif
