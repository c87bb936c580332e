/* SPDX-License-Identifier: MIT */
#include "iou/treeorder.h"

#include <errno.h>
#include <string.h>

#include "iou/pathset.h"

static bool is_root(const char *path, size_t len)
{
	return len == 1 && path[0] == '.';
}

/*
 * Remember the ancestors of path, deepest first, up to the first one already
 * known: its own ancestors went in with it, so each directory is hashed in
 * full about once per entry it holds.
 */
static int note_ancestors(struct treeorder *t, const char *path, size_t len)
{
	const char *slash;
	int ret;

	while ((slash = memrchr(path, '/', len))) {
		len = (size_t)(slash - path);
		ret = pathset_add(&t->ancestors, path, len, 0);
		if (ret <= 0)
			return ret;
	}
	return 0;
}

int treeorder_add(struct treeorder *t, const char *path, size_t len)
{
	if (is_root(path, len))
		return t->seen_below_root ? -EINVAL : 0;
	if (pathset_contains(&t->ancestors, path, len, 0))
		return -EINVAL;
	t->seen_below_root = true;
	return note_ancestors(t, path, len);
}

void treeorder_free(struct treeorder *t)
{
	inoset_free(&t->ancestors);
	t->seen_below_root = false;
}
