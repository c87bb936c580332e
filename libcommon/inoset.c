/* SPDX-License-Identifier: MIT */
#include "iou/inoset.h"

#include <errno.h>
#include <stdlib.h>

#include "iou/bigalloc.h"

/* Inode 0 is never valid for a statx result, so it marks an empty slot. */
struct inoset_slot {
	uint64_t dev;
	uint64_t ino;
};

uint64_t inoset_dev(uint32_t major, uint32_t minor)
{
	return (uint64_t)major << 32 | minor;
}

size_t inoset_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ull ^ dev * 0xC2B2AE3D27D4EB4Full;

	return (size_t)(h ^ h >> 29);
}

static struct inoset_slot *inoset_find(const struct inoset *s, uint64_t dev, uint64_t ino)
{
	size_t mask = s->cap - 1, i = inoset_hash(dev, ino) & mask;

	while (s->slots[i].ino && !(s->slots[i].ino == ino && s->slots[i].dev == dev))
		i = (i + 1) & mask;
	return &s->slots[i];
}

static int inoset_grow(struct inoset *s)
{
	struct inoset old = *s;

	s->cap = old.cap ? old.cap * 2 : 1024;
	s->slots = bigalloc_zeroed(s->cap, sizeof(*s->slots));
	if (!s->slots) {
		*s = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].ino)
			*inoset_find(s, old.slots[i].dev, old.slots[i].ino) = old.slots[i];
	bigalloc_free(old.slots);
	return 0;
}

int inoset_insert(struct inoset *s, uint64_t dev, uint64_t ino)
{
	struct inoset_slot *slot;
	int ret;

	/* Callers never see inode 0 from the kernel; keep it distinguishable. */
	if (ino == 0)
		ino = UINT64_MAX;
	if ((s->count + 1) * 2 > s->cap) {
		ret = inoset_grow(s);
		if (ret)
			return ret;
	}
	slot = inoset_find(s, dev, ino);
	if (slot->ino)
		return 0;
	slot->dev = dev;
	slot->ino = ino;
	s->count++;
	return 1;
}

int inoset_contains(const struct inoset *s, uint64_t dev, uint64_t ino)
{
	if (!s->cap)
		return 0;
	if (ino == 0)
		ino = UINT64_MAX;
	return inoset_find(s, dev, ino)->ino != 0;
}

void inoset_free(struct inoset *s)
{
	bigalloc_free(s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
}
