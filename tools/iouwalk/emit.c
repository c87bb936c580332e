/* SPDX-License-Identifier: MIT */
#include "emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iou/array.h"
#include "iou/stream.h"

int emit_out_init(struct emit_out *o, int fd, enum emit_format format)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->format = format;
	return -pthread_mutex_init(&o->lock, NULL);
}

void emit_out_free(struct emit_out *o)
{
	inoset_free(&o->seen);
	pthread_mutex_destroy(&o->lock);
}

static int emit_mark_hardlink(struct emit_buf *eb, size_t offset, const struct walk_record *r)
{
	struct emit_mark *m;

	m = array_grow(eb->marks, &eb->capmarks, eb->nmarks, sizeof(*m), 64);
	if (!m)
		return -ENOMEM;
	eb->marks = m;
	eb->marks[eb->nmarks].offset = offset;
	eb->marks[eb->nmarks].dev = inoset_dev(r->dev_major, r->dev_minor);
	eb->marks[eb->nmarks].ino = r->ino;
	eb->nmarks++;
	return 0;
}

/* A path as find(1) prints it: the root, then the relative path below it. */
static int emit_joined_path(struct buf *b, const char *root, const struct walk_record *r)
{
	size_t root_len = strlen(root);
	int ret;

	ret = buf_append(b, root, root_len);
	if (ret || (r->path_len == 1 && r->path[0] == '.'))
		goto out;
	if (root_len == 0 || root[root_len - 1] != '/')
		ret = buf_putc(b, '/');
	if (!ret)
		ret = buf_append(b, r->path, r->path_len);
out:
	return ret ? ret : buf_putc(b, '\0');
}

int emit_record(struct emit_buf *eb, const struct emit_out *o, const struct walk_record *r,
		const char *root)
{
	size_t offset = eb->data.len;
	int ret;

	if (o->format == EMIT_PATHS0) {
		ret = emit_joined_path(&eb->data, root, r);
		if (ret)
			eb->data.len = offset;
		return ret;
	}
	ret = record_format_walk(&eb->data, r);
	if (ret || !(r->flags & RECORD_HARDLINKED))
		return ret;
	ret = emit_mark_hardlink(eb, offset, r);
	if (ret)
		eb->data.len = offset;
	return ret;
}

int emit_header(struct emit_buf *eb, const struct emit_out *o, const char *root)
{
	if (o->format == EMIT_PATHS0)
		return 0;
	return stream_format_header(&eb->data, "walk", root, strlen(root));
}

int emit_flush(struct emit_out *o, struct emit_buf *eb)
{
	int ret = 0;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < eb->nmarks; i++) {
		const struct emit_mark *m = &eb->marks[i];

		ret = inoset_insert(&o->seen, m->dev, m->ino);
		if (ret < 0)
			goto out;
		if (ret == 0)
			eb->data.data[m->offset + RECORD_FLAGS_OFFSET + 1] = 'r';
	}
	ret = o->error ? o->error : stream_write_all(o->fd, eb->data.data, eb->data.len);
	if (ret && !o->error)
		o->error = ret;
out:
	pthread_mutex_unlock(&o->lock);
	buf_clear(&eb->data);
	eb->nmarks = 0;
	return ret;
}

void emit_buf_free(struct emit_buf *eb)
{
	buf_free(&eb->data);
	free(eb->marks);
	eb->marks = NULL;
	eb->nmarks = eb->capmarks = 0;
}
