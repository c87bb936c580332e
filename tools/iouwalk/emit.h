/* SPDX-License-Identifier: MIT */
#ifndef IOUWALK_EMIT_H
#define IOUWALK_EMIT_H

/*
 * Ordered output for many walker threads. Each thread formats records into
 * its own emit_buf; emit_flush() appends a whole buffer to the output at
 * once, so records of one buffer stay in order. Whether a hard-linked inode
 * is a repeat is decided at flush time, under the output lock, so the first
 * record of an inode in the stream is the one without the 'r' flag.
 */

#include <pthread.h>
#include <stdint.h>

#include "iou/buf.h"
#include "iou/inoset.h"
#include "iou/record.h"

enum emit_format {
	EMIT_RECORDS, /* iou-stream(5) walk records */
	EMIT_PATHS0,  /* bare NUL-terminated paths joined to their root */
};

struct emit_out {
	pthread_mutex_t lock;
	int fd;
	enum emit_format format;
	struct inoset seen; /* hard-linked inodes already written */
	int error;	    /* first write error, negative errno */
};

struct emit_mark {
	size_t offset; /* of the record within the buffer */
	uint64_t dev;
	uint64_t ino;
};

struct emit_buf {
	struct buf data;
	struct emit_mark *marks;
	size_t nmarks;
	size_t capmarks;
};

int emit_out_init(struct emit_out *o, int fd, enum emit_format format);
void emit_out_free(struct emit_out *o);

/*
 * Add one object. root is the root as named (for EMIT_PATHS0). Returns 0 or
 * -ENOMEM.
 */
int emit_record(struct emit_buf *eb, const struct emit_out *o, const struct walk_record *r,
		const char *root);

/* Add a header record for a root (nothing in EMIT_PATHS0). */
int emit_header(struct emit_buf *eb, const struct emit_out *o, const char *root);

/* Write the buffer out and empty it. Returns 0 or a negative errno. */
int emit_flush(struct emit_out *o, struct emit_buf *eb);

void emit_buf_free(struct emit_buf *eb);

#endif
