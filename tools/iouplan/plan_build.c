/* SPDX-License-Identifier: MIT */
#include "plan_build.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "iou/plan.h"
#include "iou/stream.h"

/* Output is written in chunks of about this size. */
#define PLAN_WRITE_CHUNK (256u << 10)

void root_plan_init(struct root_plan *rp)
{
	rp->dirs = (struct buf)BUF_INIT;
	spool_init(&rp->objects);
	spool_init(&rp->links);
	rp->firsts = (struct linkmap)LINKMAP_INIT;
	rp->paths = (struct inoset)INOSET_INIT;
	rp->scratch = (struct buf)BUF_INIT;
}

/* MurmurHash64A's mixing; the tail is read in host order, fine within one process. */
static uint64_t path_hash(const char *p, size_t n, uint64_t seed)
{
	const uint64_t m = 0xC6A4A7935BD1E995ull;
	uint64_t h = seed ^ (n * m), k;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&k, p, 8);
		k *= m;
		k ^= k >> 47;
		h = (h ^ k * m) * m;
	}
	if (n) {
		k = 0;
		memcpy(&k, p, n);
		h = (h ^ k) * m;
	}
	h ^= h >> 47;
	h *= m;
	return h ^ h >> 47;
}

/*
 * Remember a path, failing if it was seen before. Keeping every path would
 * cost as much as the tree's names; two independent 64-bit hashes, stored in
 * an inoset as if they were a (dev, ino) pair, cost 32 to 64 bytes, and two
 * distinct paths of one root agree in all 128 bits with odds near 2^-128
 * times the number of pairs of paths.
 */
static int note_path(struct root_plan *rp, const struct walk_record *r, const char **why)
{
	uint64_t h1 = path_hash(r->path, r->path_len, 0x243F6A8885A308D3ull);
	uint64_t h2 = path_hash(r->path, r->path_len, 0x13198A2E03707344ull);
	int ret = inoset_insert(&rp->paths, h1, h2);

	if (ret < 0)
		return ret;
	if (ret == 0) {
		*why = "duplicate path";
		return -EINVAL;
	}
	return 0;
}

/* The operation that creates an object of a non-directory type. */
static enum plan_op create_op(char type)
{
	switch (type) {
	case 'f':
		return PLAN_COPY;
	case 'l':
		return PLAN_SYMLINK;
	default:
		return PLAN_MKNOD;
	}
}

static int spool_plan(struct spool *s, struct buf *scratch, enum plan_op op,
		      const struct walk_record *r)
{
	struct plan_record p = {.op = op, .obj = *r};
	int ret;

	buf_clear(scratch);
	ret = plan_format(scratch, &p);
	return ret ? ret : spool_append(s, scratch->data, scratch->len);
}

/* Hard links are grouped by (dev, ino) here; the walker's 'r' flag is not trusted. */
static bool is_hardlinked(const struct walk_record *r)
{
	return r->type != 'd' && (r->flags & RECORD_HARDLINKED || r->nlink > 1);
}

static int add_hardlinked(struct root_plan *rp, const struct walk_record *r, const char **why)
{
	uint64_t dev = inoset_dev(r->dev_major, r->dev_minor);
	struct linkmap_first first;
	struct walk_record link = *r;
	int ret;

	ret = linkmap_first_of(&rp->firsts, dev, r->ino, r->path, r->path_len, r->type, &first);
	if (ret < 0)
		return ret;
	if (ret == 1)
		return spool_plan(&rp->objects, &rp->scratch, create_op(r->type), r);
	if (first.type != r->type) {
		*why = "same DEV and INO as an earlier record of another TYPE";
		return -EINVAL;
	}
	link.target = first.path;
	link.target_len = first.path_len;
	return spool_plan(&rp->links, &rp->scratch, PLAN_LINK, &link);
}

int root_plan_add(struct root_plan *rp, const struct walk_record *r, const char **why)
{
	int ret = note_path(rp, r, why);

	if (ret)
		return ret;
	if (r->type == 'd')
		return record_format_walk(&rp->dirs, r);
	if (is_hardlinked(r))
		return add_hardlinked(rp, r, why);
	return spool_plan(&rp->objects, &rp->scratch, create_op(r->type), r);
}

/* Plan output on its way to a file descriptor. */
struct plan_out {
	struct buf b;
	int fd;
};

static int out_flush(struct plan_out *o)
{
	int ret = stream_write_all(o->fd, o->b.data, o->b.len);

	buf_clear(&o->b);
	return ret;
}

/* Append "OP " and a stored walk record (with its NUL), flushing now and then. */
static int out_plan(struct plan_out *o, enum plan_op op, const char *rec, size_t len)
{
	int ret = buf_printf(&o->b, "%s %s ", plan_op_name(op), PLAN_CHANGE_NEW);

	if (!ret)
		ret = buf_append(&o->b, rec, len);
	if (!ret && o->b.len >= PLAN_WRITE_CHUNK)
		ret = out_flush(o);
	return ret;
}

/* Phase a: mkdir in input order, so every parent comes before its children. */
static int out_mkdirs(struct plan_out *o, const struct buf *dirs)
{
	size_t off = 0, len;
	int ret = 0;

	while (off < dirs->len && !ret) {
		len = strlen(dirs->data + off) + 1;
		ret = out_plan(o, PLAN_MKDIR, dirs->data + off, len);
		off += len;
	}
	return ret;
}

/*
 * Phase d: dirmeta in reverse input order, so a directory's times are set
 * after everything inside it was created, and the root comes last.
 */
static int out_dirmetas(struct plan_out *o, const struct buf *dirs)
{
	size_t end = dirs->len, start;
	const char *nul;
	int ret = 0;

	while (end > 0 && !ret) {
		nul = memrchr(dirs->data, '\0', end - 1);
		start = nul ? (size_t)(nul - dirs->data) + 1 : 0;
		ret = out_plan(o, PLAN_DIRMETA, dirs->data + start, end - start);
		end = start;
	}
	return ret;
}

/* Phases b and c, which wait in spools. */
static int out_spools(struct plan_out *o, const struct root_plan *rp, bool *spool_failed)
{
	int ret = out_flush(o);

	if (!ret)
		ret = spool_copy_to(&rp->objects, o->fd, spool_failed);
	if (!ret)
		ret = spool_copy_to(&rp->links, o->fd, spool_failed);
	return ret;
}

int root_plan_write(const struct root_plan *rp, const char *root, size_t root_len, int fd,
		    bool *spool_failed)
{
	struct plan_out o = {BUF_INIT, fd};
	int ret;

	*spool_failed = false;
	ret = stream_format_header(&o.b, "plan", root, root_len);
	if (!ret)
		ret = out_mkdirs(&o, &rp->dirs);
	if (!ret)
		ret = out_spools(&o, rp, spool_failed);
	if (!ret)
		ret = out_dirmetas(&o, &rp->dirs);
	if (!ret)
		ret = out_flush(&o);
	buf_free(&o.b);
	return ret;
}

int root_plan_reset(struct root_plan *rp)
{
	int ret = spool_reset(&rp->objects);

	if (!ret)
		ret = spool_reset(&rp->links);
	buf_clear(&rp->dirs);
	linkmap_free(&rp->firsts);
	inoset_free(&rp->paths);
	return ret;
}

void root_plan_free(struct root_plan *rp)
{
	buf_free(&rp->dirs);
	spool_free(&rp->objects);
	spool_free(&rp->links);
	linkmap_free(&rp->firsts);
	inoset_free(&rp->paths);
	buf_free(&rp->scratch);
}
