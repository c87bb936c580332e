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

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What copy_file_data() used, for statistics and tests. */
enum copy_method {
	COPY_NONE,    /* empty file */
	COPY_REFLINK, /* FICLONE */
	COPY_RANGE,   /* copy_file_range */
	COPY_RW,      /* read and write */
};

/*
 * An io_uring for the read/write path, which then keeps up to nbufs chunks
 * in flight, each read linked to its write, in buffers registered with the
 * ring (when fixed). broken is set if the ring itself fails; the copy then
 * goes on with plain syscalls.
 */
struct copy_ring {
	struct io_uring *ring;
	char *bufs;
	unsigned nbufs; /* at most COPY_RING_MAX */
	size_t buf_size;
	bool fixed;
	bool broken;
};

#define COPY_RING_MAX 32

/* Where copy_file_data() may read and write through: a buffer, a ring. */
struct copy_io {
	char *buf; /* for pread/pwrite */
	size_t bufsize;
	struct copy_ring *ring; /* NULL, or unusable when broken: plain syscalls */
};

/*
 * Copy size bytes from src to dst (an empty, freshly created file), through
 * io for the read/write path. Returns 0 and sets
 * *method, or a negative errno. -ESTALE means the source changed size while
 * being copied.
 */
int copy_file_data(int src, int dst, uint64_t size, struct copy_io *io, enum copy_method *method);

/*
 * Copy the len bytes at off of src to the same offset of dst, which other
 * writers may share (no truncation, no reflink): for a chunk of a file that
 * several machines write. Holes in the range are skipped. Returns 0 and sets
 * *method, or a negative errno; -ESTALE when the source ends too soon.
 */
int copy_file_part(int src, int dst, uint64_t off, uint64_t len, struct copy_io *io,
		   enum copy_method *method);

/* Finish a write of len bytes at off of which done are written, with pwrite. */
int copy_write_rest(int dst, const char *buf, size_t done, size_t len, off_t off);

/*
 * Whether the first size bytes of a and b are the same: 1 yes, 0 no (also
 * when either ends sooner), or a negative errno. buf, of bufsize bytes,
 * holds a chunk of each at a time.
 */
int copy_data_equal(int a, int b, uint64_t size, char *buf, size_t bufsize);

#endif
