/* SPDX-License-Identifier: MIT */
#include "iou/array.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *items, size_t *cap, size_t len, size_t elem_size, size_t first_cap)
{
	size_t want = *cap ? *cap * 2 : first_cap;
	void *p;

	if (len < *cap)
		return items;
	if (want < *cap || want > SIZE_MAX / elem_size)
		return NULL;
	p = realloc(items, want * elem_size);
	if (p)
		*cap = want;
	return p;
}
