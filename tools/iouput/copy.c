/* SPDX-License-Identifier: MIT */
#include "copy.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Large enough that a comparison is a few reads per megabyte, small enough for cache. */
#define COMPARE_CHUNK (256u * 1024)

/* Errors after which another method may still work. */
static bool copy_unsupported(int err)
{
	return err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == ENOTTY ||
	       err == ENOSYS || err == EPERM || err == EBADF;
}

static int copy_range_rw(int src, int dst, off_t off, off_t end, char *buf, size_t bufsize)
{
	while (off < end) {
		size_t want = (size_t)(end - off) < bufsize ? (size_t)(end - off) : bufsize;
		ssize_t n = pread(src, buf, want, off), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ESTALE;
		for (ssize_t done = 0; done < n; done += w) {
			w = pwrite(dst, buf + done, (size_t)(n - done), off + done);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return -errno;
		}
		off += n;
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

static int copy_range(int src, int dst, off_t off, off_t end, char *buf, size_t bufsize,
		      enum copy_method *method)
{
	int ret;

	if (*method == COPY_RANGE) {
		ret = copy_range_kernel(src, dst, off, end);
		if (ret == 0 || !copy_unsupported(-ret))
			return ret;
		*method = COPY_RW;
	}
	return copy_range_rw(src, dst, off, end, buf, bufsize);
}

int copy_file_data(int src, int dst, uint64_t size, char *buf, size_t bufsize,
		   enum copy_method *method)
{
	off_t off = 0, end = (off_t)size, data, hole;
	int ret;

	*method = COPY_NONE;
	if (size == 0)
		return 0;
	if (ioctl(dst, FICLONE, src) == 0) {
		*method = COPY_REFLINK;
		return 0;
	}
	*method = COPY_RANGE;
	/* Size first: the ranges we skip stay holes. */
	if (ftruncate(dst, end))
		return -errno;
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
		ret = copy_range(src, dst, data, hole, buf, bufsize, method);
		if (ret)
			return ret;
		off = hole;
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
