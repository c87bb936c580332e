#!/usr/bin/env bats
# End-to-end specification of streaming: iouplan --stream writes a plain
# copy's plan as its input arrives, iouput --stream carries a plan out as it
# arrives, and iousync streams a fresh copy. What each gives up is stated
# and checked too: bad input found part way stops the work after what came
# before it, never in the middle of a file.
#
# "Before its input ends" is shown without timing: the test holds the
# input FIFO open, waits (up to a generous limit) for output or for the
# destination to appear, and only then closes the input. A tool that waited
# for the end of its input would make the wait time out and the test fail.

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput iousync
}

setup() {
	T=$(make_tmpdir)
	mkdir "$T/src"
}

teardown() {
	exec 8>&- 2>/dev/null || true
	remove_tree "${T:-}"
}

# wait_for TEST...: poll for up to 20 s until test(1) TEST... holds.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		test "$@" && return 0
		sleep 0.1
	done
	echo "gave up waiting for: test $*" >&2
	return 1
}

# many_files N: N small files in $T/src/d000..., 100 to a directory.
many_files() {
	local i
	for ((i = 0; i < $1; i++)); do
		((i % 100)) || mkdir "$T/src/d$((i / 100))"
		printf '%d\n' "$i" >"$T/src/d$((i / 100))/file-$i"
	done
}

# --- iouplan --stream -------------------------------------------------------------

@test "iouplan --stream writes the plan of what it has read while its input is still open" {
	many_files 2000
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	mkfifo "$T/in"
	(cd "$T" && "$IOUPLAN" --stream <"$T/in" >"$T/plan" 2>"$T/err") &
	exec 8>"$T/in"
	cat "$T/walk" >&8
	# 2000 records make several output chunks: some must be out by now.
	wait_for -s "$T/plan"
	exec 8>&-
	wait $!
	# Once the input ends, the rest follows, and the plan is whole.
	[ "$(perl -0ne '$n++ if /\Acopy /; END { print $n }' "$T/plan")" -eq 2000 ]
	[ "$(perl -0ne '$n++ if /\Adirmeta /; END { print $n }' "$T/plan")" -eq 21 ]
}

@test "iouplan --stream plans the same records as iouplan, mkdirs mixed in input order, links and dirmetas last" {
	mkdir -p "$T/src/a/b" "$T/src/c"
	echo one >"$T/src/a/f"
	ln "$T/src/a/f" "$T/src/c/h"
	ln -s f "$T/src/a/b/l"
	mkfifo "$T/src/c/p"
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	"$IOUPLAN" <"$T/walk" >"$T/whole"
	"$IOUPLAN" --stream <"$T/walk" >"$T/streamed"
	sort -z "$T/whole" >"$T/whole.sorted"
	sort -z "$T/streamed" >"$T/streamed.sorted"
	cmp "$T/whole.sorted" "$T/streamed.sorted"
	# Walk order is kept: each record's path, in order, with its operation.
	perl -0ne 'print "$1 $2\n" if /\A(\w+) \S+ (?:\S+ ){16}([^ \0]+)/' "$T/streamed" >"$T/ops"
	perl -0ne 'print "$1\n" if /\A\S \S+ (?:\S+ ){14}([^ \0]+)/' "$T/walk" >"$T/walk.paths"
	grep -v -E '^(link|dirmeta) ' "$T/ops" | cut -d' ' -f2 >"$T/created.paths"
	grep -v -x -F "$(grep '^link ' "$T/ops" | cut -d' ' -f2)" "$T/walk.paths" >"$T/walk.first"
	diff "$T/walk.first" "$T/created.paths"
	# Then the link, then every dirmeta, the root last.
	[ "$(grep -c -E '^(link|dirmeta) ' "$T/ops")" -eq 5 ]
	tail -n 5 "$T/ops" | head -n 1 | grep -q '^link '
	[ "$(tail -n 1 "$T/ops")" = "dirmeta ." ]
}

@test "iouplan --stream stops at bad input after the records before it, and exits 2 naming it" {
	mkdir "$T/src/d"
	echo x >"$T/src/d/f"
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	# The file's record twice: the second is a duplicate path.
	perl -0pe '$_ x= 2 if /\Af / && !$done++' "$T/walk" >"$T/bad"
	dup=$(perl -0ne '$n++; if (/\Af / && $seen++) { print $n; exit }' "$T/bad")
	run -2 --separate-stderr "$IOUPLAN" --stream "$T/bad"
	[[ $stderr == *"record $dup: duplicate path"* ]]
	"$IOUPLAN" --stream "$T/bad" >"$T/partial" 2>/dev/null || true
	# Every record before the duplicate, nothing after: no link, no dirmeta.
	[ "$(count0 "$T/partial")" -eq $((dup - 1)) ]
	run ! grep -q -a dirmeta "$T/partial"
	# Without --stream nothing of the root goes out.
	"$IOUPLAN" "$T/bad" >"$T/none" 2>/dev/null || true
	[ ! -s "$T/none" ]
}

@test "iouplan --stream refuses --against and --shards with exit 2" {
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	run -2 --separate-stderr "$IOUPLAN" --stream --against "$T/walk" "$T/walk"
	[[ $stderr == *"--stream"*"not with --against"* ]]
	run -2 "$IOUPLAN" --stream --shards 2 --out "$T/bundle" "$T/walk"
	[ ! -e "$T/bundle" ]
}

# --- iouput --stream --------------------------------------------------------------

@test "iouput --stream carries out the records it has read while the plan is still open" {
	mkdir "$T/src/early"
	echo early >"$T/src/early/file"
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN") >"$T/plan"
	# Everything up to and including the copy, without the dirmetas.
	perl -0ne 'print unless /\Adirmeta /' "$T/plan" >"$T/head"
	perl -0ne 'print if /\Adirmeta /' "$T/plan" >"$T/tail"
	mkfifo "$T/in"
	(cd "$T" && "$IOUPUT" --stream dst <"$T/in" 2>"$T/err") &
	exec 8>"$T/in"
	cat "$T/head" >&8
	wait_for -s "$T/dst/early/file"
	[ "$(cat "$T/dst/early/file")" = early ]
	cat "$T/tail" >&8
	exec 8>&-
	wait $!
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

@test "iouput --stream stops at a bad record: what came before is done and whole, nothing after it, exit 2" {
	mkdir "$T/src/a" "$T/src/z"
	head -c 100000 /dev/urandom >"$T/src/a/big"
	echo small >"$T/src/a/small"
	echo later >"$T/src/z/later"
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN" --stream) >"$T/plan"
	# The last copy of the plan gets an operation that does not exist.
	n=$(perl -0ne '$n++; $last = $n if /\Acopy /; END { print $last }' "$T/plan")
	last=$(perl -0ne '$n++; print $1 if $n == '"$n"' && /([^ ]+)\0\z/' "$T/plan")
	[ -n "$last" ]
	perl -0pe 's/\A\S+ /frobnicate / if ++$n == '"$n" "$T/plan" >"$T/bad"
	run -2 --separate-stderr sh -c 'cd "$1" && exec "$2" --stream dst <bad' sh "$T" "$IOUPUT"
	[[ $stderr == *"standard input: record $n: "* ]]
	[ ! -e "$T/dst/$last" ]
	for f in a/big a/small z/later; do
		[ "$f" = "$last" ] || cmp "$T/src/$f" "$T/dst/$f"
	done
	run find "$T/dst" -name '.iou-tmp.*'
	[ -z "$output" ]
	# The same plan without --stream: refused whole, nothing made.
	run -2 sh -c 'cd "$1" && exec "$2" dst2 <bad' sh "$T" "$IOUPUT"
	[ ! -e "$T/dst2" ]
}

@test "iouput --stream finds a truncated plan and a path planned twice, exit 2 naming the record" {
	echo one >"$T/src/one"
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN" --stream) >"$T/plan"
	n=$(count0 "$T/plan")
	head -c -3 "$T/plan" >"$T/cut"
	run -2 --separate-stderr sh -c 'cd "$1" && exec "$2" --stream dst <cut' sh "$T" "$IOUPUT"
	[[ $stderr == *"record $n: ends inside a record"* ]]
	perl -0pe '$_ x= 2 if /\Acopy /' "$T/plan" >"$T/twice"
	c=$(perl -0ne '$n++; if (/\Acopy /) { print $n; exit }' "$T/plan")
	run -2 --separate-stderr sh -c 'cd "$1" && exec "$2" --stream dst2 <twice' sh "$T" "$IOUPUT"
	[[ $stderr == *"record $((c + 1)): a path planned twice"* ]]
	[ "$(cat "$T/dst2/one")" = one ]
}

@test "iouput --stream given an empty plan, garbage or a walk takes back the DST it made, exit 2" {
	: >"$T/empty"
	printf 'hello\0world\0' >"$T/garbage"
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	for f in empty garbage walk; do
		run -2 --separate-stderr sh -c 'cd "$1" && exec "$2" --stream "dst-$3" <"$3"' sh "$T" "$IOUPUT" "$f"
		[[ $stderr == *"standard input: "* ]]
		[ ! -e "$T/dst-$f" ]
	done
	# A DST that was there before is the user's, and stays.
	mkdir "$T/mine"
	run -2 sh -c 'cd "$1" && exec "$2" --stream mine <empty' sh "$T" "$IOUPUT"
	[ -d "$T/mine" ]
}

@test "iouput --stream --progress shows totals with a + while the plan is read, the last line final" {
	many_files 300
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN") >"$T/plan"
	n=$(count0 "$T/plan")
	perl -0ne "print if \$. <= $((n / 2))" "$T/plan" >"$T/head"
	perl -0ne "print if \$. > $((n / 2))" "$T/plan" >"$T/tail"
	mkfifo "$T/in"
	(cd "$T" && "$IOUPUT" --stream --progress dst <"$T/in" 2>"$T/progress") &
	exec 8>"$T/in"
	# Half the plan, then a progress line (one a second) before the rest.
	cat "$T/head" >&8
	wait_for -s "$T/progress"
	cat "$T/tail" >&8
	exec 8>&-
	wait $!
	head -n 1 "$T/progress" | grep -q -E '^[0-9]+/[0-9]+\+ entries .*\+ .* ETA --:--$'
	tail -n 1 "$T/progress" | grep -q -E "^$((n - 1))/$((n - 1)) entries "
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

@test "iouput --stream refuses --plan DIR with exit 2, and makes nothing" {
	run -2 --separate-stderr "$IOUPUT" --stream --plan "$T/bundle" --finish "$T/dst"
	[[ $stderr == *"--stream does not go with --plan DIR"* ]]
	[ ! -e "$T/dst" ]
}

# --- iousync ----------------------------------------------------------------------

@test "iousync streams a fresh copy, also with --progress, but not a dry run or a sync onto an existing DST" {
	echo one >"$T/src/one"
	FAKE_put='' make_fakes "$T/fake"
	(cd "$T" && "$T/fake/iousync" src dst) 2>"$T/err" || { cat "$T/err" >&2; false; }
	grep -q -x -e --stream "$(fake_log "$T/fake" iouplan "")".args
	grep -q -x -e --stream "$(fake_log "$T/fake" iouput "")".args
	[ "$(cat "$T/dst/one")" = one ]
	rm -rf "$T/fake/log"/*
	(cd "$T" && "$T/fake/iousync" --progress src prog) 2>"$T/err" || { cat "$T/err" >&2; false; }
	grep -q -x -e --stream "$(fake_log "$T/fake" iouput "")".args
	rm -rf "$T/fake/log"/*
	(cd "$T" && "$T/fake/iousync" -n src dry) 2>"$T/err" || { cat "$T/err" >&2; false; }
	run ! grep -q -x -e --stream "$(fake_log "$T/fake" iouplan "")".args
	run ! grep -q -x -e --stream "$(fake_log "$T/fake" iouput "")".args
	rm -rf "$T/fake/log"/*
	(cd "$T" && "$T/fake/iousync" src dst) 2>"$T/err" || { cat "$T/err" >&2; false; }
	run ! grep -q -x -e --stream "$(fake_log "$T/fake" iouput "")".args
}
