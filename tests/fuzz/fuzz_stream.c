/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: any bytes, read as an iou-stream(5) by the one reader
 * every tool uses, each record parsed as a header, a walk record and a plan
 * record. Nothing may crash, hang or leak; what parses must format back to
 * something that parses again to the same path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iou/plan.h"
#include "iou/stream.h"

static void check_walk(const char *rec, size_t len)
{
	char *copy = malloc(len + 1), *again;
	struct walk_record r, back;
	struct buf b = BUF_INIT;
	const char *why;

	memcpy(copy, rec, len + 1);
	if (record_parse_walk(copy, len, &r, &why) == 0 && record_format_walk(&b, &r) == 0) {
		again = b.data;
		if (record_parse_walk(again, b.len - 1, &back, &why) != 0 ||
		    back.path_len != r.path_len || memcmp(back.path, r.path, r.path_len) != 0)
			abort(); /* a record that parsed must survive a round trip */
	}
	buf_free(&b);
	free(copy);
}

static void check_plan(const char *rec, size_t len)
{
	char *copy = malloc(len + 1);
	struct plan_record p;
	struct buf b = BUF_INIT;
	const char *why;

	memcpy(copy, rec, len + 1);
	if (plan_parse(copy, len, &p, &why) == 0 && plan_format(&b, &p) != 0)
		abort();
	buf_free(&b);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	struct stream_reader r;
	struct stream_header h;
	const char *why;
	char *rec;
	size_t len;

	if (fd < 0 || stream_write_all(fd, data, size) || lseek(fd, 0, SEEK_SET) ||
	    stream_reader_init(&r, fd))
		abort();
	while (stream_read_record(&r, &rec, &len) == 1) {
		if (stream_is_header(rec, len)) {
			(void)stream_parse_header(rec, len, &h, &why);
			continue;
		}
		check_walk(rec, len);
		check_plan(rec, len);
	}
	stream_reader_free(&r);
	close(fd);
	return 0;
}
