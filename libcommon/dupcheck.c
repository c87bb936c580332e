/* SPDX-License-Identifier: MIT */
#include "iou/dupcheck.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iou/array.h"
#include "iou/bigalloc.h"
#include "iou/stream.h"
#include "iou/tmpfile.h"

#define MERGE_BUF_KEYS (8192 / sizeof(struct dupcheck_key))

/* One spilled run being merged: keys [next, end) of the file still to read. */
struct run_reader {
	uint64_t next, end;
	size_t pos, count;
	struct dupcheck_key buf[MERGE_BUF_KEYS];
};

/* Sorted keys seen one after another; equal keys are adjacent. */
struct repeat_scan {
	bool have_prev, found;
	struct dupcheck_key prev;
	uint64_t first_repeat;
};

static int key_cmp(const struct dupcheck_key *a, const struct dupcheck_key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->tag < b->tag ? -1 : a->tag > b->tag;
}

/* Below this many keys a bucket is sorted by insertion rather than by digits. */
#define SORT_SMALL  24
#define SORT_DIGITS 24 /* bytes of a key: hi, lo and tag, most significant first */

/* Byte d of a key in the order key_cmp() sorts by. */
static unsigned key_digit(const struct dupcheck_key *k, unsigned d)
{
	uint64_t word = d < 8 ? k->hi : d < 16 ? k->lo : k->tag;

	return (unsigned)(word >> (56 - 8 * (d & 7))) & 0xFF;
}

static void insertion_sort(struct dupcheck_key *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct dupcheck_key k = a[i];
		size_t j = i;

		for (; j > 0 && key_cmp(&k, &a[j - 1]) < 0; j--)
			a[j] = a[j - 1];
		a[j] = k;
	}
}

/*
 * Sort keys in place by byte d and the bytes after it (American flag sort):
 * count each byte value, swap every key into its bucket, then sort each
 * bucket by the next byte. qsort() took a fresh buffer as large as the run
 * for every call, and on the VMs measured first touches of memory cost
 * more than the sort; fingerprints are evenly spread, so two bytes
 * usually leave buckets of one key. At most SORT_DIGITS levels deep.
 */
static void sort_keys(struct dupcheck_key *a, size_t n, unsigned d)
{
	size_t count[256] = {0}, next[256], at = 0;

	if (n < SORT_SMALL || d == SORT_DIGITS) {
		insertion_sort(a, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		count[key_digit(&a[i], d)]++;
	for (unsigned b = 0; b < 256; at += count[b++])
		next[b] = at;
	for (unsigned b = 0, end = 0; b < 256; b++) {
		end += count[b];
		while (next[b] < end) {
			struct dupcheck_key k = a[next[b]], t;
			unsigned kb;

			/* Carry k to its bucket and take that slot's key on, until one is b's. */
			while ((kb = key_digit(&k, d)) != b) {
				t = a[next[kb]];
				a[next[kb]++] = k;
				k = t;
			}
			a[next[b]++] = k;
		}
	}
	for (unsigned b = 0; b < 256; b++)
		if (count[b] > 1)
			sort_keys(a + next[b] - count[b], count[b], d + 1);
}

/* Within a group, tags ascend: the smallest repeat is some group's second key. */
static void scan_key(struct repeat_scan *s, const struct dupcheck_key *k)
{
	if (s->have_prev && s->prev.hi == k->hi && s->prev.lo == k->lo &&
	    (!s->found || k->tag < s->first_repeat)) {
		s->found = true;
		s->first_repeat = k->tag;
	}
	s->prev = *k;
	s->have_prev = true;
}

int dupcheck_init(struct dupcheck *d, size_t run_cap)
{
	memset(d, 0, sizeof(*d));
	d->spill_fd = -1;
	d->cap = run_cap < 2 ? 2 : run_cap;
	d->run = bigalloc_zeroed(d->cap, sizeof(*d->run));
	return d->run ? 0 : -ENOMEM;
}

static int spill_run(struct dupcheck *d)
{
	uint64_t *starts;
	int ret;

	if (d->spill_fd < 0) {
		d->spill_fd = tmpfile_anon("iou-dupcheck");
		if (d->spill_fd < 0)
			return d->spill_fd;
	}
	starts = array_grow(d->run_starts, &d->runs_cap, d->nruns, sizeof(*starts), 16);
	if (!starts)
		return -ENOMEM;
	d->run_starts = starts;
	sort_keys(d->run, d->len, 0);
	ret = stream_write_all(d->spill_fd, d->run, d->len * sizeof(*d->run));
	if (ret)
		return ret;
	d->run_starts[d->nruns++] = d->spilled;
	d->spilled += d->len;
	d->len = 0;
	return 0;
}

int dupcheck_add(struct dupcheck *d, uint64_t hi, uint64_t lo, uint64_t tag)
{
	if (d->len == d->cap) {
		int ret = spill_run(d);

		if (ret)
			return ret;
	}
	d->run[d->len++] = (struct dupcheck_key){hi, lo, tag};
	return 0;
}

/* Refill a reader's buffer from its run. Returns keys now buffered or -errno. */
static ssize_t reader_fill(int fd, struct run_reader *r)
{
	size_t want =
	    r->end - r->next < MERGE_BUF_KEYS ? (size_t)(r->end - r->next) : MERGE_BUF_KEYS;
	size_t bytes = want * sizeof(r->buf[0]), got = 0;
	ssize_t n;

	while (got < bytes) {
		n = pread(fd, (char *)r->buf + got, bytes - got,
			  (off_t)(r->next * sizeof(r->buf[0]) + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	r->next += want;
	r->pos = 0;
	r->count = want;
	return (ssize_t)want;
}

static const struct dupcheck_key *reader_key(const struct run_reader *r)
{
	return &r->buf[r->pos];
}

/* Restore the heap order below slot i (a min-heap on each reader's key). */
static void heap_sift_down(struct run_reader **heap, size_t n, size_t i)
{
	for (;;) {
		size_t least = i, l = 2 * i + 1, r = l + 1;
		struct run_reader *t;

		if (l < n && key_cmp(reader_key(heap[l]), reader_key(heap[least])) < 0)
			least = l;
		if (r < n && key_cmp(reader_key(heap[r]), reader_key(heap[least])) < 0)
			least = r;
		if (least == i)
			return;
		t = heap[i];
		heap[i] = heap[least];
		heap[least] = t;
		i = least;
	}
}

/* Merge the spilled runs in key order, feeding every key to the scan. */
static int merge_runs(struct dupcheck *d, struct repeat_scan *s)
{
	struct run_reader *readers = calloc(d->nruns, sizeof(*readers));
	struct run_reader **heap = calloc(d->nruns, sizeof(*heap));
	size_t n = 0;
	ssize_t got;
	int ret = -ENOMEM;

	if (!readers || !heap)
		goto out;
	for (size_t i = 0; i < d->nruns; i++) {
		readers[i].next = d->run_starts[i];
		readers[i].end = i + 1 < d->nruns ? d->run_starts[i + 1] : d->spilled;
		got = reader_fill(d->spill_fd, &readers[i]);
		if (got < 0) {
			ret = (int)got;
			goto out;
		}
		heap[n++] = &readers[i];
	}
	for (size_t i = n / 2; i-- > 0;)
		heap_sift_down(heap, n, i);
	while (n) {
		struct run_reader *r = heap[0];

		scan_key(s, reader_key(r));
		if (++r->pos == r->count) {
			got = r->next < r->end ? reader_fill(d->spill_fd, r) : 0;
			if (got < 0) {
				ret = (int)got;
				goto out;
			}
			if (got == 0)
				heap[0] = heap[--n];
		}
		heap_sift_down(heap, n, 0);
	}
	ret = 0;
out:
	free(readers);
	free(heap);
	return ret;
}

static void dupcheck_reset(struct dupcheck *d)
{
	if (d->spill_fd >= 0)
		close(d->spill_fd);
	d->spill_fd = -1;
	d->len = 0;
	d->nruns = 0;
	d->spilled = 0;
}

int dupcheck_finish(struct dupcheck *d, uint64_t *tag)
{
	struct repeat_scan s = {0};
	int ret = 0;

	if (d->spill_fd < 0) {
		sort_keys(d->run, d->len, 0);
		for (size_t i = 0; i < d->len; i++)
			scan_key(&s, &d->run[i]);
	} else {
		ret = d->len ? spill_run(d) : 0;
		if (!ret)
			ret = merge_runs(d, &s);
	}
	dupcheck_reset(d);
	if (ret)
		return ret;
	if (s.found)
		*tag = s.first_repeat;
	return s.found;
}

void dupcheck_free(struct dupcheck *d)
{
	dupcheck_reset(d);
	bigalloc_free(d->run);
	free(d->run_starts);
	d->run = NULL;
	d->run_starts = NULL;
}
