/* SPDX-License-Identifier: MIT */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "iou/stream.h"
#include "iou/tmpfile.h"

#define SPOOL_COPY_CHUNK (256u << 10)

void spool_init(struct spool *s)
{
	s->mem = (struct buf)BUF_INIT;
	s->fd = -1;
	s->spilled = 0;
}

static int spool_spill(struct spool *s)
{
	int ret;

	if (s->fd < 0) {
		ret = tmpfile_anon("iouplan");
		if (ret < 0)
			return ret;
		s->fd = ret;
	}
	ret = stream_write_all(s->fd, s->mem.data, s->mem.len);
	if (ret)
		return ret;
	s->spilled += s->mem.len;
	buf_clear(&s->mem);
	return 0;
}

int spool_append(struct spool *s, const void *p, size_t n)
{
	int ret = buf_append(&s->mem, p, n);

	if (ret)
		return ret;
	return s->mem.len >= SPOOL_MEM_MAX ? spool_spill(s) : 0;
}

static int spool_copy_file(const struct spool *s, int fd, bool *spool_failed)
{
	char *chunk = malloc(SPOOL_COPY_CHUNK);
	uint64_t off = 0;
	ssize_t n;
	int ret = 0;

	if (!chunk)
		return -ENOMEM;
	while (off < s->spilled && !ret) {
		n = pread(s->fd, chunk, SPOOL_COPY_CHUNK, (off_t)off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			*spool_failed = true;
			ret = n < 0 ? -errno : -EIO; /* the file shrank under us */
			break;
		}
		ret = stream_write_all(fd, chunk, (size_t)n);
		off += (uint64_t)n;
	}
	free(chunk);
	return ret;
}

int spool_copy_to(const struct spool *s, int fd, bool *spool_failed)
{
	int ret = 0;

	*spool_failed = false;
	if (s->spilled)
		ret = spool_copy_file(s, fd, spool_failed);
	if (!ret)
		ret = stream_write_all(fd, s->mem.data, s->mem.len);
	return ret;
}

int spool_reset(struct spool *s)
{
	buf_clear(&s->mem);
	if (s->spilled && ftruncate(s->fd, 0))
		return -errno;
	if (s->spilled && lseek(s->fd, 0, SEEK_SET) < 0)
		return -errno;
	s->spilled = 0;
	return 0;
}

void spool_free(struct spool *s)
{
	buf_free(&s->mem);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->spilled = 0;
}
