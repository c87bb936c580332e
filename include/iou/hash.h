/* SPDX-License-Identifier: MIT */
#ifndef IOU_HASH_H
#define IOU_HASH_H

/*
 * FNV-1a, 64 bits: the one byte-at-a-time hash the tools use where spread
 * matters but not resistance to chosen input (hash tables of paths,
 * change-detecting digests). Fold more bytes in by passing the result back.
 */

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_BASIS 0xCBF29CE484222325ull

uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n);

#endif
