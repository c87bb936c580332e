/* SPDX-License-Identifier: MIT */
#ifndef IOU_XATTRS_H
#define IOU_XATTRS_H

/*
 * Which extended attributes a copy carries, and digests of them, so that
 * two trees' walks can be compared without carrying the values. Both sides
 * use the same rule: every name the caller can list, except what libattr's
 * /etc/xattr.conf marks "skip". The POSIX ACLs (system.posix_acl_access and
 * _default) are digested apart from the rest, as rsync itemizes them apart.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "iou/record.h"

/* Most objects have no attributes, or a few short ones: no allocation then. */
#define XATTRS_STACK_BYTES 4096

/* Where attributes are read: a path (a final symlink not followed), else fd. */
struct xattrs_obj {
	int fd;
	const char *path;
};

/*
 * Read the list of names (name NULL) or one value into small (of
 * XATTRS_STACK_BYTES), or when larger into *heap, which the caller frees;
 * *out points at whichever holds it. Returns the length or a negative errno.
 */
ssize_t xattrs_read(const struct xattrs_obj *o, const char *name, char *small, char **out,
		    char **heap);

/* Set or remove one attribute of o. Returns 0 or a negative errno. */
int xattrs_set(const struct xattrs_obj *o, const char *name, const void *value, size_t len);
int xattrs_remove(const struct xattrs_obj *o, const char *name);

/*
 * The path "/proc/self/fd/DIRFD/NAME" in buf (XATTRS_PROC_PATH bytes): the
 * object name in dirfd, for path calls at any depth (the l* calls do not
 * follow NAME if it is a symlink). Returns 0 or -ENAMETOOLONG.
 */
#define XATTRS_PROC_PATH (sizeof("/proc/self/fd/") + 12 + 256)
int xattrs_proc_path(char *buf, int dirfd, const char *name);

/* Load libattr's rules; call once before threads use xattrs_wanted(). */
void xattrs_init(void);

/* Whether a copy carries the attribute called name. */
bool xattrs_wanted(const char *name);

/*
 * Set r->acl_digest and r->xattr_digest for the object name in dirfd ("."
 * for dirfd itself; with AT_FDCWD, name may be any path), never following
 * a symlink, and r->has_xattrs. An
 * object without attributes (or on a file system without them) gets digests
 * 0. Returns 0, or a negative errno with r->has_xattrs false.
 */
int xattrs_digest_at(int dirfd, const char *name, struct walk_record *r);

#endif
