/* SPDX-License-Identifier: MIT */
#include "iou/inomap.h"

#include <errno.h>
#include <stdlib.h>

#include "iou/bigalloc.h"

#include "iou/inoset.h"

/* Inode 0 marks an empty slot, as in inoset.c; a real inode 0 is stored as UINT64_MAX. */
struct inomap_slot {
	uint64_t dev;
	uint64_t ino;
	uint64_t value;
};

static struct inomap_slot *inomap_find(const struct inomap *m, uint64_t dev, uint64_t ino)
{
	size_t mask = m->cap - 1, i = inoset_hash(dev, ino) & mask;

	while (m->slots[i].ino && !(m->slots[i].ino == ino && m->slots[i].dev == dev))
		i = (i + 1) & mask;
	return &m->slots[i];
}

static int inomap_grow(struct inomap *m)
{
	struct inomap old = *m;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->slots = bigalloc_zeroed(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].ino)
			*inomap_find(m, old.slots[i].dev, old.slots[i].ino) = old.slots[i];
	bigalloc_free(old.slots);
	return 0;
}

int inomap_put(struct inomap *m, uint64_t dev, uint64_t ino, uint64_t value)
{
	struct inomap_slot *slot;
	int ret;

	if (ino == 0)
		ino = UINT64_MAX;
	if ((m->count + 1) * 2 > m->cap) {
		ret = inomap_grow(m);
		if (ret)
			return ret;
	}
	slot = inomap_find(m, dev, ino);
	if (!slot->ino)
		m->count++;
	*slot = (struct inomap_slot){dev, ino, value};
	return 0;
}

int inomap_get(const struct inomap *m, uint64_t dev, uint64_t ino, uint64_t *value)
{
	const struct inomap_slot *slot;

	if (!m->cap)
		return 0;
	if (ino == 0)
		ino = UINT64_MAX;
	slot = inomap_find(m, dev, ino);
	if (!slot->ino)
		return 0;
	*value = slot->value;
	return 1;
}

void inomap_free(struct inomap *m)
{
	bigalloc_free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}
