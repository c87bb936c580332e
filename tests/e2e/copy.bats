#!/usr/bin/env bats
# End-to-end specification of the copy pipeline
#
#     iouwalk SRC | iouplan | iouput DST
#
# on the hostile tree of tests/lib/mktree.sh. Oracles: rsync(1) in dry-run
# mode for everything it can reach, find(1) and per-file checksums for the
# part deeper than PATH_MAX, stat(1) for holes and hard links.
#
# SRC is always named by its absolute path, so iouput may run anywhere.

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput
	command -v rsync >/dev/null || { echo "rsync is needed as the oracle" >&2; return 1; }
	TREE_BASE=$(make_tmpdir)
	SRC=$TREE_BASE/src
	DST=$TREE_BASE/dst
	"$MKTREE" --quiet "$SRC"
	# One copy shared by the tests that only look at it.
	copy_tree "$SRC" "$DST" "$TREE_BASE/copy"
	COPY_STATUS=$status
	export TREE_BASE SRC DST COPY_STATUS
}

teardown_file() {
	remove_tree "${TREE_BASE:-}"
}

setup() {
	T=$(make_tmpdir)
}

teardown() {
	remove_tree "${T:-}"
}

# --- helpers ----------------------------------------------------------------

# copy_tree SRC DST LOG: run the whole pipeline from SRC's parent directory
# (iouplan and iouput get the options in the arrays PLAN_ARGS and PUT_ARGS, if set);
# sets $status to the first non-zero exit status of the three tools (0 if
# none) and leaves each tool's stderr in LOG.walk, LOG.plan, LOG.put.
copy_tree() {
	local src=$1 dst=$2 log=$3 st
	status=0
	(
		cd "$(dirname "$src")" &&
			"$IOUWALK" "$src" 2>"$log.walk" |
			"$IOUPLAN" ${PLAN_ARGS[@]+"${PLAN_ARGS[@]}"} 2>"$log.plan" |
			"$IOUPUT" ${PUT_ARGS[@]+"${PUT_ARGS[@]}"} "$dst" 2>"$log.put"
		st=("${PIPESTATUS[@]}")
		for s in "${st[@]}"; do [ "$s" -eq 0 ] || exit "$s"; done
	) || status=$?
	if [ "$status" -ne 0 ]; then
		echo "pipeline exit status $status; stderr of iouwalk, iouplan, iouput:" >&2
		cat "$log.walk" "$log.plan" "$log.put" | head -n 20 | cut -c1-300 >&2
	fi
}

# dst_untouched DIR: DIR does not exist or is empty.
dst_untouched() {
	[ ! -e "$1" ] && return 0
	if [ -n "$(find "$1" -mindepth 1 -print -quit)" ]; then
		echo "$1 is not empty:" >&2
		find "$1" -mindepth 1 -maxdepth 1 | head >&2
		return 1
	fi
}

# put_plan PLANFILE DST: run iouput on a prepared plan; sets $status, stderr
# in $T/put.err.
put_plan() {
	status=0
	"$IOUPUT" "$2" "$1" 2>"$T/put.err" || status=$?
}

# --- a whole copy -------------------------------------------------------------

@test "the pipeline copies the hostile tree and exits 0 (as root)" {
	skip_unless_root "perm/ holds a 0000 directory and foreign owners"
	[ "$COPY_STATUS" -eq 0 ]
	[ -d "$DST" ]
}

@test "rsync -aHAX --checksum finds nothing to change between source and copy, except paths it cannot reach" {
	skip_unless_root "only root can copy foreign owners and devices"
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "the part deeper than PATH_MAX has the same types, modes, sizes, times, link counts, targets and contents" {
	skip_unless_root "the copy of the whole tree needs root"
	# Sanity: the tree really goes past PATH_MAX.
	longest=$(cd "$SRC/deep" && find . -printf '%P\0' | perl -0ne 'chomp; $m = length if length > $m; END { print $m + 0 }')
	[ "$longest" -gt 4096 ]

	deep_listing "$SRC" "$T/src.list"
	deep_listing "$DST" "$T/dst.list"
	same_sorted "$T/src.list" "$T/dst.list"
	# bottom-file, bottom-link, bottom-symlink, bottom-fifo and 4 file-at-*
	# at least, and 20 directory levels.
	[ "$(grep -zc '^d ' "$T/dst.list")" -eq 20 ]
	grep -zq '^f .*/bottom-file$' "$T/dst.list"
	grep -zq '^l .* \.\./\.\./\.\. .*/bottom-symlink$' "$T/dst.list"
	grep -zq '^p .*/bottom-fifo$' "$T/dst.list"

	deep_checksums "$SRC" "$T/src.sum"
	deep_checksums "$DST" "$T/dst.sum"
	same_sorted "$T/src.sum" "$T/dst.sum"
	[ "$(count0 "$T/dst.sum")" -ge 6 ]
}

@test "the hard link from the top of deep/ to its bottom is one inode in the copy" {
	skip_unless_root "the copy of the whole tree needs root"
	(cd "$DST/deep" && find . -samefile top-link -printf '%i %n %P\0') >"$T/group"
	[ "$(count0 "$T/group")" -eq 2 ]
	[ "$(tr '\0' '\n' <"$T/group" | cut -d' ' -f2 | sort -u)" = 2 ]
	grep -zq '/bottom-link$' "$T/group"
}

@test "a sparse file stays sparse: the copy allocates no more blocks than the source, plus slack" {
	skip_unless_root "the copy of the whole tree needs root"
	f=files/sparse
	[ "$(stat -c %s "$DST/$f")" -eq "$(stat -c %s "$SRC/$f")" ]
	cmp "$SRC/$f" "$DST/$f"
	src_kib=$(($(stat -c '%b * %B' "$SRC/$f") / 1024))
	dst_kib=$(($(stat -c '%b * %B' "$DST/$f") / 1024))
	echo "allocated: source $src_kib KiB, copy $dst_kib KiB" >&2
	# 256 MiB long, three data extents: allow 1 MiB on top of the source.
	[ "$dst_kib" -le $((src_kib + 1024)) ]
}

@test "trusted.* xattrs are copied on a file, a symlink (not followed) and a FIFO" {
	skip_unless_root "trusted.* attributes need root"
	command -v getfattr >/dev/null || skip "getfattr is not installed"
	for obj in file link fifo; do
		getfattr -h -d -m '^trusted\.' -e hex "$SRC/xattr/$obj" 2>/dev/null | sed 1d >"$T/src.$obj"
		getfattr -h -d -m '^trusted\.' -e hex "$DST/xattr/$obj" 2>/dev/null | sed 1d >"$T/dst.$obj"
		echo "$obj: $(cat "$T/src.$obj")"
		grep -q '^trusted\.' "$T/src.$obj"
		cmp "$T/src.$obj" "$T/dst.$obj"
	done
	# The symlink's own attribute, not its target's.
	run getfattr -n trusted.on-link "$DST/xattr/file"
	[ "$status" -ne 0 ]
}

@test "the 3-member hard-link group is one inode in the copy, with the source's link count" {
	skip_unless_root "the copy of the whole tree needs root"
	src_nlink=$(stat -c %h "$SRC/hard/a")
	[ "$src_nlink" -eq 3 ]
	ino=$(stat -c %i "$DST/hard/a")
	for p in hard/a hard/x/b hard/y/z/c; do
		[ "$(stat -c %i "$DST/$p")" = "$ino" ]
		[ "$(stat -c %h "$DST/$p")" -eq "$src_nlink" ]
	done
	[ "$(cat "$DST/hard/y/z/c")" = "shared by three names" ]
	# The hard-linked symlink and FIFO pairs too.
	[ "$(stat -c %i "$DST/hard/symlink1")" = "$(stat -c %i "$DST/hard/y/symlink2")" ]
	[ "$(stat -c %i "$DST/hard/fifo1")" = "$(stat -c %i "$DST/hard/x/fifo2")" ]
}

@test "no .iou-tmp.* temporary file is left in the copy" {
	skip_unless_root "the copy of the whole tree needs root"
	# find copes with the deep part; a find error fails the test.
	find "$DST" -name '.iou-tmp.*' -printf '%P\0' >"$T/tmp"
	if [ -s "$T/tmp" ]; then show0 "$T/tmp"; fi
	[ ! -s "$T/tmp" ]
}

@test "copying a second time onto the same destination leaves rsync silent, with no temporary file" {
	skip_unless_root "the copy of the whole tree needs root"
	copy_tree "$SRC" "$T/dst" "$T/first"
	[ "$status" -eq 0 ]
	copy_tree "$SRC" "$T/dst" "$T/second"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/dst" "$T/rsync"
	deep_listing "$SRC" "$T/src.list"
	deep_listing "$T/dst" "$T/dst.list"
	same_sorted "$T/src.list" "$T/dst.list"
	find "$T/dst" -name '.iou-tmp.*' -printf '%P\0' >"$T/tmp"
	[ ! -s "$T/tmp" ]
	# Still one inode per hard-link group.
	[ "$(stat -c %h "$T/dst/hard/a")" -eq 3 ]
}

@test "without io_uring, on one thread, or on many unpinned threads, the copy is just as faithful" {
	skip_unless_root "the copy of the whole tree needs root"
	IOU_NO_URING=1 copy_tree "$SRC" "$T/env" "$T/env"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/env" "$T/env.rsync"
	PUT_ARGS=(--no-uring -j 1)
	copy_tree "$SRC" "$T/one" "$T/one"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/one" "$T/one.rsync"
	PUT_ARGS=(-j 7 --no-pin)
	copy_tree "$SRC" "$T/many" "$T/many"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/many" "$T/many.rsync"
}

@test "streamed (iouplan --stream | iouput --stream), with io_uring and without, the copy is just as faithful" {
	skip_unless_root "the copy of the whole tree needs root"
	PLAN_ARGS=(--stream)
	PUT_ARGS=(--stream)
	copy_tree "$SRC" "$T/stream" "$T/stream"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/stream" "$T/stream.rsync"
	PUT_ARGS=(--stream --no-uring -j 3)
	copy_tree "$SRC" "$T/plain" "$T/plain"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/plain" "$T/plain.rsync"
	# A streamed plan mixes mkdirs and copies; iouput checks it whole first just as well.
	PUT_ARGS=()
	copy_tree "$SRC" "$T/whole" "$T/whole"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$T/whole" "$T/whole.rsync"
}

@test "the tuning options change how, not what: every setting gives a faithful copy" {
	skip_unless_root "the copy of the whole tree needs root"
	local i=0 opts
	for opts in "--batch 1" "--batch 5 --buffer-size 4K" "--buffer-size 1M --queue-depth 16" \
		"--iowq-workers 0 -j 3" "--iowq-workers 1 --batch 32 --buffer-size 128K"; do
		i=$((i + 1))
		read -r -a PUT_ARGS <<<"$opts"
		copy_tree "$SRC" "$T/tuned$i" "$T/tuned$i"
		[ "$status" -eq 0 ] || { echo "iouput $opts failed"; false; }
		rsync_oracle "$SRC" "$T/tuned$i" "$T/tuned$i.rsync"
	done
}

@test "tuning options out of range are refused with exit 2, naming the option, before anything is made" {
	local opts
	for opts in "--batch 0" "--batch 33" "--buffer-size 2K" "--buffer-size 5000" \
		"--buffer-size 2M" "--queue-depth 8" "--iowq-workers 65" "--batch x"; do
		read -r -a args <<<"$opts"
		run "$IOU_BIN/iouput" "${args[@]}" "$T/never" </dev/null
		[ "$status" -eq 2 ]
		[[ $output == *"invalid ${args[0]}"* ]] || { echo "$opts: $output"; false; }
		[ ! -e "$T/never" ]
	done
}

# small_files DIR: 300 files from 0 bytes to just past the batch buffer
# (64 KiB) in three directories, with assorted modes and times.
small_files() {
	local d i size
	for d in a b c; do
		mkdir -p "$1/$d"
		for i in $(seq 0 99); do
			size=$(((i * i * 7 + ${#d}) % 70000))
			((i == 98)) && size=65536
			((i == 99)) && size=65537
			head -c "$size" /dev/urandom >"$1/$d/f$i"
			chmod "$(printf '%o' $((0400 + (i % 8) * 011)))" "$1/$d/f$i"
			touch -m -d "@$((1000000000 + i)).$((i * 1234567 % 1000000000))" "$1/$d/f$i"
		done
	done
}

@test "an unprivileged user's copy of small files (batched in the ring) is faithful" {
	skip_unless_root "switching to the nobody user needs root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	chmod 755 "$T"
	mkdir "$T/u"
	small_files "$T/u/src"
	chown -R nobody: "$T/u"
	(cd "$T/u" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		bash -c '"$1" src | "$2" | "$3" dst' _ "$IOUWALK" "$IOUPLAN" "$IOUPUT") 2>"$T/err" ||
		{ cat "$T/err" >&2; false; }
	[ ! -s "$T/err" ]
	rsync_oracle "$T/u/src" "$T/u/dst" "$T/rsync"
}

@test "a fresh copy of empty files (nothing to reflink) goes through the ring's batches, not file by file" {
	command -v strace >/dev/null || skip "strace is not installed"
	[ -z "${IOU_NO_URING:-}" ] || skip "IOU_NO_URING is set: every file goes file by file"
	mkdir -p "$T/src/flat"
	(cd "$T/src/flat" && for i in $(seq 1 300); do : >"e$i"; done)
	"$IOUWALK" "$T/src" | "$IOUPLAN" >"$T/plan"
	# File by file, each empty file would cost a plain O_TMPFILE openat and
	# a linkat; in a batch those go through the ring, where strace sees none.
	# LeakSanitizer cannot run under ptrace: in an ASan build, no leak check here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=linkat,io_uring_setup -e signal=none -o "$T/trace" \
		"$IOUPUT" "$T/dst" <"$T/plan"
	if grep -q 'io_uring_setup(.*= -1' "$T/trace"; then
		skip "io_uring is not available here: every file goes file by file"
	fi
	run grep -c 'linkat(' "$T/trace"
	[ "$output" = 0 ]
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

# --- malformed plans ------------------------------------------------------------

# A valid plan of a small tree, for the tests to break.
make_plan() {
	mkdir -p "$T/src/sub"
	printf 'one\n' >"$T/src/sub/file"
	ln -s file "$T/src/sub/link"
	"$IOUWALK" "$T/src" | "$IOUPLAN" >"$T/plan"
}

@test "a plan that is garbage is refused with exit 2 naming record 1, and nothing is created" {
	printf 'garbage\0' >"$T/plan"
	put_plan "$T/plan" "$T/dst"
	cat "$T/put.err" >&2
	[ "$status" -eq 2 ]
	grep -q 'record 1\b' "$T/put.err"
	dst_untouched "$T/dst"

	mkdir "$T/dst2"
	put_plan "$T/plan" "$T/dst2"
	[ "$status" -eq 2 ]
	dst_untouched "$T/dst2"
}

@test "a plan whose last record is truncated is refused with exit 2 naming that record, and nothing is created" {
	make_plan
	n=$(count0 "$T/plan")
	[ "$n" -ge 6 ]
	# Drop the final NUL and a few bytes: the mkdirs before it must not run.
	head -c -5 "$T/plan" >"$T/bad"
	put_plan "$T/bad" "$T/dst"
	cat "$T/put.err" >&2
	[ "$status" -eq 2 ]
	grep -q "record $n\b" "$T/put.err"
	dst_untouched "$T/dst"
}

@test "a plan with a bad operation in the middle is refused with exit 2 naming that record, and nothing is created" {
	make_plan
	# Record 4 (header is record 1) gets an unknown operation.
	perl -0pe 's/\A\S+ /frobnicate / if $. == 4' "$T/plan" >"$T/bad"
	if cmp -s "$T/plan" "$T/bad"; then false; fi
	put_plan "$T/bad" "$T/dst"
	cat "$T/put.err" >&2
	[ "$status" -eq 2 ]
	grep -q 'record 4\b' "$T/put.err"
	dst_untouched "$T/dst"
}

@test "a plan naming a path twice for one kind of operation is refused with exit 2 at that record, nothing created" {
	make_plan
	# Repeat the copy of sub/file right after it (in plan order): the second
	# copy is record n+1, n being the first copy's.
	n=$(perl -0ne '$n++; if (/\Acopy /) { print $n; exit }' "$T/plan")
	perl -0pe '$_ x= 2 if /\Acopy / && !$done++' "$T/plan" >"$T/bad"
	put_plan "$T/bad" "$T/dst"
	cat "$T/put.err" >&2
	[ "$status" -eq 2 ]
	grep -q "record $((n + 1)): a path planned twice" "$T/put.err"
	dst_untouched "$T/dst"
	# mkdir and dirmeta of one directory are two kinds: the plan itself passes.
	put_plan "$T/plan" "$T/dst2"
	[ "$status" -eq 0 ]
}

@test "a walk stream given as a plan is refused with exit 2 naming record 1 (its header), and nothing is created" {
	make_plan
	"$IOUWALK" "$T/src" >"$T/walk"
	put_plan "$T/walk" "$T/dst"
	cat "$T/put.err" >&2
	[ "$status" -eq 2 ]
	grep -q 'record 1\b' "$T/put.err"
	dst_untouched "$T/dst"
}

@test "a valid plan of the small tree is carried out (control for the malformed-plan tests)" {
	make_plan
	put_plan "$T/plan" "$T/dst"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/dst/sub/file")" = one ]
	[ "$(readlink "$T/dst/sub/link")" = file ]
}

@test "to another file system (no copy_file_range there) data goes through the ring: bytes and holes kept, as without io_uring" {
	local shm=/dev/shm
	[ -d "$shm" ] && [ -w "$shm" ] || skip "no writable /dev/shm"
	[ "$(stat -f -c %T "$shm")" != "$(stat -f -c %T "$T")" ] || skip "/dev/shm is on the same file system type as $T"
	mkdir "$T/src"
	head -c 5000000 /dev/urandom >"$T/src/big"
	truncate -s 200M "$T/src/sparse"
	dd if=/dev/urandom of="$T/src/sparse" bs=1M count=2 seek=50 conv=notrunc status=none
	dd if=/dev/urandom of="$T/src/sparse" bs=1M count=1 seek=150 conv=notrunc status=none
	D=$(mktemp -d "$shm/iou-e2e.XXXXXX")
	for mode in ring plain; do
		local opt=()
		[ "$mode" = plain ] && opt=(--no-uring)
		"$IOUWALK" "$T/src" | "$IOUPLAN" | "$IOUPUT" "${opt[@]}" "$D/$mode" || { rm -rf "$D"; false; }
	done
	for mode in ring plain; do
		cmp "$T/src/big" "$D/$mode/big" && cmp "$T/src/sparse" "$D/$mode/sparse" ||
			{ rm -rf "$D"; false; }
		blocks=$(stat -c %b "$D/$mode/sparse")
		echo "$mode: sparse copy has $blocks blocks (source $(stat -c %b "$T/src/sparse"))"
		[ "$blocks" -le $(($(stat -c %b "$T/src/sparse") + 1024)) ] || { rm -rf "$D"; false; }
	done
	rm -rf "$D"
}
