#!/usr/bin/env bats
# Slow test (make check-slow): SIGKILL at random moments of a sync.
#
# A kill may leave a destination half done, but it must never leave a
# regular file under its final name whose size and mtime match the source
# (so that the next run's quick check would trust it and copy nothing) while
# its data, mode, owner or extended attributes (ACLs included) differ. After
# every kill a rerun must finish and leave nothing for rsync(1) to change.
# At least half the rounds must really be killed before iousync ends (its
# status says so), or the test proves little.
#
# Each round: make DST stale (round 1 and every 4th round: remove DST
# entirely, so the kill interrupts a full copy; the other rounds: rewrite a
# few source files with new data and a new mtime, among them one big file
# keeping its size, and remove a few DST directories and files, so the kill
# interrupts an incremental sync), start "iousync SRC DST" in a session and
# process group of its own, sleep a random delay of up to the length of a
# full copy (measured in setup_file; half that in the incremental rounds),
# SIGKILL the whole group, check what is left, rerun to completion and check
# with the rsync oracle. Each kind of round keeps its own range: a round that
# finished first shrinks it by a quarter, a killed one widens it by an
# eighth, up to where it started, so the delays follow the copy as fast as
# it runs now and about two rounds in three are killed.
#
# Environment: KILL_SEED (default 5; printed, rerun with it to reproduce),
# KILL_ROUNDS (default 20).

load ../e2e/helpers

# Print a line on the terminal (bats shows stdout only on failure).
say() { echo "# $*" >&3; }

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

setup_file() {
	require_iouwalk
	require_tools iousync iouplan iouput
	command -v rsync >/dev/null || { echo "rsync is needed as the oracle" >&2; return 1; }
	command -v setsid >/dev/null || { echo "setsid (util-linux) is needed" >&2; return 1; }
	command -v getfattr >/dev/null || { echo "getfattr (attr) is needed" >&2; return 1; }
	KT=$(make_tmpdir)
	export KT
	local s=$KT/src
	# The hostile tree (sparse file, hard links, symlinks, xattrs, ACLs,
	# odd names and modes, nanosecond times, deep/ past PATH_MAX) ...
	"$MKTREE" --small --quiet "$s"
	# ... plus a mixed part: 300 small files in 12 nested directories with
	# varied sizes, modes and nanosecond mtimes; big files of 1-20 MiB; a
	# hard-link group across directories; symlinks; user xattrs.
	local i j n m modes=(0644 0600 0755 0444 0640 0700 0664)
	RANDOM=1
	for i in $(seq -w 1 12); do
		mkdir -p "$s/mix/d$i/sub"
		for j in $(seq -w 1 25); do
			n=$((RANDOM % 5 == 0 ? RANDOM * 4 : RANDOM % 3000))
			if [ $((10#$j % 2)) = 0 ]; then f="$s/mix/d$i/f$j"; else f="$s/mix/d$i/sub/f$j"; fi
			head -c "$n" /dev/urandom >"$f"
			chmod "${modes[RANDOM % ${#modes[@]}]}" "$f"
			touch -d "@$((1500000000 + RANDOM * 1000)).$(printf '%09d' $((RANDOM * 30000 + RANDOM)))" "$f"
		done
	done
	mkdir -p "$s/mix/big"
	for m in 1 5 12 20; do
		head -c $((m * 1024 * 1024 + m * 7)) /dev/urandom >"$s/mix/big/b$m"
		touch -d "@$((1600000000 + m)).$((100000000 + m * 1234567))" "$s/mix/big/b$m"
	done
	chmod 0600 "$s/mix/big/b5"
	printf 'linked across directories\n' >"$s/mix/d01/hl"
	ln "$s/mix/d01/hl" "$s/mix/d05/sub/hl2"
	ln "$s/mix/d01/hl" "$s/mix/big/hl3"
	ln -s ../d02/f02 "$s/mix/d01/sym"
	ln -s big/b20 "$s/mix/to-big"
	ln -s nowhere "$s/mix/d03/dangling"
	if setfattr -n user.k -v one "$s/mix/d01/f02" 2>/dev/null; then
		setfattr -n user.big -v "0x$(head -c 2000 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$s/mix/big/b1"
		setfattr -n user.dir -v yes "$s/mix/d04"
	fi
	truncate -s 16M "$s/mix/big/sparse2"
	printf 'tail' >>"$s/mix/big/sparse2"
	touch -d '2024-02-29 12:34:56.987654321 UTC' "$s/mix/big/sparse2"

	# Two full copies, timed (the second with a warm cache): the shorter
	# one sets the range of the random delays.
	local t0 t1 k
	FULL_MS=
	for k in 1 2; do
		t0=$(now_ms)
		"$IOUSYNC" "$s" "$KT/measure" >"$KT/measure.out" 2>&1 || {
			echo "the measuring copy failed:" >&2
			cat "$KT/measure.out" >&2
			return 1
		}
		t1=$(now_ms)
		remove_tree "$KT/measure"
		if [ -z "$FULL_MS" ] || [ $((t1 - t0)) -lt "$FULL_MS" ]; then FULL_MS=$((t1 - t0)); fi
	done
	[ "$FULL_MS" -ge 20 ] || FULL_MS=20
	export FULL_MS
	say "a full copy of the mixed tree takes ${FULL_MS} ms"
}

teardown_file() {
	remove_tree "${KT:-}"
}

# A listing of the regular files of DIR: "SIZE MTIME MODE UID GID PATH\0",
# PATH relative to DIR, MTIME to the nanosecond.
list_files() {
	(cd "$1" && find . -type f -printf '%s %T@ %m %U %G %P\0')
}

# check_trusted SRC DST ROUND: every regular file of DST under a final name
# whose size and mtime equal the source's has the source's data, mode,
# owner and extended attributes (all namespaces, ACLs included, as
# getfattr -d -m - lists them). Paths longer than 4000 bytes (deep/) are left
# out: cmp cannot open them (copy.bats checks that part). Prints the
# failures and fails; prints the count of checked files, of temporary
# leftovers and of skipped paths.
check_trusted() {
	local src=$1 dst=$2 round=$3
	list_files "$src" >"$KT/src.list"
	list_files "$dst" >"$KT/dst.list"
	perl -0e '
		my ($src, $dst, $round, $sl, $dl) = @ARGV;
		my (%s, @trusted);
		# The extended attributes of ROOT/PATH for each PATH that has any:
		# "name=0xVALUE" lines, sorted (a copy may list them in another order).
		sub xattrs {
			my ($root, @paths) = @_;
			my %x;
			while (my @chunk = splice @paths, 0, 200) {
				open my $g, "-|", "getfattr", "-h", "-d", "-m", "-", "-e", "hex",
				    "--absolute-names", "--", map { "$root/$_" } @chunk
				    or die "getfattr: $!\n";
				local $/ = "";
				while (my $block = <$g>) {
					my ($name, @attrs) = split /\n/, $block;
					$name =~ s/\A# file: // or die "getfattr: unexpected \"$name\"\n";
					$name =~ s/\\([0-7]{3})/chr oct $1/ge;
					substr($name, 0, length "$root/") = "";
					$x{$name} = join "\n", sort @attrs;
				}
				close $g;
			}
			return \%x;
		}
		open my $fh, "<", $sl or die "$sl: $!\n";
		while (<$fh>) {
			chomp;
			my ($size, $mtime, $mode, $uid, $gid, $p) = split / /, $_, 6;
			$s{$p} = [$size, $mtime, $mode, "$uid:$gid"];
		}
		open $fh, "<", $dl or die "$dl: $!\n";
		my ($checked, $tmp, $long, $bad) = (0, 0, 0, 0);
		while (<$fh>) {
			chomp;
			my ($size, $mtime, $mode, $uid, $gid, $p) = split / /, $_, 6;
			if ($p =~ m{(?:\A|/)\.iou-tmp\.[^/]*\z}) { $tmp++; next }
			my $e = $s{$p} or next;
			next unless $e->[0] eq $size && $e->[1] eq $mtime;
			if (length("$dst/$p") > 4000) { $long++; next }
			$checked++;
			(my $show = $p) =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord $1)/ge;
			my $rc = system("cmp", "-s", "--", "$src/$p", "$dst/$p");
			if ($rc != 0) {
				print STDERR "round $round: $show: size $size and mtime $mtime match the source, data differ (cmp status ", $rc >> 8, ")\n";
				$bad++;
			}
			if ($mode ne $e->[2]) {
				print STDERR "round $round: $show: size and mtime match the source, mode $mode, source $e->[2]\n";
				$bad++;
			}
			if ("$uid:$gid" ne $e->[3]) {
				print STDERR "round $round: $show: size and mtime match the source, owner $uid:$gid, source $e->[3]\n";
				$bad++;
			}
			push @trusted, $p;
		}
		my ($sx, $dx) = (xattrs($src, @trusted), xattrs($dst, @trusted));
		for my $p (@trusted) {
			my ($want, $got) = ($sx->{$p} // "", $dx->{$p} // "");
			next if $want eq $got;
			(my $show = $p) =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord $1)/ge;
			s/\n/ /g, s/\A(.{300}).+/$1.../s for $want, $got;
			print STDERR "round $round: $show: size and mtime match the source, extended attributes differ:\n",
			    "  source: $want\n  copy:   $got\n";
			$bad++;
		}
		print "$checked $tmp $long\n";
		exit($bad ? 1 : 0);
	' "$src" "$dst" "$round" "$KT/src.list" "$KT/dst.list"
}

# make_stale SRC DST ROUND: rewrite a few source files (new data, new
# mtime; the first one a big file that keeps its size) and remove a few
# destination entries.
make_stale() {
	local src=$1 dst=$2 round=$3 k f d b
	b=$src/mix/big/b$((RANDOM % 2 ? 12 : 20))
	head -c 65536 /dev/urandom | dd of="$b" bs=65536 seek=$((RANDOM % 150)) conv=notrunc status=none
	touch -d "@$((1700000000 + round * 100 + RANDOM % 100)).$(printf '%09d' $((RANDOM * 30000 + RANDOM)))" "$b"
	for k in 1 2 3 4 5 6; do
		f=$src/mix/d$(printf '%02d' $((RANDOM % 12 + 1)))/$(if ((k % 2)); then echo sub/; fi)f$(printf '%02d' $((RANDOM % 12 * 2 + 2 - k % 2)))
		[ -f "$f" ] || continue
		if ((RANDOM % 2)); then
			# Same size, other data.
			head -c "$(stat -c %s "$f")" /dev/urandom >"$f.new"
		else
			head -c $((RANDOM % 9000)) /dev/urandom >"$f.new"
		fi
		cat "$f.new" >"$f" && rm -f "$f.new"
		touch -d "@$((1700000000 + round * 100 + RANDOM % 100)).$(printf '%09d' $((RANDOM * 30000 + RANDOM)))" "$f"
	done
	[ -d "$dst" ] || return 0
	for k in 1 2 3; do
		d=$dst/mix/d$(printf '%02d' $((RANDOM % 12 + 1)))
		rm -rf "$d"
	done
	rm -f "$dst/mix/big/b$((RANDOM % 2 ? 1 : 5))" "$dst/mix/big/sparse2"
	if ((RANDOM % 2)); then rm -rf "$dst/files" "$dst/hard"; fi
}

@test "SIGKILL at random moments never leaves a trusted file with wrong data, mode, owner or xattrs; a rerun repairs" {
	local seed=${KILL_SEED:-5} rounds=${KILL_ROUNDS:-20}
	local src=$KT/src dst=$KT/dst r pid delay range rc mid=0 done_early=0 kind line
	local t0 t1 checked_total=0 next range_full=$FULL_MS range_stale=$((FULL_MS / 2))
	say "seed $seed, $rounds rounds (reproduce: KILL_SEED=$seed KILL_ROUNDS=$rounds make check-slow)"
	RANDOM=$seed
	t0=$(now_ms)
	for r in $(seq 1 "$rounds"); do
		if [ "$r" = 1 ] || [ $((r % 4)) = 0 ]; then
			kind=full
			make_stale "$src" "$dst" "$r"
			remove_tree "$dst"
			range=$range_full
		else
			kind=stale
			make_stale "$src" "$dst" "$r"
			range=$range_stale
		fi
		delay=$(((RANDOM * 32768 + RANDOM) % (range + 1)))

		setsid "$IOUSYNC" "$src" "$dst" >"$KT/killed.out" 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -KILL -- "-$pid" 2>/dev/null || true
		rc=0
		wait "$pid" || rc=$?
		# Whatever of the group outlived its leader is gone too.
		kill -KILL -- "-$pid" 2>/dev/null || true
		# Its status tells whether the kill came first (128 + SIGKILL).
		if [ "$rc" = 137 ]; then
			mid=$((mid + 1))
			line="killed"
			next=$((range * 9 / 8))
		elif [ "$rc" = 0 ]; then
			done_early=$((done_early + 1))
			line="finished first"
			next=$((range * 3 / 4))
		else
			echo "round $r: iousync finished before the kill with status $rc:" >&2
			head -n 20 "$KT/killed.out" >&2
			return 1
		fi

		((next >= 10)) || next=10 # a range of 0 would never widen again
		if [ "$kind" = full ]; then
			range_full=$((next < FULL_MS ? next : FULL_MS))
		else
			range_stale=$((next < FULL_MS / 2 ? next : FULL_MS / 2))
		fi

		# (a) nothing under a final name that the quick check would trust
		# holds other data or another mode.
		local res
		res=$(check_trusted "$src" "$dst" "$r") || {
			echo "round $r ($kind, seed $seed, delay ${delay} ms): a file the quick check would trust is wrong (above)" >&2
			return 1
		}
		checked_total=$((checked_total + ${res%% *}))
		say "round $r: $kind, delay ${delay} ms of ${range}, $line (status $rc); trusted files checked / tmp leftovers / long paths skipped: $res"

		# (b) a rerun completes and leaves nothing for rsync to change.
		rc=0
		"$IOUSYNC" "$src" "$dst" >"$KT/rerun.out" 2>&1 || rc=$?
		if [ "$rc" != 0 ]; then
			echo "round $r ($kind, seed $seed, delay ${delay} ms): the rerun exited $rc:" >&2
			head -n 30 "$KT/rerun.out" | cut -c1-300 >&2
			return 1
		fi
		rsync_oracle "$src" "$dst" "$KT/rsync" || {
			echo "round $r ($kind, seed $seed, delay ${delay} ms): rsync finds differences after the rerun (above)" >&2
			return 1
		}
		# (c) the next round makes DST stale again (top of the loop).
	done
	t1=$(now_ms)
	say "$rounds rounds in $(((t1 - t0) / 1000)) s: $mid killed mid-run, $done_early finished before the kill; $checked_total trusted files checked"
	# Rounds that finished before the kill check nothing about kills.
	if [ "$mid" -lt $(((rounds + 1) / 2)) ]; then
		echo "only $mid of $rounds rounds were killed before iousync finished (seed $seed)" >&2
		return 1
	fi
}
