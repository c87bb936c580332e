/* SPDX-License-Identifier: MIT */
#ifndef IOU_SIZE_H
#define IOU_SIZE_H

/*
 * Sizes as users type them on the command line: a decimal number with an
 * optional binary suffix K, M, G or T (powers of 1024, with or without a
 * trailing "iB"/"B", either case), as in "64K", "1MiB", "4g".
 */

#include <stdint.h>

/* Parse s into *out. Returns 0, or -EINVAL (not a size) or -ERANGE (too large). */
int size_parse(const char *s, uint64_t *out);

#endif
