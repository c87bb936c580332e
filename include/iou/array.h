/* SPDX-License-Identifier: MIT */
#ifndef IOU_ARRAY_H
#define IOU_ARRAY_H

/*
 * Growing a plain C array by doubling. On failure the array and its capacity
 * are left as they were, so the caller still owns a valid array.
 */

#include <stddef.h>

/*
 * Make room for at least one element past len in items (capacity *cap,
 * elements of elem_size bytes), starting at first_cap elements. Returns the
 * array to use from now on, or NULL when out of memory (items is untouched).
 */
void *array_grow(void *items, size_t *cap, size_t len, size_t elem_size, size_t first_cap);

#endif
