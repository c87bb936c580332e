/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <string.h>

/* Data a record reads or writes: what progress is measured in. */
static uint64_t stats_data_bytes(const struct plan_record *p)
{
	if (p->op == PLAN_CHUNK)
		return p->length;
	return p->op == PLAN_COPY || p->op == PLAN_VERIFY ? p->obj.size : 0;
}

void stats_total_add(struct plan_totals *t, const struct plan_record *p)
{
	atomic_fetch_add_explicit(&t->entries, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->bytes, stats_data_bytes(p), memory_order_relaxed);
}

void stats_init(struct put_stats *s)
{
	atomic_init(&s->done, 0);
	atomic_init(&s->bytes_done, 0);
	for (int k = 0; k < STATS_KINDS; k++)
		atomic_init(&s->created[k], 0);
	atomic_init(&s->deleted, 0);
	atomic_init(&s->files_copied, 0);
	atomic_init(&s->bytes_copied, 0);
	atomic_init(&s->meta_only, 0);
}

static void stats_add(atomic_ullong *counter, unsigned long long n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* An empty CHANGE is how a record made in memory says "new". */
static bool stats_is_new(const struct plan_record *p)
{
	return !p->change[0] || strcmp(p->change, PLAN_CHANGE_NEW) == 0;
}

/* The kind a creating operation makes, or STATS_KINDS for the others. */
static enum stats_kind stats_created_kind(const struct plan_record *p)
{
	if (!stats_is_new(p))
		return STATS_KINDS;
	switch (p->op) {
	case PLAN_COPY:
	case PLAN_SEAL:
		return STATS_REG;
	case PLAN_MKDIR:
		return STATS_DIR;
	case PLAN_SYMLINK:
		return STATS_SYMLINK;
	case PLAN_MKNOD:
		return STATS_SPECIAL;
	case PLAN_LINK:
		return STATS_HARDLINK;
	default:
		return STATS_KINDS;
	}
}

/* Whether p changed only attributes of an object that was there already. */
static bool stats_is_meta_only(const struct plan_record *p, enum put_outcome outcome)
{
	if (p->op == PLAN_META)
		return true;
	if (p->op == PLAN_VERIFY)
		return outcome == OUTCOME_META_ONLY;
	/* A dirmeta that ends a mkdir or only restores times is not an update of its own. */
	return p->op == PLAN_DIRMETA && !stats_is_new(p) &&
	       strcmp(p->change, PLAN_CHANGE_NONE) != 0;
}

void stats_note(struct put_stats *s, const struct plan_record *p, enum put_outcome outcome, bool ok)
{
	enum stats_kind kind = stats_created_kind(p);

	stats_add(&s->done, 1);
	stats_add(&s->bytes_done, stats_data_bytes(p));
	if (!ok)
		return;
	if (kind != STATS_KINDS)
		stats_add(&s->created[kind], 1);
	if (p->op == PLAN_DELETE && outcome == OUTCOME_DONE)
		stats_add(&s->deleted, 1);
	if (p->op == PLAN_COPY || (p->op == PLAN_VERIFY && outcome == OUTCOME_COPIED)) {
		stats_add(&s->files_copied, 1);
		stats_add(&s->bytes_copied, p->obj.size);
	}
	/* A file in chunks counts its bytes chunk by chunk, and once as a file when sealed. */
	if (p->op == PLAN_CHUNK)
		stats_add(&s->bytes_copied, p->length);
	if (p->op == PLAN_SEAL)
		stats_add(&s->files_copied, 1);
	if (stats_is_meta_only(p, outcome))
		stats_add(&s->meta_only, 1);
}

static unsigned long long stats_get(const atomic_ullong *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

void stats_print(FILE *out, const struct put_stats *s, const struct plan_totals *t, double seconds)
{
	unsigned long long created = 0, bytes = stats_get(&s->bytes_copied);

	for (int k = 0; k < STATS_KINDS; k++)
		created += stats_get(&s->created[k]);
	fprintf(out, "Number of entries: %llu\n", stats_get(&t->entries));
	fprintf(out,
		"Number of created files: %llu (reg: %llu, dir: %llu, symlink: %llu, "
		"special: %llu, hard link: %llu)\n",
		created, stats_get(&s->created[STATS_REG]), stats_get(&s->created[STATS_DIR]),
		stats_get(&s->created[STATS_SYMLINK]), stats_get(&s->created[STATS_SPECIAL]),
		stats_get(&s->created[STATS_HARDLINK]));
	fprintf(out, "Number of deleted files: %llu\n", stats_get(&s->deleted));
	fprintf(out, "Number of regular files transferred: %llu\n", stats_get(&s->files_copied));
	fprintf(out, "Total transferred file size: %llu bytes\n", bytes);
	fprintf(out, "Number of metadata-only updates: %llu\n", stats_get(&s->meta_only));
	fprintf(out, "Elapsed time: %.3f s, %.2f MB/s\n", seconds,
		seconds > 0 ? (double)bytes / seconds / 1e6 : 0.0);
}
