/* SPDX-License-Identifier: MIT */
#include "iou/ancestry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

static bool same_dir(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int ancestry_is_below(int fd, const struct stat *top)
{
	struct stat here, up;
	int cur = fd, parent, ret;

	if (fstat(fd, &here))
		return -errno;
	for (;;) {
		parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		ret = parent < 0 ? -errno : fstat(parent, &up) ? -errno : 0;
		if (cur != fd)
			close(cur);
		cur = parent;
		if (ret || same_dir(&up, &here)) /* at the root, ".." is itself */
			break;
		if (same_dir(&up, top)) {
			ret = 1;
			break;
		}
		here = up;
	}
	if (cur >= 0 && cur != fd)
		close(cur);
	return ret;
}
