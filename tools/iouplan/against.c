/* SPDX-License-Identifier: MIT */
#include "against.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iou/bigalloc.h"
#include "iou/hash.h"
#include "iou/stream.h"

static uint32_t *against_slot(const struct against *a, const char *path, size_t len)
{
	size_t mask = a->cap - 1, i = hash_fnv1a(HASH_FNV1A_BASIS, path, len) & mask;
	const struct walk_record *r;

	for (; a->slots[i]; i = (i + 1) & mask) {
		r = &a->entries[a->slots[i] - 1].r;
		if (r->path_len == len && memcmp(r->path, path, len) == 0)
			break;
	}
	return &a->slots[i];
}

struct against_entry *against_find(const struct against *a, const char *path, size_t len)
{
	uint32_t *slot = a->cap ? against_slot(a, path, len) : NULL;

	return slot && *slot ? &a->entries[*slot - 1] : NULL;
}

struct against_entry *against_parent(const struct against *a, const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);

	if (len == 1 && path[0] == '.')
		return NULL;
	return slash ? against_find(a, path, (size_t)(slash - path)) : against_find(a, ".", 1);
}

/* Read every record after the header into a->text; returns the count. */
static int against_read(struct against *a, struct stream_reader *in, size_t *count,
			const char **why)
{
	char *rec;
	size_t len;
	int ret;

	*count = 0;
	while ((ret = stream_read_record(in, &rec, &len)) == 1) {
		if (stream_is_header(rec, len)) {
			*why = "a second header: --against takes the walk of one root";
			return -EINVAL;
		}
		ret = buf_append(&a->text, rec, len + 1);
		if (ret)
			return ret;
		(*count)++;
	}
	return ret;
}

static int against_header(struct stream_reader *in, const char **why)
{
	struct stream_header h;
	char *rec;
	size_t len;
	int ret = stream_read_record(in, &rec, &len);

	if (ret <= 0) {
		*why = ret == 0 ? "empty (expected an iou-stream walk header)" : NULL;
		return ret == 0 ? -EINVAL : ret;
	}
	if (stream_parse_header(rec, len, &h, why))
		return -EINVAL;
	if (h.kind_len != 4 || memcmp(h.kind, "walk", 4) != 0) {
		*why = "not a walk stream (--against takes what iouwalk writes)";
		return -EINVAL;
	}
	return 0;
}

static int against_grow_slots(struct against *a, size_t count)
{
	size_t cap = 16;

	while (cap < 2 * count)
		cap *= 2;
	if (count >= UINT32_MAX)
		return -ENOMEM;
	a->slots = bigalloc_zeroed(cap, sizeof(*a->slots));
	a->cap = a->slots ? cap : 0;
	return a->slots ? 0 : -ENOMEM;
}

/* Parse the records in place and index them by path. */
static int against_index(struct against *a, size_t count, const char **why, uint64_t *recno)
{
	char *p = a->text.data;
	uint32_t *slot;
	size_t len;

	/* Both are sized once and filled all over: huge pages, see bigalloc.h. */
	a->entries = bigalloc_zeroed(count ? count : 1, sizeof(*a->entries));
	if (!a->entries || against_grow_slots(a, count))
		return -ENOMEM;
	for (; a->count < count; a->count++, p += len + 1) {
		struct against_entry *e = &a->entries[a->count];

		len = strlen(p);
		*recno = a->count + 2; /* the header is record 1 */
		if (record_parse_walk(p, len, &e->r, why))
			return -EINVAL;
		slot = against_slot(a, e->r.path, e->r.path_len);
		if (*slot) {
			*why = "duplicate path";
			return -EINVAL;
		}
		*slot = (uint32_t)a->count + 1;
	}
	return 0;
}

int against_load(struct against *a, int fd, const char **why, uint64_t *recno)
{
	struct stream_reader in;
	size_t count;
	int ret;

	*why = NULL;
	*recno = 1;
	ret = stream_reader_init(&in, fd);
	if (ret)
		return ret;
	ret = against_header(&in, why);
	if (!ret)
		ret = against_read(a, &in, &count, why);
	if (ret && !*why)
		*recno = in.recno + 1;
	else if (ret)
		*recno = in.recno;
	stream_reader_free(&in);
	return ret ? ret : against_index(a, count, why, recno);
}

void against_free(struct against *a)
{
	buf_free(&a->text);
	bigalloc_free(a->entries);
	bigalloc_free(a->slots);
	*a = (struct against)AGAINST_INIT;
}
