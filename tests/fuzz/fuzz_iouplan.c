/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any bytes as iouplan's input, planned plainly and
 * against a destination walk made of the same bytes (with --delete and
 * --checksum), as iouplan's main does. Bad input must be refused with a
 * reason, never crash, hang or leak; a plan written must parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iou/plan.h"
#include "iou/stream.h"
#include "iouplan/against.h"
#include "iouplan/filter.h"

static int memfd_with(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || stream_write_all(fd, data, size) || lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

/* Every record of a written plan must be a valid header or plan record. */
static void check_output(int fd)
{
	struct stream_reader r;
	struct stream_header h;
	struct plan_record p;
	const char *why;
	char *rec;
	size_t len;
	int ret;

	if (lseek(fd, 0, SEEK_SET) || stream_reader_init(&r, fd))
		abort();
	while ((ret = stream_read_record(&r, &rec, &len)) == 1) {
		if (stream_is_header(rec, len) ? stream_parse_header(rec, len, &h, &why)
					       : plan_parse(rec, len, &p, &why))
			abort();
	}
	if (ret != 0)
		abort();
	stream_reader_free(&r);
}

static void plan(const uint8_t *data, size_t size, const struct root_sync *sync)
{
	int in = memfd_with(data, size), out = memfd_with(NULL, 0);
	struct plan_failure f;

	if (plan_filter(in, out, sync, false, &f) == 0)
		check_output(out);
	else if (f.where == PLAN_AT_INPUT && !f.why && f.recno)
		abort(); /* input blamed on a record must say why */
	close(in);
	close(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct against a = AGAINST_INIT;
	struct root_sync sync = {.compare = {.owner = true, .checksum = true},
				 .delete_extra = true};
	const char *why;
	uint64_t recno;
	int fd;

	plan(data, size, NULL);
	fd = memfd_with(data, size);
	if (against_load(&a, fd, &why, &recno) == 0) {
		sync.against = &a;
		plan(data, size, &sync);
	}
	close(fd);
	against_free(&a);
	return 0;
}
