/* SPDX-License-Identifier: MIT */
#ifndef IOU_CURSOR_H
#define IOU_CURSOR_H

/*
 * A directory cursor: the chain of open descriptors from a tree's root down
 * to one directory, moved from path to path by closing and opening only the
 * components that differ. Every step is an openat(O_NOFOLLOW|O_DIRECTORY)
 * relative to the previous one, so a path of any length resolves and no
 * symlink planted in the tree is ever followed. Plans visit paths grouped by
 * directory, which makes most moves free.
 *
 * At most CURSOR_OPEN_LEVELS descriptors stay open, the deepest ones: a
 * cursor costs a bounded number of descriptors at any depth, and a move
 * back above the window reopens the levels it needs.
 */

#include <stdbool.h>
#include <stddef.h>

#include "iou/buf.h"

#define CURSOR_OPEN_LEVELS 8

struct cursor_level {
	int fd;	    /* the directory after this component, -1 once closed */
	size_t end; /* length of the cursor's path through this component */
};

struct cursor {
	int root_fd;		     /* not owned */
	struct cursor_level *levels; /* one per open component */
	size_t depth;		     /* components open */
	size_t cap;
	struct buf path; /* the components open, joined by '/' */
	bool create;	 /* make missing directories (mode 0700) */
};

void cursor_init(struct cursor *c, int root_fd, bool create);
void cursor_free(struct cursor *c);

/*
 * Resolve the directory that holds `path` (root-relative, clean) and return
 * its descriptor (owned by the cursor, valid until the next move) and the
 * last component. Returns 0 or a negative errno (-ENOTDIR when a component
 * is not a directory, -ELOOP when it is a symlink).
 */
int cursor_parent(struct cursor *c, const char *path, size_t path_len, int *dirfd,
		  const char **name);

/*
 * openat() for a clean relative path of any length: one call when it fits
 * in PATH_MAX, else component by component (directories with O_NOFOLLOW).
 * Returns a descriptor or a negative errno.
 */
int cursor_openat(int dirfd, const char *path, int flags);

#endif
