/* SPDX-License-Identifier: MIT */
#include "linkmap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "iou/inoset.h"

/*
 * Paths are never empty, so path_len 0 marks a free slot; a path fits a
 * record, so 32 bits hold its length (STREAM_RECORD_MAX is 16 MiB).
 */
struct linkmap_slot {
	uint64_t dev;
	uint64_t ino;
	uint64_t path_off; /* into paths */
	uint32_t path_len;
	char type;
	bool replaced;
};

static struct linkmap_slot *linkmap_find(const struct linkmap *m, uint64_t dev, uint64_t ino)
{
	size_t mask = m->cap - 1, i = inoset_hash(dev, ino) & mask;

	while (m->slots[i].path_len && !(m->slots[i].ino == ino && m->slots[i].dev == dev))
		i = (i + 1) & mask;
	return &m->slots[i];
}

static int linkmap_grow(struct linkmap *m)
{
	struct linkmap_slot *old = m->slots;
	size_t old_cap = m->cap;

	m->cap = old_cap ? old_cap * 2 : 256;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		m->cap = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].path_len)
			*linkmap_find(m, old[i].dev, old[i].ino) = old[i];
	free(old);
	return 0;
}

static int linkmap_add(struct linkmap *m, struct linkmap_slot *slot, const char *path,
		       size_t path_len, char type)
{
	size_t off = m->paths.len;
	int ret;

	if (path_len == 0 || path_len > UINT32_MAX)
		return -EINVAL;
	ret = buf_append(&m->paths, path, path_len);
	if (ret)
		return ret;
	slot->path_off = off;
	slot->path_len = (uint32_t)path_len;
	slot->type = type;
	m->count++;
	return 1;
}

int linkmap_first_of(struct linkmap *m, uint64_t dev, uint64_t ino, const char *path,
		     size_t path_len, char type, struct linkmap_first *first)
{
	struct linkmap_slot *slot;
	int ret;

	if ((m->count + 1) * 2 > m->cap) {
		ret = linkmap_grow(m);
		if (ret)
			return ret;
	}
	slot = linkmap_find(m, dev, ino);
	if (!slot->path_len) {
		slot->dev = dev;
		slot->ino = ino;
		return linkmap_add(m, slot, path, path_len, type);
	}
	first->path = m->paths.data + slot->path_off;
	first->path_len = slot->path_len;
	first->type = slot->type;
	first->replaced = slot->replaced;
	return 0;
}

void linkmap_mark_replaced(struct linkmap *m, uint64_t dev, uint64_t ino)
{
	struct linkmap_slot *slot = m->cap ? linkmap_find(m, dev, ino) : NULL;

	if (slot && slot->path_len)
		slot->replaced = true;
}

void linkmap_free(struct linkmap *m)
{
	free(m->slots);
	buf_free(&m->paths);
	m->slots = NULL;
	m->cap = m->count = 0;
}
