/* SPDX-License-Identifier: MIT */
#include "copy.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iou/uring.h"

/* Large enough that a comparison is a few reads per megabyte, small enough for cache. */
#define COMPARE_CHUNK (256u * 1024)

/* Errors after which another method may still work. */
static bool copy_unsupported(int err)
{
	return err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == ENOTTY ||
	       err == ENOSYS || err == EPERM || err == EBADF;
}

int copy_write_rest(int dst, const char *buf, size_t done, size_t len, off_t off)
{
	ssize_t w;

	while (done < len) {
		w = pwrite(dst, buf + done, len - done, off + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

/* Queue up to r->nbufs chunks of [off, end), each read linked to its write. */
static unsigned queue_chunks(struct copy_ring *r, int src, int dst, off_t off, off_t end)
{
	unsigned n = 0;

	for (; n < r->nbufs && off < end; n++, off += (off_t)r->buf_size) {
		unsigned len = (unsigned)((size_t)(end - off) < r->buf_size ? (size_t)(end - off)
									    : r->buf_size);
		char *buf = r->bufs + (size_t)n * r->buf_size;
		struct io_uring_sqe *rd = io_uring_get_sqe(r->ring), *wr;

		if (r->fixed)
			io_uring_prep_read_fixed(rd, src, buf, len, (uint64_t)off, (int)n);
		else
			io_uring_prep_read(rd, src, buf, len, (uint64_t)off);
		/* A short read cancels its write: a shrinking source is caught below. */
		rd->flags |= IOSQE_IO_LINK;
		io_uring_sqe_set_data64(rd, 2 * n);
		wr = io_uring_get_sqe(r->ring);
		if (r->fixed)
			io_uring_prep_write_fixed(wr, dst, buf, len, (uint64_t)off, (int)n);
		else
			io_uring_prep_write(wr, dst, buf, len, (uint64_t)off);
		io_uring_sqe_set_data64(wr, 2 * n + 1);
	}
	return n;
}

/*
 * Copy [off, end) through the ring, many chunks in flight. Returns 0, a
 * negative errno, or 1 when the ring failed at *at (the caller goes on from
 * there with plain syscalls).
 */
static int copy_range_ring(struct copy_ring *r, int src, int dst, off_t off, off_t end, off_t *at)
{
	int res[2 * COPY_RING_MAX], ret;
	unsigned n;

	for (; off < end; off += (off_t)(n * r->buf_size)) {
		*at = off;
		n = queue_chunks(r, src, dst, off, end);
		if (uring_submit_collect(r->ring, 2 * n, res)) {
			r->broken = true;
			return 1;
		}
		for (unsigned i = 0; i < n; i++) {
			off_t at_i = off + (off_t)(i * r->buf_size);
			size_t len =
			    (size_t)(end - at_i) < r->buf_size ? (size_t)(end - at_i) : r->buf_size;

			if (res[2 * i] < 0)
				return res[2 * i];
			if ((size_t)res[2 * i] != len)
				return -ESTALE; /* the source shrank */
			if (res[2 * i + 1] < 0)
				return res[2 * i + 1];
			ret = copy_write_rest(dst, r->bufs + (size_t)i * r->buf_size,
					      (size_t)res[2 * i + 1], len, at_i);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Read n bytes at off, fewer only where the file ends. Returns the count or -errno. */
static ssize_t read_full(int fd, char *buf, size_t n, off_t off)
{
	size_t done = 0;
	ssize_t got;

	while (done < n) {
		got = pread(fd, buf + done, n - done, off + (off_t)done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

static int copy_range_rw(int src, int dst, off_t off, off_t end, char *buf, size_t bufsize)
{
	int ret;

	while (off < end) {
		size_t want = (size_t)(end - off) < bufsize ? (size_t)(end - off) : bufsize;
		ssize_t n = read_full(src, buf, want, off);

		if (n < 0)
			return (int)n;
		if ((size_t)n != want)
			return -ESTALE; /* the source ended before the walk's size */
		ret = copy_write_rest(dst, buf, 0, want, off);
		if (ret)
			return ret;
		off += (off_t)want;
	}
	return 0;
}

/* Copy [off, end) with copy_file_range, or say it cannot. */
static int copy_range_kernel(int src, int dst, off_t off, off_t end)
{
	while (off < end) {
		off_t in = off, out = off;
		ssize_t n = copy_file_range(src, &in, dst, &out, (size_t)(end - off), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ESTALE;
		off += n;
	}
	return 0;
}

static int copy_range(int src, int dst, off_t off, off_t end, struct copy_io *io,
		      enum copy_method *method)
{
	int ret;

	if (*method == COPY_RANGE) {
		ret = copy_range_kernel(src, dst, off, end);
		if (ret == 0 || !copy_unsupported(-ret))
			return ret;
		*method = COPY_RW;
	}
	if (io->ring && !io->ring->broken) {
		ret = copy_range_ring(io->ring, src, dst, off, end, &off);
		if (ret <= 0)
			return ret;
	}
	return copy_range_rw(src, dst, off, end, io->buf, io->bufsize);
}

/* Copy the data of [off, end), extent by extent: what SEEK_DATA skips stays a hole. */
static int copy_extents(int src, int dst, off_t off, off_t end, struct copy_io *io,
			enum copy_method *method)
{
	off_t data, hole;
	int ret;

	while (off < end) {
		data = lseek(src, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (data < 0) {
			/* No SEEK_DATA here: everything is data. */
			data = off;
			hole = end;
		} else {
			hole = lseek(src, data, SEEK_HOLE);
			if (hole < 0 || hole > end)
				hole = end;
		}
		if (data >= end)
			break;
		ret = copy_range(src, dst, data, hole, io, method);
		if (ret)
			return ret;
		off = hole;
	}
	return 0;
}

int copy_file_data(int src, int dst, uint64_t size, struct copy_io *io, enum copy_method *method)
{
	*method = COPY_NONE;
	if (size == 0)
		return 0;
	/* No file is larger than off_t holds: the plan's size is not this source's. */
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	if (ioctl(dst, FICLONE, src) == 0) {
		*method = COPY_REFLINK;
		return 0;
	}
	*method = COPY_RANGE;
	/* Size first: the ranges we skip stay holes. */
	if (ftruncate(dst, (off_t)size))
		return -errno;
	return copy_extents(src, dst, 0, (off_t)size, io, method);
}

int copy_file_part(int src, int dst, uint64_t off, uint64_t len, struct copy_io *io,
		   enum copy_method *method)
{
	*method = COPY_RANGE;
	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EFBIG;
	return copy_extents(src, dst, (off_t)off, (off_t)(off + len), io, method);
}

int copy_data_equal(int a, int b, uint64_t size, char *buf, size_t bufsize)
{
	size_t chunk = bufsize / 2 < COMPARE_CHUNK ? bufsize / 2 : COMPARE_CHUNK, want;
	ssize_t na, nb;

	for (uint64_t off = 0; off < size; off += want) {
		want = size - off < chunk ? (size_t)(size - off) : chunk;
		na = read_full(a, buf, want, (off_t)off);
		nb = read_full(b, buf + chunk, want, (off_t)off);
		if (na < 0 || nb < 0)
			return (int)(na < 0 ? na : nb);
		if ((size_t)na != want || (size_t)nb != want || memcmp(buf, buf + chunk, want))
			return 0;
	}
	return 1;
}
