/* SPDX-License-Identifier: MIT */
#ifndef IOU_STREAM_H
#define IOU_STREAM_H

/*
 * The framing of iou-stream(5): NUL-terminated records read from a file
 * descriptor, and the header record that opens each root. This is the only
 * code that knows how records are delimited; record.h knows what is in them.
 */

#include <stddef.h>
#include <stdint.h>

#include "iou/buf.h"

#define STREAM_MAGIC	     "iou-stream"
#define STREAM_VERSION_MAJOR 2
#define STREAM_VERSION_MINOR 1
/* Paths may exceed PATH_MAX, so records are long-ish, but never unbounded. */
#define STREAM_RECORD_MAX (16u << 20)

struct stream_reader {
	int fd;
	char *buf;
	size_t cap;	/* bytes allocated */
	size_t start;	/* first unconsumed byte */
	size_t end;	/* one past the last byte read */
	uint64_t recno; /* number of the record last returned, from 1 */
	int eof;
};

int stream_reader_init(struct stream_reader *r, int fd);
void stream_reader_free(struct stream_reader *r);

/*
 * Read the next record. On success returns 1 and points *rec at it (mutable,
 * NUL-terminated, valid until the next call) with its length, excluding the
 * NUL, in *len. Returns 0 at a clean end of input, -EBADMSG when the input
 * ends inside a record, -EMSGSIZE when a record exceeds STREAM_RECORD_MAX,
 * -ENOMEM, or the negative errno of a failed read.
 */
int stream_read_record(struct stream_reader *r, char **rec, size_t *len);

struct stream_header {
	unsigned major;
	unsigned minor;
	const char *kind; /* points into the record */
	size_t kind_len;
	const char *root; /* points into the record, NUL-terminated */
	size_t root_len;
};

/* Whether a record is a header (starts with the magic word and a space). */
int stream_is_header(const char *rec, size_t len);

/*
 * Parse a header record. Returns 0, or -EINVAL for a malformed header and
 * -EPROTONOSUPPORT for a newer major version; *why then says what is wrong.
 */
int stream_parse_header(const char *rec, size_t len, struct stream_header *h, const char **why);

/* Append a header record for a root, with its terminating NUL. */
int stream_format_header(struct buf *b, const char *kind, const char *root, size_t root_len);

/* Write all of a buffer to fd, retrying on short writes and EINTR. */
int stream_write_all(int fd, const void *p, size_t n);

#endif
