/* SPDX-License-Identifier: MIT */
#include "balance.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

int balance_add(struct balance *b, uint64_t bytes, size_t *index)
{
	struct balance_unit *units;
	size_t cap;

	if (b->count == b->cap) {
		cap = b->cap ? b->cap * 2 : 4096;
		units = realloc(b->units, cap * sizeof(*units));
		if (!units)
			return -ENOMEM;
		b->units = units;
		b->cap = cap;
	}
	b->units[b->count] = (struct balance_unit){bytes, 1, 0};
	*index = b->count++;
	return 0;
}

void balance_join(struct balance *b, size_t index)
{
	b->units[index].entries++;
}

static uint64_t unit_load(const struct balance *b, const struct balance_unit *u)
{
	return u->bytes + b->entry_cost * u->entries;
}

/* Largest load first; equal loads in the order they were added. */
static int by_load_descending(const void *x, const void *y, void *arg)
{
	const struct balance *b = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	uint64_t li = unit_load(b, &b->units[i]), lj = unit_load(b, &b->units[j]);

	if (li != lj)
		return li > lj ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* A heap of shard numbers, least loaded on top: the one to give the next unit. */
struct shard_heap {
	unsigned *shard;
	unsigned n;
	const uint64_t *load;
};

static bool heap_before(const struct shard_heap *h, unsigned a, unsigned b)
{
	unsigned sa = h->shard[a], sb = h->shard[b];

	return h->load[sa] != h->load[sb] ? h->load[sa] < h->load[sb] : sa < sb;
}

/* The top's load grew: move it down to its place. */
static void heap_sift_down(struct shard_heap *h)
{
	unsigned i = 0, child, tmp;

	for (;;) {
		child = 2 * i + 1;
		if (child >= h->n)
			return;
		if (child + 1 < h->n && heap_before(h, child + 1, child))
			child++;
		if (!heap_before(h, child, i))
			return;
		tmp = h->shard[i];
		h->shard[i] = h->shard[child];
		h->shard[child] = tmp;
		i = child;
	}
}

int balance_assign(struct balance *b, unsigned shards, struct bundle_load *loads)
{
	size_t *order = malloc((b->count ? b->count : 1) * sizeof(*order));
	uint64_t *load = calloc(shards, sizeof(*load));
	struct shard_heap h = {malloc(shards * sizeof(unsigned)), shards, load};
	struct balance_unit *u;
	int ret = -ENOMEM;

	if (!order || !load || !h.shard)
		goto out;
	/* All loads are 0: shard numbers in order already make a heap. */
	for (unsigned k = 0; k < shards; k++) {
		h.shard[k] = k;
		loads[k] = (struct bundle_load){0, 0};
	}
	for (size_t i = 0; i < b->count; i++)
		order[i] = i;
	qsort_r(order, b->count, sizeof(*order), by_load_descending, b);
	for (size_t i = 0; i < b->count; i++) {
		u = &b->units[order[i]];
		u->shard = h.shard[0];
		load[u->shard] += unit_load(b, u);
		loads[u->shard].bytes += u->bytes;
		loads[u->shard].entries += u->entries;
		heap_sift_down(&h);
	}
	ret = 0;
out:
	free(order);
	free(load);
	free(h.shard);
	return ret;
}

void balance_free(struct balance *b)
{
	free(b->units);
	b->units = NULL;
	b->count = b->cap = 0;
}
