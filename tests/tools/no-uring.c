/* SPDX-License-Identifier: MIT */
/*
 * no-uring: run a command in which io_uring does not exist, the way a
 * container's seccomp profile or kernel.io_uring_disabled makes it look, so
 * the tests reach the tools' plain-syscall fallback without IOU_NO_URING.
 *
 *   no-uring [-e ENOSYS|EPERM] [-t] COMMAND [ARG]...
 *
 * io_uring_setup, io_uring_enter and io_uring_register fail with the errno
 * given (default ENOSYS: a kernel without io_uring or a seccomp profile; EPERM
 * is what kernel.io_uring_disabled=2 answers); every other system call works.
 * With -t, openat(2) with O_TMPFILE fails with EOPNOTSUPP too, as on a file
 * system without it (NFS, FUSE, vfat): the tools' hidden temporary names.
 * The filter is inherited across fork and exec, so it holds for a whole
 * pipeline started from COMMAND.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

/* What the test suite takes as "this helper cannot work here": skip. */
#define EXIT_UNSUPPORTED 77
#define EXIT_USAGE	 2

/*
 * The kernel's own __O_TMPFILE bit (asm-generic/fcntl.h); glibc's name for
 * it also holds O_DIRECTORY, which every directory open has.
 */
#define TMPFILE_BIT 020000000u

#define USAGE "usage: no-uring [-e ENOSYS|EPERM] [-t] COMMAND [ARG]...\n"

#ifdef NATIVE_ARCH
/*
 * A system call of another ABI (x32, or 32-bit compat) would reach io_uring
 * under other numbers: such calls fail too rather than slip through.
 */
static int install_filter(unsigned err, bool no_tmpfile)
{
	/* Without -t, a number no system call has: the check below never matches. */
	unsigned openat_nr = no_tmpfile ? __NR_openat : 0xffffffffu;
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 3, 0),
#else
	    BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
#endif
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 1, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, openat_nr, 0, 3),
	    /* The low half of the flags (little-endian): where __O_TMPFILE is. */
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TMPFILE_BIT, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EOPNOTSUPP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

	/* Without it an unprivileged process may not install a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}
#endif

static int parse_errno(const char *name, unsigned *err)
{
	if (strcmp(name, "ENOSYS") == 0)
		*err = ENOSYS;
	else if (strcmp(name, "EPERM") == 0)
		*err = EPERM;
	else
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned err = ENOSYS;
	bool no_tmpfile = false;
	int c;

	while ((c = getopt(argc, argv, "+e:t")) != -1) {
		if (c == 't') {
			no_tmpfile = true;
		} else if (c != 'e' || parse_errno(optarg, &err)) {
			fputs(USAGE, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fputs(USAGE, stderr);
		return EXIT_USAGE;
	}
#ifdef NATIVE_ARCH
	c = install_filter(err, no_tmpfile);
	if (c) {
		fprintf(stderr, "no-uring: cannot install the seccomp filter: %s\n", strerror(-c));
		return EXIT_UNSUPPORTED;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "no-uring: %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
#else
	fputs("no-uring: no seccomp filter for this architecture\n", stderr);
	return EXIT_UNSUPPORTED;
#endif
}
