#!/usr/bin/env bats
# End-to-end specification of iousync SRC DST: DST becomes a copy of the
# contents of SRC, as with rsync -aHAX SRC/ DST/, and a resync does only what
# differs. Oracles: rsync(1) in dry-run mode (nothing left to change), and
# find(1)'s inode numbers and ctimes (what a resync touched, since every
# write of data or metadata moves a ctime).
#
# The tests that look at iousync itself (which tools it runs, with which
# arguments and descriptors, how it reports their ends) run a copy of it
# beside wrapper scripts: iousync runs the tools found beside itself.

load helpers

setup_file() {
	require_iouwalk
	require_tools iousync iouplan iouput
	command -v rsync >/dev/null || { echo "rsync is needed as the oracle" >&2; return 1; }
	# The hostile tree of the copy tests, shared read-only.
	TREE_BASE=$(make_tmpdir)
	HOSTILE=$TREE_BASE/src
	"$MKTREE" --small --quiet "$HOSTILE"
	export TREE_BASE HOSTILE
}

teardown_file() {
	remove_tree "${TREE_BASE:-}"
}

setup() {
	T=$(make_tmpdir)
	SRC=$T/src
	DST=$T/dst
}

teardown() {
	remove_tree "${T:-}"
}

# --- helpers ----------------------------------------------------------------

# isync ARGS...: run iousync, stdout in $T/out, stderr in $T/err (also shown
# on failure); sets $status. Never fails itself.
isync() {
	status=0
	"$IOUSYNC" "$@" >"$T/out" 2>"$T/err" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "iousync $* exited $status; stderr:" >&2
		head -n 20 "$T/err" | cut -c1-300 >&2
	fi
}

# Whether DIR's file system takes user xattrs and ACLs (and the tools are here).
have_xattrs() {
	command -v setfattr >/dev/null && command -v setfacl >/dev/null || return 1
	setfattr -n user.iou-probe -v 1 "$1" 2>/dev/null || return 1
	setfattr -x user.iou-probe "$1"
	setfacl -m u:12345:r "$1" 2>/dev/null || return 1
	setfacl -b "$1"
}

# make_src DIR: a small hostile tree: files of 0, 1, 4095, 65537 and 300000
# bytes, nanosecond and pre-1970 mtimes, names with a newline, a space and
# leading dashes; a hard-link group across three directories; relative,
# dangling and directory symlinks; a FIFO; user xattrs, an access and a
# default ACL (where the file system has them); a 0555 directory with files;
# as root also a device, a foreign owner and a trusted.* xattr.
make_src() {
	local s=$1
	mkdir -p "$s/files" "$s/hard/x" "$s/hard/y/z" "$s/links" "$s/special" "$s/ro" \
		"$s/xattr" "$s/-opt"
	: >"$s/files/empty"
	printf 'a' >"$s/files/one"
	head -c 4095 /dev/urandom >"$s/files/size4095"
	head -c 65537 /dev/urandom >"$s/files/size65537"
	head -c 300000 /dev/urandom >"$s/files/size300000"
	printf 'x' >"$s/files/"$'new\nline'
	printf 'y' >"$s/files/with space"
	printf 'z' >"$s/-opt/-rf"
	printf 'shared\n' >"$s/hard/a"
	ln "$s/hard/a" "$s/hard/x/b"
	ln "$s/hard/a" "$s/hard/y/z/c"
	ln -s ../files/one "$s/links/relative"
	ln -s does/not/exist "$s/links/dangling"
	ln -s ../files "$s/links/to-dir"
	mkfifo "$s/special/fifo"
	printf 'data\n' >"$s/xattr/file"
	: >"$s/xattr/acl"
	if have_xattrs "$s"; then
		setfattr -n user.text -v hello "$s/xattr/file"
		setfattr -n user.binary -v 0x00ff0a0d25 "$s/xattr/file"
		setfacl -m u:12345:r,g:54321:r "$s/xattr/acl"
		setfacl -d -m u:12345:rx "$s/xattr"
	fi
	if is_root; then
		mknod "$s/special/null" c 1 3
		chown 12345:54321 "$s/files/size300000"
		setfattr -n trusted.iou -v root "$s/xattr/file" 2>/dev/null || true
	fi
	printf 'inside\n' >"$s/ro/inside"
	printf 'second\n' >"$s/ro/second"
	touch -m -d '2020-01-01 00:00:00.123456789 UTC' "$s/files/size4095"
	touch -m -d '1969-12-31 23:59:59.5 UTC' "$s/files/empty"
	touch -h -m -d '2001-02-03 04:05:06.000000001 UTC' "$s/links/relative"
	chmod 0555 "$s/ro"
	touch -d '2010-10-10 10:10:10.999999999 UTC' "$s/hard/y"
}

# inodes DIR OUT: "inode ctime ./path" of every entry below DIR, sorted.
inodes() {
	(cd "$1" && find . -printf '%i %C@ %p\0') >"$2.raw" || return
	sort -z "$2.raw" >"$2"
}

# changed_paths BEFORE AFTER: the paths (NUL-terminated, sorted) whose inode
# or ctime differ between two inodes listings, or that are in only one.
changed_paths() {
	perl -0e '
		my @m;
		for my $f (@ARGV) {
			open my $fh, "<", $f or die "$f: $!\n";
			my %h;
			while (<$fh>) { chomp; my ($i, $c, $p) = split / /, $_, 3; $h{$p} = "$i $c" }
			push @m, \%h;
		}
		my %all = (%{$m[0]}, %{$m[1]});
		for (sort keys %all) {
			my ($x, $y) = ($m[0]{$_}, $m[1]{$_});
			print "$_\0" unless defined $x && defined $y && $x eq $y;
		}' "$1" "$2"
}

# only_changed CHANGED ALLOWED...: every path in CHANGED is one of ALLOWED.
only_changed() {
	local f=$1 p args=()
	shift
	for p in "$@"; do args+=(-e "$p"); done
	if grep -z -v -x -F "${args[@]}" "$f" >"$f.extra"; then
		echo "changed besides ${*}:" >&2
		show0 "$f.extra"
		return 1
	fi
}

# changed_all CHANGED PATH...: every PATH is in CHANGED.
changed_all() {
	local f=$1 p
	shift
	for p in "$@"; do
		grep -z -q -x -F -e "$p" "$f" || { echo "$p did not change" >&2; return 1; }
	done
}

# The five changes of the resync tests, made to SRC: a new mtime, new bytes
# of the same size under the same mtime, a chmod, an addition, a deletion.
change_src() {
	touch -m -d '2021-05-05 05:05:05.555555555 UTC' "$SRC/files/one"
	touch -r "$SRC/files/size4095" "$T/stamp"
	printf 'CHANGED' | dd of="$SRC/files/size4095" bs=1 seek=100 conv=notrunc status=none
	touch -r "$T/stamp" "$SRC/files/size4095"
	chmod 0600 "$SRC/files/size65537"
	printf 'added\n' >"$SRC/files/added"
	rm "$SRC/files/with space"
}
CHANGED_PATHS=(./files/one ./files/size4095 ./files/size65537 ./files/added "./files/with space")

# check_itemized OUT: the itemized lines of a sync of change_src's changes,
# as rsync writes them, and nothing about other paths.
check_itemized() {
	local out=$1
	cat "$out" >&2
	grep -q -x -E '[.>]f\.\.t\.{6} files/one' "$out"
	grep -q -x -F '>fc........ files/size4095' "$out"
	grep -q -x -F '.f...p..... files/size65537' "$out"
	grep -q -x -F '>f+++++++++ files/added' "$out"
	grep -q -x -F '*deleting   files/with space' "$out"
	if cut -c13- "$out" | grep -v -x -E 'files/(one|size4095|size65537|added|with space)|files/|\./'; then
		echo "itemized paths besides the changed ones and their directory" >&2
		return 1
	fi
}

# Descriptors above 2 of a logged run, but the wrapper's own 255, sorted.
fds_of() {
	awk '$1 > 2 && $1 != 255 { print $1 }' "$1.fds" | sort -n | tr '\n' ' '
}

# --- a whole sync and a resync of the hostile tree ----------------------------

@test "after a first iousync of the hostile tree, rsync -aHAX --checksum finds nothing to change" {
	skip_unless_root "the tree holds foreign owners, devices and a 0000 directory"
	isync "$HOSTILE" "$DST"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	rsync_oracle "$HOSTILE" "$DST" "$T/rsync"
}

@test "a second iousync writes no data and changes no inode or ctime in the destination" {
	skip_unless_root "the tree holds foreign owners, devices and a 0000 directory"
	isync "$HOSTILE" "$DST"
	[ "$status" -eq 0 ]
	inodes "$DST" "$T/before"
	isync "$HOSTILE" "$DST"
	[ "$status" -eq 0 ]
	inodes "$DST" "$T/after"
	changed_paths "$T/before" "$T/after" >"$T/changed"
	if [ -s "$T/changed" ]; then show0 "$T/changed"; fi
	[ ! -s "$T/changed" ]
	[ "$(count0 "$T/after")" -gt 100 ]
}

@test "iousync -i on an up-to-date destination prints nothing and changes nothing" {
	skip_unless_root "the tree holds foreign owners, devices and a 0000 directory"
	isync "$HOSTILE" "$DST"
	[ "$status" -eq 0 ]
	inodes "$DST" "$T/before"
	isync -i "$HOSTILE" "$DST"
	[ "$status" -eq 0 ]
	cat "$T/out" >&2
	[ ! -s "$T/out" ]
	inodes "$DST" "$T/after"
	cmp "$T/before" "$T/after"
}

@test "a second iousync -c compares data but writes nothing: no inode or ctime changes" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	inodes "$DST" "$T/before"
	isync -c -i "$SRC" "$DST"
	[ "$status" -eq 0 ]
	cat "$T/out" >&2
	[ ! -s "$T/out" ]
	inodes "$DST" "$T/after"
	changed_paths "$T/before" "$T/after" >"$T/changed"
	if [ -s "$T/changed" ]; then show0 "$T/changed"; fi
	[ ! -s "$T/changed" ]
}

# --- resyncs after changes ------------------------------------------------------

@test "after a touch, a same-size same-mtime rewrite, a chmod, an addition and a deletion, iousync --delete -c -i makes rsync silent and touches only those entries and their directory" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$DST" "$T/first"
	inodes "$DST" "$T/before"
	ino65537=$(stat -c %i "$DST/files/size65537")
	change_src

	isync --delete -c -i "$SRC" "$DST"
	[ "$status" -eq 0 ]
	rsync_oracle "$SRC" "$DST" "$T/rsync"
	cmp "$SRC/files/size4095" "$DST/files/size4095"
	inodes "$DST" "$T/after"
	changed_paths "$T/before" "$T/after" >"$T/changed"
	changed_all "$T/changed" "${CHANGED_PATHS[@]}"
	only_changed "$T/changed" "${CHANGED_PATHS[@]}" ./files
	# A chmod is metadata: the same inode, no data written.
	[ "$(stat -c %i "$DST/files/size65537")" = "$ino65537" ]
	check_itemized "$T/out"
}

@test "without -c, a file rewritten with the same size and mtime is not copied (rsync's quick check); with -c it is" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	touch -r "$SRC/files/size65537" "$T/stamp"
	printf 'CHANGED' | dd of="$SRC/files/size65537" bs=1 seek=1000 conv=notrunc status=none
	touch -r "$T/stamp" "$SRC/files/size65537"
	inodes "$DST" "$T/before"

	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	inodes "$DST" "$T/after"
	cmp "$T/before" "$T/after"
	run ! cmp -s "$SRC/files/size65537" "$DST/files/size65537"
	# rsync's own quick check agrees there is nothing to do.
	rsync -aHAXn --numeric-ids -i "$SRC/" "$DST/" | grep -v -E '^[.>ch*][dfLDS][^ ]* \./$' >"$T/quick" || true
	[ ! -s "$T/quick" ]

	isync -c "$SRC" "$DST"
	[ "$status" -eq 0 ]
	cmp "$SRC/files/size65537" "$DST/files/size65537"
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "-n -i lists exactly the changes a real -i run then makes, and -n changes nothing" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	change_src
	inodes "$DST" "$T/before"

	isync -n -i --delete -c "$SRC" "$DST"
	[ "$status" -eq 0 ]
	cp "$T/out" "$T/dry"
	inodes "$DST" "$T/after-dry"
	cmp "$T/before" "$T/after-dry"
	[ -e "$DST/files/with space" ]
	[ ! -e "$DST/files/added" ]

	isync -i --delete -c "$SRC" "$DST"
	[ "$status" -eq 0 ]
	sort "$T/dry" >"$T/dry.sorted"
	sort "$T/out" >"$T/real.sorted"
	diff "$T/dry.sorted" "$T/real.sorted" >&2
	check_itemized "$T/dry"
	rsync_oracle "$SRC" "$DST" "$T/rsync"

	# Nor does -n create a missing destination.
	isync -n -i "$SRC" "$T/new"
	[ "$status" -eq 0 ]
	[ ! -e "$T/new" ]
	[ ! -L "$T/new" ]
	grep -q -x -F '>f+++++++++ files/added' "$T/out"
}

@test "a destination symlink to a directory outside DST is replaced by the source's directory, and nothing is written through it" {
	mkdir -p "$SRC/sub" "$DST" "$T/outside"
	printf 'source\n' >"$SRC/sub/victim"
	printf 'new\n' >"$SRC/sub/new"
	printf 'outside\n' >"$T/outside/victim"
	printf 'keep\n' >"$T/outside/keep"
	ln -s ../outside "$DST/sub"
	inodes "$T/outside" "$T/outside.before"
	(cd "$T/outside" && sha256sum victim keep) >"$T/sums.before"

	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	inodes "$T/outside" "$T/outside.after"
	cmp "$T/outside.before" "$T/outside.after"
	(cd "$T/outside" && sha256sum victim keep) | cmp "$T/sums.before" -
	[ ! -L "$DST/sub" ]
	[ -d "$DST/sub" ]
	[ "$(cat "$DST/sub/victim")" = source ]
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "a file that became a directory and a non-empty directory that became a file are both fixed by one sync" {
	mkdir -p "$SRC/y/deeper"
	printf 'x\n' >"$SRC/x"
	printf 'in y\n' >"$SRC/y/deeper/file"
	printf 'also\n' >"$SRC/y/file"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	rm "$SRC/x"
	mkdir "$SRC/x"
	printf 'in x\n' >"$SRC/x/file"
	rm -r "$SRC/y"
	printf 'y is a file\n' >"$SRC/y"

	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	[ -d "$DST/x" ]
	[ -f "$DST/y" ]
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "an xattr-only and an ACL-only change are carried by a resync, itemized with x and a, without new inodes" {
	make_src "$SRC"
	have_xattrs "$SRC" || skip "no user xattrs or ACLs on this file system"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	ino_file=$(stat -c %i "$DST/xattr/file")
	ino_acl=$(stat -c %i "$DST/xattr/acl")
	mode=$(stat -c %a "$SRC/xattr/acl")
	setfattr -n user.text -v changed "$SRC/xattr/file"
	# -n: no mask recalculation, so the mode (the ACL mask) stays as it is.
	setfacl -n -m u:23456:r "$SRC/xattr/acl"
	[ "$(stat -c %a "$SRC/xattr/acl")" = "$mode" ]

	isync -i "$SRC" "$DST"
	[ "$status" -eq 0 ]
	cat "$T/out" >&2
	grep -q -x -F '.f........x xattr/file' "$T/out"
	grep -q -x -F '.f.......a. xattr/acl' "$T/out"
	rsync_oracle "$SRC" "$DST" "$T/rsync"
	[ "$(getfattr --only-values -n user.text "$DST/xattr/file")" = changed ]
	[ "$(stat -c %i "$DST/xattr/file")" = "$ino_file" ]
	[ "$(stat -c %i "$DST/xattr/acl")" = "$ino_acl" ]
}

@test "--delete with SRC inside DST is refused before anything runs, also through a symlink; without --delete the copy goes on" {
	mkdir -p "$T/top/src/sub"
	printf 'keep\n' >"$T/top/src/f"
	printf 'keep too\n' >"$T/top/src/sub/g"
	printf 'other\n' >"$T/top/other"
	ln -s top/src "$T/link"
	ls -laR "$T/top" >"$T/before"
	for src in "$T/top/src" "$T/top/src/sub" "$T/link"; do
		isync --delete "$src" "$T/top"
		[ "$status" -eq 2 ]
		grep -q -x -F "iousync: --delete would delete the source: SRC '$src' lies inside DST '$T/top'" "$T/err"
		ls -laR "$T/top" | diff "$T/before" -
	done
	# The same trees the other way round, or one and the same, are no danger.
	isync --delete "$T/top" "$T/top"
	[ "$status" -eq 0 ]
	ls -laR "$T/top" | diff "$T/before" -
	isync "$T/top/src" "$T/top"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/top/f")" = keep ]
	[ "$(cat "$T/top/sub/g")" = "keep too" ]
	[ "$(cat "$T/top/src/f")" = keep ]
	[ "$(cat "$T/top/other")" = other ]
}

@test "-c finds a hard-link group's data changed at the same size and time: every member gets it, still one inode" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	m=$(stat -c %y "$SRC/hard/a")
	size=$(stat -c %s "$SRC/hard/a")
	head -c "$size" /dev/zero | tr '\0' 'z' >"$SRC/hard/a"
	touch -d "$m" "$SRC/hard/a"
	for env in "" IOU_NO_URING=1; do
		# A dry run lists what the real run then does, the relinks too.
		env $env "$IOUSYNC" -n -c -i "$SRC" "$DST" >"$T/dry"
		status=0
		env $env "$IOUSYNC" -c -i "$SRC" "$DST" >"$T/out" 2>"$T/err" || status=$?
		[ "$status" -eq 0 ]
		diff <(sort "$T/dry") <(sort "$T/out")
		grep -q -x -F 'hf......... hard/x/b => hard/a' "$T/out"
		rsync_oracle "$SRC" "$DST" "$T/rsync"
		[ "$(stat -c %i "$DST/hard/a")" = "$(stat -c %i "$DST/hard/x/b")" ]
		[ "$(stat -c %i "$DST/hard/a")" = "$(stat -c %i "$DST/hard/y/z/c")" ]
		cmp "$SRC/hard/a" "$DST/hard/y/z/c"
		# The first run copies and links; the second finds all in place.
		head -c "$size" /dev/zero | tr '\0' 'y' >"$SRC/hard/a"
		touch -d "$m" "$SRC/hard/a"
	done
	grep -q -x -F '>fc........ hard/a' "$T/out"
}

@test "-x --delete leaves a mount point in DST and what is on it alone, as rsync -x does" {
	skip_unless_root "mounting a tmpfs needs root"
	mkdir -p "$SRC" "$DST/m"
	printf 'a\n' >"$SRC/a"
	mount -t tmpfs tmpfs "$DST/m" 2>/dev/null || skip "cannot mount a tmpfs here"
	printf 'keep\n' >"$DST/m/keep"
	isync -x --delete -i "$SRC" "$DST"
	status_was=$status
	umount_out=$(cat "$DST/m/keep")
	umount "$DST/m"
	[ "$status_was" -eq 0 ]
	[ "$umount_out" = keep ]
	grep -q -x -F '>f+++++++++ a' "$T/out"
	run grep -F 'deleting' "$T/out"
	[ "$status" -ne 0 ]
}

# no_acl_grants PATH...: no PATH has an ACL entry for user 1234.
no_acl_grants() {
	local p
	for p in "$@"; do
		getfacl -p -c "$p" | grep -q '^user:1234:' && { echo "$p carries an inherited ACL" >&2; return 1; }
	done
	return 0
}

@test "what is made in a DST directory with a default ACL gets the source's ACL, not the inherited one" {
	mkdir -p "$T/parent" "$SRC/d/sub"
	have_xattrs "$T/parent" || skip "no ACLs on this file system"
	# The backup target grants user 1234 everything by default; the source
	# grants it nothing, and one source directory has a default ACL too.
	setfacl -d -m u:1234:rwx "$T/parent"
	setfacl -d -m u:1234:rwx "$SRC/d"
	printf 'secret\n' >"$SRC/d/secret"
	head -c 200000 /dev/urandom >"$SRC/d/big"
	printf 'inner\n' >"$SRC/d/sub/inner"
	mkfifo "$SRC/d/fifo"
	setfacl -b "$SRC/d/secret" "$SRC/d/big" "$SRC/d/sub" "$SRC/d/sub/inner" "$SRC/d/fifo"
	chmod 0640 "$SRC/d/secret" "$SRC/d/big" "$SRC/d/fifo"
	chmod 0750 "$SRC/d/sub"
	for env in "" IOU_NO_URING=1; do
		rm -rf "$T/parent/dst"
		env $env "$IOUSYNC" "$SRC" "$T/parent/dst"
		rsync_oracle "$SRC" "$T/parent/dst" "$T/rsync"
		no_acl_grants "$T/parent/dst/d/secret" "$T/parent/dst/d/big" "$T/parent/dst/d/fifo" \
			"$T/parent/dst/d/sub/inner"
		# A resync creates and replaces files in directories that now
		# have the source's default ACL.
		printf 'new\n' >"$SRC/d/new"
		printf 'changed\n' >"$SRC/d/secret"
		setfacl -b "$SRC/d/new" "$SRC/d/secret"
		chmod 0600 "$SRC/d/new"
		env $env "$IOUSYNC" "$SRC" "$T/parent/dst"
		rsync_oracle "$SRC" "$T/parent/dst" "$T/rsync2"
		no_acl_grants "$T/parent/dst/d/new" "$T/parent/dst/d/secret"
		rm "$SRC/d/new"
	done
}

# same_but_dst SRC DST: DST holds what SRC holds, except SRC's dst/.
same_but_dst() {
	local out
	out=$(rsync -aHAXn --numeric-ids --checksum --delete --itemize-changes --exclude=/dst \
		"$1/" "$2/" | grep -v -E '^[.>ch*]d[^ ]* \./$') || true
	[ -z "$out" ] || { printf 'rsync finds differences:\n%s\n' "$out" >&2; return 1; }
	diff <(cd "$1" && find . -path ./dst -prune -o -print | sort) <(cd "$2" && find . | sort)
}

@test "DST inside SRC is left out of the walk: a copy never holds itself, run after run, also with --delete" {
	make_src "$SRC"
	isync "$SRC" "$SRC/dst"
	[ "$status" -eq 0 ]
	[ ! -e "$SRC/dst/dst" ]
	same_but_dst "$SRC" "$SRC/dst"
	isync "$SRC" "$SRC/dst"
	[ "$status" -eq 0 ]
	[ ! -e "$SRC/dst/dst" ]
	isync --delete "$SRC" "$SRC/dst"
	[ "$status" -eq 0 ]
	same_but_dst "$SRC" "$SRC/dst"
	# Named through a symlink, DST is still the directory the walk meets.
	ln -s src/dst "$T/via"
	isync -i "$SRC" "$T/via"
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	[ ! -e "$SRC/dst/dst" ]
}

@test "a fresh DST inside a large SRC root is made before the walk, so a streamed copy does not copy itself" {
	skip_unless_root "a small tmpfs bounds the damage should the copy run away"
	MNT=$T/mnt
	mkdir "$MNT"
	mount -t tmpfs -o size=64m,nr_inodes=40000 tmpfs "$MNT" 2>/dev/null || skip "cannot mount a tmpfs here"
	mkdir "$MNT/src"
	# Many entries in the root: its listing goes out in parts, and the copy
	# starts (and makes DST) while the root is still being read.
	(cd "$MNT/src" && seq -f 'f%05g' 1 12000 | xargs touch)
	isync "$MNT/src" "$MNT/src/dst"
	[ "$status" -eq 0 ]
	[ ! -e "$MNT/src/dst/dst" ]
	same_but_dst "$MNT/src" "$MNT/src/dst"
	umount "$MNT"
}

@test "a failed sync into a DST it made, with nothing made inside, removes that DST" {
	mkdir "$SRC"
	# A source walk that cannot even start: a job count iouwalk refuses is
	# caught by iousync first, so break the pipeline with a tool that fails.
	mkdir "$T/bin"
	for t in iouwalk iouplan iouput; do ln -s "$IOU_BIN/$t" "$T/bin/$t"; done
	cp "$IOUSYNC" "$T/bin/iousync"
	rm "$T/bin/iouplan"
	printf '#!/bin/sh\nexit 2\n' >"$T/bin/iouplan"
	chmod +x "$T/bin/iouplan"
	status=0
	"$T/bin/iousync" "$SRC" "$T/new" 2>"$T/err" || status=$?
	[ "$status" -eq 2 ]
	[ ! -e "$T/new" ]
}

@test "without --delete an extra file in DST is kept; with --delete it is removed and itemized as *deleting" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	printf 'extra\n' >"$DST/extra"
	mkdir -p "$DST/files/extradir/sub"
	printf 'inner\n' >"$DST/files/extradir/sub/inner"

	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	[ "$(cat "$DST/extra")" = extra ]
	[ -f "$DST/files/extradir/sub/inner" ]

	isync --delete -i "$SRC" "$DST"
	[ "$status" -eq 0 ]
	cat "$T/out" >&2
	[ ! -e "$DST/extra" ]
	[ ! -e "$DST/files/extradir" ]
	grep -q -x -F '*deleting   extra' "$T/out"
	grep -q -x -E '\*deleting   files/extradir/sub/inner' "$T/out"
	grep -q -x -E '\*deleting   files/extradir/?' "$T/out"
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "relative roots, roots named like options (after --) and roots that are symlinks to directories are taken as rsync takes SRC/ and DST/" {
	make_src "$T/-s"
	cd "$T"
	isync -- -s -d
	[ "$status" -eq 0 ]
	rsync_oracle "$T/-s" "$T/-d" "$T/dash"

	ln -s -- -s "$T/srclink"
	mkdir "$T/real"
	ln -s real "$T/dstlink"
	isync srclink dstlink
	[ "$status" -eq 0 ]
	[ -L "$T/dstlink" ]
	rsync_oracle "$T/-s" "$T/real" "$T/links"
}

# --- usage -------------------------------------------------------------------------

@test "usage errors exit 2 with a message and change nothing: no arguments, three, empty ones, a bad -j, a bad option" {
	cd "$T"
	mkdir src
	for args in "" "src" "src dst extra" "-j 0 src dst" "-j abc src dst" "-j 1025 src dst" \
		"--frobnicate src dst"; do
		# shellcheck disable=SC2086 # split on purpose
		run -2 "$IOUSYNC" $args
		echo "iousync $args: $output" >&2
		[[ $output == iousync:* ]]
		[[ $output == *"Try 'iousync --help'"* ]]
	done
	[ ! -e dst ]
	run -2 "$IOUSYNC" src ""
	[[ $output == "iousync: empty DST"* ]]
	run -2 "$IOUSYNC" "" dst
	[[ $output == "iousync: empty SRC"* ]]
	[ ! -e dst ]
}

@test "a missing SRC, a SRC that is a file and a DST that is a file exit 2 naming them, and nothing is created" {
	cd "$T"
	mkdir src
	printf 'f\n' >file
	run -2 "$IOUSYNC" missing dst
	[[ $output == *"iousync: source 'missing': No such file or directory"* ]]
	run -2 "$IOUSYNC" file dst
	[[ $output == *"iousync: source 'file' is not a directory"* ]]
	[ ! -e dst ]
	run -2 "$IOUSYNC" src file
	[[ $output == *"iousync: destination 'file' exists and is not a directory"* ]]
	[ "$(cat file)" = f ]
}

@test "--help and --version print to standard output and exit 0" {
	run -0 "$IOUSYNC" --help
	[[ $output == "usage: iousync "* ]]
	run -0 "$IOUSYNC" --version
	[[ $output =~ ^iousync\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

# --- how iousync runs the tools ------------------------------------------------------

@test "the tools come from iousync's own directory, with the options meant for each" {
	make_src "$SRC"
	mkdir "$DST"
	FAKE_put='cat >/dev/null; exit 0' make_fakes "$T/fake"
	(cd "$T" && "$T/fake/iousync" -x --delete -c -n -i --stats --progress -j 3 --no-uring src dst) 2>"$T/err" ||
		{ cat "$T/err" >&2; false; }
	walk_dst=$(fake_log "$T/fake" iouwalk dst)
	walk_src=$(fake_log "$T/fake" iouwalk src)
	plan=$(fake_log "$T/fake" iouplan "")
	put=$(fake_log "$T/fake" iouput "")
	[ "$(tr '\n' ' ' <"$walk_dst.args")" = "-X -x -j 3 --no-uring -- dst " ]
	[ "$(tr '\n' ' ' <"$walk_src.args")" = "-X -x -j 3 --no-uring --prune dst -- src " ]
	[[ $(tr '\n' ' ' <"$plan.args") =~ ^--against\ /proc/self/fd/[0-9]+\ --delete\ -c\ $ ]]
	[ "$(tr '\n' ' ' <"$put.args")" = "-n -i --stats --progress -j 3 --no-uring -- dst " ]
}

@test "a new DST: the source is walked without digests, the plan has no listing, the copy keeps xattrs" {
	make_src "$SRC"
	have_xattrs "$SRC" || skip "no user xattrs on this file system"
	make_fakes "$T/fake"
	(cd "$T" && "$T/fake/iousync" -j 2 src dst) 2>"$T/err" || { cat "$T/err" >&2; false; }
	# Nothing reads digests without a destination listing; iouput lists
	# each file's attributes itself as it copies.
	[ "$(tr '\n' ' ' <"$(fake_log "$T/fake" iouwalk src)".args)" = "-j 2 --prune dst -- src " ]
	run ! fake_log "$T/fake" iouwalk dst
	# Plan and copy stream (stream.bats): no listing, no --against.
	[ "$(cat "$(fake_log "$T/fake" iouplan "")".args)" = "--stream" ]
	[ "$(getfattr --only-values -n user.text "$DST/xattr/file")" = hello ]
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "only iouplan inherits the destination's listing, and no tool inherits another's pipe" {
	make_src "$SRC"
	mkdir "$DST"
	make_fakes "$T/fake"
	# A baseline: what a tool started by this shell gets.
	"$T/fake/iouwalk" --version >/dev/null 3>&-
	base=$(fake_log "$T/fake" iouwalk --version)
	(cd "$T" && "$T/fake/iousync" src dst 3>&-) 2>"$T/err" || { cat "$T/err" >&2; false; }
	plan=$(fake_log "$T/fake" iouplan "")
	n=$(sed -n 's,^/proc/self/fd/\([0-9]*\)$,\1,p' "$plan.args")
	[ -n "$n" ]
	# The listing is an unnamed temporary file, not a pipe.
	grep -E "^$n /.*\(deleted\)$" "$plan.fds"
	want=$(fds_of "$base")
	for log in "$(fake_log "$T/fake" iouwalk dst)" "$(fake_log "$T/fake" iouwalk src)" \
		"$(fake_log "$T/fake" iouput "")"; do
		echo "${log##*/}: $(fds_of "$log") (baseline: $want)" >&2
		[ "$(fds_of "$log")" = "$want" ]
	done
	# shellcheck disable=SC2086 # want is a list of numbers
	[ "$(fds_of "$plan")" = "$(printf '%s\n' $want "$n" | sort -n | tr '\n' ' ')" ]
	# And the sync itself went through.
	rsync_oracle "$SRC" "$DST" "$T/rsync"
}

@test "a stage killed by a signal is reported by name and iousync exits 1" {
	make_src "$SRC"
	FAKE_plan='kill -KILL $$' make_fakes "$T/fake"
	status=0
	(cd "$T" && "$T/fake/iousync" src dst) 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -eq 1 ]
	grep -q -x -F 'iousync: iouplan killed by signal 9' "$T/err"
}

@test "iousync exits 2 when a stage reports bad input or a usage error, and 1 when one fails" {
	make_src "$SRC"
	FAKE_put='cat >/dev/null; exit 2' make_fakes "$T/two"
	status=0
	(cd "$T" && "$T/two/iousync" src dst) 2>"$T/err" || status=$?
	[ "$status" -eq 2 ]
	FAKE_put='cat >/dev/null; exit 1' make_fakes "$T/one"
	status=0
	(cd "$T" && "$T/one/iousync" src dst) 2>"$T/err" || status=$?
	[ "$status" -eq 1 ]
	FAKE_put='cat >/dev/null; exit 0' make_fakes "$T/zero"
	status=0
	(cd "$T" && "$T/zero/iousync" src dst) 2>"$T/err" || status=$?
	[ "$status" -eq 0 ]
}

@test "a failing walk of DST stops iousync with exit 1 before anything is planned or changed" {
	make_src "$SRC"
	mkdir "$DST"
	printf 'extra\n' >"$DST/extra"
	# shellcheck disable=SC2016 # the wrapper's code, expanded there
	FAKE_walk='[ "${!#}" = dst ] && { echo "fake iouwalk: dst: unreadable" >&2; exit 1; }' \
		make_fakes "$T/fake"
	inodes "$DST" "$T/before"
	status=0
	(cd "$T" && "$T/fake/iousync" --delete src dst) 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -eq 1 ]
	grep -q 'iousync: cannot list the destination dst: nothing was changed' "$T/err"
	run ! fake_log "$T/fake" iouplan ""
	run ! fake_log "$T/fake" iouput ""
	inodes "$DST" "$T/after"
	cmp "$T/before" "$T/after"
}

@test "with --delete, an incomplete walk of SRC deletes nothing, syncs the rest and exits 1" {
	make_src "$SRC"
	isync "$SRC" "$DST"
	[ "$status" -eq 0 ]
	printf 'extra\n' >"$DST/extra"
	printf 'added\n' >"$SRC/files/added"
	# The walk of src writes everything but says it skipped something.
	FAKE_walk="[ \"\${!#}\" = src ] && { $(printf '%q' "$IOU_BIN/iouwalk") \"\$@\"; exit 1; }" \
		make_fakes "$T/fake"
	status=0
	(cd "$T" && "$T/fake/iousync" --delete src dst) 2>"$T/err" || status=$?
	cat "$T/err" >&2
	[ "$status" -eq 1 ]
	grep -q 'nothing is deleted' "$T/err"
	[ "$(cat "$DST/extra")" = extra ]
	[ "$(cat "$DST/files/added")" = added ]
}

@test "SIGTERM to iousync reaches the running tools; iousync waits for them and ends by SIGTERM" {
	make_src "$SRC"
	FAKE_plan="echo \$\$ >$(printf '%q' "$T/plan.pid"); exec sleep 60" make_fakes "$T/fake"
	(cd "$T" && exec "$T/fake/iousync" src dst 2>"$T/err" 3>&-) &
	pid=$!
	for _ in $(seq 50); do [ -s "$T/plan.pid" ] && break; sleep 0.1; done
	[ -s "$T/plan.pid" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	cat "$T/err" >&2
	[ "$status" -eq $((128 + 15)) ]
	# The sleeping "iouplan" was ended and reaped, not left behind.
	run ! kill -0 "$(cat "$T/plan.pid")"
	grep -q 'iousync: interrupted by signal 15' "$T/err"
	[ ! -e "$DST" ] || [ -z "$(ls -A "$DST")" ]
}
