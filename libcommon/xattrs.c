/* SPDX-License-Identifier: MIT */
#include "iou/xattrs.h"

#include <attr/libattr.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "iou/hash.h"

void xattrs_init(void)
{
	/* libattr reads /etc/xattr.conf on first use, without a lock. */
	(void)attr_copy_action("user.iou", NULL);
}

bool xattrs_wanted(const char *name)
{
	/*
	 * Only "skip" is honoured: "permissions" marks the POSIX ACLs, which
	 * libattr leaves to libacl, and their raw attributes copy just as well.
	 */
	return attr_copy_action(name, NULL) != ATTR_ACTION_SKIP;
}

static bool is_acl(const char *name)
{
	return strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

static ssize_t obj_list(const struct xattrs_obj *o, char *buf, size_t size)
{
	return o->path ? llistxattr(o->path, buf, size) : flistxattr(o->fd, buf, size);
}

static ssize_t obj_get(const struct xattrs_obj *o, const char *name, char *buf, size_t size)
{
	return o->path ? lgetxattr(o->path, name, buf, size) : fgetxattr(o->fd, name, buf, size);
}

int xattrs_set(const struct xattrs_obj *o, const char *name, const void *value, size_t len)
{
	int ret = o->path ? lsetxattr(o->path, name, value, len, 0)
			  : fsetxattr(o->fd, name, value, len, 0);

	return ret ? -errno : 0;
}

int xattrs_remove(const struct xattrs_obj *o, const char *name)
{
	int ret = o->path ? lremovexattr(o->path, name) : fremovexattr(o->fd, name);

	return ret ? -errno : 0;
}

int xattrs_proc_path(char *buf, int dirfd, const char *name)
{
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	snprintf(buf, XATTRS_PROC_PATH, "/proc/self/fd/%d/%s", dirfd, name);
	return 0;
}

/* The list (name NULL) or one value, in small or in a buffer sized by asking. */
ssize_t xattrs_read(const struct xattrs_obj *o, const char *name, char *small, char **out,
		    char **heap)
{
	ssize_t n = name ? obj_get(o, name, small, XATTRS_STACK_BYTES)
			 : obj_list(o, small, XATTRS_STACK_BYTES);

	*out = small;
	*heap = NULL;
	while (n < 0 && errno == ERANGE) {
		n = name ? obj_get(o, name, NULL, 0) : obj_list(o, NULL, 0);
		if (n < 0)
			break;
		free(*heap);
		*out = *heap = malloc((size_t)n + 1);
		if (!*heap)
			return -ENOMEM;
		n = name ? obj_get(o, name, *heap, (size_t)n) : obj_list(o, *heap, (size_t)n);
	}
	return n < 0 ? -errno : n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fold one attribute into its digest: name, length, value. */
static int digest_one(const struct xattrs_obj *o, const char *name, uint64_t *digest)
{
	char small[XATTRS_STACK_BYTES], *value, *heap;
	ssize_t n = xattrs_read(o, name, small, &value, &heap);
	uint64_t len = (uint64_t)n;

	if (n >= 0) {
		*digest = hash_fnv1a(*digest, name, strlen(name) + 1);
		*digest = hash_fnv1a(*digest, &len, sizeof(len));
		*digest = hash_fnv1a(*digest, value, (size_t)n);
	}
	free(heap);
	/* An attribute removed since the listing is simply not there. */
	return n >= 0 || n == -ENODATA ? 0 : (int)n;
}

/* The names of list, sorted: file systems list them in any order. */
static const char **sorted_names(char *list, size_t len, size_t *count)
{
	const char **names;
	size_t n = 0;

	for (size_t off = 0; off < len; off += strlen(list + off) + 1)
		n++;
	names = malloc((n ? n : 1) * sizeof(*names));
	if (!names)
		return NULL;
	n = 0;
	for (size_t off = 0; off < len; off += strlen(list + off) + 1)
		if (xattrs_wanted(list + off))
			names[n++] = list + off;
	qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names;
}

static int digest_list(const struct xattrs_obj *o, char *list, size_t len, struct walk_record *r)
{
	const char **names;
	size_t n;
	int ret = 0;

	names = sorted_names(list, len, &n);
	if (!names)
		return -ENOMEM;
	r->acl_digest = r->xattr_digest = 0;
	for (size_t i = 0; i < n && !ret; i++)
		ret = digest_one(o, names[i], is_acl(names[i]) ? &r->acl_digest : &r->xattr_digest);
	free(names);
	return ret;
}

/*
 * listxattrat(2), Linux 6.13: the names of dirfd/name without resolving a
 * /proc/self/fd path, which costs twice the listing. Same number on every
 * architecture that has it; -ENOSYS elsewhere and on older kernels.
 */
#define XATTRS_NR_LISTXATTRAT 465

static ssize_t list_at(int dirfd, const char *name, char *buf, size_t size)
{
#if defined(__x86_64__) || defined(__aarch64__)
	long n = syscall(XATTRS_NR_LISTXATTRAT, dirfd, name, AT_SYMLINK_NOFOLLOW, buf, size);

	return n < 0 ? -errno : n;
#else
	(void)dirfd, (void)name, (void)buf, (void)size;
	return -ENOSYS;
#endif
}

/* The digests of an object without attributes (or on a file system without them). */
static int digest_none(struct walk_record *r)
{
	r->acl_digest = r->xattr_digest = 0;
	r->has_xattrs = true;
	return 0;
}

/*
 * The digests of what o lists, r->has_xattrs set on success. A file system
 * without attributes gives digests 0, as an object without any.
 */
static int digest_obj(const struct xattrs_obj *o, struct walk_record *r)
{
	char small[XATTRS_STACK_BYTES], *list, *heap;
	ssize_t n = xattrs_read(o, NULL, small, &list, &heap);
	int ret;

	if (n == -ENOTSUP)
		return digest_none(r);
	ret = n < 0 ? (int)n : digest_list(o, list, (size_t)n, r);
	free(heap);
	r->has_xattrs = ret == 0;
	return ret;
}

int xattrs_digest_at(int dirfd, const char *name, struct walk_record *r)
{
	char proc[XATTRS_PROC_PATH], small[XATTRS_STACK_BYTES];
	struct xattrs_obj o = {-1, NULL};
	ssize_t n;
	int ret;

	r->has_xattrs = false;
	if (dirfd == AT_FDCWD)
		return digest_obj(&(struct xattrs_obj){-1, name}, r);
	/* Most objects have no attributes: one listxattrat says so. */
	n = list_at(dirfd, name, small, sizeof(small));
	if (n == 0 || n == -ENOTSUP)
		return digest_none(r);
	if (n < 0 && n != -ENOSYS && n != -ERANGE)
		return (int)n;
	/* The l* calls on /proc/self/fd/N/NAME: any depth, NAME's symlink not followed. */
	if (xattrs_proc_path(proc, dirfd, name))
		return -ENAMETOOLONG;
	o.path = proc;
	if (n < 0)
		return digest_obj(&o, r);
	/* The names are in hand: only the values go through /proc. */
	ret = digest_list(&o, small, (size_t)n, r);
	r->has_xattrs = ret == 0;
	return ret;
}
