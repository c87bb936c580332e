/* SPDX-License-Identifier: MIT */
#include "iou/cursor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iou/array.h"
#include "iou/fdlimit.h"

#define CURSOR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

void cursor_init(struct cursor *c, int root_fd, bool create)
{
	memset(c, 0, sizeof(*c));
	c->root_fd = root_fd;
	c->create = create;
}

static void cursor_pop(struct cursor *c)
{
	c->depth--;
	if (c->levels[c->depth].fd >= 0)
		close(c->levels[c->depth].fd);
	c->path.len = c->depth ? c->levels[c->depth - 1].end : 0;
}

void cursor_free(struct cursor *c)
{
	while (c->depth)
		cursor_pop(c);
	free(c->levels);
	buf_free(&c->path);
}

static int cursor_top(const struct cursor *c)
{
	return c->depth ? c->levels[c->depth - 1].fd : c->root_fd;
}

/* Open one more component below the top, creating it when asked. */
static int cursor_push(struct cursor *c, const char *name, size_t len)
{
	char *copy = strndup(name, len);
	struct cursor_level *levels;
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	levels = array_grow(c->levels, &c->cap, c->depth, sizeof(*levels), 16);
	if (!levels) {
		ret = -ENOMEM;
		goto out;
	}
	c->levels = levels;
	fd = fdlimit_openat(cursor_top(c), copy, CURSOR_OPEN_FLAGS, 0);
	if (fd == -ENOENT && c->create) {
		if (mkdirat(cursor_top(c), copy, 0700) && errno != EEXIST) {
			ret = -errno;
			goto out;
		}
		fd = fdlimit_openat(cursor_top(c), copy, CURSOR_OPEN_FLAGS, 0);
	}
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if ((c->depth && buf_putc(&c->path, '/')) || buf_append(&c->path, name, len)) {
		close(fd);
		ret = -ENOMEM;
		goto out;
	}
	c->levels[c->depth].fd = fd;
	c->levels[c->depth].end = c->path.len;
	c->depth++;
	/* Only the top is used: the level that leaves the window is closed. */
	if (c->depth > CURSOR_OPEN_LEVELS) {
		struct cursor_level *shed = &c->levels[c->depth - 1 - CURSOR_OPEN_LEVELS];

		close(shed->fd);
		shed->fd = -1;
	}
out:
	free(copy);
	return ret;
}

/* How many open components are a prefix of dir (the path's directory part). */
static size_t cursor_common(const struct cursor *c, const char *dir, size_t dir_len)
{
	size_t keep = 0;

	for (size_t i = 0; i < c->depth; i++) {
		size_t end = c->levels[i].end;

		if (end > dir_len || memcmp(c->path.data, dir, end) ||
		    (end < dir_len && dir[end] != '/'))
			break;
		keep = i + 1;
	}
	return keep;
}

int cursor_parent(struct cursor *c, const char *path, size_t path_len, int *dirfd,
		  const char **name)
{
	const char *slash = memrchr(path, '/', path_len);
	size_t dir_len = slash ? (size_t)(slash - path) : 0;
	size_t keep = cursor_common(c, path, dir_len), pos;
	int ret;

	/* A closed level is reopened from the nearest open one, one name at a time. */
	while (keep && c->levels[keep - 1].fd < 0)
		keep--;
	pos = keep ? c->levels[keep - 1].end + 1 : 0;

	while (c->depth > keep)
		cursor_pop(c);
	while (pos < dir_len) {
		const char *next = memchr(path + pos, '/', dir_len - pos);
		size_t n = next ? (size_t)(next - (path + pos)) : dir_len - pos;

		ret = cursor_push(c, path + pos, n);
		if (ret)
			return ret;
		pos += n + 1;
	}
	*dirfd = cursor_top(c);
	*name = slash ? slash + 1 : path;
	return 0;
}

int cursor_openat(int dirfd, const char *path, int flags)
{
	size_t len = strlen(path);
	struct cursor c;
	const char *name;
	int fd, ret;

	if (len < PATH_MAX)
		return fdlimit_openat(dirfd, path, flags, 0);
	cursor_init(&c, dirfd, false);
	ret = cursor_parent(&c, path, len, &fd, &name);
	if (!ret)
		ret = fdlimit_openat(fd, name, flags, 0);
	cursor_free(&c);
	return ret;
}
