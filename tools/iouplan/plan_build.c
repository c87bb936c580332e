/* SPDX-License-Identifier: MIT */
#include "plan_build.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iou/fmt.h"
#include "iou/pathset.h"
#include "iou/plan.h"
#include "iou/stream.h"

/* Output is written in chunks of about this size. */
#define PLAN_WRITE_CHUNK (256u << 10)
/* Streamed, smaller: iouput waits for the first chunk before it starts. */
#define PLAN_LIVE_CHUNK (64u << 10)

void root_plan_init(struct root_plan *rp, const struct root_sync *sync)
{
	rp->sync = sync ? *sync : (struct root_sync){0};
	rp->dirs = (struct buf)BUF_INIT;
	spool_init(&rp->objects);
	spool_init(&rp->links);
	rp->firsts = (struct linkmap)LINKMAP_INIT;
	rp->paths = (struct inoset)INOSET_INIT;
	rp->order = (struct treeorder)TREEORDER_INIT;
	rp->scratch = (struct buf)BUF_INIT;
	rp->live_fd = -1;
	rp->live = (struct buf)BUF_INIT;
}

void root_plan_stream(struct root_plan *rp, int fd)
{
	rp->live_fd = fd;
}

int root_plan_begin(struct root_plan *rp, const char *root, size_t root_len)
{
	if (rp->live_fd < 0)
		return 0;
	return stream_format_header(&rp->live, "plan", root, root_len);
}

int root_plan_send(struct root_plan *rp, bool all)
{
	int ret;

	if (rp->live_fd < 0 || rp->live.len < (all ? 1 : PLAN_LIVE_CHUNK))
		return 0;
	ret = stream_write_all(rp->live_fd, rp->live.data, rp->live.len);
	buf_clear(&rp->live);
	return ret;
}

/*
 * Remember a path, failing if it was seen before (see pathset.h) or if
 * something inside it was: the plan's mkdirs keep input order, which must
 * put parents first.
 */
static int note_path(struct root_plan *rp, const struct walk_record *r, const char **why)
{
	int ret = pathset_add(&rp->paths, r->path, r->path_len, 0);

	if (ret < 0)
		return ret;
	if (ret == 0) {
		*why = "duplicate path";
		return -EINVAL;
	}
	ret = treeorder_add(&rp->order, r->path, r->path_len);
	if (ret == -EINVAL)
		*why = "comes after something inside it (a directory must come before its "
		       "contents)";
	return ret;
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

/* Append the plan record "OP CHANGE" + r to b. */
static int format_plan(struct buf *b, enum plan_op op, const char *change,
		       const struct walk_record *r)
{
	struct plan_record p = {.op = op, .obj = *r};

	memcpy(p.change, change, PLAN_CHANGE_LEN + 1);
	return plan_format(b, &p);
}

static int spool_plan(struct spool *s, struct buf *scratch, enum plan_op op, const char *change,
		      const struct walk_record *r)
{
	int ret;

	buf_clear(scratch);
	ret = format_plan(scratch, op, change, r);
	return ret ? ret : spool_append(s, scratch->data, scratch->len);
}

/* Hard links are grouped by (dev, ino) here; the walker's 'r' flag is not trusted. */
static bool is_hardlinked(const struct walk_record *r)
{
	return r->type != 'd' && (r->flags & RECORD_HARDLINKED || r->nlink > 1);
}

/* Something inside the destination directory holding r is made or removed. */
static void touch_parent(struct root_plan *rp, const struct walk_record *r)
{
	struct against_entry *parent;

	if (!rp->sync.against)
		return;
	parent = against_parent(rp->sync.against, r->path, r->path_len);
	if (parent)
		parent->state |= AGAINST_TOUCHED;
}

/*
 * The destination's entry for r when it can be kept and compared, else NULL
 * (none, or another type, which then goes first: see out_deletes()).
 */
static struct against_entry *sync_match(struct root_plan *rp, const struct walk_record *r)
{
	struct against_entry *d;

	if (!rp->sync.against)
		return NULL;
	d = against_find(rp->sync.against, r->path, r->path_len);
	if (!d)
		return NULL;
	d->state |= AGAINST_MATCHED;
	if (d->r.type == r->type)
		return d;
	/* The root is never removed; iouput makes sure it is a directory. */
	if (!(r->path_len == 1 && r->path[0] == '.')) {
		d->state |= AGAINST_REPLACED;
		touch_parent(rp, r);
	}
	return NULL;
}

/*
 * Plan a non-directory; *renewed says whether the destination gets a new
 * inode, or may (a verify copies when the data differs).
 */
static int add_object(struct root_plan *rp, const struct walk_record *r,
		      const struct against_entry *d, bool *renewed)
{
	char change[PLAN_CHANGE_LEN + 1] = PLAN_CHANGE_NEW;
	enum plan_op op = create_op(r->type);

	if (d)
		op = compare_choose(r, &d->r, &rp->sync.compare, change);
	*renewed = op == create_op(r->type) || op == PLAN_VERIFY;
	if (op == PLAN_OP_COUNT)
		return 0;
	/* verify may copy: a dirmeta that finds nothing to restore changes nothing. */
	if (*renewed)
		touch_parent(rp, r);
	/* Phases a and b of a streamed plan are ready to go out at once. */
	if (rp->live_fd >= 0)
		return format_plan(&rp->live, op, change, r);
	return spool_plan(&rp->objects, &rp->scratch, op, change, r);
}

/* Whether a later member of a group must be linked to its first member again. */
static bool needs_link(const struct root_plan *rp, const struct against_entry *d,
		       const struct linkmap_first *first)
{
	const struct against_entry *df;

	if (!rp->sync.against || first->replaced || !d)
		return true;
	df = against_find(rp->sync.against, first->path, first->path_len);
	return !df || df->r.ino != d->r.ino || df->r.dev_major != d->r.dev_major ||
	       df->r.dev_minor != d->r.dev_minor;
}

static int add_hardlinked(struct root_plan *rp, const struct walk_record *r,
			  const struct against_entry *d, const char **why)
{
	uint64_t dev = inoset_dev(r->dev_major, r->dev_minor);
	struct linkmap_first first;
	struct walk_record link = *r;
	bool renewed;
	int ret;

	ret = linkmap_first_of(&rp->firsts, dev, r->ino, r->path, r->path_len, r->type, &first);
	if (ret < 0)
		return ret;
	/* The other members follow a verified first one: iouput links only if it was copied. */
	if (ret == 1) {
		ret = add_object(rp, r, d, &renewed);
		if (!ret && renewed)
			linkmap_mark_replaced(&rp->firsts, dev, r->ino);
		return ret;
	}
	if (first.type != r->type) {
		*why = "same DEV and INO as an earlier record of another TYPE";
		return -EINVAL;
	}
	if (!needs_link(rp, d, &first))
		return 0;
	touch_parent(rp, r);
	link.target = first.path;
	link.target_len = first.path_len;
	return spool_plan(&rp->links, &rp->scratch, PLAN_LINK,
			  d ? PLAN_CHANGE_NONE : PLAN_CHANGE_NEW, &link);
}

/*
 * A directory waits in rp->dirs behind a fixed-width prefix: its CHANGE,
 * 'N' (new: mkdir and dirmeta) or 'E' (the destination has it: dirmeta
 * only if needed), and the destination entry's index.
 */
#define DIR_PREFIX_LEN (PLAN_CHANGE_LEN + 1 + 1 + 1 + 8 + 1)

static int add_dir(struct root_plan *rp, const struct walk_record *r, const struct against_entry *d)
{
	char change[PLAN_CHANGE_LEN + 1] = PLAN_CHANGE_NEW;
	size_t index = 0, old;
	char *p;
	int ret;

	if (d) {
		compare_attributes(r, &d->r, &rp->sync.compare, change);
		index = (size_t)(d - rp->sync.against->entries);
	} else {
		touch_parent(rp, r);
	}
	ret = buf_reserve(&rp->dirs, DIR_PREFIX_LEN + FMT_DEC_MAX);
	if (ret)
		return ret;
	p = rp->dirs.data + rp->dirs.len;
	memcpy(p, change, PLAN_CHANGE_LEN);
	p[PLAN_CHANGE_LEN] = ' ';
	p[PLAN_CHANGE_LEN + 1] = d ? 'E' : 'N';
	p[PLAN_CHANGE_LEN + 2] = ' ';
	p = fmt_hex_zpad(p + PLAN_CHANGE_LEN + 3, index, 8);
	*p++ = ' ';
	old = rp->dirs.len;
	rp->dirs.len = (size_t)(p - rp->dirs.data);
	ret = record_format_walk(&rp->dirs, r);
	if (ret)
		rp->dirs.len = old;
	else if (rp->live_fd >= 0 && !d)
		ret = format_plan(&rp->live, PLAN_MKDIR, change, r);
	return ret;
}

int root_plan_add(struct root_plan *rp, const struct walk_record *r, const char **why)
{
	struct against_entry *d;
	bool renewed;
	int ret = note_path(rp, r, why);

	if (ret)
		return ret;
	d = sync_match(rp, r);
	if (r->type == 'd')
		return add_dir(rp, r, d);
	if (is_hardlinked(r))
		return add_hardlinked(rp, r, d, why);
	return add_object(rp, r, d, &renewed);
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

/* Append "OP CHANGE " and a stored walk record (with its NUL), flushing now and then. */
static int out_plan(struct plan_out *o, enum plan_op op, const char *change, const char *rec,
		    size_t len)
{
	const char *name = plan_op_name(op);
	size_t name_len = strlen(name);
	int ret = buf_reserve(&o->b, name_len + 1 + PLAN_CHANGE_LEN + 1 + len);
	char *p;

	if (ret)
		return ret;
	p = o->b.data + o->b.len;
	memcpy(p, name, name_len);
	p[name_len] = ' ';
	memcpy(p + name_len + 1, change, PLAN_CHANGE_LEN);
	p[name_len + 1 + PLAN_CHANGE_LEN] = ' ';
	memcpy(p + name_len + 2 + PLAN_CHANGE_LEN, rec, len);
	o->b.len += name_len + 2 + PLAN_CHANGE_LEN + len;
	if (!ret && o->b.len >= PLAN_WRITE_CHUNK)
		ret = out_flush(o);
	return ret;
}

/*
 * Decide what goes, in stream order so a directory is decided before what
 * it holds: what the source replaced with another type, with --delete what
 * the source lacks, and everything inside what goes.
 */
static void mark_deletions(const struct root_sync *sync)
{
	struct against *a = sync->against;
	struct against_entry *e, *parent;

	for (size_t i = 0; i < a->count; i++) {
		e = &a->entries[i];
		if (e->r.path_len == 1 && e->r.path[0] == '.')
			continue; /* the root stays */
		/* rmdir(2) of a mount point fails (EBUSY): rsync -x keeps them too. */
		if (e->r.flags & RECORD_MOUNT)
			continue;
		parent = against_parent(a, e->r.path, e->r.path_len);
		if (!(e->state & AGAINST_REPLACED) &&
		    !(sync->delete_extra && !(e->state & AGAINST_MATCHED)) &&
		    !(parent && parent->state & AGAINST_DELETED))
			continue;
		e->state |= AGAINST_DELETED;
		if (parent)
			parent->state |= AGAINST_TOUCHED;
	}
}

/* Phase -: delete, deepest first (reverse stream order). */
static int out_deletes(struct plan_out *o, struct root_plan *rp)
{
	struct against *a = rp->sync.against;
	int ret = 0;

	if (!a)
		return 0;
	mark_deletions(&rp->sync);
	for (size_t i = a->count; i-- > 0 && !ret;) {
		if (!(a->entries[i].state & AGAINST_DELETED))
			continue;
		buf_clear(&rp->scratch);
		ret = record_format_walk(&rp->scratch, &a->entries[i].r);
		if (!ret)
			ret = out_plan(o, PLAN_DELETE, PLAN_CHANGE_NONE, rp->scratch.data,
				       rp->scratch.len);
	}
	return ret;
}

/* One stored directory: its prefix fields and its walk record. */
struct stored_dir {
	const char *change;
	bool is_new;
	size_t index; /* of its destination entry, when not new */
	const char *rec;
	size_t len; /* with the NUL */
};

static void stored_dir_at(const char *p, size_t len, struct stored_dir *d)
{
	d->change = p;
	d->is_new = p[PLAN_CHANGE_LEN + 1] == 'N';
	d->index = (size_t)strtoull(p + PLAN_CHANGE_LEN + 3, NULL, 16);
	d->rec = p + DIR_PREFIX_LEN;
	d->len = len - DIR_PREFIX_LEN;
}

/* Phase a: mkdir in input order, so every parent comes before its children. */
static int out_mkdirs(struct plan_out *o, const struct buf *dirs)
{
	struct stored_dir d;
	size_t off = 0, len;
	int ret = 0;

	while (off < dirs->len && !ret) {
		len = strlen(dirs->data + off) + 1;
		stored_dir_at(dirs->data + off, len, &d);
		if (d.is_new)
			ret = out_plan(o, PLAN_MKDIR, PLAN_CHANGE_NEW, d.rec, d.len);
		off += len;
	}
	return ret;
}

/* The dirmeta a stored directory needs: its CHANGE, or NULL for none. */
static const char *dirmeta_change(const struct root_plan *rp, const struct stored_dir *d)
{
	if (d->is_new || memcmp(d->change, PLAN_CHANGE_NONE, PLAN_CHANGE_LEN) != 0)
		return d->change;
	/* Making or removing an entry moved its times: put them back. */
	if (rp->sync.against->entries[d->index].state & AGAINST_TOUCHED)
		return PLAN_CHANGE_NONE;
	return NULL;
}

/*
 * Phase d: dirmeta in reverse input order, so a directory's times are set
 * after everything inside it was created, and the root comes last.
 */
static int out_dirmetas(struct plan_out *o, const struct root_plan *rp)
{
	const struct buf *dirs = &rp->dirs;
	size_t end = dirs->len, start;
	struct stored_dir d;
	const char *nul, *change;
	int ret = 0;

	while (end > 0 && !ret) {
		nul = memrchr(dirs->data, '\0', end - 1);
		start = nul ? (size_t)(nul - dirs->data) + 1 : 0;
		stored_dir_at(dirs->data + start, end - start, &d);
		change = dirmeta_change(rp, &d);
		if (change)
			ret = out_plan(o, PLAN_DIRMETA, change, d.rec, d.len);
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

int root_plan_write(struct root_plan *rp, const char *root, size_t root_len, int fd,
		    bool *spool_failed)
{
	struct plan_out o = {BUF_INIT, fd};
	int ret;

	*spool_failed = false;
	if (rp->live_fd >= 0) {
		/* The header, mkdirs and creations went out as they came. */
		ret = root_plan_send(rp, true);
	} else {
		ret = stream_format_header(&o.b, "plan", root, root_len);
		if (!ret)
			ret = out_deletes(&o, rp);
		if (!ret)
			ret = out_mkdirs(&o, &rp->dirs);
	}
	if (!ret)
		ret = out_spools(&o, rp, spool_failed);
	if (!ret)
		ret = out_dirmetas(&o, rp);
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
	buf_clear(&rp->live);
	linkmap_free(&rp->firsts);
	inoset_free(&rp->paths);
	treeorder_free(&rp->order);
	return ret;
}

void root_plan_free(struct root_plan *rp)
{
	buf_free(&rp->dirs);
	spool_free(&rp->objects);
	spool_free(&rp->links);
	linkmap_free(&rp->firsts);
	inoset_free(&rp->paths);
	treeorder_free(&rp->order);
	buf_free(&rp->scratch);
	buf_free(&rp->live);
}
