/* SPDX-License-Identifier: MIT */
#ifndef IOU_BIGALLOC_H
#define IOU_BIGALLOC_H

/*
 * Zeroed memory for large tables that are touched all over (hash tables,
 * sort runs). On the VMs the tools were measured on, the first touch of
 * each 4 KiB page costs about 30 us (a shadow-paging fault), more than
 * the work done in it: 100,000 paths in a hash table cost iouplan 2,000
 * faults. Blocks of half BIGALLOC_HUGE or more are therefore rounded up
 * to whole huge pages, aligned to them and advised as transparent huge
 * pages, faulted in once per 2 MiB where the kernel allows it
 * (transparent_hugepage "madvise" or "always"), and as plain pages where
 * it does not. Smaller blocks come from calloc().
 */

#include <stddef.h>

/* The size of a huge page on x86-64 and arm64 with 4 KiB pages. */
#define BIGALLOC_HUGE ((size_t)2 << 20)

/* n elements of size bytes, zeroed; NULL when out of memory or n * size overflows. */
void *bigalloc_zeroed(size_t n, size_t size);

/*
 * Resize p (NULL, or from a function here or from malloc) to at least bytes,
 * keeping its first keep bytes; beyond them the contents are undefined.
 * Large blocks go to new huge-page memory, copied; small ones to realloc().
 * Returns NULL, p untouched, when out of memory.
 */
void *bigalloc_resize(void *p, size_t keep, size_t bytes);

/* Free what the functions here returned (NULL is fine). */
void bigalloc_free(void *p);

#endif
