/* SPDX-License-Identifier: MIT */
#include "copy.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
