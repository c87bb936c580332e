/* SPDX-License-Identifier: MIT */
#include "check.h"

#include <errno.h>
#include <string.h>

#include "iou/pathset.h"
#include "iou/stream.h"

/*
 * Operations of one kind may name a path once per root: a path is deleted,
 * made as a directory, made or updated as anything else (a seal included),
 * given its directory metadata, and given each byte range at most once each.
 */
static uint64_t op_kind(const struct plan_record *p)
{
	switch (p->op) {
	case PLAN_DELETE:
		return 1;
	case PLAN_MKDIR:
		return 2;
	case PLAN_DIRMETA:
		return 3;
	case PLAN_CHUNK:
		/* A file's pieces share its path: each offset is a kind of its own. */
		return 5 + p->offset;
	default:
		return 4;
	}
}

/*
 * The place of an operation in a root's plan (iou-stream(5)). Execution
 * relies on it: a link made before its first member's copy would point at
 * whatever the destination held there, a deletion after a mkdir could
 * remove what the plan just made.
 */
static int op_phase(enum plan_op op)
{
	/*
	 * mkdirs and creations may mix (iouplan --stream): a worker makes a
	 * missing parent itself, and the dirmeta that comes later sets it right.
	 */
	switch (op) {
	case PLAN_DELETE:
		return 0;
	case PLAN_LINK:
		return 2;
	case PLAN_DIRMETA:
		return 3;
	default:
		return 1;
	}
}

int plan_check_init(struct plan_check *c, struct plan_totals *totals)
{
	*c = (struct plan_check){.totals = totals, .mkdirs = TREEORDER_INIT};
	return dupcheck_init(&c->paths, DUPCHECK_RUN_DEFAULT);
}

void plan_check_free(struct plan_check *c)
{
	dupcheck_free(&c->paths);
	treeorder_free(&c->mkdirs);
}

static int check_header(char *rec, size_t len, const char **why, struct plan_check *c)
{
	struct stream_header h;
	int ret;

	c->roots++;
	treeorder_free(&c->mkdirs);
	c->phase = 0;
	ret = stream_parse_header(rec, len, &h, why);
	if (!ret && !(h.kind_len == 4 && memcmp(h.kind, "plan", 4) == 0)) {
		*why = "not a plan (the header's kind is not \"plan\")";
		ret = -EINVAL;
	}
	return ret;
}

/* Whether a parsed record may come where it does in its root; *why if not. */
static int check_place(const struct plan_record *pr, uint64_t recno, const char **why,
		       struct plan_check *c)
{
	uint64_t fp[2];
	int ret;

	if (op_phase(pr->op) < c->phase) {
		*why = "out of order (a root's plan holds delete; then mkdir, copy, verify, "
		       "symlink, mknod and meta, mixed; then link, then dirmeta)";
		return -EINVAL;
	}
	c->phase = op_phase(pr->op);
	if (pr->op == PLAN_MKDIR) {
		ret = treeorder_add(&c->mkdirs, pr->obj.path, pr->obj.path_len);
		if (ret == -EINVAL)
			*why = "mkdir after a mkdir inside it (parents come first)";
		if (ret)
			return ret;
	}
	pathset_fingerprint(pr->obj.path, pr->obj.path_len, op_kind(pr), fp);
	/* Each root is a namespace of its own. */
	fp[1] ^= c->roots * 0x9E3779B97F4A7C15ull;
	return dupcheck_add(&c->paths, fp[0], fp[1], recno);
}

int plan_check_record(struct plan_check *c, char *rec, size_t len, uint64_t recno, const char **why)
{
	struct plan_record pr;
	int ret;

	if (stream_is_header(rec, len))
		return check_header(rec, len, why, c);
	if (recno == 1) {
		*why = "the stream does not start with a header";
		return -EINVAL;
	}
	ret = plan_parse(rec, len, &pr, why);
	if (!ret)
		ret = check_place(&pr, recno, why, c);
	if (!ret)
		stats_total_add(c->totals, &pr);
	return ret;
}

int plan_check_repeats(struct plan_check *c, uint64_t bad_recno, uint64_t *recno, const char **why)
{
	uint64_t tag;
	int ret = dupcheck_finish(&c->paths, &tag);

	if (ret <= 0)
		return ret;
	if (bad_recno && tag > bad_recno)
		return 0;
	*recno = tag;
	*why = "a path planned twice for the same kind of operation";
	return -EINVAL;
}
