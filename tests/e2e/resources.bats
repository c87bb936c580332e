#!/usr/bin/env bats
# Resources: descriptors and memory. The tools hold a bounded number of files
# open whatever the tree (a batch per worker, at most CURSOR_OPEN_LEVELS
# directories per cursor), fit their workers and batches to the descriptor
# limit, and wait out a passing EMFILE instead of failing a file. iouput's
# memory depends on its queue, not on the size of the plan.
# (tests/slow/resources.bats does the same with hundreds of thousands of files.)

load helpers

setup() {
	require_iouwalk
	require_tools iouplan iouput iousync
	T=$(make_tmpdir)
}

teardown() {
	remove_tree "${T:-}"
}

# wide_and_deep DIR: 40 directories of 100 files, and a chain 60 levels deep
# with files at the top, the middle and the bottom.
wide_and_deep() {
	local d p i
	mkdir -p "$1"
	for d in $(seq 1 40); do
		mkdir "$1/d$d"
		(cd "$1/d$d" && seq 1 100 | sed 's/^/f/' | xargs touch && echo "data $d" >f1)
	done
	p=$1/deep
	for i in $(seq 1 60); do p=$p/level$i; done
	mkdir -p "$p"
	for p in "$1/deep" "$1/deep/level1/level2/level3/level4/level5/level6/level7/level8/level9" "$p"; do
		echo top >"$p/a"
		echo more >"$p/b"
	done
}

@test "under a 128-descriptor limit, -j 8 copies thousands of files and a 60-level chain, then resyncs" {
	wide_and_deep "$T/src"
	run bash -c "ulimit -n 128 && '$IOUSYNC' -j 8 '$T/src' '$T/dst'"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output != *"Too many open files"* ]]
	rsync_oracle "$T/src" "$T/dst" "$T/oracle"
	echo changed >"$T/src/deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/b"
	touch -d @1 "$T/src/d7/f9"
	run bash -c "ulimit -n 128 && '$IOUSYNC' -j 8 '$T/src' '$T/dst'"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rsync_oracle "$T/src" "$T/dst" "$T/oracle"
}

@test "under a limit below what a deep tree may need, iouput warns and still copies a shallow tree" {
	mkdir -p "$T/src/a"
	echo x >"$T/src/a/file"
	run bash -c "ulimit -n 40 && '$IOUSYNC' -j 4 '$T/src' '$T/dst' 2>&1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Fewer than 40 are free: iouput has its standard ones, the plan and DST open.
	[[ $output =~ "iouput: warning: the descriptors free ("([0-9]+)") are fewer than" ]]
	((BASH_REMATCH[1] < 40))
	[[ $output == *"raise ulimit -n"* ]]
	rsync_oracle "$T/src" "$T/dst" "$T/oracle"
}

# with_free_descriptors N CMD...: run CMD under a limit of 1024 descriptors
# all but N of which are already open, left to it by this shell as a
# careless parent leaves them. The tools fit their workers and batches to
# the limit, not to what is free, so this is how they come to meet EMFILE.
with_free_descriptors() {
	local free=$1 limit=1024 open=0 fd
	shift
	ulimit -n "$limit" || return
	for fd in /proc/$BASHPID/fd/*; do
		if [ "${fd##*/}" -lt "$limit" ]; then open=$((open + 1)); fi
	done
	while [ "$open" -lt $((limit - free)) ]; do
		exec {fd}</dev/null
		open=$((open + 1))
	done
	"$@"
}

@test "with all but 224, or 124, of 1024 descriptors held by its parent, iouput -j 8 sizes itself to what is free and copies everything" {
	wide_and_deep "$T/src"
	"$IOUWALK" "$T/src" | "$IOUPLAN" >"$T/plan"
	# Sized from the limit alone, 8 workers' cursors (8 levels each, deep/
	# fills them) and batches (64 descriptors) met EMFILE by the hundreds
	# (io_uring_complete and sys_exit_openat trace events, by hand), and
	# with 124 free the wait ran out: a dozen directories failed. Sized
	# from what is free, none does. The wait itself: test_fdlimit.
	for free in 224 124; do
		rm -rf "$T/dst"
		run with_free_descriptors "$free" "$IOUPUT" -j 8 "$T/dst" "$T/plan"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[[ $output != *"Too many open files"* ]]
		rsync_oracle "$T/src" "$T/dst" "$T/oracle"
	done
}

@test "iouwalk under a 32-descriptor limit with -j 8 lists the same records as without one" {
	wide_and_deep "$T/src"
	"$IOUWALK" "$T/src" >"$T/free.raw"
	canon_walk "$T/free.raw" "$T/free"
	run bash -c "ulimit -n 32 && '$IOUWALK' -j 8 '$T/src' >'$T/tight.raw'"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	canon_walk "$T/tight.raw" "$T/tight"
	[ "$(tr -cd '\0' <"$T/tight" | wc -c)" -gt 4000 ]
	cmp "$T/free" "$T/tight"
}

# synthetic_plan DIRS FILES ROOT: a walk of DIRS directories of FILES files
# each under ROOT, made up (no such files exist), planned by iouplan.
synthetic_plan() {
	awk -v dirs="$1" -v files="$2" -v root="$3" 'BEGIN {
		ORS = "\0"; t = "1795630964.000000000"
		rest = " 0 0 4096 8 0:0 " t " " t " " t " - - "
		print "iou-stream 2.0 walk " root
		print "d --- 254:0 1 3 0755" rest "."
		ino = 10
		for (d = 0; d < dirs; d++) {
			print "d --- 254:0 " ino++ " 2 0755" rest "d" d
			for (f = 0; f < files; f++)
				print "f --- 254:0 " ino++ " 1 0644 0 0 3 8 0:0 " t " " t " " t " - - d" d "/f" f
		}
	}' | "$IOUPLAN"
}

# peak_kib PLAN: the peak resident memory of iouput -n carrying out PLAN
# (in an ASan build, without the quarantine that keeps freed records).
peak_kib() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		/usr/bin/time -f '%M' -o "$T/rss" "$IOUPUT" -n "$T/dst" <"$1" >/dev/null
	cat "$T/rss"
}

@test "iouput's memory does not grow with the plan: 1M records peak within 2 MiB of 200k" {
	mkdir "$T/root"
	synthetic_plan 100 2000 "$T/root" >"$T/plan.200k"
	synthetic_plan 500 2000 "$T/root" >"$T/plan.1m"
	small=$(peak_kib "$T/plan.200k")
	large=$(peak_kib "$T/plan.1m")
	echo "peak RSS: 200k records ${small} KiB, 1M records ${large} KiB"
	# Keeping even 16 bytes per record would add 12.5 MiB here.
	[ "$large" -lt $((small + 2048)) ]
	[ ! -e "$T/dst" ]
}

# thousand_file_dirs DIR FIRST LAST: directories dFIRST to dLAST in DIR,
# each with 1000 files, empty but for the first.
thousand_file_dirs() {
	perl -e '
		my ($dir, $first, $last) = @ARGV;
		for my $d ($first .. $last) {
			mkdir "$dir/d$d" or die "mkdir $dir/d$d: $!\n";
			for my $f (1 .. 1000) {
				open my $h, ">", "$dir/d$d/f$f" or die "$dir/d$d/f$f: $!\n";
				print $h "data $d\n" if $f == 1;
			}
		}' "$@"
}

# peak_copy_kib SRC DST OUT: walk and plan SRC, copy it to DST with iouput
# -j 2 --queue-depth 1024 (a real copy), and write its peak resident memory
# (KiB) to OUT. Fails if the copy fails. In an ASan build, without the
# quarantine that keeps every freed block (every record, here) for a while.
peak_copy_kib() {
	"$IOUWALK" "$1" | "$IOUPLAN" >"$T/plan"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		/usr/bin/time -f '%M' -o "$3" "$IOUPUT" -j 2 --queue-depth 1024 "$2" "$T/plan"
}

@test "a real copy's memory does not grow with the files: 100k files peak within 2 MiB of 20k, and under 16 MiB" {
	# On a tmpfs where we may mount one: 100k files take seconds to make
	# there, and a minute on a busy disk.
	F=$T
	if is_root && mkdir "$T/fs" && mount -t tmpfs -o size=256m tmpfs "$T/fs" 2>/dev/null; then F=$T/fs; fi
	mkdir "$F/src"
	thousand_file_dirs "$F/src" 1 20
	peak_copy_kib "$F/src" "$F/dst20k" "$T/rss20k"
	thousand_file_dirs "$F/src" 21 100
	peak_copy_kib "$F/src" "$F/dst100k" "$T/rss100k"
	small=$(cat "$T/rss20k")
	large=$(cat "$T/rss100k")
	echo "peak RSS of iouput -j 2 --queue-depth 1024: 20k files ${small} KiB, 100k files ${large} KiB"
	[ "$(find "$F/dst100k" -type f | wc -l)" -eq 100000 ]
	# Keeping 100 bytes per file would add 7.6 MiB here.
	[ "$large" -lt $((small + 2048)) ]
	# Two workers' 32 buffers of 64 KiB, 1024 queued records, the 2 MiB of
	# the duplicate check, the program and its libraries: well under 16 MiB.
	# (Not in an ASan build, whose shadow memory is a matter of its own.)
	if ! grep -q __asan_init "$IOUPUT"; then
		[ "$large" -lt 16384 ]
	fi
}

@test "a path repeated far apart in a plan of 300k records is still refused, naming the repeat" {
	mkdir "$T/root"
	synthetic_plan 150 2000 "$T/root" >"$T/plan"
	# The very first file again, after every other copy (before the
	# directories' metadata, where a copy may still come): several spilled
	# runs away from the first.
	perl -0 -i -ne '
		if (!$done && /^dirmeta /) {
			print "copy +++++++++ f --- 254:0 99 1 0644 0 0 3 8 0:0 1795630964.000000000 " .
				"1795630964.000000000 1795630964.000000000 - - d0/f0\0";
			$done = 1;
		}
		print' "$T/plan"
	n=$(perl -0 -ne 'if (/^copy .* d0\/f0\0\z/) { $k++; print "$.\n" if $k == 2 }' "$T/plan")
	[ "$n" -gt 300000 ]
	run "$IOUPUT" "$T/dst" <"$T/plan"
	[ "$status" -eq 2 ]
	[[ $output == *"record $n: a path planned twice for the same kind of operation"* ]]
	[ ! -e "$T/dst" ]
}
