/* SPDX-License-Identifier: MIT */
#include "shard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "balance.h"
#include "iou/bundle.h"
#include "iou/inomap.h"
#include "iou/inoset.h"
#include "iou/plan.h"
#include "iou/stream.h"

/* Each output is appended to its file in pieces of about this size. */
#define SHARD_FLUSH (64u << 10)
/* In the group map: the group's first member is chunked, so its links wait for the finish. */
#define GROUP_IN_FINISH UINT64_MAX

struct shard_out {
	struct buf b;
	char name[BUNDLE_NAME_MAX];
};

struct bundle_writer {
	const struct shard_options *o;
	int dirfd;		/* the temporary bundle directory */
	const char *tmp;	/* its path, for messages */
	struct shard_out *outs; /* o->shards shard plans, then the finish plan */
	struct balance units;
	struct inomap groups; /* (dev, ino) of a hard-link group: its unit, or GROUP_IN_FINISH */
	bool writing;	      /* second pass: units have their shards */
	size_t next_unit;     /* second pass: the number the next unit had in the first */
	struct buf rec;	      /* a copy of the record being parsed */
	struct shard_failure *f;
};

static int out_flush(struct bundle_writer *w, struct shard_out *o)
{
	int fd, ret;

	if (!o->b.len)
		return 0;
	/* Opened per flush, so that thousands of shards need no more descriptors. */
	fd = openat(w->dirfd, o->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = stream_write_all(fd, o->b.data, o->b.len);
	if (close(fd) && !ret)
		ret = -errno;
	buf_clear(&o->b);
	return ret;
}

/* out_flush(), naming the file when it fails. */
static int out_flush_named(struct bundle_writer *w, struct shard_out *o)
{
	int ret = out_flush(w, o);

	if (ret)
		snprintf(w->f->path, sizeof(w->f->path), "%s/%s", w->tmp, o->name);
	return ret;
}

/* Append bytes to output i (in the second pass only). */
static int emit(struct bundle_writer *w, unsigned i, const char *p, size_t n)
{
	struct shard_out *o = &w->outs[i];
	int ret;

	if (!w->writing)
		return 0;
	ret = buf_append(&o->b, p, n);
	if (!ret && o->b.len >= SHARD_FLUSH)
		ret = out_flush_named(w, o);
	return ret;
}

static unsigned finish_out(const struct bundle_writer *w)
{
	return w->o->shards;
}

/* A plan record made here (a chunk or a seal) to output i. */
static int emit_plan(struct bundle_writer *w, unsigned i, const struct plan_record *p)
{
	struct buf b = BUF_INIT;
	int ret;

	if (!w->writing)
		return 0;
	ret = plan_format(&b, p);
	if (!ret)
		ret = emit(w, i, b.data, b.len);
	buf_free(&b);
	return ret;
}

/* A new unit of bytes: counted in the first pass, its number looked up in the second. */
static int new_unit(struct bundle_writer *w, uint64_t bytes, size_t *index)
{
	if (!w->writing)
		return balance_add(&w->units, bytes, index);
	*index = w->next_unit++;
	return 0;
}

static unsigned shard_of(const struct bundle_writer *w, size_t index)
{
	return w->units.units[index].shard;
}

static bool is_hardlinked(const struct walk_record *r)
{
	return r->flags & RECORD_HARDLINKED || r->nlink > 1;
}

static uint64_t dev_of(const struct walk_record *r)
{
	return inoset_dev(r->dev_major, r->dev_minor);
}

/* A file larger than the chunk size: a unit per chunk, its seal in the finish. */
static int place_chunked(struct bundle_writer *w, const struct plan_record *copy)
{
	struct plan_record p = *copy;
	uint64_t size = copy->obj.size, chunk = w->o->chunk_size;
	size_t index;
	int ret = 0;

	p.op = PLAN_CHUNK;
	for (p.offset = 0; p.offset < size && !ret; p.offset += chunk) {
		p.length = size - p.offset < chunk ? size - p.offset : chunk;
		ret = new_unit(w, p.length, &index);
		if (!ret)
			ret = emit_plan(w, shard_of(w, index), &p);
	}
	p.op = PLAN_SEAL;
	p.offset = p.length = 0;
	if (!ret)
		ret = emit_plan(w, finish_out(w), &p);
	if (!ret && is_hardlinked(&copy->obj))
		ret = inomap_put(&w->groups, dev_of(&copy->obj), copy->obj.ino, GROUP_IN_FINISH);
	return ret;
}

/* An object made whole by one shard: its own unit, which its hard links join. */
static int place_object(struct bundle_writer *w, const struct plan_record *p, const char *raw,
			size_t len)
{
	uint64_t bytes = p->obj.type == 'f' ? p->obj.size : 0;
	size_t index;
	int ret;

	if (p->op == PLAN_COPY && p->obj.size > w->o->chunk_size)
		return place_chunked(w, p);
	ret = new_unit(w, bytes, &index);
	if (!ret && p->op != PLAN_MKDIR && is_hardlinked(&p->obj))
		ret = inomap_put(&w->groups, dev_of(&p->obj), p->obj.ino, index);
	return ret ? ret : emit(w, shard_of(w, index), raw, len);
}

/* A hard link goes where its group's first member went, or waits for its seal. */
static int place_link(struct bundle_writer *w, const struct plan_record *p, const char *raw,
		      size_t len)
{
	uint64_t index;

	if (!inomap_get(&w->groups, dev_of(&p->obj), p->obj.ino, &index)) {
		w->f->why = "a link before the first member of its hard-link group";
		return -EINVAL;
	}
	if (index == GROUP_IN_FINISH)
		return emit(w, finish_out(w), raw, len);
	if (!w->writing)
		balance_join(&w->units, index);
	return emit(w, shard_of(w, index), raw, len);
}

/* A header opens a root in every plan of the bundle. */
static int place_header(struct bundle_writer *w, const char *raw, size_t len)
{
	int ret = 0;

	/* Hard-link groups never span roots. */
	inomap_free(&w->groups);
	for (unsigned i = 0; i <= w->o->shards && !ret; i++)
		ret = emit(w, i, raw, len);
	return ret;
}

static int place_record(struct bundle_writer *w, const char *raw, size_t len)
{
	struct plan_record p;
	int ret;

	if (stream_is_header(raw, len))
		return place_header(w, raw, len + 1);
	buf_clear(&w->rec);
	ret = buf_append(&w->rec, raw, len + 1);
	if (!ret && plan_parse(w->rec.data, len, &p, &w->f->why))
		return -EINVAL;
	if (ret)
		return ret;
	switch (p.op) {
	case PLAN_MKDIR:
	case PLAN_COPY:
	case PLAN_SYMLINK:
	case PLAN_MKNOD:
		return place_object(w, &p, raw, len + 1);
	case PLAN_LINK:
		return place_link(w, &p, raw, len + 1);
	case PLAN_DIRMETA:
		return emit(w, finish_out(w), raw, len + 1);
	default:
		w->f->why = "an operation a bundle cannot split (only fresh copies are sharded)";
		return -EINVAL;
	}
}

/* Read the whole plan once: counting units first, writing them out second. */
static int run_pass(struct bundle_writer *w, int plan_fd)
{
	struct stream_reader r;
	char *raw;
	size_t len;
	int ret;

	if (lseek(plan_fd, 0, SEEK_SET))
		return -errno;
	inomap_free(&w->groups);
	w->next_unit = 0;
	ret = stream_reader_init(&r, plan_fd);
	while (!ret && (ret = stream_read_record(&r, &raw, &len)) == 1)
		ret = place_record(w, raw, len);
	if (!ret && r.recno == 0) {
		w->f->why = "the walk holds no records";
		ret = -EINVAL;
	}
	stream_reader_free(&r);
	return ret;
}

static int write_manifest(struct bundle_writer *w, const struct bundle_load *loads)
{
	struct bundle_manifest m = {w->o->shards, w->o->chunk_size, w->o->entry_cost, loads};
	struct shard_out o = {BUF_INIT, BUNDLE_MANIFEST};
	int ret = bundle_manifest_format(&o.b, &m);

	if (!ret)
		ret = out_flush_named(w, &o);
	buf_free(&o.b);
	return ret;
}

/* Both passes, then every output flushed and the manifest written. */
static int write_bundle(struct bundle_writer *w, int plan_fd)
{
	unsigned n = w->o->shards;
	struct bundle_load *loads = calloc(n, sizeof(*loads));
	int ret = loads ? run_pass(w, plan_fd) : -ENOMEM;

	if (!ret)
		ret = balance_assign(&w->units, n, loads);
	w->writing = true;
	if (!ret)
		ret = run_pass(w, plan_fd);
	for (unsigned i = 0; i <= n && !ret; i++)
		ret = out_flush_named(w, &w->outs[i]);
	if (!ret)
		ret = write_manifest(w, loads);
	free(loads);
	return ret;
}

int shard_check_out(const char *out)
{
	struct dirent *e;
	DIR *d = opendir(out);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) && !ret)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			ret = -ENOTEMPTY;
	closedir(d);
	return ret;
}

/* Remove what a failed bundle left in its temporary directory. */
static void remove_temp(struct bundle_writer *w, const char *tmp)
{
	for (unsigned i = 0; i <= w->o->shards; i++)
		unlinkat(w->dirfd, w->outs[i].name, 0);
	unlinkat(w->dirfd, BUNDLE_MANIFEST, 0);
	unlinkat(w->dirfd, BUNDLE_SHARDS_DIR, AT_REMOVEDIR);
	unlinkat(w->dirfd, BUNDLE_DONE_DIR, AT_REMOVEDIR);
	rmdir(tmp);
}

/* The temporary bundle directory beside out, readable by every machine, with its folders. */
static int make_temp(struct bundle_writer *w, const char *out, char *tmp, size_t size)
{
	size_t len = strlen(out);

	while (len > 1 && out[len - 1] == '/')
		len--;
	if (snprintf(tmp, size, "%.*s.tmp-XXXXXX", (int)len, out) >= (int)size)
		return -ENAMETOOLONG;
	if (!mkdtemp(tmp))
		return -errno;
	w->dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0 || fchmod(w->dirfd, 0755) || mkdirat(w->dirfd, BUNDLE_SHARDS_DIR, 0755) ||
	    mkdirat(w->dirfd, BUNDLE_DONE_DIR, 0755))
		return -errno;
	return 0;
}

static int writer_init(struct bundle_writer *w, const struct shard_options *o,
		       struct shard_failure *f)
{
	*w = (struct bundle_writer){.o = o,
				    .dirfd = -1,
				    .units = BALANCE_INIT(o->entry_cost),
				    .groups = INOMAP_INIT,
				    .rec = BUF_INIT,
				    .f = f};
	w->outs = calloc(o->shards + 1, sizeof(*w->outs));
	if (!w->outs)
		return -ENOMEM;
	for (unsigned k = 0; k < o->shards; k++)
		bundle_shard_name(k, w->outs[k].name);
	snprintf(w->outs[o->shards].name, BUNDLE_NAME_MAX, "%s", BUNDLE_FINISH);
	return 0;
}

static void writer_free(struct bundle_writer *w)
{
	for (unsigned i = 0; w->outs && i <= w->o->shards; i++)
		buf_free(&w->outs[i].b);
	free(w->outs);
	balance_free(&w->units);
	inomap_free(&w->groups);
	buf_free(&w->rec);
	if (w->dirfd >= 0)
		close(w->dirfd);
}

int shard_write_bundle(int plan_fd, const char *out, const struct shard_options *o,
		       struct shard_failure *f)
{
	struct bundle_writer w;
	char tmp[PATH_MAX];
	int ret;

	f->why = NULL;
	snprintf(f->path, sizeof(f->path), "%s", out);
	ret = shard_check_out(out);
	if (!ret)
		ret = writer_init(&w, o, f);
	if (ret)
		return ret;
	tmp[0] = '\0';
	w.tmp = tmp;
	ret = make_temp(&w, out, tmp, sizeof(tmp));
	if (ret)
		snprintf(f->path, sizeof(f->path), "%s", tmp);
	if (!ret)
		ret = write_bundle(&w, plan_fd);
	if (!ret && rename(tmp, out)) {
		ret = -errno;
		snprintf(f->path, sizeof(f->path), "%s", out);
	}
	if (ret && tmp[0] && w.dirfd >= 0)
		remove_temp(&w, tmp);
	writer_free(&w);
	return ret;
}
