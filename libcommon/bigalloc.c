/* SPDX-License-Identifier: MIT */
#include "iou/bigalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* bytes (at least half a huge page) on whole huge pages where the kernel allows. */
static void *huge_block(size_t bytes)
{
	/* A huge page needs its 2 MiB aligned; aligned_alloc wants whole multiples. */
	size_t rounded = (bytes + BIGALLOC_HUGE - 1) & ~(BIGALLOC_HUGE - 1);
	void *p = aligned_alloc(BIGALLOC_HUGE, rounded);

	/* Advice only: without transparent huge pages the block is plain memory. */
	if (p)
		(void)madvise(p, rounded, MADV_HUGEPAGE);
	return p;
}

void *bigalloc_zeroed(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (size && n > (SIZE_MAX - BIGALLOC_HUGE) / size)
		return NULL;
	bytes = n * size;
	if (bytes < BIGALLOC_HUGE / 2)
		return calloc(n, size);
	p = huge_block(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void *bigalloc_resize(void *p, size_t keep, size_t bytes)
{
	void *q;

	if (bytes > SIZE_MAX - BIGALLOC_HUGE)
		return NULL;
	if (bytes < BIGALLOC_HUGE / 2)
		return realloc(p, bytes);
	q = huge_block(bytes);
	if (q && keep)
		memcpy(q, p, keep);
	if (q)
		free(p);
	return q;
}

void bigalloc_free(void *p)
{
	free(p);
}
