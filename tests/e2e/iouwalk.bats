#!/usr/bin/env bats
# End-to-end specification of iouwalk(1) and of the walk stream it writes
# (man/iou-stream.5), checked against find(1) on a hostile tree built by
# tests/lib/mktree.sh and on a real system directory.

load helpers

setup_file() {
	require_iouwalk
	TREE_BASE=$(make_tmpdir)
	TREE=$TREE_BASE/tree
	"$MKTREE" --quiet "$TREE"
	# Walking all of TREE succeeds as root; otherwise perm/d0000 cannot be
	# read, which iouwalk (like find) reports and exits 1 for.
	TREE_STATUS=1
	is_root && TREE_STATUS=0
	export TREE_BASE TREE TREE_STATUS
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

# --- the stream ------------------------------------------------------------

@test "the stream opens with the header 'iou-stream 2.1 walk ROOT', ROOT as given, then '.' for the root" {
	walk_to "$T/out" "$TREE/files"
	[ "$status" -eq 0 ]
	[ "$(head -z -n 1 "$T/out" | tr -d '\0')" = "iou-stream 2.1 walk $TREE/files" ]
	[ "$(paths_of "$T/out" | head -z -n 1 | tr -d '\0')" = "." ]
	[ "$(grep -zc '^iou-stream ' "$T/out")" -eq 1 ]

	cd "$TREE"
	walk_to "$T/rel" files
	[ "$(head -z -n 1 "$T/rel" | tr -d '\0')" = "iou-stream 2.1 walk files" ]
}

@test "a root named with spaces and a newline appears raw in its header" {
	root="$T/a b"$'\n'"c"
	mkdir "$root"
	: >"$root/x"
	walk_to "$T/out" "$root"
	[ "$status" -eq 0 ]
	perl -0e 'my $h = <STDIN>; exit($h eq "iou-stream 2.1 walk $ARGV[0]\0" ? 0 : 1)' \
		"$root" <"$T/out"
	[ "$(paths_of "$T/out" | tr '\0' '/')" = "./x/" ]
}

@test "several roots give one header each, in order, each followed by exactly that root's objects" {
	cd "$TREE"
	walk_to "$T/out" "$TREE/files" links names
	[ "$status" -eq 0 ]
	# Split the stream at its headers into seg.1, seg.2, seg.3.
	perl -0e 'my $i = 0; my $fh; while (<STDIN>) {
		if (/\Aiou-stream /) { $i++; open $fh, ">", "$ARGV[0].$i" or die }
		print $fh $_ }' "$T/seg" <"$T/out"
	[ "$(head -z -n 1 "$T/seg.1" | tr -d '\0')" = "iou-stream 2.1 walk $TREE/files" ]
	[ "$(head -z -n 1 "$T/seg.2" | tr -d '\0')" = "iou-stream 2.1 walk links" ]
	[ "$(head -z -n 1 "$T/seg.3" | tr -d '\0')" = "iou-stream 2.1 walk names" ]
	[ ! -e "$T/seg.4" ]
	i=1
	for d in files links names; do
		canon_walk "$T/seg.$i" "$T/w.$i"
		canon_find "$TREE/$d" "$T/f.$i"
		same_sorted "$T/w.$i" "$T/f.$i"
		i=$((i + 1))
	done
}

@test "every record is well-formed and its h and r flags follow iou-stream(5)" {
	walk_to "$T/out" -j 4 "$TREE"
	# iou-canon walk validates every field of every record and dies on
	# the first malformed one, naming it.
	"$CANON" walk <"$T/out" >/dev/null
	check_flags "$T/out"
	# One file system: no mount boundary anywhere.
	! records_only "$T/out" /dev/stdout | grep -zq "^. ..m " || false
}

# --- agreement with find -----------------------------------------------------

@test "on the hostile tree: one record per object find lists, same type, mode, size, times, inode, links, owner, blocks, device, symlink target" {
	walk_to "$T/out" "$TREE"
	canon_find "$TREE" "$T/find"
	# As root find reads everything (status 0); otherwise it cannot enter
	# perm/d0000 and neither can iouwalk: both report it and exit 1.
	[ "$status" -eq "$find_status" ]
	canon_walk "$T/out" "$T/walk"
	same_sorted "$T/walk" "$T/find"
	[ "$(count0 "$T/walk")" -gt 3000 ]
}

@test "device nodes carry their device number in RDEV; every other object has 0:0" {
	skip_unless_root "mknod"
	walk_to "$T/out" "$TREE/special" "$TREE/files"
	[ "$status" -eq 0 ]
	for dev in char block char-big; do
		rec=$(record_of "$T/out" "$dev")
		[ -n "$rec" ]
		want=$(stat -c '%t %T' "$TREE/special/$dev" | perl -ane 'printf "%d:%d", hex $F[0], hex $F[1]')
		echo "$dev: record rdev $(field_of "$rec" 11), stat $want"
		[ "$(field_of "$rec" 11)" = "$want" ]
	done
	[ "$(field_of "$(record_of "$T/out" char-big)" 11)" = "511:1048575" ]
	# Everything that is not c or b: 0:0.
	! records_only "$T/out" /dev/stdout | grep -zvE '^[cb] ' | grep -zvE '^(\S+ ){10}0:0 ' || false
}

@test "symlink targets are percent-encoded exactly as iou-stream(5) says" {
	walk_to "$T/out" "$TREE/links"
	[ "$status" -eq 0 ]
	[ "$(field_of "$(record_of "$T/out" dash-target)" 16)" = "%2D" ]
	[ "$(field_of "$(record_of "$T/out" newline-target)" 16)" = "line1%0Aline2" ]
	[ "$(field_of "$(record_of "$T/out" percent-space-target)" 16)" = "a%20%2541%20b%25" ]
	[ "$(field_of "$(record_of "$T/out" relative)" 16)" = "../files/size1" ]
	# All bytes 1..255: printable ASCII but % as is, everything else %XX.
	want=$(perl -e 'print join "", map { $_ >= 0x21 && $_ <= 0x7e && $_ != 0x25
		? chr : sprintf "%%%02X", $_ } 1 .. 255')
	[ "$(field_of "$(record_of "$T/out" all-bytes-target)" 16)" = "$want" ]
	# SIZE of a symlink is the length of its target.
	[ "$(field_of "$(record_of "$T/out" long-target)" 9)" = 4000 ]
}

@test "on a real system tree (/usr): the same objects and fields as find" {
	dir=/usr
	walk_to "$T/out" "$dir"
	canon_find "$dir" "$T/find"
	[ "$status" -eq "$find_status" ]
	canon_walk "$T/out" "$T/walk"
	same_sorted "$T/walk" "$T/find"
	[ "$(count0 "$T/walk")" -gt 1000 ]
}

@test "a tree deeper than PATH_MAX is walked completely" {
	walk_to "$T/out" "$TREE/deep"
	[ "$status" -eq 0 ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE/deep" "$T/find"
	same_sorted "$T/walk" "$T/find"
	# The root, top-link, 20 levels, 4 files on the way, 4 objects at the bottom.
	[ "$(count0 "$T/walk")" -eq 30 ]
	longest=$(paths_of "$T/out" | perl -0ne '$m = length if length > $m; END { print $m - 1 }')
	echo "longest path: $longest bytes"
	[ "$longest" -gt 4096 ]
	paths_of "$T/out" | grep -zq '/level20-d*/bottom-file$'
}

# --- hard links --------------------------------------------------------------

@test "a 3-member hard-link group gives one h-- record, then two hr- records; directories are never h" {
	walk_to "$T/out" -j 4 "$TREE"
	perl -0e '
		my (@flags, @dirflags);
		while (<STDIN>) {
			chomp;
			next if /\Aiou-stream /;
			my ($type, $flags, $path) = /\A(\S) (\S+) (?:\S+ ){14}(.*)\z/s or die;
			push @flags, $flags if $path =~ m{\Ahard/(?:a|x/b|y/z/c)\z};
			push @dirflags, "$flags $path" if $type eq "d" && $flags =~ /[hr]/;
		}
		print "group flags in stream order: @flags\n";
		die "directories flagged: @dirflags\n" if @dirflags;
		exit("@flags" eq "h-- hr- hr-" ? 0 : 1);
	' <"$T/out"
	# The hard-linked symlink and FIFO pairs, and the pair spanning deep/.
	check_flags "$T/out"
	for p in hard/symlink1 hard/y/symlink2 hard/fifo1 hard/x/fifo2 deep/top-link; do
		[ -n "$(record_of "$T/out" "$p")" ]
		field_of "$(record_of "$T/out" "$p")" 2 | grep -qE '^h[r-]-$'
	done
}

@test "the r flag counts across roots: the same inode under a second root is hr-" {
	walk_to "$T/out" "$TREE/hard/x" "$TREE/hard/y"
	[ "$status" -eq 0 ]
	[ "$(field_of "$(record_of "$T/out" b)" 2)" = "h--" ]
	[ "$(field_of "$(record_of "$T/out" z/c)" 2)" = "hr-" ]
	check_flags "$T/out"
}

# --- order ---------------------------------------------------------------------

@test "a directory's record precedes everything inside it, with 4 and 16 threads, with and without io_uring" {
	mkdir "$T/many"
	(cd "$T/many" && mkdir -p {a,b,c,d,e,f,g,h}/{0,1,2,3,4,5,6,7}/{p,q,r,s,t,u,v,w}/deeper &&
		for d in */*/*; do : >"$d/f1"; : >"$d/f2"; done)
	for opts in "-j 4" "-j 16" "--no-uring -j 4"; do
		# shellcheck disable=SC2086
		walk_to "$T/out" $opts "$T/many" "$TREE/names" "$TREE/big" "$TREE/deep"
		[ "$status" -eq 0 ]
		check_order "$T/out"
		[ "$(paths_of "$T/out" | grep -zc /deeper$)" -eq 512 ]
	done
}

# --- options ---------------------------------------------------------------------

@test "--no-uring, IOU_NO_URING=1, -j 1 and -j 64 give the same records as the default" {
	# One walk first so that directory and symlink atimes are settled;
	# normalize blanks ATIME and the r flag anyway (see helpers.bash).
	walk_to "$T/warm" "$TREE"
	walk_to "$T/default" "$TREE"
	[ "$status" -eq "$TREE_STATUS" ]
	normalize "$T/default" "$T/default.n"
	walk_to "$T/nouring" --no-uring "$TREE"
	[ "$status" -eq "$TREE_STATUS" ]
	normalize "$T/nouring" "$T/nouring.n"
	same_sorted "$T/default.n" "$T/nouring.n"
	status=0
	IOU_NO_URING=1 "$IOUWALK" "$TREE" >"$T/env" 2>/dev/null || status=$?
	[ "$status" -eq "$TREE_STATUS" ]
	normalize "$T/env" "$T/env.n"
	same_sorted "$T/default.n" "$T/env.n"
	for j in 1 64; do
		walk_to "$T/j$j" -j "$j" "$TREE"
		[ "$status" -eq "$TREE_STATUS" ]
		normalize "$T/j$j" "$T/j$j.n"
		same_sorted "$T/default.n" "$T/j$j.n"
	done
	# With plain syscalls the flags are still right and the order too.
	check_flags "$T/nouring"
	check_order "$T/nouring"
}

@test "-x: a mounted tmpfs is emitted flagged m and not entered; without -x it is entered" {
	skip_unless_root "mount -t tmpfs"
	mkdir -p "$T/tree/a" "$T/tree/mnt"
	: >"$T/tree/a/f"
	mount -t tmpfs -o size=1m iou-e2e "$T/tree/mnt" || skip "mount -t tmpfs failed here"
	mkdir "$T/tree/mnt/inside"
	: >"$T/tree/mnt/inside/file"

	walk_to "$T/x" -x "$T/tree"
	[ "$status" -eq 0 ]
	field_of "$(record_of "$T/x" mnt)" 2 | grep -qE '^..m$'
	! paths_of "$T/x" | grep -zq '^mnt/' || false
	# The mount point's record is the mounted root, as find -xdev lists it.
	canon_walk "$T/x" "$T/x.walk"
	canon_find "$T/tree" "$T/x.find" . -xdev
	same_sorted "$T/x.walk" "$T/x.find"

	walk_to "$T/all" "$T/tree"
	[ "$status" -eq 0 ]
	field_of "$(record_of "$T/all" mnt)" 2 | grep -qE '^..m$'
	field_of "$(record_of "$T/all" mnt/inside/file)" 2 | grep -qE '^..-$'
	[ "$(field_of "$(record_of "$T/all" mnt/inside/file)" 3)" = \
		"$(field_of "$(record_of "$T/all" mnt)" 3)" ]
	[ "$(field_of "$(record_of "$T/all" mnt)" 3)" != "$(field_of "$(record_of "$T/all" a)" 3)" ]
	canon_walk "$T/all" "$T/all.walk"
	canon_find "$T/tree" "$T/all.find"
	same_sorted "$T/all.walk" "$T/all.find"

	# A root that is itself a mount root is flagged m, and -x walks it.
	walk_to "$T/root" -x "$T/tree/mnt"
	[ "$status" -eq 0 ]
	field_of "$(record_of "$T/root" .)" 2 | grep -qE '^..m$'
	paths_of "$T/root" | grep -zqx 'inside/file'
}

@test "-x on a mount point this machine already has (/dev/shm, /dev/pts, /sys/fs/cgroup, /proc/sys/fs/binfmt_misc)" {
	for m in /dev/shm /dev/pts /sys/fs/cgroup /proc/sys/fs/binfmt_misc; do
		if mountpoint -q "$m" && [ -r "$(dirname "$m")" ]; then
			found=$m
			break
		fi
	done
	[ -n "${found:-}" ] || skip "no known mount point found"
	parent=$(dirname "$found")
	name=$(basename "$found")
	walk_to "$T/x" -x -j 2 "$parent"
	# /proc and /sys may hold entries that vanish mid-walk: status 0 or 1.
	[ "$status" -le 1 ]
	rec=$(record_of "$T/x" "$name")
	echo "record: $rec"
	field_of "$rec" 2 | grep -qE '^..m$'
	! paths_of "$T/x" | grep -zq "^$name/" || false
}

@test "-d emits each root alone, without what is below it" {
	walk_to "$T/out" -d "$TREE" "$TREE/files"
	[ "$status" -eq 0 ]
	[ "$(count0 "$T/out")" -eq 4 ]
	[ "$(grep -zc '^iou-stream 2.1 walk ' "$T/out")" -eq 2 ]
	[ "$(paths_of "$T/out" | tr '\0' ' ')" = ". . " ]
	records_only "$T/out" "$T/recs"
	[ "$(grep -zc '^d ' "$T/recs")" -eq 2 ]
}

@test "--prune DIR leaves DIR and all in it out, also where the walk meets it under another name" {
	mkdir -p "$T/src/keep/inner" "$T/src/out/deep/er" "$T/src/link-target"
	touch "$T/src/keep/f" "$T/src/out/f" "$T/src/out/deep/er/g"
	ln -s out "$T/src/keep/symlink-to-out"
	walk_to "$T/out" --prune "$T/src/out" "$T/src"
	[ "$status" -eq 0 ]
	paths_of "$T/out" | tr '\0' '\n' | sort >"$T/got"
	printf '%s\n' . keep keep/f keep/inner keep/symlink-to-out link-target | sort >"$T/want"
	diff "$T/want" "$T/got"
	# Named through a symlink, and met through a bind mount: the same inode.
	ln -s src/out "$T/alias"
	walk_to "$T/out2" --prune "$T/alias" -j 1 --no-uring "$T/src"
	paths_of "$T/out2" | tr '\0' '\n' | sort | diff "$T/want" -
	if is_root && mount --bind "$T/src/out" "$T/src/link-target" 2>/dev/null; then
		walk_to "$T/out3" --prune "$T/src/out" "$T/src"
		umount "$T/src/link-target"
		paths_of "$T/out3" | tr '\0' '\n' | sort | grep -v -x link-target |
			diff <(grep -v -x link-target "$T/want") -
	fi
	# A root is walked even when it is the pruned directory.
	walk_to "$T/out4" --prune "$T/src/out" "$T/src/out"
	[ "$(paths_of "$T/out4" | tr '\0' '\n' | sort | tr '\n' ' ')" = ". deep deep/er deep/er/g f " ]
}

@test "--prune refuses a missing DIR, a file, and a 17th directory, naming what is wrong, exit 2" {
	mkdir -p "$T/d"
	touch "$T/file"
	run -2 --separate-stderr "$IOUWALK" --prune "$T/missing" "$T/d"
	[ "$stderr" = "iouwalk: --prune '$T/missing': No such file or directory" ]
	[ -z "$output" ]
	run -2 --separate-stderr "$IOUWALK" --prune "$T/file" "$T/d"
	[ "$stderr" = "iouwalk: --prune '$T/file': Not a directory" ]
	set --
	for i in $(seq 17); do set -- "$@" --prune "$T/d"; done
	run -2 --separate-stderr "$IOUWALK" "$@" "$T/d"
	[[ $stderr == "iouwalk: too many --prune directories, at most 16: '$T/d'"* ]]
}

@test "a root that is a symlink is emitted as that symlink, not followed; a file root gives one record" {
	walk_to "$T/out" "$TREE/links/to-dir"
	[ "$status" -eq 0 ]
	[ "$(count0 "$T/out")" -eq 2 ]
	rec=$(record_of "$T/out" .)
	[ "$(field_of "$rec" 1)" = l ]
	[ "$(field_of "$rec" 16)" = ../files ]

	walk_to "$T/file" "$TREE/files/size4095"
	[ "$status" -eq 0 ]
	[ "$(count0 "$T/file")" -eq 2 ]
	rec=$(record_of "$T/file" .)
	[ "$(field_of "$rec" 1)" = f ]
	[ "$(field_of "$rec" 9)" = 4095 ]
}

# --- --from0 and --paths0 ------------------------------------------------------

@test "--from0 -d emits exactly the listed paths (cd SRC && find ... -print0 | iouwalk --from0 -d)" {
	cd "$TREE"
	find . -path ./deep -prune -o \( -type l -o -name '*e*' \) -print0 >"$T/list" 2>/dev/null || true
	walk_to_from "$T/list" "$T/out" --from0 -d
	[ "$status" -eq 0 ]
	[ "$(head -z -n 1 "$T/out" | tr -d '\0')" = "iou-stream 2.1 walk ." ]
	[ "$(grep -zc '^iou-stream ' "$T/out")" -eq 1 ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE" "$T/find" . -path ./deep -prune -o \( -type l -o -name '*e*' \)
	same_sorted "$T/walk" "$T/find"
	check_flags "$T/out"
}

@test "find . -print0 | iouwalk --from0 -d lists the same objects as a plain walk, '.' included" {
	cd "$TREE"
	find . -path ./deep -prune -o -print0 >"$T/list" 2>/dev/null || true
	walk_to_from "$T/list" "$T/out" --from0 -d
	# Listed paths are not entered: even perm/d0000 is only stat()ed.
	[ "$status" -eq 0 ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE" "$T/find" . -path ./deep -prune -o
	same_sorted "$T/walk" "$T/find"
}

@test "--from0 without -d walks each listed directory recursively" {
	cd "$TREE"
	printf '%s\0' ./hard links ./names >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0
	[ "$status" -eq 0 ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE" "$T/find" ./hard ./links ./names
	same_sorted "$T/walk" "$T/find"
}

@test "--from0 emits each object once: a path listed twice, or inside a listed directory, in any order" {
	mkdir -p "$T/src/a/b"
	touch "$T/src/a/f" "$T/src/a/b/g" "$T/src/top"
	# -d: exact repeats, also spelled differently, go out once.
	printf '%s\0' a/f ./a/f a//f top a/f >"$T/list-d"
	walk_to_from "$T/list-d" "$T/d" --from0 -d "$T/src"
	[ "$status" -eq 0 ]
	[ "$(paths_of "$T/d" | tr '\0' ' ')" = "a/f top " ]
	# Walked: what a listed directory holds is not repeated, whether it is
	# listed before the directory, after it, or as well.
	printf '%s\0' a/b/g a a/f a/b . top >"$T/list-r"
	walk_to_from "$T/list-r" "$T/r" --from0 "$T/src"
	[ "$status" -eq 0 ]
	paths_of "$T/r" | tr '\0' '\n' | sort >"$T/got"
	printf '%s\n' . a a/b a/b/g a/f top | sort >"$T/want"
	diff "$T/want" "$T/got"
	# As find lists it, without -d: the same objects as a plain walk.
	(cd "$T/src" && find . -print0) >"$T/list-f"
	walk_to_from "$T/list-f" "$T/f" --from0 "$T/src"
	[ "$status" -eq 0 ]
	paths_of "$T/f" | tr '\0' '\n' | sort | diff "$T/want" -
}

@test "--from0 with an absolute ROOT takes absolute paths below it, made relative" {
	find "$TREE/links" "$TREE/files/size1" -print0 >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0 -d "$TREE"
	[ "$status" -eq 0 ]
	[ "$(head -z -n 1 "$T/out" | tr -d '\0')" = "iou-stream 2.1 walk $TREE" ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE" "$T/find" ./links ./files/size1
	same_sorted "$T/walk" "$T/find"
}

@test "--from0 refuses an absolute path outside ROOT, an absolute path with a relative ROOT, and '..'; the rest is still emitted, exit 1" {
	cd "$TREE"
	printf '%s\0' /etc/passwd files/size1 >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0 -d "$TREE"
	cat "$T/out.err"
	[ "$status" -eq 1 ]
	grep -q '^iouwalk: .*/etc/passwd: ' "$T/out.err"
	[ "$(paths_of "$T/out" | tr -d '\0')" = files/size1 ]

	printf '%s\0' "$TREE/files/size0" files/size1 >"$T/list"
	walk_to_from "$T/list" "$T/out2" --from0 -d
	cat "$T/out2.err"
	[ "$status" -eq 1 ]
	grep -q "^iouwalk: .*$TREE/files/size0: " "$T/out2.err"
	[ "$(paths_of "$T/out2" | tr -d '\0')" = files/size1 ]

	printf '%s\0' ../tree/files/size0 files/../files/size0 files/size1 >"$T/list"
	walk_to_from "$T/list" "$T/out3" --from0 -d
	cat "$T/out3.err"
	[ "$status" -eq 1 ]
	grep -q '^iouwalk: .*\.\./tree/files/size0: ' "$T/out3.err"
	grep -q '^iouwalk: .*files/\.\./files/size0: ' "$T/out3.err"
	[ "$(paths_of "$T/out3" | tr -d '\0')" = files/size1 ]
}

@test "--from0: an empty entry is refused like any unclean path (message, exit 1) and the paths after it are still emitted" {
	cd "$TREE"
	printf "%s\0" files/size0 "" files/size1 >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0 -d
	cat "$T/out.err"
	paths_of "$T/out" | tr "\0" " "; echo
	[ "$(paths_of "$T/out" | tr "\0" " ")" = "files/size0 files/size1 " ]
	[ "$status" -eq 1 ]
	grep -q "^iouwalk: " "$T/out.err"
}

@test "--from0: a last path without its NUL is reported, exit 1, and the paths before it are still emitted" {
	cd "$TREE"
	printf "files/size0\0files/size1" >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0 -d
	cat "$T/out.err"
	[ "$status" -eq 1 ]
	grep -q "^iouwalk: " "$T/out.err"
	[ "$(head -z -n 1 "$T/out" | tr -d "\0")" = "iou-stream 2.1 walk ." ]
	paths_of "$T/out" | grep -zqx files/size0
}

@test "--from0 accepts listed paths longer than PATH_MAX" {
	cd "$TREE"
	find ./deep -print0 >"$T/list"
	walk_to_from "$T/list" "$T/out" --from0 -d
	head -c 300 "$T/out.err"
	[ "$status" -eq 0 ]
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE" "$T/find" ./deep
	same_sorted "$T/walk" "$T/find"
}

@test "--paths0 writes the paths find -print0 writes, for absolute, relative, '.' and trailing-slash roots" {
	walk_to "$T/abs" --paths0 "$TREE"
	[ "$status" -eq "$TREE_STATUS" ]
	find "$TREE" -print0 >"$T/abs.find" 2>/dev/null || true
	same_sorted "$T/abs" "$T/abs.find"

	cd "$TREE"
	walk_to "$T/rel" --paths0 names hard/
	[ "$status" -eq 0 ]
	find names hard/ -print0 >"$T/rel.find"
	same_sorted "$T/rel" "$T/rel.find"

	cd "$TREE/links"
	walk_to "$T/dot" --paths0 .
	[ "$status" -eq 0 ]
	find . -print0 >"$T/dot.find"
	same_sorted "$T/dot" "$T/dot.find"
	# No header, nothing but paths.
	! grep -zq '^iou-stream ' "$T/dot" || false
}

@test "--paths0 with --from0 -d gives back the list find wrote" {
	cd "$TREE"
	find . -path ./deep -prune -o -name '*[sS]*' -print0 >"$T/list" 2>/dev/null || true
	walk_to_from "$T/list" "$T/out" --from0 -d --paths0
	[ "$status" -eq 0 ]
	same_sorted "$T/out" "$T/list"
}

# --- errors --------------------------------------------------------------------

@test "an unreadable directory is reported on stderr by path, everything else is still emitted, exit 1" {
	mkdir -p "$T/u/a" "$T/u/locked" "$T/u/z"
	: >"$T/u/a/f"
	: >"$T/u/locked/secret"
	: >"$T/u/z/f"
	chmod 0000 "$T/u/locked"
	run_as=()
	if is_root; then
		command -v setpriv >/dev/null || skip "needs setpriv to drop root"
		run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	for opt in "" --no-uring; do
		status=0
		"${run_as[@]}" "$IOUWALK" $opt "$T/u" >"$T/out" 2>"$T/err" || status=$?
		cat "$T/err"
		[ "$status" -eq 1 ]
		grep -qx "iouwalk: $T/u/locked: Permission denied" "$T/err"
		[ "$(wc -l <"$T/err")" -eq 1 ]
		paths_of "$T/out" | sort -z | tr '\0' ' ' >"$T/paths"
		[ "$(cat "$T/paths")" = ". a a/f locked z z/f " ]
	done
}

@test "usage errors exit 2 with a message and no stream" {
	for args in "" "--bogus $TREE" "-q $TREE" "-j 0 $TREE" "-j abc $TREE" "-j -1 $TREE" \
		"--jobs=2x $TREE" "-j" "--jobs"; do
		status=0
		# shellcheck disable=SC2086
		"$IOUWALK" $args >"$T/out" 2>"$T/err" </dev/null || status=$?
		echo "iouwalk $args: status $status: $(head -n 1 "$T/err")"
		[ "$status" -eq 2 ]
		grep -q '^iouwalk: ' "$T/err"
		[ ! -s "$T/out" ]
	done
}

@test "-h prints usage and --version a version, both exit 0" {
	run -0 "$IOUWALK" -h
	[[ "$output" == *usage:* ]]
	run -0 "$IOUWALK" --help
	[[ "$output" == *--from0* ]]
	run -0 "$IOUWALK" --version
	[[ "$output" == iouwalk* ]]
}

@test "a nonexistent root is reported by name, exit 1, and the other roots are still walked" {
	walk_to "$T/out" "$T/nope" "$TREE/hard"
	cat "$T/out.err"
	[ "$status" -eq 1 ]
	grep -qx "iouwalk: $T/nope: No such file or directory" "$T/out.err"
	records_only "$T/out" "$T/recs"
	grep -zq ' y/z/c$' "$T/recs"
	canon_walk "$T/out" "$T/walk"
	canon_find "$TREE/hard" "$T/find"
	same_sorted "$T/walk" "$T/find"
}

@test "a reader that stops early (iouwalk /usr | head -c 100) ends the walk promptly, threads and all" {
	for opts in "-j 8" "--no-uring -j 8"; do
		start=$(date +%s)
		# shellcheck disable=SC2086
		timeout 30 "$IOUWALK" $opts /usr 2>"$T/err" | head -c 100 >"$T/head" || true
		end=$(date +%s)
		echo "iouwalk $opts /usr | head: $((end - start)) s"
		[ "$((end - start))" -lt 25 ]
		[ "$(head -c 20 "$T/head")" = "iou-stream 2.1 walk " ]
	done
}

# --- extended attributes (-X) --------------------------------------------------

@test "-X digests ACLs and other xattrs into XATTRS: order does not matter, a change moves its half only" {
	command -v setfattr >/dev/null && command -v setfacl >/dev/null || skip "attr and acl tools needed"
	mkdir -p "$T/src/d"
	printf a >"$T/src/plain"
	printf b >"$T/src/with-xattr"
	printf c >"$T/src/with-acl"
	setfattr -n user.one -v 1 "$T/src/with-xattr" 2>/dev/null || skip "no user xattrs on $T"
	setfattr -n user.two -v "$(printf 'x\001y')" "$T/src/with-xattr"
	setfacl -m u:nobody:r "$T/src/with-acl"
	setfacl -d -m g:nogroup:rx "$T/src/d"
	walk_to "$T/plain" "$T/src"
	[ "$status" -eq 0 ]
	[ "$(field_of "$(record_of "$T/plain" with-xattr)" 15)" = - ]
	walk_to "$T/src.walk" -X "$T/src"
	[ "$status" -eq 0 ]
	x() { field_of "$(record_of "$1" "$2")" 15; }
	[ "$(x "$T/src.walk" plain)" = 0000000000000000:0000000000000000 ]
	[[ $(x "$T/src.walk" with-xattr) =~ ^0{16}:[0-9a-f]{16}$ ]]
	[[ $(x "$T/src.walk" with-acl) =~ ^[0-9a-f]{16}:0{16}$ ]]
	[ "$(x "$T/src.walk" with-acl)" != 0000000000000000:0000000000000000 ]
	[ "$(x "$T/src.walk" d)" != 0000000000000000:0000000000000000 ]
	# The attributes listed in another order give the same digest.
	printf b >"$T/other"
	setfattr -n user.two -v "$(printf 'x\001y')" "$T/other"
	setfattr -n user.one -v 1 "$T/other"
	mkdir "$T/o" && mv "$T/other" "$T/o/with-xattr"
	walk_to "$T/o.walk" -X "$T/o"
	[ "$(x "$T/o.walk" with-xattr)" = "$(x "$T/src.walk" with-xattr)" ]
	# A changed value, a changed ACL: only that half of the field moves.
	setfattr -n user.one -v 2 "$T/src/with-xattr"
	setfacl -m u:nobody:rw "$T/src/with-acl"
	walk_to "$T/changed.walk" -X "$T/src"
	[ "$(x "$T/changed.walk" with-xattr | cut -d: -f1)" = "$(x "$T/src.walk" with-xattr | cut -d: -f1)" ]
	[ "$(x "$T/changed.walk" with-xattr | cut -d: -f2)" != "$(x "$T/src.walk" with-xattr | cut -d: -f2)" ]
	[ "$(x "$T/changed.walk" with-acl | cut -d: -f1)" != "$(x "$T/src.walk" with-acl | cut -d: -f1)" ]
	[ "$(x "$T/changed.walk" plain)" = "$(x "$T/src.walk" plain)" ]
}
