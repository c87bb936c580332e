/* SPDX-License-Identifier: MIT */
#include "iou/stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_READ_CHUNK (256u << 10)

int stream_reader_init(struct stream_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->buf = malloc(STREAM_READ_CHUNK);
	if (!r->buf)
		return -ENOMEM;
	r->cap = STREAM_READ_CHUNK;
	return 0;
}

void stream_reader_free(struct stream_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Move unconsumed bytes to the front and make sure a read has room. */
static int stream_make_room(struct stream_reader *r)
{
	size_t pending = r->end - r->start;
	char *p;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, pending);
		r->start = 0;
		r->end = pending;
	}
	if (r->end < r->cap)
		return 0;
	if (r->cap > STREAM_RECORD_MAX)
		return -EMSGSIZE;
	p = realloc(r->buf, r->cap * 2);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap *= 2;
	return 0;
}

static int stream_fill(struct stream_reader *r)
{
	ssize_t n;
	int ret = stream_make_room(r);

	if (ret)
		return ret;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = 1;
	r->end += n;
	return 0;
}

int stream_read_record(struct stream_reader *r, char **rec, size_t *len)
{
	size_t scanned = 0;
	char *nul;
	int ret;

	for (;;) {
		nul = memchr(r->buf + r->start + scanned, '\0', r->end - r->start - scanned);
		if (nul)
			break;
		scanned = r->end - r->start;
		if (scanned > STREAM_RECORD_MAX)
			return -EMSGSIZE;
		if (r->eof)
			return scanned ? -EBADMSG : 0;
		ret = stream_fill(r);
		if (ret)
			return ret;
	}
	*rec = r->buf + r->start;
	*len = (size_t)(nul - *rec);
	if (*len > STREAM_RECORD_MAX)
		return -EMSGSIZE;
	r->start += *len + 1;
	r->recno++;
	return 1;
}

int stream_is_header(const char *rec, size_t len)
{
	size_t n = sizeof(STREAM_MAGIC) - 1;

	return len > n && memcmp(rec, STREAM_MAGIC, n) == 0 && rec[n] == ' ';
}

/* Parse an unsigned decimal of at most 9 digits ending at stop. */
static int parse_small_uint(const char **p, char stop, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 9) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		digits++;
	}
	if (!digits || *s != stop || (digits > 1 && **p == '0'))
		return -EINVAL;
	*out = v;
	*p = s + 1;
	return 0;
}

int stream_parse_header(const char *rec, size_t len, struct stream_header *h, const char **why)
{
	const char *p = rec + sizeof(STREAM_MAGIC), *end = rec + len, *sp;

	if (!stream_is_header(rec, len)) {
		*why = "not a stream header (expected \"" STREAM_MAGIC " VERSION KIND ROOT\")";
		return -EINVAL;
	}
	if (parse_small_uint(&p, '.', &h->major) || parse_small_uint(&p, ' ', &h->minor)) {
		*why = "malformed version in stream header";
		return -EINVAL;
	}
	if (h->major != STREAM_VERSION_MAJOR) {
		*why = h->major < STREAM_VERSION_MAJOR
			   ? "stream version too old (this reader knows version 2.x; "
			     "records of version 1 lack the XATTRS field)"
			   : "unsupported stream version (this reader knows version 2.x)";
		return -EPROTONOSUPPORT;
	}
	sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp || sp == p) {
		*why = "stream header lacks a kind and a root";
		return -EINVAL;
	}
	h->kind = p;
	h->kind_len = (size_t)(sp - p);
	h->root = sp + 1;
	h->root_len = (size_t)(end - h->root);
	if (h->root_len == 0) {
		*why = "stream header has an empty root";
		return -EINVAL;
	}
	return 0;
}

int stream_format_header(struct buf *b, const char *kind, const char *root, size_t root_len)
{
	size_t old = b->len;
	int ret;

	ret = buf_printf(b, "%s %u.%u %s ", STREAM_MAGIC, STREAM_VERSION_MAJOR,
			 STREAM_VERSION_MINOR, kind);
	if (!ret)
		ret = buf_append(b, root, root_len);
	if (!ret)
		ret = buf_putc(b, '\0');
	if (ret)
		b->len = old;
	return ret;
}

int stream_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}
