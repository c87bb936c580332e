#!/usr/bin/env bats
# End-to-end specification of iouput's sync operations (delete, meta,
# verify), of -n, -i, --stats and --progress, on plans written by hand: a
# header for the root "src" and records made of the walk records of SRC
# (or, for delete, of DST) with an operation and a CHANGE put in front.
#
# Everything runs in $T, where src/, dst/ and outside/ live, so the plan's
# root "src" is found. Oracles: stat(1) (inode numbers and ctimes show what
# was touched: every write of data or metadata moves a ctime), getfattr(1)
# and rsync(1)'s own -i output.

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput
}

setup() {
	T=$(make_tmpdir)
	mkdir "$T/src" "$T/dst" "$T/outside"
}

teardown() {
	remove_tree "${T:-}"
}

# --- helpers ----------------------------------------------------------------

# walk NAME: the walk stream of $T/NAME, rooted "NAME", into $T/NAME.walk.
walk() {
	(cd "$T" && "$IOUWALK" "$1") >"$T/$1.walk"
}

# header: the plan header of the root "src".
header() {
	printf 'iou-stream 2.0 plan src\0'
}

# rec NAME OP CHANGE PATH: the plan record "OP CHANGE" + PATH's record in
# $T/NAME.walk. Fails when the walk has no such path.
rec() {
	local r
	r=$(record_of "$T/$1.walk" "$4")
	[ -n "$r" ] || { echo "no record of $4 in $1.walk" >&2; return 1; }
	printf '%s %s %s\0' "$2" "$3" "$r"
}

# link_rec NAME PATH FIRST: a link record making PATH a hard link to FIRST.
link_rec() {
	rec "$1" link +++++++++ "$2" | perl -0pe 's/\A((?:\S+ ){17})- /${1}'"$3"' /'
}

# put ARGS...: run iouput ARGS in $T; stdout in $T/out, stderr in $T/err;
# sets $status. Never fails itself.
put() {
	status=0
	(cd "$T" && "$IOUPUT" "$@") >"$T/out" 2>"$T/err" || status=$?
	if [ -s "$T/err" ]; then
		echo "iouput $* exited $status; stderr:" >&2
		head -n 20 "$T/err" | cut -c1-300 >&2
	fi
}

# out_is LINE...: the last put printed exactly these lines, in any order.
out_is() {
	if [ $# -eq 0 ]; then : >"$T/want"; else printf '%s\n' "$@" | sort >"$T/want"; fi
	sort "$T/out" >"$T/got"
	diff -u "$T/want" "$T/got"
}

# snap PATH...: inode, ctime, mode and mtime of each path (not followed).
snap() {
	stat -c '%i %z %a %y %n' "$@"
}

# listing DIR OUT: everything below DIR with inode, mode, size, times and
# symlink target, sorted: equal listings mean nothing was touched.
listing() {
	(cd "$1" && find . -printf '%y %i %m %s %T@ %C@ %p %l\n') | sort >"$2"
}

# xattrs_of DIR NAME: every attribute of DIR/NAME, ACLs included, by name.
xattrs_of() {
	(cd "$1" && getfattr -h -d -m - -e hex "$2" 2>/dev/null)
}

have_xattrs() {
	command -v setfattr >/dev/null && command -v setfacl >/dev/null || return 1
	setfattr -n user.iou-probe -v 1 "$T/dst" 2>/dev/null || return 1
	setfattr -x user.iou-probe "$T/dst"
}

# --- delete -------------------------------------------------------------------

@test "delete removes a file, a symlink (never its target) and an empty directory; a path already gone is no error" {
	echo "outside data" >"$T/outside/target"
	before=$(snap "$T/outside/target")
	echo data >"$T/dst/file"
	ln -s "$T/outside/target" "$T/dst/link"
	mkdir "$T/dst/empty"
	echo gone >"$T/dst/gone"
	echo kept >"$T/dst/kept"
	walk dst
	rm "$T/dst/gone"
	{
		header
		rec dst delete ......... file
		rec dst delete ......... link
		rec dst delete ......... empty
		rec dst delete ......... gone
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ ! -e "$T/dst/file" ]
	[ ! -L "$T/dst/link" ]
	[ ! -e "$T/dst/empty" ]
	[ "$(cat "$T/dst/kept")" = kept ]
	[ "$(snap "$T/outside/target")" = "$before" ]
	[ "$(cat "$T/outside/target")" = "outside data" ]
	# What was already gone changed nothing: no line.
	out_is "*deleting   file" "*deleting   link" "*deleting   empty/"
	[ ! -s "$T/err" ]
}

@test "with the plan's source inside DST, no deletion is done, one message says why, exit 1, and the rest is copied" {
	mkdir -p "$T/top/src/sub"
	printf 'keep\n' >"$T/top/src/f"
	printf 'keep too\n' >"$T/top/src/sub/g"
	printf 'extra\n' >"$T/top/extra"
	(cd "$T" && "$IOUWALK" -X top/src >src.walk && "$IOUWALK" -X top >dst.walk &&
		"$IOUPLAN" --against dst.walk --delete <src.walk >plan)
	# What iouplan asks for would delete the source: its files, then itself.
	tr '\0' '\n' <"$T/plan" | grep -q '^delete .* src/f$'
	put -i top <"$T/plan"
	[ "$status" -eq 1 ]
	[ "$(grep -c . "$T/err")" = 1 ]
	grep -q -x -F "iouput: top: deleting nothing: the source lies inside it, and deletions would remove the source" "$T/err"
	[ "$(cat "$T/top/src/f")" = keep ]
	[ "$(cat "$T/top/src/sub/g")" = "keep too" ]
	[ "$(cat "$T/top/extra")" = extra ]
	[ "$(cat "$T/top/f")" = keep ]
	[ "$(cat "$T/top/sub/g")" = "keep too" ]
	! grep -q deleting "$T/out" || false
}

@test "deletes run first and deepest first: a tree goes bottom up, and a file in the way of a directory gives way to it" {
	mkdir -p "$T/dst/tree/sub"
	echo x >"$T/dst/tree/sub/f"
	echo "in the way" >"$T/dst/x"
	mkdir "$T/src/x"
	echo y >"$T/src/x/y"
	walk src
	walk dst
	{
		header
		rec dst delete ......... tree/sub/f
		rec dst delete ......... tree/sub
		rec dst delete ......... tree
		rec dst delete ......... x
		rec src mkdir +++++++++ x
		rec src copy +++++++++ x/y
		rec src dirmeta +++++++++ x
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ ! -e "$T/dst/tree" ]
	[ -d "$T/dst/x" ]
	[ "$(cat "$T/dst/x/y")" = y ]
	out_is "*deleting   tree/sub/f" "*deleting   tree/sub/" "*deleting   tree/" \
		"*deleting   x" "cd+++++++++ x/" ">f+++++++++ x/y"
}

@test "delete of a directory that is not empty fails naming it and keeps it, and the rest of the plan still runs" {
	mkdir "$T/dst/full"
	echo keep >"$T/dst/full/f"
	echo old >"$T/dst/old"
	walk dst
	{
		header
		rec dst delete ......... full
		rec dst delete ......... old
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 1 ]
	grep -q "^iouput: dst/full: delete: Directory not empty$" "$T/err"
	[ "$(cat "$T/dst/full/f")" = keep ]
	[ ! -e "$T/dst/old" ]
	out_is "*deleting   old"
}

@test "a directory deleted by a later root and made again receives that root's files" {
	mkdir "$T/src/a"
	echo f >"$T/src/a/f"
	echo g >"$T/src/a/g"
	walk src
	# One worker, whose cursor still holds the first root's a/ when the
	# second root's copy (no mkdir: missing parents are made) needs a/ again.
	{
		header
		rec src mkdir +++++++++ a
		rec src copy +++++++++ a/f
		header
		rec src delete ......... a/f
		rec src delete ......... a
		rec src copy +++++++++ a/g
	} >"$T/plan"
	put -j 1 --no-uring dst plan
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	[ ! -e "$T/dst/a/f" ]
	[ "$(cat "$T/dst/a/g")" = g ]
}

# --- meta ---------------------------------------------------------------------

@test "meta gives an existing file the source's mode, times, xattrs and ACLs exactly, keeping its inode and data" {
	have_xattrs || skip "no user xattrs or ACL tools here"
	echo "source data" >"$T/src/f"
	chmod 0640 "$T/src/f"
	setfattr -n user.keep -v new "$T/src/f"
	setfattr -n user.added -v 2 "$T/src/f"
	touch -m -d @1000000000.123456789 "$T/src/f"
	touch -a -d @1000000001.5 "$T/src/f"
	echo "dest data!" >"$T/dst/f"
	chmod 0606 "$T/dst/f"
	setfattr -n user.keep -v old "$T/dst/f"
	setfattr -n user.extra -v 9 "$T/dst/f"
	setfacl -m u:nobody:r "$T/dst/f"
	ino=$(stat -c %i "$T/dst/f")
	walk src
	{
		header
		rec src meta ..tp...ax f
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	# Times first: reading the data may move the access time.
	[ "$(stat -c '%a %y %x' "$T/dst/f")" = "$(stat -c '%a %y %x' "$T/src/f")" ]
	[ "$(stat -c %i "$T/dst/f")" = "$ino" ]
	[ "$(cat "$T/dst/f")" = "dest data!" ]
	# Exactly the source's set: user.extra and the ACL are gone.
	[ "$(xattrs_of "$T/dst" f)" = "$(xattrs_of "$T/src" f)" ]
	[ -z "$(getfacl -c --skip-base "$T/dst/f" 2>/dev/null)" ]
	out_is ".f..tp...ax f"
}

@test "meta on a symlink and a FIFO sets their times (and the FIFO's mode) without following the symlink" {
	echo t >"$T/outside/t"
	touch -d @1200000000 "$T/outside/t"
	before=$(snap "$T/outside/t")
	ln -s ../outside/t "$T/src/ln"
	touch -h -d @1000000000.25 "$T/src/ln"
	mkfifo -m 0600 "$T/src/fifo"
	touch -d @1100000000.75 "$T/src/fifo"
	ln -s ../outside/t "$T/dst/ln"
	mkfifo -m 0644 "$T/dst/fifo"
	walk src
	{
		header
		rec src meta ..t...... ln
		rec src meta ..tp..... fifo
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ "$(stat -c '%y' "$T/dst/ln")" = "$(stat -c '%y' "$T/src/ln")" ]
	[ "$(stat -c '%a %y' "$T/dst/fifo")" = "$(stat -c '%a %y' "$T/src/fifo")" ]
	[ "$(snap "$T/outside/t")" = "$before" ]
	out_is ".L..t...... ln -> ../outside/t" ".S..tp..... fifo"
}

@test "meta refuses an object whose type changed since the plan, and changes nothing" {
	echo f >"$T/src/f"
	chmod 0600 "$T/src/f"
	mkdir -m 0755 "$T/dst/f"
	walk src
	{
		header
		rec src meta ...p..... f
	} >"$T/plan"
	before=$(snap "$T/dst/f")
	put dst plan
	[ "$status" -eq 1 ]
	grep -q "^iouput: dst/f: check type (changed since the plan): Is a directory$" "$T/err"
	[ "$(snap "$T/dst/f")" = "$before" ]
}

@test "meta by an unprivileged user on a 0000 file it owns still sets its mode and times" {
	skip_unless_root "switching to the nobody user needs root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	echo src >"$T/src/f"
	chmod 0644 "$T/src/f"
	touch -d @1000000000.5 "$T/src/f"
	echo dst >"$T/dst/f"
	chown nobody: "$T/src/f" "$T/dst/f"
	chmod 0000 "$T/dst/f"
	walk src
	{
		header
		rec src meta ..tp..... f
	} >"$T/plan"
	chmod 0644 "$T/plan"
	status=0
	(cd "$T" && setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$IOUPUT" dst plan) 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %y' "$T/dst/f")" = "$(stat -c '%a %y' "$T/src/f")" ]
	[ "$(cat "$T/dst/f")" = dst ]
}

@test "dirmeta leaves a directory with exactly the source's xattrs; -i is silent for ......... and +++++++++" {
	have_xattrs || skip "no user xattrs or ACL tools here"
	mkdir "$T/src/d1" "$T/src/d2" "$T/src/d3" "$T/dst/d1" "$T/dst/d2" "$T/dst/d3"
	setfattr -n user.a -v 1 "$T/src/d1"
	setfattr -n user.a -v 0 "$T/dst/d1"
	setfattr -n user.extra -v 1 "$T/dst/d1"
	setfacl -d -m u:nobody:rx "$T/dst/d1"
	touch -d @1000000000 "$T/src/d1" "$T/src/d2" "$T/src/d3"
	walk src
	{
		header
		rec src dirmeta ..t.....x d1
		rec src dirmeta ......... d2
		rec src dirmeta +++++++++ d3
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ "$(xattrs_of "$T/dst" d1)" = "$(xattrs_of "$T/src" d1)" ]
	[ -z "$(getfacl -c --skip-base "$T/dst/d1" 2>/dev/null)" ]
	for d in d1 d2 d3; do
		[ "$(stat -c '%a %y' "$T/dst/$d")" = "$(stat -c '%a %y' "$T/src/$d")" ]
	done
	out_is ".d..t.....x d1/"
}

@test "dirmeta ......... leaves a directory that still has its mode and times alone (same ctime) and restores one whose contents changed" {
	mkdir "$T/src/same" "$T/src/moved"
	touch -d @1000000000 "$T/src/same" "$T/src/moved"
	cp -a "$T/src/same" "$T/src/moved" "$T/dst/"
	walk src
	touch "$T/dst/moved/new-entry"
	{
		header
		rec src dirmeta ......... same
		rec src dirmeta ......... moved
	} >"$T/plan"
	before=$(stat -c '%i %z %y' "$T/dst/same")
	put -i dst plan
	[ "$status" -eq 0 ]
	[ "$(stat -c '%i %z %y' "$T/dst/same")" = "$before" ]
	[ "$(stat -c '%a %y' "$T/dst/moved")" = "$(stat -c '%a %y' "$T/src/moved")" ]
	out_is
}

# --- verify -------------------------------------------------------------------

@test "verify of equal data with CHANGE c........ changes nothing: same inode, same ctime, no -i line" {
	head -c 600000 /dev/urandom >"$T/src/f"
	cp "$T/src/f" "$T/dst/f"
	walk src
	{
		header
		rec src verify c........ f
	} >"$T/plan"
	before=$(stat -c '%i %z %y' "$T/dst/f")
	put -i dst plan
	[ "$status" -eq 0 ]
	[ "$(stat -c '%i %z %y' "$T/dst/f")" = "$before" ]
	out_is
}

@test "verify of equal data with other attributes changed applies only them: .f..t...... and the same inode and data" {
	echo same >"$T/src/f"
	touch -m -d @1000000000.5 "$T/src/f"
	echo same >"$T/dst/f"
	ino=$(stat -c %i "$T/dst/f")
	walk src
	{
		header
		rec src verify c.t...... f
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ "$(stat -c %i "$T/dst/f")" = "$ino" ]
	[ "$(stat -c %y "$T/dst/f")" = "$(stat -c %y "$T/src/f")" ]
	out_is ".f..t...... f"
}

@test "verify of different data of the same size copies the file: >fc........, the source's bytes and mtime" {
	# Equal in the first 256 KiB chunk, different in the second.
	head -c 300000 /dev/zero >"$T/src/f"
	printf 'A' >>"$T/src/f"
	head -c 300000 /dev/zero >"$T/dst/f"
	printf 'B' >>"$T/dst/f"
	touch -d @1000000000 "$T/src/f" "$T/dst/f"
	walk src
	{
		header
		rec src verify c........ f
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	cmp "$T/src/f" "$T/dst/f"
	[ "$(stat -c '%a %y' "$T/dst/f")" = "$(stat -c '%a %y' "$T/src/f")" ]
	out_is ">fc........ f"
}

@test "verify where DST has a symlink or nothing puts a regular file there, and the symlink's target is untouched" {
	echo "the data" >"$T/src/f"
	echo "the data" >"$T/src/g"
	echo "the data" >"$T/outside/t"
	before=$(snap "$T/outside/t")
	ln -s ../outside/t "$T/dst/f"
	walk src
	{
		header
		rec src verify c........ f
		rec src verify c........ g
	} >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	[ -f "$T/dst/f" ]
	[ ! -L "$T/dst/f" ]
	[ -f "$T/dst/g" ]
	[ "$(cat "$T/dst/f")" = "the data" ]
	[ "$(snap "$T/outside/t")" = "$before" ]
	out_is ">fc........ f" ">fc........ g"
}

# --- a symlink planted in DST ---------------------------------------------------

@test "a symlink planted in DST where the plan needs a directory is never followed: delete, meta, verify, copy and symlink below it fail and the outside is untouched" {
	mkdir "$T/src/sub"
	echo "source x" >"$T/src/sub/x"
	chmod 0644 "$T/src/sub/x"
	ln -s t "$T/src/sub/y"
	echo "outside x" >"$T/outside/x"
	chmod 0600 "$T/outside/x"
	touch -d @1200000000 "$T/outside/x"
	ln -s "$T/outside" "$T/dst/sub"
	walk src
	listing "$T/outside" "$T/outside.before"
	for op in "delete ........." "meta ..tp....." "verify c........" "copy +++++++++" "symlink +++++++++"; do
		path=x
		[ "${op%% *}" = symlink ] && path=y
		# shellcheck disable=SC2086 # op is the operation and its CHANGE
		{ header; rec src $op "sub/$path"; } >"$T/plan"
		put -i dst plan
		[ "$status" -eq 1 ]
		# openat(O_DIRECTORY | O_NOFOLLOW) of a symlink: ENOTDIR (ELOOP without O_DIRECTORY).
		grep -qE "^iouput: dst/sub/$path: .*: (Not a directory|Too many levels of symbolic links)$" "$T/err"
		out_is
		[ -L "$T/dst/sub" ]
		listing "$T/outside" "$T/outside.after"
		diff -u "$T/outside.before" "$T/outside.after"
	done
	[ "$(cat "$T/outside/x")" = "outside x" ]
}

# --- every operation: -i, -n and --stats -------------------------------------

# every_op: SRC and DST such that one plan, $T/plan, holds every operation:
# three deletions, a new directory and file, verify of equal data, of
# different data, and of equal data with other times, meta, a new symlink,
# FIFO and hard link, dirmeta with a visible change, of a new directory and
# of the root.
every_op() {
	mkdir "$T/src/keep" "$T/src/new" "$T/dst/keep" "$T/dst/olddir"
	echo "new file" >"$T/src/new/f"
	echo same >"$T/src/same"
	echo AAAA >"$T/src/diff"
	echo attrs >"$T/src/attrs"
	echo meta >"$T/src/metaf"
	chmod 0600 "$T/src/metaf"
	ln -s target "$T/src/ln"
	mkfifo "$T/src/fifo"
	echo hard >"$T/src/hard1"
	ln "$T/src/hard1" "$T/src/hard2"
	touch -d @1000000000 "$T/src/keep" "$T/src/attrs" "$T/src/diff"
	cp -p "$T/src/same" "$T/src/diff" "$T/dst/"
	echo BBBB >"$T/dst/diff"
	touch -d @1000000000 "$T/dst/diff"
	echo attrs >"$T/dst/attrs"
	echo meta >"$T/dst/metaf"
	chmod 0644 "$T/dst/metaf"
	echo x >"$T/dst/olddir/x"
	echo old >"$T/dst/old"
	walk src
	walk dst
	{
		header
		rec dst delete ......... olddir/x
		rec dst delete ......... olddir
		rec dst delete ......... old
		rec src mkdir +++++++++ new
		rec src copy +++++++++ new/f
		rec src verify c........ same
		rec src verify c........ diff
		rec src verify c.t...... attrs
		rec src meta ...p..... metaf
		rec src symlink +++++++++ ln
		rec src mknod +++++++++ fifo
		rec src copy +++++++++ hard1
		link_rec src hard2 hard1
		rec src dirmeta ..t...... keep
		rec src dirmeta +++++++++ new
		rec src dirmeta ......... .
	} >"$T/plan"
	EVERY_OP_LINES=(
		"*deleting   olddir/x" "*deleting   olddir/" "*deleting   old"
		"cd+++++++++ new/" ">f+++++++++ new/f"
		">fc........ diff" ".f..t...... attrs" ".f...p..... metaf"
		"cL+++++++++ ln -> target" "cS+++++++++ fifo"
		">f+++++++++ hard1" "hf+++++++++ hard2 => hard1"
		".d..t...... keep/"
	)
}

@test "-i prints one rsync-style line per change, for every operation of a plan" {
	every_op
	put -i dst plan
	[ "$status" -eq 0 ]
	out_is "${EVERY_OP_LINES[@]}"
	[ ! -e "$T/dst/olddir" ]
	[ ! -e "$T/dst/old" ]
	cmp "$T/src/new/f" "$T/dst/new/f"
	cmp "$T/src/diff" "$T/dst/diff"
	[ "$(stat -c %a "$T/dst/metaf")" = 600 ]
	[ "$(readlink "$T/dst/ln")" = target ]
	[ -p "$T/dst/fifo" ]
	[ "$(stat -c %i "$T/dst/hard1")" = "$(stat -c %i "$T/dst/hard2")" ]
	[ "$(stat -c %y "$T/dst/keep")" = "$(stat -c %y "$T/src/keep")" ]
}

@test "-n changes nothing in DST (same listing, inodes and ctimes) and prints exactly the -i lines of the real run" {
	every_op
	listing "$T/dst" "$T/before"
	put -n -i dst plan
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	cp "$T/out" "$T/dry"
	listing "$T/dst" "$T/after"
	diff -u "$T/before" "$T/after"
	out_is "${EVERY_OP_LINES[@]}"

	put -i dst plan
	[ "$status" -eq 0 ]
	diff -u <(sort "$T/dry") <(sort "$T/out")
}

@test "-n does not even create DST, and lists what a real run then does" {
	mkdir "$T/src/sub"
	echo a >"$T/src/sub/a"
	ln -s a "$T/src/sub/l"
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN") >"$T/plan"
	put -n -i new plan
	[ "$status" -eq 0 ]
	[ ! -e "$T/new" ]
	[ ! -L "$T/new" ]
	cp "$T/out" "$T/dry"
	out_is "cd+++++++++ ./" "cd+++++++++ sub/" ">f+++++++++ sub/a" "cL+++++++++ sub/l -> a"
	put -i new plan
	[ "$status" -eq 0 ]
	diff -u <(sort "$T/dry") <(sort "$T/out")
	[ "$(cat "$T/new/sub/a")" = a ]
}

@test "-i prints the same lines as rsync -i for a new copy of a tree" {
	command -v rsync >/dev/null || skip "rsync is not installed"
	mkdir -p "$T/src/a/b" "$T/src/empty" "$T/r"
	echo one >"$T/src/a/one"
	echo two >"$T/src/a/b/two"
	: >"$T/src/zero"
	ln -s "a/one" "$T/src/rel"
	ln -s "/nowhere at all" "$T/src/abs"
	mkfifo "$T/src/fifo"
	if is_root; then mknod "$T/src/null" c 1 3; fi
	(cd "$T" && "$IOUWALK" src | "$IOUPLAN") >"$T/plan"
	put -i dst plan
	[ "$status" -eq 0 ]
	rsync -a -i "$T/src/" "$T/r/" | grep -v ' \./$' >"$T/rsync"
	grep -qx 'cd+++++++++ \./' "$T/out"
	grep -v ' \./$' "$T/out" >"$T/ours"
	diff -u <(sort "$T/rsync") <(sort "$T/ours")
}

@test "--stats counts entries, creations, deletions, copied files and bytes, and metadata-only updates" {
	every_op
	put --stats dst plan
	[ "$status" -eq 0 ]
	grep -qx 'Number of entries: 16' "$T/out"
	grep -qx 'Number of created files: 6 (reg: 2, dir: 1, symlink: 1, special: 1, hard link: 1)' "$T/out"
	grep -qx 'Number of deleted files: 3' "$T/out"
	# new/f, diff and hard1: 9 + 5 + 5 bytes.
	grep -qx 'Number of regular files transferred: 3' "$T/out"
	grep -qx 'Total transferred file size: 19 bytes' "$T/out"
	# attrs (verify), metaf (meta), keep (dirmeta).
	grep -qx 'Number of metadata-only updates: 3' "$T/out"
	grep -qE '^Elapsed time: [0-9]+\.[0-9]{3} s, [0-9]+\.[0-9]{2} MB/s$' "$T/out"
	[ "$(wc -l <"$T/out")" -eq 7 ]
}

@test "without -i, --stats or --progress, a run prints nothing at all" {
	every_op
	put dst plan
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	[ ! -s "$T/err" ]
}

# busy_plan: a plan whose only copy takes 2 s: its source is held by a
# lease (hold_lease). Skips where leases are not granted.
busy_plan() {
	: >"$T/src/slow"
	walk src
	{ header; rec src copy +++++++++ slow; } >"$T/plan"
	hold_lease "$T/src/slow" 2 || skip "no file leases here (fcntl F_SETLEASE)"
}

# fifo_swapped_plan SIZE: a plan copying src/was-file, walked as a file of
# SIZE bytes, then replaced by a FIFO with the same time; and src/other.
fifo_swapped_plan() {
	rm -rf "$T/src/was-file" "$T/dst"
	head -c "$1" /dev/zero >"$T/src/was-file"
	printf 'kept\n' >"$T/src/other"
	walk src
	{ header; rec src copy +++++++++ was-file; rec src copy +++++++++ other; } >"$T/plan"
	touch -r "$T/src/was-file" "$T/time-ref"
	rm "$T/src/was-file"
	mkfifo "$T/src/was-file"
	touch -r "$T/time-ref" "$T/src/was-file"
}

# A FIFO waits for a writer that never comes: a hang, not an error, unless
# the copy refuses it without opening it for good. timeout makes a hang fail.
refuses_swapped_fifo() {
	status=0
	(cd "$T" && timeout 20 "$IOUPUT" "$@" dst plan) >"$T/out" 2>"$T/err" || status=$?
	[ "$status" -eq 1 ] || { cat "$T/err" >&2; false; }
	grep -q "dst/was-file: .*changed" "$T/err"
	[ ! -e "$T/dst/was-file" ]
	cmp "$T/src/other" "$T/dst/other"
}

@test "a small file that became a FIFO after the walk is refused as changed, not copied as an empty file" {
	fifo_swapped_plan 0
	refuses_swapped_fifo
}

@test "file by file, too, a FIFO swapped in for a small or a large file is refused at once, not waited for" {
	fifo_swapped_plan 0
	refuses_swapped_fifo --no-uring
	fifo_swapped_plan 200000
	refuses_swapped_fifo
}

@test "a source held by another process's lease is waited for, then copied" {
	printf 'leased\n' >"$T/src/leased"
	walk src
	{ header; rec src copy +++++++++ leased; } >"$T/plan"
	for opt in "" --no-uring; do
		rm -rf "$T/dst"
		hold_lease "$T/src/leased" 1 || skip "no file leases here (fcntl F_SETLEASE)"
		start=$(date +%s%N)
		put $opt dst plan
		[ "$status" -eq 0 ]
		[ $(($(date +%s%N) - start)) -ge 900000000 ]
		cmp "$T/src/leased" "$T/dst/leased"
		wait
	done
}

@test "--progress writes whole lines to a file or pipe, the last one with everything done" {
	busy_plan
	put --progress dst plan
	wait
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	# At least one report while the copy waited, and the final one.
	[ "$(wc -l <"$T/err")" -ge 2 ]
	if grep -q $'\r' "$T/err"; then false; fi
	grep -qE '^[0-9]+/1 entries  .* ETA ' "$T/err"
	tail -n 1 "$T/err" | grep -qE '^1/1 entries  0 B/0 B  [0-9.]+ [kMGT]?B/s  ETA 0:00:00$'
}

@test "--progress on a terminal rewrites one line in place and erases it at the end" {
	command -v script >/dev/null || skip "script(1) is not installed"
	busy_plan
	status=0
	script -qec "cd '$T' && '$IOUPUT' --progress dst plan" /dev/null >"$T/tty" || status=$?
	wait
	[ "$status" -eq 0 ]
	# Reports start with a carriage return and never end a line...
	grep -q $'\r0/1 entries  0 B/0 B  ' "$T/tty"
	[ "$(tr -cd '\n' <"$T/tty" | wc -c)" -eq 0 ]
	# ...and the last thing written is blanks over the line, then \r.
	perl -0777 -ne 'exit(/\r +\r\z/ ? 0 : 1)' "$T/tty"
}

@test "--help lists -n, -i, --stats and --progress" {
	"$IOUPUT" --help >"$T/help"
	for o in "-n, --dry-run" "-i, --itemize" "--stats" "--progress"; do
		grep -q -- "$o" "$T/help"
	done
}
