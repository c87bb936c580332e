#!/usr/bin/env bats
# Bad input: every tool that reads a stream (iouplan a walk, iouplan
# --against a destination's walk, iouput a plan) given garbage, a truncated
# stream, records out of order, or records that try to reach outside the
# root, refuses it: exit status 2 (iouput: 1 when the refusal can only come
# while carrying out the plan), a message on standard error naming the
# record number or the path, no crash, and nothing changed outside DST
# (outside/ beside it is compared before and after). iouput checks the whole
# plan before it writes anything, so a refused plan leaves no DST at all.
#
# Every input is made from a real walk or plan of src/ (below) with one
# defect put in with perl, so it is valid except for what is under test.
# Everything runs in $T, so the streams' root is "src".

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput iousync
}

setup() {
	T=$(make_tmpdir)
	mkdir -p "$T/src/a/b" "$T/outside/inner"
	printf 'one\n' >"$T/src/a/f1"
	ln "$T/src/a/f1" "$T/src/hard"
	printf 'two\n' >"$T/src/a/b/f2"
	printf 'sp\n' >"$T/src/sp ace"
	printf 'nl\n' >"$T/src/new
line"
	ln -s a/f1 "$T/src/sym"
	mkfifo "$T/src/fifo"
	printf 'keep\n' >"$T/outside/keep"
	printf 'inner\n' >"$T/outside/inner/f1"
	(cd "$T" && "$IOUWALK" src) >"$T/walk"
	"$IOUPLAN" <"$T/walk" >"$T/plan"
	snapshot "$T/outside" >"$T/outside.before"
}

teardown() {
	remove_tree "${T:-}"
}

# --- helpers ----------------------------------------------------------------

# snapshot DIR: everything below DIR with type, inode, mode, size, times and
# link target, one line each, sorted. Any change shows.
snapshot() {
	(cd "$1" && find . -printf '%p|%y|%i|%m|%s|%T@|%C@|%l\n' | sort)
}

# edit IN OUT PERL: the stream IN with @r (its records, without NULs)
# changed by PERL, into OUT. In PERL, i(PATH) is the index of PATH's record
# and set(PATH, N, VALUE) sets its Nth field (from 1, as in iou-stream(5);
# a plan record's fields count its OP and CHANGE).
edit() {
	perl -0e '
		my @r = map { chomp; $_ } <STDIN>;
		my $n = $r[0] =~ /\Aiou-stream \S+ plan / ? 19 : 17;
		sub i { my $p = shift; for (1 .. $#r) { my @f = split / /, $r[$_], $n;
			return $_ if !/\Aiou-stream / && $f[-1] eq $p } die "no record of $p\n" }
		sub set { my ($p, $k, $v) = @_; my $x = i($p); my @f = split / /, $r[$x], $n;
			$f[$k - 1] = $v; $r[$x] = join " ", @f }
		'"$3"';
		print map { "$_\0" } @r' <"$1" >"$2"
}

# run_in_t TOOL ARGS...: run TOOL (iouplan, iouput, iousync) in $T with
# standard input from $IN (default /dev/null); stderr in $T/err; sets status.
run_in_t() {
	local tool=$1
	shift
	status=0
	(cd "$T" && "$IOU_BIN/$tool" "$@") <"${IN:-/dev/null}" >"$T/out" 2>"$T/err" || status=$?
	echo "$tool $* < ${IN:-/dev/null}: exit $status; stderr:"
	head -c 2000 "$T/err"
}

# refused STATUS REGEX: the last run exited STATUS without crashing, its
# stderr matches REGEX, and nothing outside DST changed.
refused() {
	[ "$status" -lt 128 ] || { echo "crashed: exit $status" >&2; return 1; }
	if grep -E 'Sanitizer|runtime error:' "$T/err" >/dev/null; then
		echo "sanitizer report" >&2
		return 1
	fi
	[ "$status" -eq "$1" ] || { echo "exit $status, want $1" >&2; return 1; }
	grep -E -q -- "$2" "$T/err" || { echo "stderr does not match /$2/" >&2; return 1; }
	outside_unchanged
}

outside_unchanged() {
	snapshot "$T/outside" >"$T/outside.after"
	diff -u "$T/outside.before" "$T/outside.after"
}

# plan_refused STREAM REGEX: iouplan refuses the walk STREAM (exit 2, REGEX).
plan_refused() {
	IN=$1 run_in_t iouplan
	refused 2 "$2"
	[ ! -s "$T/out" ] || { echo "iouplan wrote a plan" >&2; return 1; }
}

# put_refused PLAN REGEX: iouput refuses PLAN before doing anything: exit 2,
# REGEX, and no dst/.
put_refused() {
	IN=$1 run_in_t iouput dst
	refused 2 "$2"
	[ ! -e "$T/dst" ] || { echo "iouput made dst/ for a plan it refused" >&2; return 1; }
}

# Record offsets: the byte offset where each record starts, one a line.
record_starts() {
	perl -0ne 'BEGIN { $o = 0 } print "$o\n"; $o += length' "$1"
}

# recno STREAM PATH: the record number (from 1) of PATH's record.
recno() {
	edit "$1" /dev/null 'print STDERR i("'"$2"'") + 1, "\n"' 2>&1
}

# --- iouplan reading a walk -------------------------------------------------

@test "iouplan refuses garbage: text without a header, random bytes, an empty input" {
	printf 'hello\0world\0' >"$T/text"
	plan_refused "$T/text" 'stdin: record 1: .*header'
	perl -e 'srand 5; print map { chr int rand 256 } 1 .. 5000' >"$T/random"
	plan_refused "$T/random" 'stdin: record 1: '
	: >"$T/empty"
	plan_refused "$T/empty" 'stdin: empty input'
}

@test "iouplan refuses a walk cut inside a record, at every kind of offset, naming the record" {
	local size starts cut n
	size=$(stat -c %s "$T/walk")
	mapfile -t starts < <(record_starts "$T/walk")
	# Inside the header, just before its NUL, just after a record's start,
	# in the middle of a record, and the last record without its NUL.
	for cut in 1 10 $((starts[1] - 1)) $((starts[2] + 1)) $((starts[3] + 40)) \
		$((starts[5] + 60)) $((size - 1)); do
		head -c "$cut" "$T/walk" >"$T/cut"
		n=$(($(count0 "$T/cut") + 1))
		plan_refused "$T/cut" "stdin: record $n: not terminated by a NUL"
	done
}

@test "a walk cut exactly between records is a valid shorter walk: the format has no end marker" {
	local starts
	mapfile -t starts < <(record_starts "$T/walk")
	head -c "${starts[4]}" "$T/walk" >"$T/cut"
	IN=$T/cut run_in_t iouplan
	[ "$status" -eq 0 ]
	[ "$(count0 "$T/out")" -lt "$(count0 "$T/plan")" ]
}

@test "iouplan refuses a directory that comes after something inside it" {
	local n
	edit "$T/walk" "$T/bad" '@r[i("a"), i("a/f1")] = @r[i("a/f1"), i("a")]'
	n=$(recno "$T/bad" a)
	plan_refused "$T/bad" "stdin: record $n: comes after something inside it"
	edit "$T/walk" "$T/bad2" 'push @r, splice @r, i("."), 1'
	plan_refused "$T/bad2" "stdin: record $(count0 "$T/bad2"): comes after something inside it"
}

@test "iouplan refuses paths that leave the root or are not clean: .., absolute, a//b, ./a, a/, a/." {
	local bad n
	n=$(recno "$T/walk" "sp ace")
	for bad in '..' '../x' 'a/../../x' '/etc/passwd' '/' 'a//b' './a' 'a/' 'a/.' ''; do
		edit "$T/walk" "$T/bad" 'set("sp ace", 17, "'"$bad"'")'
		plan_refused "$T/bad" "stdin: record $n: (PATH is not relative|missing PATH)"
	done
}

@test "iouplan refuses a path named twice, even as another type" {
	edit "$T/walk" "$T/bad" 'push @r, $r[i("a/f1")]'
	plan_refused "$T/bad" "stdin: record $(count0 "$T/bad"): duplicate path"
	edit "$T/walk" "$T/bad2" 'push @r, $r[i("a/b")]; $r[-1] =~ s{ a/b\z}{ a/f1}'
	plan_refused "$T/bad2" "stdin: record $(count0 "$T/bad2"): duplicate path"
}

@test "iouplan refuses a header of another version, kind or shape, first or after a root" {
	local h
	for h in 'iou-stream 1.0 walk src' 'iou-stream 3.0 walk src' 'iou-stream 2 walk src' \
		'iou-stream 02.0 walk src' 'iou-stream 2.0 walk' 'iou-stream 2.0 plan src' \
		'iou-stream  2.0 walk src'; do
		edit "$T/walk" "$T/bad" '$r[0] = "'"$h"'"'
		plan_refused "$T/bad" 'stdin: record 1: '
		edit "$T/walk" "$T/bad2" 'push @r, "'"$h"'", $r[1]'
		IN=$T/bad2 run_in_t iouplan
		refused 2 "stdin: record $(($(count0 "$T/walk") + 1)): "
	done
}

@test "iouplan refuses numbers that overflow their field or break its shape" {
	local spec field value n
	n=$(recno "$T/walk" a/f1)
	for spec in 'SIZE 9 18446744073709551616' 'INO 4 99999999999999999999999' 'UID 7 4294967296' \
		'GID 8 -1' 'NLINK 5 1e3' 'DEV 3 4294967296:0' 'RDEV 11 0:4294967296' 'MODE 6 17777' \
		'MODE 6 0999' 'MTIME 13 9223372036854775808.000000000' 'ATIME 12 1.0000000000' \
		'CTIME 14 -0.000000000' 'BLOCKS 10 012' 'XATTRS 15 0123'; do
		read -r field n_field value <<<"$spec"
		edit "$T/walk" "$T/bad" 'set("a/f1", '"$n_field"', "'"$value"'")'
		plan_refused "$T/bad" "stdin: record $n: bad or missing $field field"
	done
}

@test "iouplan refuses a record over the 16 MiB limit" {
	edit "$T/walk" "$T/bad" 'set("sp ace", 17, "x" x (17 << 20))'
	plan_refused "$T/bad" "stdin: record $(recno "$T/walk" "sp ace"): longer than the 16 MiB"
}

@test "paths with spaces and newlines, the largest valid numbers and extreme times still plan and copy" {
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN" | "$IOUPUT" dst)
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
	[ "$(cat "$T/dst/new
line")" = nl ]
	edit "$T/walk" "$T/big" 'set("sp ace", 9, "18446744073709551615"); set("sp ace", 7, "4294967295");
		set("a/b", 13, "9223372036854775807.999999999"); set("a/b/f2", 13, "-9223372036854775808.000000000")'
	IN=$T/big run_in_t iouplan
	[ "$status" -eq 0 ]
	cp "$T/out" "$T/bigplan"
	# The source no longer matches the walk: iouput says so per file, exit 1,
	# or sets what it can; it must not crash or write outside.
	IN=$T/bigplan run_in_t iouput dst2
	[ "$status" -lt 128 ]
	run ! grep -E 'Sanitizer|runtime error:' "$T/err"
	grep -q 'dst2/sp ace: copy data: File too large' "$T/err"
	grep -q 'dst2/a/b/f2: source changed since the walk' "$T/err"
	outside_unchanged
}

# --- iouplan --against ------------------------------------------------------

@test "iouplan --against refuses a destination walk that is garbage, cut, has two roots, bad paths or a path twice" {
	local starts
	mapfile -t starts < <(record_starts "$T/walk")
	printf 'garbage\0' >"$T/dw"
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 'dw: record 1: '
	head -c $((starts[3] + 20)) "$T/walk" >"$T/dw"
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 'dw: record 4: not terminated by a NUL'
	cat "$T/walk" "$T/walk" >"$T/dw"
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 "dw: record $(($(count0 "$T/walk") + 1)): a second header"
	edit "$T/walk" "$T/dw" 'set("a/f1", 17, "../../outside/keep")'
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 "dw: record $(recno "$T/walk" a/f1): PATH is not relative"
	edit "$T/walk" "$T/dw" 'push @r, $r[i("sym")]'
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 "dw: record $(count0 "$T/dw"): duplicate path"
	edit "$T/walk" "$T/dw" '$r[0] = "iou-stream 9.0 walk dst"'
	IN=$T/walk run_in_t iouplan --against dw
	refused 2 'dw: record 1: unsupported stream version'
}

@test "iouplan --against refuses a source walk with a second root" {
	cp "$T/walk" "$T/dw"
	cat "$T/walk" "$T/walk" >"$T/two"
	IN=$T/two run_in_t iouplan --against dw
	refused 2 "stdin: record $(($(count0 "$T/walk") + 1)): a second root"
	[ ! -s "$T/out" ]
}

# --- iouput reading a plan --------------------------------------------------

@test "iouput refuses garbage, a walk instead of a plan, and an empty plan, and makes no DST" {
	printf 'hello\0world\0' >"$T/text"
	put_refused "$T/text" 'standard input: record 1: .*header'
	perl -e 'srand 7; print map { chr int rand 256 } 1 .. 5000' >"$T/random"
	put_refused "$T/random" 'standard input: record 1: '
	put_refused "$T/walk" 'standard input: record 1: not a plan'
	: >"$T/empty"
	put_refused "$T/empty" '^iouput: standard input: the plan is empty$'
}

@test "iouput refuses a plan cut inside a record, at every kind of offset, and makes no DST" {
	local size starts cut n
	size=$(stat -c %s "$T/plan")
	mapfile -t starts < <(record_starts "$T/plan")
	for cut in 1 10 $((starts[1] - 1)) $((starts[2] + 1)) $((starts[4] + 40)) \
		$((starts[6] + 70)) $((size - 1)); do
		head -c "$cut" "$T/plan" >"$T/cut"
		n=$(($(count0 "$T/cut") + 1))
		put_refused "$T/cut" "standard input: record $n: ends inside a record"
	done
}

@test "iouput refuses paths and link targets that leave the root or are not clean, and makes no DST" {
	local bad n
	n=$(recno "$T/plan" "sp ace")
	for bad in '..' '../outside/keep' 'a/../../outside/keep' "$T/outside/keep" 'a//b' './a' 'a/'; do
		edit "$T/plan" "$T/bad" 'set("sp ace", 19, "'"$bad"'")'
		put_refused "$T/bad" "standard input: record $n: PATH is not relative"
	done
	n=$(recno "$T/plan" "a/f1")
	for bad in '..%2F..%2Foutside%2Fkeep' '%2Fetc%2Fpasswd' 'a%2F%2Fb' '.' 'a%2F.' 'a%00b' 'a%2Ff1'; do
		edit "$T/plan" "$T/bad" 'set("a/f1", 18, "'"$bad"'")'
		put_refused "$T/bad" "standard input: record $n: link TARGET"
	done
}

@test "iouput refuses a path planned twice for one kind of operation, and makes no DST" {
	edit "$T/plan" "$T/bad" 'splice @r, i("sp ace"), 0, $r[i("sp ace")]'
	put_refused "$T/bad" "standard input: record $(($(recno "$T/plan" "sp ace") + 1)): a path planned twice"
}

@test "iouput refuses a link before its target's copy, a mkdir before its parent's, and makes no DST" {
	# The link goes just before the first copy, which is then out of order.
	edit "$T/plan" "$T/bad" 'my $l = splice @r, i("a/f1"), 1;
		my ($c) = grep { $r[$_] =~ /\Acopy / } 0 .. $#r; splice @r, $c, 0, $l'
	put_refused "$T/bad" "standard input: record $(perl -0ne '$n++; if (/\Acopy /) { print $n; exit }' "$T/bad"): out of order"
	edit "$T/plan" "$T/bad2" 'my $d = splice @r, i("a/b"), 1; splice @r, i("a"), 0, $d'
	put_refused "$T/bad2" "standard input: record $(recno "$T/bad2" a): mkdir after a mkdir inside it"
}

@test "iouput refuses records after a second header of another kind or version, and makes no DST" {
	local h
	for h in 'iou-stream 2.0 walk src' 'iou-stream 3.0 plan src' 'iou-stream 1.9 plan src' 'iou-stream 2.0 plan'; do
		edit "$T/plan" "$T/bad" 'push @r, "'"$h"'", $r[1]'
		put_refused "$T/bad" "standard input: record $(($(count0 "$T/plan") + 1)): "
		edit "$T/plan" "$T/bad" '$r[0] = "'"$h"'"'
		put_refused "$T/bad" 'standard input: record 1: '
	done
}

@test "iouput refuses numbers that overflow their field, and makes no DST" {
	local spec field n_field value n
	n=$(recno "$T/plan" "sp ace")
	for spec in 'SIZE 11 18446744073709551616' 'UID 9 4294967296' 'MODE 8 10000' \
		'MTIME 15 -9223372036854775809.000000000' 'CTIME 16 1.00000000'; do
		read -r field n_field value <<<"$spec"
		edit "$T/plan" "$T/bad" 'set("sp ace", '"$n_field"', "'"$value"'")'
		put_refused "$T/bad" "standard input: record $n: bad or missing $field field"
	done
}

@test "a link whose target the plan never made and DST lacks fails by path, exit 1, and the rest is done" {
	# Drop the copy of the hard-link group's first member.
	local first
	first=$(perl -0ne 'print $1 if /\Alink (?:\S+ ){16}(\S+) /' "$T/plan")
	edit "$T/plan" "$T/bad" 'splice @r, i("'"$first"'"), 1'
	IN=$T/bad run_in_t iouput dst
	refused 1 "dst/.*(find link target|link).*No such file or directory"
	[ "$(cat "$T/dst/a/b/f2")" = two ]
}

@test "a symlink planted in DST on the way to a file or a link target is not followed; only DST changes" {
	mkdir "$T/dst"
	ln -s ../outside/inner "$T/dst/a"
	IN=$T/plan run_in_t iouput dst
	refused 1 "dst/a/"
	[ "$(cat "$T/outside/inner/f1")" = inner ]
	[ ! -e "$T/outside/inner/b" ]
	# iousync replaces the planted symlink with the source's directory.
	rm -rf "$T/dst"
	mkdir "$T/dst"
	ln -s ../outside/inner "$T/dst/a"
	ln -s ../outside/keep "$T/dst/sp ace"
	run_in_t iousync src dst
	[ "$status" -eq 0 ]
	outside_unchanged
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}
