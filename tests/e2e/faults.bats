#!/usr/bin/env bats
# Faults: a source that changes under the copy, a destination that fills up,
# an interrupted copy. Whatever happens, no file appears under its final name
# with content the source never had, errors name the path, and a rerun of
# iousync finishes the job (rsync as the oracle).

load helpers

setup() {
	require_iouwalk
	T=$(make_tmpdir)
}

teardown() {
	if [ -n "${WRITER:-}" ]; then kill "$WRITER" 2>/dev/null || true; wait "$WRITER" || true; fi
	if [ -n "${MNT:-}" ] && mountpoint -q "$MNT"; then umount "$MNT"; fi
	remove_tree "${T:-}"
}

# plan_of SRC PLAN: walk and plan SRC now, to carry out later.
plan_of() {
	"$IOUWALK" "$1" | "$IOUPLAN" >"$2"
}

@test "files that grow, shrink, are rewritten or vanish after the walk are reported by path and not published" {
	mkdir "$T/src"
	for i in $(seq 1 16); do printf 'small file %s\n' "$i" >"$T/src/s$i"; done
	head -c 3000000 /dev/urandom >"$T/src/big-grows"
	head -c 3000000 /dev/urandom >"$T/src/big-shrinks"
	plan_of "$T/src" "$T/plan"
	printf 'more\n' >>"$T/src/s2"                     # grows (batched small file)
	printf 'SMALL FILE 3\n' >"$T/src/s3"              # same size, new mtime
	touch -d '2001-01-01' "$T/src/s3"
	rm "$T/src/s4"                                    # vanishes
	printf 'x' >"$T/src/s7"                           # shrinks (batched small file)
	printf 'x' >>"$T/src/big-grows"                   # grows (copied alone)
	truncate -s 1000 "$T/src/big-shrinks"             # shrinks
	run "$IOUPUT" "$T/dst" "$T/plan"
	echo "$output"
	[ "$status" -eq 1 ]
	for f in s2 s3 s7 big-grows big-shrinks; do
		grep -qx "iouput: $T/dst/$f: source changed since the walk (size, time or type)" <<<"$output"
		[ ! -e "$T/dst/$f" ]
	done
	grep -q "$T/dst/s4: open source: No such file or directory" <<<"$output"
	# What did not change is copied, though it shared a batch with those.
	for f in s1 s5 s6 s8 s9 s10 s11 s12 s13 s14 s15 s16; do cmp "$T/src/$f" "$T/dst/$f"; done
	[ "$(grep -c "$T/dst/" <<<"$output")" -eq 6 ]
	# A rerun of the sync finishes the job.
	"$IOUSYNC" "$T/src" "$T/dst"
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
}

# rewritten_during_copy DST IOUPUT-OPTIONS...: a 40 MB source file is
# rewritten in place, 1 MiB at a time, alternately with two whole versions
# of the same size, by a writer that starts after the walk, has made one
# full pass before iouput starts, and stops only once iouput has exited: so
# iouput reads it while it changes, and its modification time (set to 2001
# before the walk) no longer matches the walk's when the copy is checked.
# iouput must report it by path, exit 1 and give it no name in DST (no
# name: no mixed content), copy the rest, and leave no temporary; once the
# writer has stopped, a rerun of iousync completes the copy.
rewritten_during_copy() {
	local dst=$1
	shift
	mkdir "$T/src"
	for i in $(seq 1 8); do printf 'small file %s\n' "$i" >"$T/src/s$i"; done
	head -c 3000000 /dev/urandom >"$T/src/other-big"
	head -c 40000000 /dev/urandom >"$T/version-a"
	head -c 40000000 /dev/urandom >"$T/version-b"
	cp "$T/version-a" "$T/src/big"
	touch -d '2001-01-01' "$T/src/big"
	plan_of "$T/src" "$T/plan"
	mkfifo "$T/ready"
	# The writer says "ready" through the FIFO after its first pass; if it
	# dies first, its END block opens the FIFO and says nothing, so the
	# read below fails instead of waiting for ever. It does not hold bats'
	# descriptor 3, so a failing test cannot hang on it either.
	perl -e '
		my ($file, $ready, $stop, @versions) = @ARGV;
		my $said;
		END { if (!$said && open my $r, ">", $ready) { close $r } }
		open my $out, "+<", $file or die "$file: $!\n";
		for (my $pass = 0; !-e $stop; $pass++) {
			open my $in, "<", $versions[($pass + 1) % 2] or die "$!\n";
			while (!-e $stop && sysread($in, my $chunk, 1 << 20)) {
				syswrite($out, $chunk) == length $chunk or die "write: $!\n";
			}
			sysseek($out, 0, 0);
			next if $said;
			open my $r, ">", $ready or die "$ready: $!\n";
			print $r "ready\n";
			close $r;
			$said = 1;
		}' "$T/src/big" "$T/ready" "$T/stop" "$T/version-a" "$T/version-b" 3>&- &
	WRITER=$!
	read -r line <"$T/ready"
	[ "$line" = ready ]
	run "$IOUPUT" "$@" "$dst" "$T/plan"
	touch "$T/stop"
	wait "$WRITER"
	WRITER=
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qx "iouput: $dst/big: source changed since the walk (size, time or type)" <<<"$output"
	[ "$(grep -c "$dst/" <<<"$output")" -eq 1 ]
	[ ! -e "$dst/big" ]
	[ -z "$(find "$dst" -name '.iou-tmp.*' -print -quit)" ]
	cmp "$T/src/other-big" "$dst/other-big"
	for i in $(seq 1 8); do cmp "$T/src/s$i" "$dst/s$i"; done
	"$IOUSYNC" "$T/src" "$dst"
	rsync_oracle "$T/src" "$dst" "$T/rsync"
}

# mount_other_fs: a tmpfs at $MNT, so that a copy from $T to it crosses file
# systems (no copy_file_range: the data goes through the worker's ring, or
# read and write with --no-uring).
mount_other_fs() {
	skip_unless_root "mounting a tmpfs needs root"
	MNT=$T/mnt
	mkdir "$MNT"
	mount -t tmpfs -o size=200m tmpfs "$MNT" 2>/dev/null || skip "cannot mount a tmpfs here"
}

@test "a file rewritten while iouput copies it through the ring (across file systems) is reported by path and not published" {
	mount_other_fs
	rewritten_during_copy "$MNT/dst"
}

@test "a file rewritten while iouput copies it with --no-uring (across file systems) is reported by path and not published" {
	mount_other_fs
	rewritten_during_copy "$MNT/dst" --no-uring
}

@test "a file rewritten while iouput copies it with copy_file_range (one file system) is reported by path and not published" {
	rewritten_during_copy "$T/dst"
}

@test "a full destination (ENOSPC) names the file, publishes nothing partial, exits 1; a rerun with space completes" {
	skip_unless_root "mounting a small tmpfs needs root"
	MNT=$T/mnt
	mkdir "$MNT"
	mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null || skip "cannot mount a tmpfs here"
	mkdir "$T/src"
	for i in 1 2 3; do printf 'small %s\n' "$i" >"$T/src/small$i"; done
	head -c 4000000 /dev/urandom >"$T/src/too-big"
	run "$IOUSYNC" "$T/src" "$MNT/dst"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "$MNT/dst/too-big: .*No space left on device" <<<"$output"
	[ ! -e "$MNT/dst/too-big" ]
	[ -z "$(find "$MNT/dst" -name '.iou-tmp.*' -print -quit)" ]
	# Small files copied alongside may or may not have found room first;
	# those that got a name are whole.
	for i in 1 2 3; do
		if [ -e "$MNT/dst/small$i" ]; then cmp "$T/src/small$i" "$MNT/dst/small$i"; fi
	done
	mount -o remount,size=20m "$MNT"
	"$IOUSYNC" "$T/src" "$MNT/dst"
	rsync_oracle "$T/src" "$MNT/dst" "$T/rsync"
}

# sigint_during_copy IOUSYNC-OPTIONS...: interrupt iousync with SIGINT (as ^C
# at a terminal) once copying has begun; it must exit 130, leave every file
# under a final name with the source's content, no temporaries, and a rerun
# must complete the copy.
# sigint_during_copy IOUSYNC-ARGS...: with WRAP, an array, as the command
# that runs iousync (default: none), and SEEN, find(1) tests for what must
# be in DST before the signal (default: a file).
sigint_during_copy() {
	[ -n "${WRAP+set}" ] || WRAP=(env)
	[ -n "${SEEN+set}" ] || SEEN=(-type f)
	# Started with SIGINT ignored (a background job without job control),
	# bats and everything it runs keep ignoring it: no ^C to simulate.
	local ignored
	ignored=$(awk '$1 == "SigIgn:" { print $2 }' /proc/$BASHPID/status)
	(((0x$ignored & 2) == 0)) || skip "SIGINT is ignored in this environment (started in the background?)"
	mkdir "$T/src"
	perl -e 'for my $d (0 .. 29) { mkdir "$ARGV[0]/d$d" or die;
		for my $f (0 .. 999) { open my $h, ">", "$ARGV[0]/d$d/f$f" or die; print $h "$d/$f\n" x 50 } }' "$T/src"
	head -c 50000000 /dev/urandom >"$T/src/big"
	D=$T/dst
	# Job control gives the job its own process group with SIGINT not ignored,
	# as at a terminal, where Ctrl-C reaches the whole group.
	set -m
	"${WRAP[@]}" "$IOUSYNC" "$@" "$T/src" "$D" 2>"$T/err" &
	pid=$!
	set +m
	# Interrupt once copying has begun (a first file has its name).
	for _ in $(seq 200); do
		[ -n "$(find "$D" "${SEEN[@]}" -print -quit 2>/dev/null)" ] && break
		sleep 0.05
	done
	kill -INT -- "-$pid"
	status=0
	wait "$pid" || status=$?
	echo "exit status $status; stderr: $(head -c 300 "$T/err")"
	[ "$status" -eq 130 ]
	# Every file under a final name has the source's content (rsync -c lists
	# an existing file whose content differs as ">fc").
	rsync -rcn --itemize-changes "$T/src/" "$D/" >"$T/diff"
	echo "$(grep -c '^>f+' "$T/diff") files not copied yet"
	[ "$(grep -c '^>f+' "$T/diff")" -gt 0 ]
	run grep '^>fc' "$T/diff"
	[ "$status" -ne 0 ]
	[ -z "$(find "$D" -name '.iou-tmp.*' -print -quit)" ]
	"$IOUSYNC" "$T/src" "$D"
	rsync_oracle "$T/src" "$D" "$T/rsync"
}

@test "SIGINT during a copy stops it, leaves no partial or wrong file under a final name, and a rerun completes" {
	sigint_during_copy -j 1 --no-uring
}

@test "SIGINT during batched copies (new files created under their final names) lets each batch finish first" {
	sigint_during_copy -j 2
}

@test "SIGINT where the file system has no O_TMPFILE removes the hidden names of the files being copied" {
	# Every file is written under a hidden name (.iou-tmp.*) until it is whole.
	[ -x "$NO_URING" ] || { echo "$NO_URING not found (run make check-e2e)" >&2; return 1; }
	"$NO_URING" -t true 2>"$T/seccomp.err" || skip "$(cat "$T/seccomp.err")"
	WRAP=("$NO_URING" -t)
	SEEN=(-name '.iou-tmp.*')
	sigint_during_copy -j 1
}

@test "iousync killed with SIGKILL does not leave iouput running on alone: it ends as by SIGTERM" {
	mkdir -p "$T/src"
	: >"$T/src/slow"
	printf 'x\n' >"$T/src/other"
	# The copy of slow waits 15 s for a lease holder to let go.
	hold_lease "$T/src/slow" 15 || skip "no file leases here (fcntl F_SETLEASE)"
	"$IOUSYNC" "$T/src" "$T/dst" 2>"$T/err" &
	pid=$!
	put=
	for _ in $(seq 100); do
		put=$(pgrep -P "$pid" -x iouput) && break
		sleep 0.05
	done
	[ -n "$put" ]
	kill -KILL "$pid"
	wait "$pid" || true
	for _ in $(seq 100); do
		kill -0 "$put" 2>/dev/null || break
		sleep 0.05
	done
	run kill -0 "$put"
	[ "$status" -ne 0 ]
}

@test "as an unprivileged user, unreadable sources and a read-only destination directory are reported per entry, the rest copied, exit 1" {
	skip_unless_root "switching to the nobody user needs root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	chmod 755 "$T"
	mkdir -p "$T/u/src/open" "$T/u/src/closed" "$T/u/src/ro"
	for f in a b c; do printf '%s\n' "$f" >"$T/u/src/open/$f"; done
	printf 'secret\n' >"$T/u/src/closed/inside"
	printf 'locked\n' >"$T/u/src/open/locked"
	printf 'into ro\n' >"$T/u/src/ro/new"
	chown -R nobody: "$T/u"
	chown root: "$T/u/src/closed" "$T/u/src/open/locked"
	chmod 0700 "$T/u/src/closed"
	chmod 0600 "$T/u/src/open/locked"
	# The destination already has ro/, read-only and not the user's.
	mkdir -p "$T/u/dst/ro"
	chown nobody: "$T/u/dst"
	chmod 0555 "$T/u/dst/ro"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$IOUSYNC" "$T/u/src" "$T/u/dst"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "$T/u/src/closed.*Permission denied" <<<"$output"
	grep -q "dst/open/locked: open source: Permission denied" <<<"$output"
	grep -q "dst/ro/new: .*Permission denied" <<<"$output"
	for f in a b c; do cmp "$T/u/src/open/$f" "$T/u/dst/open/$f"; done
	[ ! -e "$T/u/dst/open/locked" ]
	[ ! -e "$T/u/dst/ro/new" ]
}

@test "as an unprivileged user, a source directory it may not read still gets its mode and times in DST" {
	skip_unless_root "switching to the nobody user needs root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	chmod 755 "$T"
	mkdir -p "$T/u/src/closed" "$T/u/src/search-only"
	printf 'x\n' >"$T/u/src/file"
	chown -R nobody: "$T/u"
	touch -d '2001-01-01 00:00:00' "$T/u/src/closed" "$T/u/src/search-only"
	chmod 0000 "$T/u/src/closed"
	chmod 0311 "$T/u/src/search-only"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$IOUSYNC" "$T/u/src" "$T/u/dst"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q "src/closed: Permission denied" <<<"$output"
	for d in closed search-only; do
		[ "$(stat -c '%a %Y' "$T/u/dst/$d")" = "$(stat -c '%a %Y' "$T/u/src/$d")" ]
	done
	cmp "$T/u/src/file" "$T/u/dst/file"
}

@test "as an unprivileged user, a resync adds, replaces and deletes inside a read-only directory it owns" {
	skip_unless_root "switching to the nobody user needs root"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	chmod 755 "$T"
	mkdir -p "$T/u/src/ro" "$T/u/dst"
	printf 'r\n' >"$T/u/src/ro/r"
	printf 'old\n' >"$T/u/src/ro/old"
	ln -s r "$T/u/src/ro/link"
	chmod 0555 "$T/u/src/ro"
	chown -R -h nobody:nogroup "$T/u"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
	as_nobody "$IOUSYNC" "$T/u/src" "$T/u/dst"
	[ "$(stat -c %a "$T/u/dst/ro")" = 555 ]
	chmod 0755 "$T/u/src/ro"
	printf 'new\n' >"$T/u/src/ro/new"
	printf 'more\n' >>"$T/u/src/ro/r"
	rm "$T/u/src/ro/old" "$T/u/src/ro/link"
	ln -s new "$T/u/src/ro/link"
	# Enough for two workers to share the directory's records.
	for i in $(seq 1 64); do printf '%s\n' "$i" >"$T/u/src/ro/n$i"; done
	chown -R -h nobody:nogroup "$T/u/src/ro"
	chmod 0555 "$T/u/src/ro"
	for env in "" IOU_NO_URING=1; do
		run as_nobody env $env "$IOUSYNC" -j 4 --delete "$T/u/src" "$T/u/dst"
		echo "$output"
		[ "$status" -eq 0 ]
		rsync_oracle "$T/u/src" "$T/u/dst" "$T/rsync"
		[ "$(stat -c %a "$T/u/dst/ro")" = 555 ]
		# Once more, from a copy one step behind.
		chmod 0755 "$T/u/dst/ro"
		printf 'stale\n' >"$T/u/dst/ro/new"
		touch -d '2000-01-01' "$T/u/dst/ro/new"
		chmod 0555 "$T/u/dst/ro"
	done
}

@test "with io_uring switched off (IOU_NO_URING=1) a sync and a resync are just as faithful" {
	skip_unless_root "the hostile tree needs root"
	"$MKTREE" --small --quiet "$T/src"
	IOU_NO_URING=1 "$IOUSYNC" "$T/src" "$T/dst"
	rsync_oracle "$T/src" "$T/dst" "$T/rsync"
	printf 'changed\n' >"$T/src/files/size1"
	run env IOU_NO_URING=1 "$IOUSYNC" -i "$T/src" "$T/dst"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^>f.st...... files/size1$' <<<"$output"
	rsync_oracle "$T/src" "$T/dst" "$T/rsync2"
}
