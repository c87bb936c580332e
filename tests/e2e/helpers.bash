# Shared helpers for the iou end-to-end tests (bats-core >= 1.5).
#
# Streams are NUL-separated and paths may hold newlines, so everything here
# works on files and compares with "sort -z" and "cmp", never with line
# tools. Perl does the stream munging (tests/lib/iou-canon).

# shellcheck disable=SC2034 # the variables set here are read by the .bats files
bats_require_minimum_version 1.5.0

# Byte order for sort -z everywhere: a locale's collation can call
# different byte strings equal and make two sorted outputs differ.
export LC_ALL=C

TESTS_DIR=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
REPO_DIR=$(cd "$TESTS_DIR/.." && pwd)
IOU_BIN=${IOU_BIN:-$REPO_DIR/build/bin}
IOUWALK=$IOU_BIN/iouwalk
IOUPLAN=$IOU_BIN/iouplan
IOUPUT=$IOU_BIN/iouput
IOUSYNC=$IOU_BIN/iousync
# Test helper programs (tests/tools/*.c), built beside the tools' bin/.
IOU_TEST_TOOLS=${IOU_TEST_TOOLS:-$IOU_BIN/../tests}
NO_URING=$IOU_TEST_TOOLS/no-uring
MKTREE=$TESTS_DIR/lib/mktree.sh
CANON=$TESTS_DIR/lib/iou-canon

# Fail early, once per file, when the binary under test is missing.
require_iouwalk() {
	if [ ! -x "$IOUWALK" ]; then
		echo "iouwalk not found at $IOUWALK (run make, or set IOU_BIN)" >&2
		return 1
	fi
}

# require_tools NAME...: each tool is built in $IOU_BIN, or fail saying so.
require_tools() {
	local b
	for b; do
		[ -x "$IOU_BIN/$b" ] || { echo "$IOU_BIN/$b not found (run make, or set IOU_BIN)" >&2; return 1; }
	done
}

is_root() { [ "$(id -u)" = 0 ]; }

skip_unless_root() {
	is_root || skip "needs root (uid 0): $*"
}

# A fresh directory for this test (or file, from setup_file), world
# traversable so that a test may drop privileges and still reach it.
# Prints its path.
make_tmpdir() {
	local d
	d=$(mktemp -d "${BATS_TMPDIR:-/tmp}/iou-e2e.XXXXXX")
	chmod 0755 "$d"
	printf '%s\n' "$d"
}

# Remove a tree the tests built, including its 0000 directories and any
# tmpfs a test left mounted in it.
remove_tree() {
	local d=$1
	[ -n "$d" ] && [ -d "$d" ] || return 0
	if is_root; then
		# Deepest first; only mounts inside d.
		awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
			sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	fi
	chmod -R u+rwx "$d" 2>/dev/null || true
	rm -rf "$d"
}

# Run iouwalk with ARGS, stdout to OUT, stderr to OUT.err; sets $status.
# Never fails itself, so the test decides what the status should be.
walk_to() {
	local out=$1
	shift
	status=0
	"$IOUWALK" "$@" >"$out" 2>"$out.err" || status=$?
}

# Same with standard input from a file.
walk_to_from() {
	local in=$1 out=$2
	shift 2
	status=0
	"$IOUWALK" "$@" <"$in" >"$out" 2>"$out.err" || status=$?
}

# canon_walk STREAM OUT [--no-ctime]: the canonical, sorted form of a walk.
canon_walk() {
	"$CANON" walk ${3:+"$3"} <"$1" >"$2.unsorted" || return
	sort -z "$2.unsorted" >"$2"
}

# canon_find DIR OUT [FIND-ARGS...]: run "find FIND-ARGS" (default ".")
# inside DIR and write the canonical, sorted form of what it lists, paths
# relative to DIR. Sets find_status to find's exit status.
canon_find() {
	local dir=$1 out=$2 fmt
	shift 2
	[ $# -gt 0 ] || set -- .
	fmt=$("$CANON" find-format)
	find_status=0
	(cd "$dir" && find "$@" -printf "$fmt") >"$out.raw" 2>"$out.find-err" || find_status=$?
	"$CANON" find <"$out.raw" >"$out.unsorted" || return
	sort -z "$out.unsorted" >"$out"
}

# Show NUL-separated data readably on stderr (diagnostics only).
show0() {
	tr "\0" "\n" <"$1" | head -n "${2:-40}" | cut -c1-300 | cat -v >&2
}

# same_sorted A B: the two NUL-separated files hold the same records, in
# any order. On a difference, print both counts and the first differences.
same_sorted() {
	local a=$1 b=$2
	sort -z "$a" >"$a.sorted"
	sort -z "$b" >"$b.sorted"
	if cmp -s "$a.sorted" "$b.sorted"; then
		return 0
	fi
	echo "records differ: $(tr -cd '\0' <"$a" | wc -c) in $a, $(tr -cd '\0' <"$b" | wc -c) in $b" >&2
	echo "only in $a (first 20):" >&2
	comm -z -23 "$a.sorted" "$b.sorted" | head -z -n 20 | tr "\0" "\n" | cut -c1-300 | cat -v >&2
	echo "only in $b (first 20):" >&2
	comm -z -13 "$a.sorted" "$b.sorted" | head -z -n 20 | tr "\0" "\n" | cut -c1-300 | cat -v >&2
	return 1
}

# Count NUL-terminated records.
count0() { tr -cd '\0' <"$1" | wc -c; }

# records_only STREAM OUT: the stream without its header records.
records_only() {
	perl -0ne 'print unless /\Aiou-stream /' "$1" >"$2"
}

# The paths of a stream's walk records, NUL-terminated, in stream order.
paths_of() {
	perl -0ne 'chomp; next if /\Aiou-stream /; /\A(?:\S+ ){16}(.*)\z/s and print "$1\0"' "$1"
}

# The record for one path (the first such), without its NUL, or nothing.
record_of() {
	perl -0e 'my $p = shift; while (<STDIN>) { chomp; next if /\Aiou-stream /;
		if (/\A(?:\S+ ){16}(.*)\z/s && $1 eq $p) { print; exit } }' "$2" <"$1"
}

# field_of RECORD N: the Nth field (1-based, as in iou-stream(5)).
field_of() {
	printf '%s' "$1" | perl -0ne 'my @f = split / /, $_, 17; print $f['"$2"' - 1]'
}

# check_order STREAM: within each root, the first record is "." and every
# other record's parent directory has a record earlier in the stream; no
# path appears twice. Prints the first violation and fails.
check_order() {
	perl -0e '
		my ($n, %dir, %seen, $first) = (0);
		while (<STDIN>) {
			$n++;
			chomp;
			if (/\Aiou-stream /) { %dir = (); %seen = (); $first = 1; next }
			my ($type, $path) = /\A(\S) (?:\S+ ){15}(.*)\z/s
			    or die "record $n: malformed\n";
			die "record $n: path \"$path\" appears twice\n" if $seen{$path}++;
			if ($first) {
				die "record $n: first record of a root is \"$path\", not \".\"\n"
				    unless $path eq ".";
				$first = 0;
			} else {
				my $parent = $path =~ m{\A(.*)/[^/]*\z}s ? $1 : ".";
				die "record $n: \"$path\" comes before its directory \"$parent\"\n"
				    unless $dir{$parent};
			}
			$dir{$path} = 1 if $type eq "d";
		}
		die "no records\n" unless $n;
	' <"$1"
}

# check_flags STREAM: 'h' exactly on non-directories with a link count
# above 1; among those, 'r' exactly on every record after the first with
# the same DEV and INO in the stream. Prints the first violation and fails.
check_flags() {
	perl -0e '
		my ($n, %seen) = (0);
		while (<STDIN>) {
			$n++;
			chomp;
			next if /\Aiou-stream /;
			my ($type, $h, $r, $dev, $ino, $nlink, $path) =
			    /\A(\S) ([h-])([r-])[m-] (\S+) (\S+) (\S+) (?:\S+ ){11}(.*)\z/s
			    or die "record $n: malformed\n";
			my $want_h = $type ne "d" && $nlink > 1 ? "h" : "-";
			die "record $n \"$path\": flag h is \"$h\", want \"$want_h\" (type $type, nlink $nlink)\n"
			    unless $h eq $want_h;
			next unless $h eq "h";
			my $want_r = $seen{"$dev $ino"}++ ? "r" : "-";
			die "record $n \"$path\": flag r is \"$r\", want \"$want_r\"\n" unless $r eq $want_r;
		}
	' <"$1"
}

# normalize STREAM OUT: the stream with the fields that legitimately differ
# between two walks of an unchanged tree blanked: ATIME (reading a directory
# or a symlink may update it) and the 'r' flag (which member of a hard-link
# group comes first depends on thread timing). Sorted.
normalize() {
	perl -0pe 's/\A([fdlpscb] [h-])[r-]([m-] (?:\S+ ){9})\S+ /$1?$2- /' "$1" | sort -z >"$2"
}

# rsync_oracle SRC DST OUT: rsync's dry run must find nothing to change and
# nothing to delete.
# Allowed: the root "./" line; "filename overflows max-path len" errors about
# deep/ (rsync cannot handle paths over PATH_MAX; copy.bats checks that part),
# with rsync's exit status 23, its summary line and its refusal to delete,
# only then. Both trees must hold the same names (find(1)), at any depth.
rsync_oracle() {
	local src=$1 dst=$2 out=$3 rs=0 ok=1
	rsync -aHAXn --numeric-ids --checksum --delete --itemize-changes "$src/" "$dst/" \
		>"$out.stdout" 2>"$out.stderr" || rs=$?
	# rsync skips deleting after the over-long paths' errors: the names are
	# compared with find(1), which reaches any depth.
	grep -v -E '^[.>ch*][dfLDS][^ ]* \./$' "$out.stdout" |
		grep -v -x 'IO error encountered -- skipping file deletion' >"$out.changes" || true
	if ! cmp -s <(cd "$src" && find . -print0 | sort -z) <(cd "$dst" && find . -print0 | sort -z); then
		echo "the copy does not hold the same names as the source:" >&2
		diff <(cd "$src" && find . | sort) <(cd "$dst" && find . | sort) | head -n 30 >&2
		ok=0
	fi
	grep -v -E '^filename overflows max-path len by [0-9]+: deep/' "$out.stderr" |
		grep -v -E '^rsync error: some files/attrs were not transferred ' >"$out.errors" || true
	if [ -s "$out.changes" ]; then
		echo "rsync finds differences (first 30):" >&2
		head -n 30 "$out.changes" | cut -c1-300 >&2
		ok=0
	fi
	if [ -s "$out.errors" ]; then
		echo "rsync reports errors other than over-long deep/ paths:" >&2
		head -n 30 "$out.errors" | cut -c1-300 >&2
		ok=0
	fi
	case $rs in
	0) ;;
	23) grep -q -E '^filename overflows max-path len' "$out.stderr" || {
		echo "rsync exit 23 without an over-long path error" >&2
		ok=0
	} ;;
	*) echo "rsync exit status $rs" >&2; ok=0 ;;
	esac
	[ "$ok" = 1 ]
}

# deep_listing DIR OUT: the canonical listing of DIR/deep, paths relative to
# it (find's %P works below PATH_MAX): type, mode, size, mtime, link count,
# owner, symlink target, path; NUL-terminated, sorted. Fails on a find error.
deep_listing() {
	(cd "$1/deep" && find . -mindepth 1 -printf '%y %m %s %T@ %n %U:%G %l %P\0') >"$2.raw" || return
	sort -z "$2.raw" >"$2"
}

# deep_checksums DIR OUT: "sha256 path" for every regular file below DIR/deep.
# Each file is opened after cd-ing one component at a time, so no system
# call sees a path over PATH_MAX.
deep_checksums() {
	(cd "$1/deep" && find . -mindepth 1 -type f -printf '%P\0') >"$2.paths" || return
	perl -0 -MDigest::SHA -e '
		my $base = shift;
		while (my $p = <STDIN>) {
			chomp $p;
			chdir $base or die "chdir $base: $!\n";
			my @c = split m{/}, $p;
			my $name = pop @c;
			for (@c) { chdir $_ or die "chdir into $p: $!\n" }
			open my $fh, "<", $name or die "open $p: $!\n";
			binmode $fh;
			print Digest::SHA->new(256)->addfile($fh)->hexdigest, " $p\0";
		}' "$1/deep" <"$2.paths" >"$2.raw" || return
	sort -z "$2.raw" >"$2"
}

# --- iousync's tools, logged -------------------------------------------------

# make_fakes DIR: DIR/iousync (a copy, so it runs the tools beside it) and
# wrappers DIR/iouwalk, iouplan and iouput that log their arguments (one a
# line) to DIR/log/TOOL.PID.args and their descriptors ("N target" lines) to
# DIR/log/TOOL.PID.fds, run the shell code in $FAKE_walk, $FAKE_plan or
# $FAKE_put, then exec the real tool.
make_fakes() {
	local dir=$1 t code
	mkdir -p "$dir/log"
	cp "$IOUSYNC" "$dir/iousync"
	for t in walk plan put; do
		code=FAKE_$t
		{
			echo '#!/bin/bash'
			printf 'log=%q/log/iou%s.$$\n' "$dir" "$t"
			# shellcheck disable=SC2016,SC2028 # the wrapper's own code, verbatim
			echo 'printf "%s\n" "$@" >"$log.args"'
			# shellcheck disable=SC2016,SC2028
			echo 'find /proc/$$/fd -mindepth 1 -printf "%f %l\n" >"$log.fds"'
			printf '%s\n' "${!code:-}"
			printf 'exec %q "$@"\n' "$IOU_BIN/iou$t"
		} >"$dir/iou$t"
		chmod +x "$dir/iou$t"
	done
}

# fake_log DIR TOOL ROOT: the log name (without .args/.fds) of the run of
# TOOL whose last argument was ROOT (any ROOT if empty); fails if none.
fake_log() {
	local f
	for f in "$1"/log/"$2".*.args; do
		[ -e "$f" ] || continue
		if [ -z "$3" ] || [ "$(tail -n 1 "$f")" = "$3" ]; then
			printf '%s\n' "${f%.args}"
			return 0
		fi
	done
	return 1
}

# hold_lease FILE SECONDS: another process holds a write lease on FILE, as a
# file server may, and gives it up SECONDS after an open breaks it; such an
# open waits until then. Returns once the lease is held; 1 where leases are
# not granted here. The holder runs in the background, off bats' fd 3, and
# gives up after 20 s should nothing open FILE.
hold_lease() {
	rm -f "$T/lease-held"
	timeout 20 perl -e '
		open(my $fh, "<", $ARGV[0]) or die "open $ARGV[0]: $!\n";
		my $broken = 0;
		$SIG{IO} = sub { $broken = 1 };
		fcntl($fh, 1024, 1) or exit 1;     # F_SETLEASE, F_WRLCK
		open(my $ready, ">", $ARGV[2]) and close($ready);
		sleep 1 until $broken;
		sleep $ARGV[1];' "$1" "$2" "$T/lease-held" 3>&- &
	for _ in $(seq 100); do
		[ -e "$T/lease-held" ] && return 0
		kill -0 $! 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
