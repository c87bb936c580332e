/* SPDX-License-Identifier: MIT */
#include "iou/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iou/fmt.h"
#include "iou/hash.h"

/* Each operation's word, the object types it can reproduce, and what to say otherwise. */
static const struct {
	const char *name;
	const char *types;
	const char *wrong_type;
} plan_ops[PLAN_OP_COUNT] = {
    [PLAN_MKDIR] = {"mkdir", "d", "mkdir needs TYPE d"},
    [PLAN_COPY] = {"copy", "f", "copy needs TYPE f"},
    [PLAN_SYMLINK] = {"symlink", "l", "symlink needs TYPE l"},
    [PLAN_MKNOD] = {"mknod", "pscb", "mknod needs TYPE p, s, c or b"},
    /* Any non-directory can have several names: files, symlinks, devices. */
    [PLAN_LINK] = {"link", "flpscb", "link cannot make a directory (TYPE d)"},
    [PLAN_DIRMETA] = {"dirmeta", "d", "dirmeta needs TYPE d"},
    [PLAN_VERIFY] = {"verify", "f", "verify needs TYPE f"},
    [PLAN_META] = {"meta", "flpscb", "meta cannot take a directory (TYPE d): use dirmeta"},
    [PLAN_DELETE] = {"delete", "fdlpscb", ""},
    [PLAN_CHUNK] = {"chunk", "f", "chunk needs TYPE f"},
    [PLAN_SEAL] = {"seal", "f", "seal needs TYPE f"},
};

void plan_staging_name(const char *path, size_t len, char out[PLAN_STAGING_NAME_MAX])
{
	snprintf(out, PLAN_STAGING_NAME_MAX, ".iou-chunk-%016" PRIx64,
		 hash_fnv1a(HASH_FNV1A_BASIS, path, len));
}

bool plan_change_is_valid(const char *s)
{
	if (memcmp(s, PLAN_CHANGE_NEW, PLAN_CHANGE_LEN) == 0)
		return true;
	for (size_t i = 0; i < PLAN_CHANGE_LEN; i++)
		if (s[i] != '.' && s[i] != PLAN_CHANGE_LETTERS[i])
			return false;
	return true;
}

bool plan_change_is_new(const char *change)
{
	return change[0] == '\0' || memcmp(change, PLAN_CHANGE_NEW, PLAN_CHANGE_LEN) == 0;
}

const char *plan_op_name(enum plan_op op)
{
	return (unsigned)op < PLAN_OP_COUNT ? plan_ops[op].name : NULL;
}

/* "OP CHANGE " and, for a chunk, "OFFSET LENGTH ": at most 7 + 1 + 9 + 1 + 2 * 21. */
#define PLAN_PREFIX_MAX 64

int plan_format(struct buf *b, const struct plan_record *p)
{
	const char *name = plan_op_name(p->op);
	const char *change = p->change[0] ? p->change : PLAN_CHANGE_NEW;
	size_t old = b->len, name_len, change_len = strlen(change);
	char *c;
	int ret;

	if (!name)
		return -EINVAL;
	name_len = strlen(name);
	ret = buf_reserve(b, PLAN_PREFIX_MAX + change_len);
	if (ret)
		return ret;
	c = b->data + b->len;
	memcpy(c, name, name_len);
	c += name_len;
	*c++ = ' ';
	memcpy(c, change, change_len);
	c += change_len;
	*c++ = ' ';
	if (p->op == PLAN_CHUNK) {
		c = fmt_u64(c, p->offset);
		*c++ = ' ';
		c = fmt_u64(c, p->length);
		*c++ = ' ';
	}
	b->len = (size_t)(c - b->data);
	ret = record_format_walk(b, &p->obj);
	if (ret)
		b->len = old;
	return ret;
}

/* The operation whose word is the n bytes at s, or PLAN_OP_COUNT. */
static enum plan_op plan_op_of_word(const char *s, size_t n)
{
	for (enum plan_op op = 0; op < PLAN_OP_COUNT; op++)
		if (strlen(plan_ops[op].name) == n && memcmp(plan_ops[op].name, s, n) == 0)
			return op;
	return PLAN_OP_COUNT;
}

/*
 * A link names an earlier object of the same root: a clean relative path,
 * not the root itself (a directory), not holding a NUL that %00 could smuggle
 * in, and not the link's own path.
 */
static const char *link_target_problem(const struct walk_record *r)
{
	if (!r->target)
		return "link needs a TARGET: the path of its hard-link group's first member";
	if (memchr(r->target, '\0', r->target_len) ||
	    !record_path_is_clean(r->target, r->target_len) ||
	    (r->target_len == 1 && r->target[0] == '.'))
		return "link TARGET is not a clean path relative to the root";
	if (r->target_len == r->path_len && memcmp(r->target, r->path, r->path_len) == 0)
		return "link TARGET is the link's own PATH";
	return NULL;
}

/* Whether the parsed object fits the operation; NULL if it does. */
static const char *plan_problem(enum plan_op op, const struct walk_record *r)
{
	if (!strchr(plan_ops[op].types, r->type))
		return plan_ops[op].wrong_type;
	if (op == PLAN_LINK)
		return link_target_problem(r);
	/* RECORD_PARSE_ANY_TARGET let a target through; only symlinks and links have one. */
	if (r->type != 'l' && r->target)
		return "bad TARGET field: only symlinks and link records have a target";
	return NULL;
}

/* Whether the CHANGE field suits the operation; NULL if it does. */
static const char *change_problem(enum plan_op op, const char *change)
{
	if (!plan_change_is_valid(change))
		return "bad CHANGE field (\"+++++++++\", or each of \"cstpoguax\" or '.')";
	if (op == PLAN_VERIFY && change[0] != 'c')
		return "verify needs 'c' in its CHANGE field";
	if (op == PLAN_META && change[0] == '+')
		return "meta cannot make a new object (CHANGE \"+++++++++\")";
	return NULL;
}

/*
 * A decimal of up to 20 digits, without leading zeros, followed by a space;
 * advances *skip past both. Returns 0 or -EINVAL.
 */
static int parse_u64_field(const char *rec, size_t len, size_t *skip, uint64_t *out)
{
	size_t i = *skip, digits = 0;
	uint64_t v = 0;
	unsigned d;

	for (; i < len && rec[i] >= '0' && rec[i] <= '9'; i++, digits++) {
		d = (unsigned)(rec[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (!digits || i == len || rec[i] != ' ' || (digits > 1 && rec[*skip] == '0'))
		return -EINVAL;
	*out = v;
	*skip = i + 1;
	return 0;
}

/* OFFSET and LENGTH of a chunk, before its walk record; NULL if they are fine. */
static const char *parse_range(const char *rec, size_t len, size_t *skip, struct plan_record *p)
{
	p->offset = p->length = 0;
	if (p->op != PLAN_CHUNK)
		return NULL;
	if (parse_u64_field(rec, len, skip, &p->offset))
		return "bad chunk OFFSET field (a decimal number)";
	if (parse_u64_field(rec, len, skip, &p->length) || p->length == 0)
		return "bad chunk LENGTH field (a decimal number above 0)";
	return NULL;
}

/* Whether a chunk's range lies within its file; NULL if it does. */
static const char *range_problem(const struct plan_record *p)
{
	if (p->op == PLAN_CHUNK && (p->offset > p->obj.size || p->length > p->obj.size - p->offset))
		return "chunk OFFSET and LENGTH reach past the file's SIZE";
	return NULL;
}

int plan_parse(char *rec, size_t len, struct plan_record *p, const char **why)
{
	char *sp = memchr(rec, ' ', len);
	size_t skip;
	int ret;

	p->op = sp ? plan_op_of_word(rec, (size_t)(sp - rec)) : PLAN_OP_COUNT;
	if (p->op == PLAN_OP_COUNT) {
		*why = "unknown operation (expected mkdir, copy, verify, symlink, mknod, link, "
		       "meta, dirmeta, delete, chunk or seal)";
		return -EINVAL;
	}
	skip = (size_t)(sp - rec) + 1;
	if (len - skip < PLAN_CHANGE_LEN + 1 || rec[skip + PLAN_CHANGE_LEN] != ' ') {
		*why = "missing CHANGE field";
		return -EINVAL;
	}
	*why = change_problem(p->op, rec + skip);
	if (*why)
		return -EINVAL;
	memcpy(p->change, rec + skip, PLAN_CHANGE_LEN);
	p->change[PLAN_CHANGE_LEN] = '\0';
	skip += PLAN_CHANGE_LEN + 1;
	*why = parse_range(rec, len, &skip, p);
	if (*why)
		return -EINVAL;
	ret = record_parse(rec + skip, len - skip, &p->obj, RECORD_PARSE_ANY_TARGET, why);
	if (ret)
		return ret;
	*why = plan_problem(p->op, &p->obj);
	if (!*why)
		*why = range_problem(p);
	return *why ? -EINVAL : 0;
}

/* Fields of a walk record before its PATH: TYPE to TARGET (iou-stream(5)). */
#define WALK_FIELDS_BEFORE_PATH 16

const char *plan_raw_path(const char *rec, size_t len)
{
	const char *p = rec, *end = rec + len, *sp = memchr(rec, ' ', len);
	/* OP and CHANGE, OFFSET and LENGTH for a chunk, then the walk record's. */
	unsigned skip = 2 + WALK_FIELDS_BEFORE_PATH;

	if (!sp)
		return NULL;
	if (plan_op_of_word(rec, (size_t)(sp - rec)) == PLAN_CHUNK)
		skip += 2;
	while (skip--) {
		sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			return NULL;
		p = sp + 1;
	}
	return p;
}
