/* SPDX-License-Identifier: MIT */
#include "linkmap.h"

#include <errno.h>
#include <stdlib.h>

#include "iou/array.h"

/* A path fits a record, so 32 bits hold its length (STREAM_RECORD_MAX is 16 MiB). */
struct linkmap_entry {
	uint64_t path_off; /* into paths */
	uint32_t path_len;
	char type;
	bool replaced;
};

/* Remember path and type as the first member of (dev, ino). Returns 1 or -errno. */
static int linkmap_add(struct linkmap *m, uint64_t dev, uint64_t ino, const char *path,
		       size_t path_len, char type)
{
	struct linkmap_entry *entries;
	int ret;

	if (path_len == 0 || path_len > UINT32_MAX)
		return -EINVAL;
	entries = array_grow(m->entries, &m->cap, m->count, sizeof(*entries), 64);
	if (!entries)
		return -ENOMEM;
	m->entries = entries;
	ret = inomap_put(&m->index, dev, ino, m->count);
	if (!ret)
		ret = buf_append(&m->paths, path, path_len);
	if (ret)
		return ret;
	entries[m->count++] =
	    (struct linkmap_entry){m->paths.len - path_len, (uint32_t)path_len, type, false};
	return 1;
}

int linkmap_first_of(struct linkmap *m, uint64_t dev, uint64_t ino, const char *path,
		     size_t path_len, char type, struct linkmap_first *first)
{
	const struct linkmap_entry *e;
	uint64_t i;

	if (!inomap_get(&m->index, dev, ino, &i))
		return linkmap_add(m, dev, ino, path, path_len, type);
	e = &m->entries[i];
	first->path = m->paths.data + e->path_off;
	first->path_len = e->path_len;
	first->type = e->type;
	first->replaced = e->replaced;
	return 0;
}

void linkmap_mark_replaced(struct linkmap *m, uint64_t dev, uint64_t ino)
{
	uint64_t i;

	if (inomap_get(&m->index, dev, ino, &i))
		m->entries[i].replaced = true;
}

void linkmap_free(struct linkmap *m)
{
	inomap_free(&m->index);
	free(m->entries);
	buf_free(&m->paths);
	m->entries = NULL;
	m->cap = m->count = 0;
}
