/* SPDX-License-Identifier: MIT */
#include "itemize.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* rsync's letter for what an operation did; 0 when nothing is shown. */
static char itemize_action(const struct plan_record *p, enum put_outcome outcome)
{
	switch (p->op) {
	case PLAN_COPY:
	case PLAN_SEAL: /* the file appears whole: its chunks are not shown one by one */
		return '>';
	case PLAN_VERIFY:
		return outcome == OUTCOME_COPIED ? '>' : outcome == OUTCOME_META_ONLY ? '.' : 0;
	case PLAN_MKDIR:
	case PLAN_SYMLINK:
	case PLAN_MKNOD:
		return 'c';
	case PLAN_LINK:
		return outcome == OUTCOME_NONE ? 0 : 'h'; /* none: already that inode's link */
	case PLAN_DIRMETA:
		/* Times restored after a change inside, or the end of a mkdir: said already. */
		if (!p->change[0] || strcmp(p->change, PLAN_CHANGE_NONE) == 0 ||
		    strcmp(p->change, PLAN_CHANGE_NEW) == 0)
			return 0;
		return '.';
	case PLAN_META:
		return '.';
	case PLAN_DELETE:
	case PLAN_CHUNK:
	case PLAN_OP_COUNT:
		break;
	}
	return 0;
}

/* rsync's type letters: devices are D, FIFOs and sockets S. */
static char itemize_type(char type)
{
	switch (type) {
	case 'l':
		return 'L';
	case 'c':
	case 'b':
		return 'D';
	case 'p':
	case 's':
		return 'S';
	default:
		return type;
	}
}

/*
 * A name or target as rsync prints it: a control byte as \#ooo (octal), so
 * that a name holding a newline cannot pass for a line of its own.
 */
static int itemize_text(struct buf *b, const char *s, size_t len)
{
	char esc[5];
	size_t from = 0;
	int ret = 0;

	for (size_t i = 0; i < len && !ret; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		snprintf(esc, sizeof(esc), "#%03o", c);
		ret = buf_append(b, s + from, i - from);
		if (!ret)
			ret = buf_putc(b, '\\');
		if (!ret)
			ret = buf_append(b, esc, 4);
		from = i + 1;
	}
	return ret ? ret : buf_append(b, s + from, len - from);
}

/* NAME: the path, "./" for the root, a '/' after directories. */
static int itemize_name(struct buf *b, const struct walk_record *r)
{
	if (strcmp(r->path, ".") == 0)
		return buf_append(b, "./", 2);
	if (itemize_text(b, r->path, r->path_len))
		return -ENOMEM;
	return r->type == 'd' ? buf_putc(b, '/') : 0;
}

/* " -> TARGET" for a symlink, " => FIRST" for a hard link. */
static int itemize_suffix(struct buf *b, const struct plan_record *p)
{
	const char *arrow = p->op == PLAN_LINK ? " => " : p->obj.type == 'l' ? " -> " : NULL;

	if (!arrow || !p->obj.target)
		return 0;
	if (buf_append(b, arrow, 4))
		return -ENOMEM;
	return itemize_text(b, p->obj.target, p->obj.target_len);
}

static int itemize_change(struct buf *b, const struct plan_record *p, enum put_outcome outcome)
{
	char change[PLAN_CHANGE_LEN + 1];

	memcpy(change, p->change[0] ? p->change : PLAN_CHANGE_NEW, sizeof(change));
	/* Data compared equal: only the attributes changed. */
	if (p->op == PLAN_VERIFY && outcome == OUTCOME_META_ONLY)
		change[0] = '.';
	return buf_append(b, change, PLAN_CHANGE_LEN);
}

static int itemize_item(struct buf *b, const struct plan_record *p, enum put_outcome outcome)
{
	char action = itemize_action(p, outcome);
	int ret;

	if (!action)
		return 0;
	ret = buf_putc(b, action);
	if (!ret)
		ret = buf_putc(b, itemize_type(p->obj.type));
	if (!ret)
		ret = itemize_change(b, p, outcome);
	if (!ret)
		ret = buf_putc(b, ' ');
	if (!ret)
		ret = itemize_name(b, &p->obj);
	if (!ret)
		ret = itemize_suffix(b, p);
	return ret ? ret : buf_putc(b, '\n');
}

static int itemize_delete(struct buf *b, const struct plan_record *p, enum put_outcome outcome)
{
	static const char word[] = "*deleting   ";

	if (outcome == OUTCOME_NONE)
		return 0; /* already gone: nothing changed */
	if (buf_append(b, word, sizeof(word) - 1) || itemize_name(b, &p->obj))
		return -ENOMEM;
	return buf_putc(b, '\n');
}

int itemize_format(struct buf *b, const struct plan_record *p, enum put_outcome outcome)
{
	size_t old = b->len;
	int ret =
	    p->op == PLAN_DELETE ? itemize_delete(b, p, outcome) : itemize_item(b, p, outcome);

	if (ret)
		b->len = old;
	return ret;
}

int itemize_print(FILE *out, const struct plan_record *p, enum put_outcome outcome)
{
	struct buf line = BUF_INIT;
	int ret = itemize_format(&line, p, outcome);

	/* A failed write shows in ferror(out), which the caller checks at the end. */
	if (!ret && line.len)
		fwrite(line.data, 1, line.len, out);
	buf_free(&line);
	return ret;
}
