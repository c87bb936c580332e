/* SPDX-License-Identifier: MIT */
#include "iou/bigalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *bigalloc_zeroed(size_t n, size_t size)
{
	size_t bytes, rounded;
	void *p;

	if (size && n > (SIZE_MAX - BIGALLOC_HUGE) / size)
		return NULL;
	bytes = n * size;
	if (bytes < BIGALLOC_HUGE / 2)
		return calloc(n, size);
	/* A huge page needs its 2 MiB aligned; aligned_alloc wants whole multiples. */
	rounded = (bytes + BIGALLOC_HUGE - 1) & ~(BIGALLOC_HUGE - 1);
	p = aligned_alloc(BIGALLOC_HUGE, rounded);
	if (!p)
		return NULL;
	/* Advice only: without transparent huge pages the block is plain memory. */
	(void)madvise(p, rounded, MADV_HUGEPAGE);
	memset(p, 0, bytes);
	return p;
}

void bigalloc_free(void *p)
{
	free(p);
}
