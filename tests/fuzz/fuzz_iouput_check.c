/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any bytes as a plan given to iouput, checked as iouput
 * checks it before it changes anything (tools/iouput/check.c): record by
 * record until one is refused, then for a path planned twice before it.
 * Bad input must be refused with a reason, never crash, hang or leak; what
 * passes is counted. And a plan that passes must be refused once one of its
 * operations comes twice in a row: that check is all that keeps iouput
 * from carrying out an operation twice.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iou/buf.h"
#include "iou/stream.h"
#include "iouput/check.h"

/* A plan's records as read: each NUL-terminated, back to back. */
struct records {
	struct buf all;
	size_t n;
};

static void records_add(struct records *r, const char *rec, size_t len)
{
	if (buf_append(&r->all, rec, len + 1))
		abort();
	r->n++;
}

/* The records of data read as iouput reads a plan, up to any bad framing. */
static void records_read(struct records *r, const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	struct stream_reader sr;
	char *rec;
	size_t len;

	if (fd < 0 || stream_write_all(fd, data, size) || lseek(fd, 0, SEEK_SET) ||
	    stream_reader_init(&sr, fd))
		abort();
	while (stream_read_record(&sr, &rec, &len) == 1)
		records_add(r, rec, len);
	stream_reader_free(&sr);
	close(fd);
}

/* A refusal must come with a reason; the only other failure is memory. */
static void assert_refused_well(int ret, const char *why)
{
	if ((ret == -EINVAL || ret == -EPROTONOSUPPORT) && !why)
		abort();
	if (ret && ret != -EINVAL && ret != -EPROTONOSUPPORT && ret != -ENOMEM)
		abort();
}

/*
 * Check r's records in turn, as iouput does, then the repeats before the
 * first refused one. Returns 0 when the plan passes, or how it is refused.
 */
static int check_records(const struct records *r)
{
	struct plan_totals totals = {0};
	struct plan_check c;
	struct buf copy = BUF_INIT;
	const char *rec = r->all.data, *why = NULL;
	uint64_t recno, entries = 0, bad = 0, repeat = 0;
	int ret = 0, rep;

	if (plan_check_init(&c, &totals))
		abort();
	for (recno = 1; recno <= r->n && !ret; recno++) {
		size_t len = strlen(rec);

		/* The check parses in place: r stays as read for another run. */
		buf_clear(&copy);
		if (buf_append(&copy, rec, len + 1))
			abort();
		why = NULL;
		ret = plan_check_record(&c, copy.data, len, recno, &why);
		assert_refused_well(ret, why);
		entries += !ret && !stream_is_header(rec, len);
		rec += len + 1;
	}
	if (ret)
		bad = recno - 1;
	why = NULL;
	rep = plan_check_repeats(&c, bad, &repeat, &why);
	assert_refused_well(rep, why);
	/* A repeat is of a record that was checked and passed. */
	if (rep == -EINVAL && (repeat < 2 || repeat >= recno || (bad && repeat >= bad)))
		abort();
	if (atomic_load(&totals.entries) != entries)
		abort();
	plan_check_free(&c);
	buf_free(&copy);
	return ret ? ret : rep;
}

/* r's records with its operation numbered dup (from 1, not a header) twice. */
static void records_with_repeat(struct records *to, const struct records *r, size_t dup)
{
	const char *rec = r->all.data;

	for (size_t i = 1; i <= r->n; i++) {
		size_t len = strlen(rec);

		records_add(to, rec, len);
		if (i == dup)
			records_add(to, rec, len);
		rec += len + 1;
	}
}

/* An operation of r (not a header) picked by seed, or 0 when r has none. */
static size_t pick_operation(const struct records *r, size_t seed)
{
	const char *rec = r->all.data;
	size_t ops = 0, pick, i;

	for (i = 0; i < r->n; i++, rec += strlen(rec) + 1)
		ops += !stream_is_header(rec, strlen(rec));
	if (!ops)
		return 0;
	pick = seed % ops;
	rec = r->all.data;
	for (i = 1;; i++, rec += strlen(rec) + 1) {
		if (!stream_is_header(rec, strlen(rec)) && pick-- == 0)
			return i;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct records r = {BUF_INIT, 0}, again = {BUF_INIT, 0};
	size_t dup;

	records_read(&r, data, size);
	if (check_records(&r) == 0 && (dup = pick_operation(&r, size))) {
		records_with_repeat(&again, &r, dup);
		if (check_records(&again) == 0)
			abort(); /* an operation planned twice passed */
	}
	buf_free(&r.all);
	buf_free(&again.all);
	return 0;
}
