/* SPDX-License-Identifier: MIT */
#ifndef IOU_BUF_H
#define IOU_BUF_H

/*
 * A growable byte buffer. Appends either succeed or leave the buffer as it
 * was and return -ENOMEM, so a writer can format a whole record and only
 * then decide to keep it. From 1 MiB up the buffer lives on huge pages
 * (bigalloc.h).
 */

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Make room for at least n more bytes. Returns 0 or -ENOMEM. */
int buf_reserve(struct buf *b, size_t n);

/* Append n bytes. Returns 0 or -ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Append one byte. Returns 0 or -ENOMEM. */
int buf_putc(struct buf *b, char c);

/* Append printf-formatted text (no terminating NUL). Returns 0 or -ENOMEM. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget the contents, keep the memory. */
void buf_clear(struct buf *b);

void buf_free(struct buf *b);

#endif
