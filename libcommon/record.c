/* SPDX-License-Identifier: MIT */
#include "iou/record.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "iou/fmt.h"

static const char record_types[] = "fdlpscb";
static const uint32_t record_type_modes[] = {S_IFREG,  S_IFDIR, S_IFLNK, S_IFIFO,
					     S_IFSOCK, S_IFCHR, S_IFBLK};

char record_type_of_mode(uint32_t st_mode)
{
	for (size_t i = 0; i < sizeof(record_type_modes) / sizeof(record_type_modes[0]); i++)
		if ((st_mode & S_IFMT) == record_type_modes[i])
			return record_types[i];
	return 0;
}

uint32_t record_mode_of_type(char type)
{
	const char *p = type ? strchr(record_types, type) : NULL;

	return p ? record_type_modes[p - record_types] : 0;
}

static int target_byte_is_plain(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '%';
}

/* Write a target percent-encoded (at most 3 bytes per byte); returns the end. */
static char *encode_target(char *p, const char *target, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	if (len == 1 && target[0] == '-') {
		memcpy(p, "%2D", 3);
		return p + 3;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)target[i];

		if (target_byte_is_plain(c)) {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	return p;
}

int record_encode_target(struct buf *b, const char *target, size_t len)
{
	int ret = len > SIZE_MAX / 3 ? -ENOMEM : buf_reserve(b, len * 3);

	if (ret)
		return ret;
	b->len = (size_t)(encode_target(b->data + b->len, target, len) - b->data);
	return 0;
}

/*
 * Room for every field before TARGET at its widest, separators included:
 * "T FFF " 6, DEV 22, INO and NLINK 21 each, MODE 12, UID and GID 11 each,
 * SIZE, BLOCKS and RDEV 21 each, three times 32 each, XATTRS 34, a space.
 */
#define WALK_FIXED_MAX 320

static char *put_devno(char *p, uint32_t major, uint32_t minor)
{
	p = fmt_u64(p, major);
	*p++ = ':';
	return fmt_u64(p, minor);
}

/* " SEC.NSEC": seconds may be negative, nanoseconds take nine digits. */
static char *put_time(char *p, const struct record_time *t)
{
	*p++ = ' ';
	p = fmt_i64(p, t->sec);
	*p++ = '.';
	return fmt_u64_zpad(p, t->nsec, 9);
}

static char *put_xattrs(char *p, const struct walk_record *r)
{
	*p++ = ' ';
	if (!r->has_xattrs) {
		*p++ = '-';
		return p;
	}
	p = fmt_hex_zpad(p, r->acl_digest, 16);
	*p++ = ':';
	return fmt_hex_zpad(p, r->xattr_digest, 16);
}

/* TYPE to XATTRS and the space after it; at most WALK_FIXED_MAX bytes. */
static char *put_fixed_fields(char *p, const struct walk_record *r)
{
	*p++ = r->type;
	*p++ = ' ';
	p[0] = r->flags & RECORD_HARDLINKED ? 'h' : '-';
	p[1] = r->flags & RECORD_REPEATED ? 'r' : '-';
	p[2] = r->flags & RECORD_MOUNT ? 'm' : '-';
	p[3] = ' ';
	p = put_devno(p + 4, r->dev_major, r->dev_minor);
	*p++ = ' ';
	p = fmt_u64(p, r->ino);
	*p++ = ' ';
	p = fmt_u64(p, r->nlink);
	*p++ = ' ';
	p = fmt_oct_zpad(p, r->mode, 4);
	*p++ = ' ';
	p = fmt_u64(p, r->uid);
	*p++ = ' ';
	p = fmt_u64(p, r->gid);
	*p++ = ' ';
	p = fmt_u64(p, r->size);
	*p++ = ' ';
	p = fmt_u64(p, r->blocks);
	*p++ = ' ';
	p = put_devno(p, r->rdev_major, r->rdev_minor);
	p = put_time(p, &r->atime);
	p = put_time(p, &r->mtime);
	p = put_time(p, &r->ctime);
	p = put_xattrs(p, r);
	*p++ = ' ';
	return p;
}

/*
 * One reservation for the whole record, then plain stores: the record is
 * either appended whole or, out of memory, not at all.
 */
int record_format_walk(struct buf *b, const struct walk_record *r)
{
	size_t target_room = r->target ? r->target_len * 3 : 1;
	char *p;
	int ret;

	if (r->target_len > SIZE_MAX / 8 || r->path_len > SIZE_MAX / 8)
		return -ENOMEM;
	ret = buf_reserve(b, WALK_FIXED_MAX + target_room + 1 + r->path_len + 1);
	if (ret)
		return ret;
	p = put_fixed_fields(b->data + b->len, r);
	if (r->target)
		p = encode_target(p, r->target, r->target_len);
	else
		*p++ = '-';
	*p++ = ' ';
	if (r->path_len)
		memcpy(p, r->path, r->path_len);
	p += r->path_len;
	*p++ = '\0';
	b->len = (size_t)(p - b->data);
	return 0;
}

/*
 * A cursor over the fields of one record. Each field is read in one pass
 * that both finds its end and checks it: a memchr() per field to find the
 * space first cost more than the digits. The space that ends a field
 * becomes a NUL, as callers may rely on.
 */
struct fields {
	char *p;
	char *end;
};

/* The field read so far must end at s with a space; step past it. */
static int end_field(struct fields *f, char *s)
{
	if (s >= f->end || *s != ' ')
		return -EINVAL;
	*s = '\0';
	f->p = s + 1;
	return 0;
}

/* Take the next space-terminated field whole; fails on an empty or missing one. */
static int next_field(struct fields *f, char **start, size_t *len)
{
	char *sp = memchr(f->p, ' ', (size_t)(f->end - f->p));

	if (!sp || sp == f->p)
		return -EINVAL;
	*start = f->p;
	*len = (size_t)(sp - f->p);
	return end_field(f, sp);
}

static bool is_digit(const char *s, const char *end)
{
	return s < end && (unsigned)(*s - '0') <= 9;
}

/*
 * Decimal digits at *at without leading zeros (but "0"), at most max; *at
 * moves past them. Nineteen digits cannot overflow 64 bits, so only a
 * twentieth is checked on its way in.
 */
static int scan_u64(char **at, const char *end, uint64_t max, uint64_t *out)
{
	char *s = *at;
	uint64_t v = 0;
	unsigned d;

	while (is_digit(s, end) && s - *at < 19)
		v = v * 10 + (unsigned)(*s++ - '0');
	if (is_digit(s, end)) {
		d = (unsigned)(*s++ - '0');
		if (v > (UINT64_MAX - d) / 10 || is_digit(s, end))
			return -EINVAL;
		v = v * 10 + d;
	}
	if (s == *at || v > max || (s - *at > 1 && **at == '0'))
		return -EINVAL;
	*at = s;
	*out = v;
	return 0;
}

static int take_u64(struct fields *f, uint64_t max, uint64_t *out)
{
	char *s = f->p;

	return scan_u64(&s, f->end, max, out) ? -EINVAL : end_field(f, s);
}

static int take_u32(struct fields *f, uint32_t *out)
{
	uint64_t v;
	int ret = take_u64(f, UINT32_MAX, &v);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

/* MAJOR:MINOR, each a 32-bit decimal. */
static int take_devno(struct fields *f, uint32_t *major, uint32_t *minor)
{
	char *s = f->p;
	uint64_t ma, mi;

	if (scan_u64(&s, f->end, UINT32_MAX, &ma) || s >= f->end || *s++ != ':')
		return -EINVAL;
	if (scan_u64(&s, f->end, UINT32_MAX, &mi) || end_field(f, s))
		return -EINVAL;
	*major = (uint32_t)ma;
	*minor = (uint32_t)mi;
	return 0;
}

/* SEC.NSEC: SEC a decimal that may be negative (not "-0"), NSEC nine digits. */
static int take_time(struct fields *f, struct record_time *t)
{
	char *s = f->p;
	bool neg = s < f->end && *s == '-';
	uint64_t sec, nsec = 0;

	s += neg;
	if (scan_u64(&s, f->end, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &sec))
		return -EINVAL;
	if ((neg && sec == 0) || f->end - s < 10 || *s != '.')
		return -EINVAL;
	for (int i = 1; i <= 9; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9)
			return -EINVAL;
		nsec = nsec * 10 + d;
	}
	if (end_field(f, s + 10))
		return -EINVAL;
	t->sec = neg ? (int64_t)(0 - sec) : (int64_t)sec;
	t->nsec = (uint32_t)nsec;
	return 0;
}

/* Four octal digits. */
static int take_mode(struct fields *f, uint32_t *mode)
{
	uint32_t v = 0;

	if (f->end - f->p < 5)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (f->p[i] < '0' || f->p[i] > '7')
			return -EINVAL;
		v = v * 8 + (uint32_t)(f->p[i] - '0');
	}
	*mode = v;
	return end_field(f, f->p + 4);
}

/* "hrm", each letter or '-'. */
static int take_flags(struct fields *f, unsigned *flags)
{
	static const char letters[RECORD_FLAGS_LEN] = {'h', 'r', 'm'};

	if (f->end - f->p <= RECORD_FLAGS_LEN)
		return -EINVAL;
	*flags = 0;
	for (size_t i = 0; i < RECORD_FLAGS_LEN; i++) {
		if (f->p[i] == letters[i])
			*flags |= 1u << i;
		else if (f->p[i] != '-')
			return -EINVAL;
	}
	return end_field(f, f->p + RECORD_FLAGS_LEN);
}

/* One of the type letters. */
static int take_type(struct fields *f, char *type)
{
	if (f->p >= f->end)
		return -EINVAL;
	*type = f->p[0];
	if (!record_mode_of_type(f->p[0]))
		return -EINVAL;
	return end_field(f, f->p + 1);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len != 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : s[i] - '0';

		if (d < 0 || d > 15)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* "-", or two digests of 16 lower-case hex digits joined by ':'. */
static int take_xattrs(struct fields *f, struct walk_record *r)
{
	char *s = f->p;

	r->has_xattrs = !(f->end - s >= 2 && s[0] == '-' && s[1] == ' ');
	if (!r->has_xattrs)
		return end_field(f, s + 1);
	if (f->end - s < 34 || s[16] != ':')
		return -EINVAL;
	if (parse_hex64(s, 16, &r->acl_digest) || parse_hex64(s + 17, 16, &r->xattr_digest))
		return -EINVAL;
	return end_field(f, s + 33);
}

/* Decode a TARGET field in place. Rejects anything the encoder never writes. */
static int decode_target(char *s, size_t len, size_t *out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			if (!target_byte_is_plain((unsigned char)s[i]))
				return -EINVAL;
			s[o++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return -EINVAL;
		hi = hex_value(s[i + 1]);
		lo = hex_value(s[i + 2]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		s[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	if (o == 0)
		return -EINVAL;
	s[o] = '\0';
	*out_len = o;
	return 0;
}

/* Fields in record order, for parsing and for error messages. */
enum walk_field {
	F_TYPE,
	F_FLAGS,
	F_DEV,
	F_INO,
	F_NLINK,
	F_MODE,
	F_UID,
	F_GID,
	F_SIZE,
	F_BLOCKS,
	F_RDEV,
	F_ATIME,
	F_MTIME,
	F_CTIME,
	F_XATTRS,
	F_TARGET,
	F_COUNT
};

static const char *const walk_field_errors[F_COUNT] = {
    "bad or missing TYPE field",   "bad or missing FLAGS field", "bad or missing DEV field",
    "bad or missing INO field",	   "bad or missing NLINK field", "bad or missing MODE field",
    "bad or missing UID field",	   "bad or missing GID field",	 "bad or missing SIZE field",
    "bad or missing BLOCKS field", "bad or missing RDEV field",	 "bad or missing ATIME field",
    "bad or missing MTIME field",  "bad or missing CTIME field", "bad or missing XATTRS field",
    "bad or missing TARGET field",
};

/* Take field i, which comes before TARGET. */
static int take_walk_field(enum walk_field i, struct fields *f, struct walk_record *r)
{
	switch (i) {
	case F_TYPE:
		return take_type(f, &r->type);
	case F_FLAGS:
		return take_flags(f, &r->flags);
	case F_DEV:
		return take_devno(f, &r->dev_major, &r->dev_minor);
	case F_INO:
		return take_u64(f, UINT64_MAX, &r->ino);
	case F_NLINK:
		return take_u64(f, UINT64_MAX, &r->nlink);
	case F_MODE:
		return take_mode(f, &r->mode);
	case F_UID:
		return take_u32(f, &r->uid);
	case F_GID:
		return take_u32(f, &r->gid);
	case F_SIZE:
		return take_u64(f, UINT64_MAX, &r->size);
	case F_BLOCKS:
		return take_u64(f, UINT64_MAX, &r->blocks);
	case F_RDEV:
		return take_devno(f, &r->rdev_major, &r->rdev_minor);
	case F_ATIME:
		return take_time(f, &r->atime);
	case F_MTIME:
		return take_time(f, &r->mtime);
	case F_CTIME:
		return take_time(f, &r->ctime);
	case F_XATTRS:
		return take_xattrs(f, r);
	default:
		return -EINVAL;
	}
}

/* The TARGET field s of len bytes: "-" for none, else percent-encoded bytes. */
static int parse_target(char *s, size_t len, struct walk_record *r, bool any_target)
{
	if (len == 1 && s[0] == '-') {
		r->target = NULL;
		r->target_len = 0;
		return r->type == 'l' ? -EINVAL : 0;
	}
	r->target = s;
	return r->type == 'l' || any_target ? decode_target(s, len, &r->target_len) : -EINVAL;
}

int record_parse_walk(char *rec, size_t len, struct walk_record *r, const char **why)
{
	return record_parse(rec, len, r, 0, why);
}

int record_parse(char *rec, size_t len, struct walk_record *r, unsigned opts, const char **why)
{
	struct fields f = {rec, rec + len};
	char *s;
	size_t n;

	memset(r, 0, sizeof(*r));
	for (enum walk_field i = 0; i < F_TARGET; i++) {
		if (take_walk_field(i, &f, r)) {
			*why = walk_field_errors[i];
			return -EINVAL;
		}
	}
	if (next_field(&f, &s, &n)) {
		/* Fields but no space after the last: the path is what is missing. */
		*why = f.p < f.end ? "missing PATH field" : walk_field_errors[F_TARGET];
		return -EINVAL;
	}
	if (parse_target(s, n, r, opts & RECORD_PARSE_ANY_TARGET)) {
		*why = walk_field_errors[F_TARGET];
		return -EINVAL;
	}
	if (!record_path_is_clean(f.p, (size_t)(f.end - f.p))) {
		*why = f.p >= f.end
			   ? "missing PATH field"
			   : "PATH is not relative to the root (absolute, empty component, "
			     "\".\" or \"..\")";
		return -EINVAL;
	}
	r->path = f.p;
	r->path_len = (size_t)(f.end - f.p);
	return 0;
}

int record_path_is_clean(const char *path, size_t len)
{
	size_t i = 0;

	if (len == 1 && path[0] == '.')
		return 1;
	if (len == 0)
		return 0;
	while (i <= len) {
		const char *c = path + i, *slash = memchr(c, '/', len - i);
		size_t n = slash ? (size_t)(slash - c) : len - i;

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		i += n + 1;
	}
	return 1;
}
