/* SPDX-License-Identifier: MIT */
#include "compare.h"

#include <string.h>

enum { CH_C, CH_S, CH_T, CH_P, CH_O, CH_G, CH_U, CH_A, CH_X };

static void mark(char *change, int at)
{
	change[at] = PLAN_CHANGE_LETTERS[at];
}

bool compare_attributes(const struct walk_record *src, const struct walk_record *dst,
			const struct compare_opts *o, char *change)
{
	memcpy(change, PLAN_CHANGE_NONE, PLAN_CHANGE_LEN + 1);
	if (src->mtime.sec != dst->mtime.sec || src->mtime.nsec != dst->mtime.nsec)
		mark(change, CH_T);
	if (src->type != 'l' && src->mode != dst->mode)
		mark(change, CH_P);
	if (o->owner && src->uid != dst->uid)
		mark(change, CH_O);
	if (o->owner && src->gid != dst->gid)
		mark(change, CH_G);
	if (src->has_xattrs && dst->has_xattrs && src->acl_digest != dst->acl_digest)
		mark(change, CH_A);
	if (src->has_xattrs && dst->has_xattrs && src->xattr_digest != dst->xattr_digest)
		mark(change, CH_X);
	return memcmp(change, PLAN_CHANGE_NONE, PLAN_CHANGE_LEN) != 0;
}

static bool same_target(const struct walk_record *a, const struct walk_record *b)
{
	return a->target_len == b->target_len && memcmp(a->target, b->target, a->target_len) == 0;
}

static enum plan_op choose_file(const struct walk_record *src, const struct walk_record *dst,
				const struct compare_opts *o, char *change, bool attrs)
{
	if (src->size != dst->size)
		mark(change, CH_S);
	/*
	 * Size or time differ: the data may. A destination file linked
	 * elsewhere while the source's is not gets a file of its own.
	 */
	if (change[CH_S] != '.' || change[CH_T] != '.' || (dst->nlink > 1 && src->nlink == 1))
		return PLAN_COPY;
	if (o->checksum) {
		mark(change, CH_C);
		return PLAN_VERIFY;
	}
	return attrs ? PLAN_META : PLAN_OP_COUNT;
}

enum plan_op compare_choose(const struct walk_record *src, const struct walk_record *dst,
			    const struct compare_opts *o, char *change)
{
	bool attrs = compare_attributes(src, dst, o, change);

	switch (src->type) {
	case 'f':
		return choose_file(src, dst, o, change, attrs);
	case 'l':
		if (same_target(src, dst))
			break;
		mark(change, CH_C);
		return PLAN_SYMLINK;
	case 'c':
	case 'b':
		if (src->rdev_major == dst->rdev_major && src->rdev_minor == dst->rdev_minor)
			break;
		mark(change, CH_C);
		return PLAN_MKNOD;
	default:
		break;
	}
	return attrs ? PLAN_META : PLAN_OP_COUNT;
}
