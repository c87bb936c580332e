/* SPDX-License-Identifier: MIT */
#ifndef IOUPUT_COPY_H
#define IOUPUT_COPY_H

/*
 * Copying a regular file's bytes between two open descriptors, cheapest
 * way first: a reflink (FICLONE) shares extents on file systems that can;
 * otherwise copy_file_range moves data in the kernel; otherwise read and
 * write. Holes stay holes: only the ranges SEEK_DATA finds are copied and the
 * size is set with ftruncate, so a sparse source gives a sparse copy.
 */

#include <stddef.h>
#include <stdint.h>

/* What copy_file_data() used, for statistics and tests. */
enum copy_method {
	COPY_NONE,    /* empty file */
	COPY_REFLINK, /* FICLONE */
	COPY_RANGE,   /* copy_file_range */
	COPY_RW,      /* read and write */
};

/*
 * Copy size bytes from src to dst (an empty, freshly created file). buf is a
 * scratch buffer of bufsize bytes for the read/write path. Returns 0 and sets
 * *method, or a negative errno. -ESTALE means the source changed size while
 * being copied.
 */
int copy_file_data(int src, int dst, uint64_t size, char *buf, size_t bufsize,
		   enum copy_method *method);

/*
 * Whether the first size bytes of a and b are the same: 1 yes, 0 no (also
 * when either ends sooner), or a negative errno. buf, of bufsize bytes,
 * holds a chunk of each at a time.
 */
int copy_data_equal(int a, int b, uint64_t size, char *buf, size_t bufsize);

#endif
