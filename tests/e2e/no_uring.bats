#!/usr/bin/env bats
# Without io_uring, as a container's seccomp profile or
# kernel.io_uring_disabled leaves a process: tests/tools/no-uring makes
# io_uring_setup, io_uring_enter and io_uring_register fail with ENOSYS or
# EPERM, and the tools must fall back to plain syscalls on their own (no
# IOU_NO_URING, no --no-uring) with the same walk and the same copy. The
# tools say nothing when they fall back, so these tests assert behaviour:
# on a small tree with every kind of object, and on the whole hostile tree.

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput iousync
	[ -x "$NO_URING" ] || { echo "$NO_URING not found (run make check-e2e)" >&2; return 1; }
}

setup() {
	T=$(make_tmpdir)
	unset IOU_NO_URING
}

teardown() {
	remove_tree "${T:-}"
}

# io_uring_setup(2) as seen under `no-uring ARGS`: "RESULT ERRNO".
probe_setup() {
	"$NO_URING" "$@" perl -e 'my $p = "\0" x 120; my $r = syscall(425, 1, $p); print "$r ", $! + 0, "\n"'
}

# under ERRNO CMD...: run CMD with io_uring failing with ERRNO; skip when
# seccomp is not available here.
under() {
	local err=$1
	shift
	"$NO_URING" -e "$err" "$@"
}

skip_without_seccomp() {
	local st=0
	"$NO_URING" true 2>"$T/seccomp.err" || st=$?
	[ "$st" -ne 77 ] || skip "$(cat "$T/seccomp.err")"
	[ "$st" -eq 0 ]
}

# A small tree with every kind of object the tools copy.
small_tree() {
	local s=$1
	mkdir -p "$s/d/e" "$s/empty"
	for i in 1 2 3 4 5; do printf 'file %s\n' "$i" >"$s/d/f$i"; done
	head -c 300000 /dev/urandom >"$s/d/e/big"
	printf 'x' >"$s/name with space"
	printf 'y' >"$s/name
with newline"
	ln "$s/d/f1" "$s/hard"
	ln -s d/f2 "$s/sym"
	mkfifo "$s/fifo"
	setfattr -n user.k -v v "$s/d/f3" 2>/dev/null || true
	touch -d '2001-02-03 04:05:06.123456789' "$s/d/f4"
}

@test "no-uring makes io_uring_setup fail with ENOSYS by default, EPERM on request, and leaves it alone otherwise" {
	skip_without_seccomp
	run probe_setup
	[ "$output" = "-1 38" ]
	run probe_setup -e EPERM
	[ "$output" = "-1 1" ]
	# Outside the helper this kernel has io_uring (or the test proves nothing).
	run perl -e 'my $p = "\0" x 120; my $r = syscall(425, 1, $p); print $r >= 0 ? "ok\n" : "$!\n"'
	[ "$output" = ok ] || skip "io_uring is not available here at all: $output"
	run "$NO_URING" -e EBADF true
	[ "$status" -eq 2 ]
}

walk_same() {
	skip_without_seccomp
	small_tree "$T/src"
	# A first walk settles the directories' access times (relatime).
	"$IOUWALK" "$T/src" >/dev/null
	"$IOUWALK" "$T/src" >"$T/uring"
	under "$1" "$IOUWALK" "$T/src" >"$T/plain"
	# Same records; only atime (a read may move it) and which member of a
	# hard-link group comes first (thread timing) may differ.
	normalize "$T/uring" "$T/uring.n"
	normalize "$T/plain" "$T/plain.n"
	cmp "$T/uring.n" "$T/plain.n"
	# The header and 15 objects.
	[ "$(count0 "$T/plain")" -eq 16 ]
}

pipeline_copies() {
	skip_without_seccomp
	small_tree "$T/src"
	(cd "$T" && under "$1" sh -c '"$1" src | "$2" | "$3" dst' sh "$IOUWALK" "$IOUPLAN" "$IOUPUT")
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

sync_resyncs() {
	skip_without_seccomp
	small_tree "$T/src"
	under "$1" "$IOUSYNC" "$T/src" "$T/dst"
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
	printf 'changed\n' >"$T/src/d/f5"
	rm "$T/src/d/f2"
	run under "$1" "$IOUSYNC" -i --delete "$T/src" "$T/dst"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^>f.st...... d/f5$' <<<"$output"
	grep -q '^\*deleting   d/f2$' <<<"$output"
	rsync_oracle "$T/src" "$T/dst" "$T/rsync2"
}

@test "with io_uring failing with ENOSYS, iouwalk writes the same stream as with io_uring" {
	walk_same ENOSYS
}

@test "with io_uring failing with ENOSYS, iouwalk | iouplan | iouput copies faithfully" {
	pipeline_copies ENOSYS
}

@test "with io_uring failing with ENOSYS, iousync syncs and resyncs a change faithfully" {
	sync_resyncs ENOSYS
}

@test "with io_uring failing with EPERM, iouwalk writes the same stream as with io_uring" {
	walk_same EPERM
}

@test "with io_uring failing with EPERM, iouwalk | iouplan | iouput copies faithfully" {
	pipeline_copies EPERM
}

@test "with io_uring failing with EPERM, iousync syncs and resyncs a change faithfully" {
	sync_resyncs EPERM
}

@test "under no-uring the tools do ask for a ring, are refused, and still finish (so the fallback is what ran)" {
	skip_without_seccomp
	command -v strace >/dev/null || skip "strace is not installed"
	small_tree "$T/src"
	# LeakSanitizer cannot run under ptrace: in an ASan build, no leak check here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		under ENOSYS strace -ff -qq -e trace=io_uring_setup -e signal=none -o "$T/trace" "$IOUSYNC" "$T/src" "$T/dst"
	# One file per thread (-ff): calls of two threads are never split into
	# "<unfinished ...>" and "<... resumed>" lines.
	cat "$T"/trace.* >"$T/trace"
	cat "$T/trace"
	grep -q 'io_uring_setup(.*= -1 ENOSYS' "$T/trace"
	# Every call was refused. (An strace older than the kernel also lists
	# the syscalls it has no name for, such as listxattrat: not ours to check.)
	grep 'io_uring_setup(' "$T/trace" >"$T/setups"
	run grep -v 'io_uring_setup(.*= -1 ENOSYS' "$T/setups"
	[ -z "$output" ]
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

@test "with io_uring refused, iousync and iouwalk | iouplan | iouput copy the whole hostile tree faithfully (as root)" {
	skip_without_seccomp
	skip_unless_root "the hostile tree's foreign owners and devices need root"
	"$MKTREE" --quiet "$T/src"
	under ENOSYS "$IOUSYNC" "$T/src" "$T/sync"
	(cd "$T" && under EPERM bash -c 'set -o pipefail; "$1" src | "$2" | "$3" pipe' bash "$IOUWALK" "$IOUPLAN" "$IOUPUT")
	rsync_oracle "$T/src" "$T/sync" "$T/rsync-sync"
	rsync_oracle "$T/src" "$T/pipe" "$T/rsync-pipe"
	# deep/, past PATH_MAX where rsync cannot go: the same objects and data.
	deep_listing "$T/src" "$T/src.list"
	deep_checksums "$T/src" "$T/src.sum"
	for d in sync pipe; do
		deep_listing "$T/$d" "$T/$d.list"
		same_sorted "$T/src.list" "$T/$d.list"
		deep_checksums "$T/$d" "$T/$d.sum"
		same_sorted "$T/src.sum" "$T/$d.sum"
	done
	[ "$(count0 "$T/src.sum")" -ge 6 ]
}
