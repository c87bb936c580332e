/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_META_H
#define IOUPUT_META_H

/*
 * Giving a copied object its source's metadata, in the order that keeps
 * each step from undoing the last: owner (chown clears set-user-ID bits),
 * then mode, then extended attributes and ACLs, then times (any write
 * before would move them).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iou/record.h"

struct meta_ctx {
	bool set_owner;		  /* chown to the numeric ids (root only) */
	atomic_bool xattr_warned; /* the destination lacks xattrs: said once */
};

/* Set up m before any thread uses it. */
void meta_init(struct meta_ctx *m, bool set_owner);

/*
 * The mode to create a regular file with, so that meta_apply_fd() can skip
 * chmod: r's permission bits, but never group- or other-writable while the
 * data is still being written, and never set-ID (chown would clear it).
 * Callers run with umask 0.
 */
uint32_t meta_create_mode(const struct walk_record *r);

/*
 * What an object created just now already has, so that meta_apply_fd() can
 * skip a chmod or chown that would change nothing: a syscall costs more than
 * the check.
 */
struct meta_created {
	uint32_t mode;	  /* the mode it was created with */
	bool owner_known; /* uid and gid are the owner it got */
	uint32_t uid, gid;
};

/*
 * Owner, mode, extended attributes and times of r onto an open file or
 * directory, fd; created says what fd was just created with, or is NULL for
 * an object that was there before. The attributes are copied from src_fd
 * (-1: a source no one may read, whose attributes are left as they are):
 * every one the caller may write, POSIX ACLs included (libattr's rules in
 * /etc/xattr.conf decide what to skip); an object that was there before
 * also loses those of its own that the source lacks. A destination without
 * xattr support sets *warn_once to true the first time across the whole run
 * and is otherwise not an error.
 * Returns 0 or a negative errno; *step names what failed.
 */
int meta_apply_fd(struct meta_ctx *m, int src_fd, int fd, const struct walk_record *r,
		  const struct meta_created *created, bool *warn_once, const char **step);

/*
 * Whether what is made in the directory dirfd starts with an ACL of its own,
 * inherited from the directory's default ACL: such an object may carry what
 * its source lacks, so its metadata is applied as to an object that was
 * there before.
 */
bool meta_inherits_acl(int dirfd);

/*
 * Extended attributes of the object name in src_dir onto the one of the
 * same name in dst_dir, neither followed if a symlink: for symlinks and
 * special files, which cannot be opened. exact also removes what the source
 * lacks. A destination without xattrs warns once (*warn_once), as for files.
 */
int meta_copy_xattrs_at(struct meta_ctx *m, int src_dir, int dst_dir, const char *name, bool exact,
			bool *warn_once);

/*
 * Owner, mode and times of r onto a symlink or special file (or a file the
 * caller cannot open), by name, never following a symlink.
 */
int meta_apply_at(struct meta_ctx *m, int dirfd, const char *name, const struct walk_record *r,
		  const char **step);

#endif
