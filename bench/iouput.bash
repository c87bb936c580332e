# shellcheck shell=bash disable=SC2034 # ST, US, CPU_MS are for the caller
# bench/iouput.bash: what bench/tunables and bench/scaling share on top of
# bench/lib.bash (source that first: die, note, stats, next_dst and the bench
# directory come from it). Both make a plan once and time `iouput DST < PLAN`
# alone, so the walk and the plan are not in the measured region, and both
# need CPU time next to wall time: on a shared machine wall time is noisy,
# and CPU per file is what a scaling model can be built on.

# need_gnu_time: die unless /usr/bin/time is GNU time.
need_gnu_time() {
	/usr/bin/time -f '%e %U %S' -o /dev/null true 2>/dev/null ||
		die "needs GNU time at /usr/bin/time (Debian package time) for CPU seconds per run"
}

# check_iou_tools: die unless the iou tools to time are built.
check_iou_tools() {
	local t
	for t in iouwalk iouplan iouput; do
		[[ -x $IOU_BIN/$t ]] || die "no $t at $IOU_BIN/$t: run \`make\` in $ROOT first (or set IOU_BIN)"
	done
	[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 or later (for EPOCHREALTIME)"
}

# make_plan SRC PLAN: walk SRC (an absolute path, so iouput resolves it from
# any directory) and write the plan of its copy to PLAN.
make_plan() {
	"$IOU_BIN/iouwalk" "$1" 2>"$ERR" | "$IOU_BIN/iouplan" >"$2" 2>>"$ERR" ||
		die "making the plan of $1 failed: $(head -n 1 "$ERR")"
}

# timed OUT CMD...: run CMD with stdout into OUT (stderr into $ERR) under GNU
# time; sets ST (exit status), US (wall time in microseconds, from
# EPOCHREALTIME: GNU time's %e has 10 ms steps) and CPU_MS (user + sys
# milliseconds of every thread of CMD, io-wq workers included: they are
# threads of the process). Redirect stdin on the call to feed CMD.
timed() {
	local out=$1 t0 t1 tf=$DIR/time.out
	shift
	ST=0
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%e %U %S' -o "$tf" -- "$@" >"$out" 2>"$ERR" || ST=$?
	t1=$EPOCHREALTIME
	US=$((${t1/[.,]/} - ${t0/[.,]/}))
	# On failure GNU time writes a "Command exited ..." line first.
	CPU_MS=$(tail -n 1 "$tf" | awk '{ printf "%d\n", ($2 + $3) * 1000 + 0.5 }')
	rm -f -- "$tf"
	return 0
}

# fmt_ms US...: each time in microseconds as milliseconds, one decimal.
fmt_ms() { awk 'BEGIN { for (i = 1; i < ARGC; i++) printf "%s%.1f", (i > 1 ? " " : ""), ARGV[i] / 1000; print "" }' "$@"; }

# space_for_copies SRC N: can the bench file system hold N more copies of
# SRC plus slack (four more)?
space_for_copies() {
	local avail need
	avail=$(df -P -k -- "$DIR" | awk 'NR == 2 { print $4 }')
	need=$(du -sk -- "$1" | awk '{ print $1 }')
	((avail > need * ($2 + 4)))
}

# count_tree SRC: prints "entries files bytes" of the tree SRC.
count_tree() {
	find "$1" -printf '%y %s\n' | awk '
		{ n++ } $1 == "f" { f++; b += $2 }
		END { printf "%d %d %.0f\n", n, f, b }'
}
