/* SPDX-License-Identifier: MIT */
#include "filter.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "iou/stream.h"

struct planner {
	struct stream_reader in;
	struct root_plan plan;
	struct buf root; /* the current root's name; the reader's copy moves on */
	bool have_root;
	bool syncing;	/* against a destination: one root only */
	unsigned minor; /* of the current root's header */
	int out_fd;
};

static int planner_input_error(struct plan_failure *f, const char *why)
{
	f->where = PLAN_AT_INPUT;
	f->why = why;
	return -EINVAL;
}

/* Write the finished root's plan and make room for the next one. */
static int planner_flush(struct planner *pl, struct plan_failure *f)
{
	bool spool_failed;
	int ret;

	if (!pl->have_root)
		return 0;
	ret = root_plan_write(&pl->plan, pl->root.data, pl->root.len, pl->out_fd, &spool_failed);
	if (ret) {
		f->where = spool_failed ? PLAN_AT_SPOOL : PLAN_AT_OUTPUT;
		return ret;
	}
	ret = root_plan_reset(&pl->plan);
	if (ret)
		f->where = PLAN_AT_SPOOL;
	return ret;
}

static int planner_header(struct planner *pl, const char *rec, size_t len, struct plan_failure *f)
{
	struct stream_header h;
	const char *why;
	int ret;

	/*
	 * Against a destination the input is one root: a second header makes
	 * all of it suspect, so not even the first root's plan goes out.
	 */
	if (pl->syncing && pl->have_root)
		return planner_input_error(f, "a second root: --against compares one source root "
					      "with one destination");
	/* Otherwise the previous root is complete whatever this header turns out to be. */
	ret = planner_flush(pl, f);
	if (ret)
		return ret;
	pl->have_root = false;
	if (stream_parse_header(rec, len, &h, &why))
		return planner_input_error(f, why);
	if (h.kind_len != 4 || memcmp(h.kind, "walk", 4) != 0)
		return planner_input_error(f, "not a walk stream (iouplan reads what iouwalk "
					      "writes)");
	buf_clear(&pl->root);
	ret = buf_append(&pl->root, h.root, h.root_len);
	if (!ret)
		ret = root_plan_begin(&pl->plan, h.root, h.root_len);
	pl->have_root = !ret;
	pl->minor = h.minor;
	return ret;
}

/*
 * Whether a record is of a kind a newer minor version added: iou-stream(5)
 * says readers skip those. A walk record starts with a TYPE letter and a space.
 */
static bool is_newer_kind(const struct planner *pl, const char *rec, size_t len)
{
	if (pl->minor <= STREAM_VERSION_MINOR)
		return false;
	return !(len >= 2 && rec[1] == ' ' && record_mode_of_type(rec[0]));
}

static int planner_record(struct planner *pl, char *rec, size_t len, struct plan_failure *f)
{
	struct walk_record r;
	const char *why;
	int ret;

	if (stream_is_header(rec, len))
		return planner_header(pl, rec, len, f);
	if (!pl->have_root)
		return planner_input_error(f, "the stream does not start with a header");
	if (is_newer_kind(pl, rec, len))
		return 0;
	if (record_parse_walk(rec, len, &r, &why))
		return planner_input_error(f, why);
	ret = root_plan_add(&pl->plan, &r, &why);
	if (ret == -EINVAL)
		return planner_input_error(f, why);
	if (ret) {
		f->where = PLAN_AT_SPOOL;
		return ret;
	}
	ret = root_plan_send(&pl->plan, false);
	if (ret)
		f->where = PLAN_AT_OUTPUT;
	return ret;
}

/* Read errors that are the input's fault rather than the system's. */
static int planner_read_error(struct planner *pl, int err, struct plan_failure *f)
{
	f->recno = pl->in.recno + 1;
	if (err == -EBADMSG)
		return planner_input_error(f, "not terminated by a NUL (truncated input?)");
	if (err == -EMSGSIZE)
		return planner_input_error(f, "longer than the 16 MiB a record may hold");
	f->where = PLAN_AT_INPUT;
	f->recno = 0;
	return err;
}

static int planner_run(struct planner *pl, struct plan_failure *f)
{
	char *rec;
	size_t len;
	int ret;

	while ((ret = stream_read_record(&pl->in, &rec, &len)) == 1) {
		ret = planner_record(pl, rec, len, f);
		if (ret) {
			if (f->why)
				f->recno = pl->in.recno;
			return ret;
		}
	}
	if (ret < 0)
		return planner_read_error(pl, ret, f);
	if (!pl->have_root)
		return planner_input_error(f, "empty input (expected an iou-stream header)");
	return planner_flush(pl, f);
}

int plan_filter(int in_fd, int out_fd, const struct root_sync *sync, bool stream,
		struct plan_failure *f)
{
	struct planner pl = {.root = BUF_INIT, .out_fd = out_fd, .syncing = sync != NULL};
	int ret;

	memset(f, 0, sizeof(*f));
	ret = stream_reader_init(&pl.in, in_fd);
	if (ret)
		return ret;
	root_plan_init(&pl.plan, sync);
	if (stream && !sync)
		root_plan_stream(&pl.plan, out_fd);
	ret = planner_run(&pl, f);
	/* Streamed, what came before bad input goes out whole: no record is lost in a buffer. */
	if (ret && f->where == PLAN_AT_INPUT)
		(void)root_plan_send(&pl.plan, true);
	root_plan_free(&pl.plan);
	buf_free(&pl.root);
	stream_reader_free(&pl.in);
	return ret;
}
