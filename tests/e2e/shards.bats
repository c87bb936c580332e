#!/usr/bin/env bats
# End-to-end specification of plan bundles: iouplan --shards N --out DIR
# splits a copy for many machines, iouput --plan DIR --shard K runs one part
# and leaves a done marker, iouplan --pending lists what is left, and
# iouput --plan DIR --finish completes the copy once every shard is done.
# The last test runs the shards with GNU parallel over two stand-in ssh
# hosts, each job in mount and UTS namespaces of its own, one job failing
# once and resumed with --resume-failed. Oracle: rsync(1) in dry-run mode.
#
# Everything runs in $T: src/ is walked as "src", bundle/ is the bundle,
# dst/ the destination; tests cd to $T so the plan's root is found.

load helpers

setup_file() {
	require_iouwalk
	require_tools iouplan iouput
}

setup() {
	T=$(make_tmpdir)
	SRC=$T/src
	B=$T/bundle
	DST=$T/dst
}

teardown() {
	remove_tree "${T:-}"
}

# --- helpers ----------------------------------------------------------------

# make_tree: small files, a hard-link group spread over three directories,
# a 300000-byte file (5 chunks of 64 KiB), a hard-linked 200000-byte file
# (4 chunks), a sparse file, a symlink, a FIFO, a read-only directory, odd
# modes and times, an xattr where the file system takes one.
make_tree() {
	mkdir -p "$SRC/a/b" "$SRC/c" "$SRC/d/e/f" "$SRC/empty"
	for i in $(seq 1 30); do
		head -c $((i * 997)) /dev/urandom >"$SRC/a/small$i"
	done
	echo group >"$SRC/a/h1"
	ln "$SRC/a/h1" "$SRC/c/h2"
	ln "$SRC/a/h1" "$SRC/d/e/h3"
	head -c 300000 /dev/urandom >"$SRC/big"
	head -c 200000 /dev/urandom >"$SRC/d/e/f/biglinked"
	ln "$SRC/d/e/f/biglinked" "$SRC/c/biglinked2"
	truncate -s 1M "$SRC/sparse"
	printf 'x' | dd of="$SRC/sparse" bs=1 seek=500000 conv=notrunc status=none
	ln -s ../big "$SRC/a/tobig"
	mkfifo "$SRC/c/fifo"
	chmod 0640 "$SRC/big"
	chmod 4755 "$SRC/a/small3"
	setfattr -n user.iou -v shard "$SRC/big" 2>/dev/null || true
	touch -h -d '2001-02-03 04:05:06.789' "$SRC/big" "$SRC/a/tobig" "$SRC/d/e/f/biglinked"
	touch -d '2002-03-04 05:06:07' "$SRC/a/b" "$SRC/d/e/f" "$SRC/empty"
	chmod 0555 "$SRC/d/e"
}

# plan_bundle N [IOUPLAN-ARGS...]: walk src and write bundle/ with N shards
# of 64 KiB chunks; sets $status, stderr in $T/plan.err.
plan_bundle() {
	local n=$1
	shift
	status=0
	(cd "$T" && "$IOUWALK" src >walk && "$IOUPLAN" --shards "$n" --chunk 64K --out bundle \
		"$@" walk) 2>"$T/plan.err" || status=$?
}

# put ARGS...: iouput in $T, stderr in $T/put.err; sets $status.
put() {
	status=0
	(cd "$T" && "$IOUPUT" "$@") 2>"$T/put.err" || status=$?
}

# ops_of PLAN: one line per record, "OP PATH", "chunk OFFSET LENGTH PATH".
ops_of() {
	perl -0ne 'chomp; next if /\Aiou-stream /;
		my ($op, $rest) = /\A(\S+) \S+ (.*)\z/s or die "malformed record\n";
		my $range = "";
		$range = " $1 $2" if $op eq "chunk" && $rest =~ s/\A(\d+) (\d+) //;
		my ($path) = $rest =~ /\A(?:\S+ ){16}(.*)\z/s or die "malformed record\n";
		print "$op$range $path\n"' "$1"
}

# shards_naming PATH: the shard plans that hold a record of PATH (any op).
shards_naming() {
	local f
	for f in "$B"/shards/*.plan; do
		ops_of "$f" | grep -q -E "^[a-z]+( [0-9]+ [0-9]+)? $1\$" && basename "$f" .plan
	done
	return 0
}

# manifest_value KEY: the value of the manifest's "KEY VALUE" line.
manifest_value() {
	awk -v k="$1" '$1 == k { print $2 }' "$B/manifest"
}

# run_all_shards N: each shard in turn, failing on the first that fails.
run_all_shards() {
	local k
	for ((k = 0; k < $1; k++)); do
		put --plan bundle --shard "$k" dst
		[ "$status" -eq 0 ] || { cat "$T/put.err" >&2; return 1; }
	done
}

# --- the bundle ---------------------------------------------------------------

@test "iouplan --shards writes a manifest, one plan per shard and a finish plan, nothing else" {
	make_tree
	plan_bundle 3
	[ "$status" -eq 0 ]
	[ "$(head -n 1 "$B/manifest")" = "iou-bundle 1" ]
	[ "$(manifest_value stream)" = 2.1 ]
	[ "$(manifest_value shards)" = 3 ]
	[ "$(manifest_value chunk)" = 65536 ]
	[ "$(manifest_value entry-cost)" = 65536 ]
	[ "$(grep -c '^load ' "$B/manifest")" = 3 ]
	(cd "$B" && find . -mindepth 1 | sort) >"$T/listing"
	printf '%s\n' ./done ./finish.plan ./manifest ./shards ./shards/0.plan ./shards/1.plan \
		./shards/2.plan >"$T/want"
	diff "$T/want" "$T/listing"
	# Written beside it under a temporary name, renamed: nothing else is left.
	[ "$(ls -A "$T" | grep -c bundle)" = 1 ]
	for f in "$B"/shards/*.plan "$B/finish.plan"; do
		[ "$(head -z -n 1 "$f" | tr -d '\0')" = "iou-stream 2.1 plan src" ]
	done
}

@test "every member of a hard-link group goes to the same shard as its first member" {
	make_tree
	plan_bundle 4
	[ "$status" -eq 0 ]
	[ "$(shards_naming a/h1 | wc -l)" = 1 ]
	[ "$(shards_naming a/h1)" = "$(shards_naming c/h2)" ]
	[ "$(shards_naming a/h1)" = "$(shards_naming d/e/h3)" ]
	# One member is copied, the others are links to it.
	cat "$B"/shards/*.plan >"$T/all"
	[ "$(ops_of "$T/all" | grep -c -E '^copy (a/h1|c/h2|d/e/h3)$')" = 1 ]
	[ "$(ops_of "$T/all" | grep -c -E '^link (a/h1|c/h2|d/e/h3)$')" = 2 ]
}

@test "a file larger than --chunk becomes chunks over several shards; its seal and links wait for the finish" {
	make_tree
	plan_bundle 3
	[ "$status" -eq 0 ]
	cat "$B"/shards/*.plan >"$T/all"
	ops_of "$T/all" | awk '$1 == "chunk" && $4 == "big" { print $2, $3 }' | sort -n >"$T/chunks"
	printf '%s\n' "0 65536" "65536 65536" "131072 65536" "196608 65536" "262144 37856" >"$T/want"
	diff "$T/want" "$T/chunks"
	[ "$(shards_naming big | wc -l)" -ge 2 ]
	[ "$(ops_of "$T/all" | grep -c -E '^(copy|seal) big$')" = 0 ]
	ops_of "$B/finish.plan" >"$T/finish"
	grep -qx 'seal big' "$T/finish"
	# The hard-linked big file: chunks under its first member's name, the other
	# name linked in the finish, after the seal.
	first=$(grep -E '^seal (c/biglinked2|d/e/f/biglinked)$' "$T/finish" | cut -d' ' -f2)
	[ -n "$first" ]
	[ "$(ops_of "$T/all" | awk -v p="$first" '$1 == "chunk" && $4 == p' | wc -l)" = 4 ]
	seal=$(grep -n -x "seal $first" "$T/finish" | cut -d: -f1)
	link=$(grep -n -E '^link (c/biglinked2|d/e/f/biglinked)$' "$T/finish" | cut -d: -f1)
	[ -n "$link" ]
	[ "$seal" -lt "$link" ]
	[ "$(ops_of "$T/all" | grep -c -E '^link (c/biglinked2|d/e/f/biglinked)$')" = 0 ]
	# Small files are never chunked; directory metadata is all in the finish.
	[ "$(ops_of "$T/all" | grep -c -E '^chunk [0-9]+ [0-9]+ a/small')" = 0 ]
	[ "$(ops_of "$T/all" | grep -c '^dirmeta')" = 0 ]
	[ "$(grep -c '^dirmeta' "$T/finish")" = 8 ]
	# The finish: seals, then links, then directory metadata, deepest first
	# (a directory before the one that holds it).
	cut -d' ' -f1 "$T/finish" | uniq | tr '\n' ' ' >"$T/classes"
	[ "$(cat "$T/classes")" = "seal link dirmeta " ]
	awk '$1 == "dirmeta" { print $2 }' "$T/finish" >"$T/dirs"
	while read -r d; do
		[ "$d" = . ] && continue
		parent=$(dirname "$d")
		[ "$(grep -n -x -F "$parent" "$T/dirs" | cut -d: -f1)" -gt "$(grep -n -x -F "$d" "$T/dirs" | cut -d: -f1)" ]
	done <"$T/dirs"
}

@test "units go largest first to the least-loaded shard: loads differ by at most one unit" {
	make_tree
	plan_bundle 3
	[ "$status" -eq 0 ]
	# load K BYTES ENTRIES; a unit weighs its bytes + 64 KiB per record, the
	# largest here a 64 KiB chunk (or the 1 MiB sparse file's chunk) plus one record.
	awk '$1 == "load" { l = $3 + 65536 * $4; if (min == "" || l < min) min = l; if (l > max) max = l }
		END { exit !(max - min <= 65536 + 65536) }' "$B/manifest"
	# The entries of each shard are the records of its plan.
	for k in 0 1 2; do
		want=$(awk -v k="$k" '$1 == "load" && $2 == k { print $4 }' "$B/manifest")
		[ "$(ops_of "$B/shards/$k.plan" | wc -l)" = "$want" ]
	done
}

@test "iouplan --out refuses a non-empty directory or a file, naming it, and takes an empty directory" {
	make_tree
	mkdir "$B" && touch "$B/old"
	plan_bundle 2
	[ "$status" -eq 2 ]
	grep -q "bundle: exists and is not empty" "$T/plan.err"
	[ "$(ls -A "$B")" = old ]
	rm -rf "$B" && touch "$B"
	plan_bundle 2
	[ "$status" -eq 2 ]
	grep -q "bundle: exists and is not a directory" "$T/plan.err"
	rm "$B" && mkdir "$B"
	plan_bundle 2
	[ "$status" -eq 0 ]
	[ -f "$B/manifest" ]
}

@test "iouplan --chunk takes K, M, G and T suffixes and refuses anything else" {
	make_tree
	(cd "$T" && "$IOUWALK" src >walk)
	(cd "$T" && "$IOUPLAN" --shards 2 --chunk 3G --out bundle walk)
	[ "$(manifest_value chunk)" = 3221225472 ]
	for bad in 12X 1.5G -1 "" 1KB 4095 99999999999999999999; do
		run -2 "$IOUPLAN" --shards 2 --chunk "$bad" --out "$T/other" "$T/walk"
		[[ "$output" == *"invalid chunk size"* ]]
	done
	[ ! -e "$T/other" ]
}

@test "iouplan --shards needs --out, --chunk needs both, --against and a bad count are refused" {
	make_tree
	(cd "$T" && "$IOUWALK" src >walk)
	run -2 "$IOUPLAN" --shards 2 "$T/walk"
	[[ "$output" == *"--shards and --out go together"* ]]
	run -2 "$IOUPLAN" --out "$B" "$T/walk"
	[[ "$output" == *"--shards and --out go together"* ]]
	for size in 64K 1G; do # 1G is the default size: still a chunk without a bundle
		run -2 "$IOUPLAN" --chunk "$size" "$T/walk"
		[[ "$output" == *"--chunk needs --shards and --out"* ]]
	done
	run -2 "$IOUPLAN" --shards 2 --out "$B" --against "$T/walk" "$T/walk"
	[[ "$output" == *"does not take --against"* ]]
	for bad in 0 4097 x -3; do
		run -2 "$IOUPLAN" --shards "$bad" --out "$B" "$T/walk"
		[[ "$output" == *"invalid shard count"* ]]
	done
	[ ! -e "$B" ]
}

# --- running shards -------------------------------------------------------------

@test "iouplan --pending lists the shards without a done marker; empty output when all are done" {
	make_tree
	plan_bundle 3
	run -0 "$IOUPLAN" --pending "$B"
	[ "$output" = "$(printf '0\n1\n2')" ]
	put --plan bundle --shard 1 dst
	[ "$status" -eq 0 ]
	grep -qx 'shard 1' "$B/done/1"
	grep -qx "host $(hostname)" "$B/done/1"
	grep -q -E '^finished [0-9]{4}-[0-9]{2}-[0-9]{2}T' "$B/done/1"
	grep -q -E '^entries [1-9][0-9]*$' "$B/done/1"
	run -0 "$IOUPLAN" --pending "$B"
	[ "$output" = "$(printf '0\n2')" ]
	put --plan bundle --shard 0 dst
	put --plan bundle --shard 2 dst
	run -0 "$IOUPLAN" --pending "$B"
	[ "$output" = "" ]
	run -1 "$IOUPLAN" --pending "$T/nothing"
	[[ "$output" == *"$T/nothing"* ]]
	run -1 "$IOUPLAN" --pending "$T/src"
	[[ "$output" == *"src/manifest"* ]]
}

@test "iouput --finish refuses while shards are pending, naming them, and changes nothing" {
	make_tree
	plan_bundle 4
	put --plan bundle --shard 2 dst
	[ "$status" -eq 0 ]
	find "$DST" | sort >"$T/before"
	put --plan bundle --finish dst
	[ "$status" -eq 2 ]
	grep -q "cannot finish, 3 of 4 shards pending (no done marker): 0, 1, 3" "$T/put.err"
	find "$DST" | sort >"$T/after"
	diff "$T/before" "$T/after"
}

@test "iouput --shard out of range, or without --plan, is refused naming what is wrong" {
	make_tree
	plan_bundle 3
	put --plan bundle --shard 3 dst
	[ "$status" -eq 2 ]
	grep -q "no shard 3 (the bundle has shards 0 to 2)" "$T/put.err"
	[ ! -e "$DST" ]
	run -2 "$IOUPUT" --shard 1 "$DST"
	[[ "$output" == *"need --plan DIR"* ]]
	run -2 "$IOUPUT" --plan "$B" "$DST"
	[[ "$output" == *"exactly one of --shard K, --shard-from-env or --finish"* ]]
	run -2 "$IOUPUT" --plan "$B" --shard 1 --finish "$DST"
	[[ "$output" == *"exactly one of"* ]]
	run -2 "$IOUPUT" --plan "$B" --shard x "$DST"
	[[ "$output" == *"invalid shard number"* ]]
	run -2 "$IOUPUT" --plan "$T/nothing" --shard 0 "$DST"
	[[ "$output" == *"$T/nothing"* ]]
}

@test "iouput --shard-from-env takes K from each launcher's variable, the first one set winning" {
	make_tree
	plan_bundle 4
	unset SLURM_ARRAY_TASK_ID SLURM_PROCID OMPI_COMM_WORLD_RANK PMI_RANK
	k=0
	for var in SLURM_ARRAY_TASK_ID OMPI_COMM_WORLD_RANK PMI_RANK SLURM_PROCID; do
		(cd "$T" && env "$var=$k" "$IOUPUT" --plan bundle --shard-from-env dst)
		[ -f "$B/done/$k" ]
		k=$((k + 1))
	done
	# A Slurm batch script has SLURM_PROCID 0: an array task's index, and the
	# rank of an mpirun (Open MPI or MPICH) inside the job, come before it.
	rm "$B/done/3"
	(cd "$T" && SLURM_ARRAY_TASK_ID=3 SLURM_PROCID=0 PMI_RANK=1 "$IOUPUT" --plan bundle \
		--shard-from-env dst)
	[ -f "$B/done/3" ]
	rm "$B/done/2"
	(cd "$T" && SLURM_PROCID=0 OMPI_COMM_WORLD_RANK=2 "$IOUPUT" --plan bundle --shard-from-env dst)
	[ -f "$B/done/2" ]
	rm "$B/done/1"
	(cd "$T" && SLURM_PROCID=0 PMI_RANK=1 "$IOUPUT" --plan bundle --shard-from-env dst)
	[ -f "$B/done/1" ]
	run -0 "$IOUPLAN" --pending "$B"
	[ -z "$output" ]
}

@test "iouput --shard-from-env names the variables when none is set, and refuses a bad value" {
	make_tree
	plan_bundle 2
	unset SLURM_ARRAY_TASK_ID SLURM_PROCID OMPI_COMM_WORLD_RANK PMI_RANK
	run -2 "$IOUPUT" --plan "$B" --shard-from-env "$DST"
	[[ "$output" == *"none of SLURM_ARRAY_TASK_ID, OMPI_COMM_WORLD_RANK, PMI_RANK or SLURM_PROCID is set"* ]]
	OMPI_COMM_WORLD_RANK=one run -2 "$IOUPUT" --plan "$B" --shard-from-env "$DST"
	[[ "$output" == *"OMPI_COMM_WORLD_RANK='one' is not a shard number"* ]]
	PMI_RANK=2 run -2 "$IOUPUT" --plan "$B" --shard-from-env "$DST"
	[[ "$output" == *"no shard 2"* ]]
}

@test "a failed shard leaves no marker; its rerun completes it; a done shard is skipped" {
	make_tree
	plan_bundle 2
	ops_of "$B/shards/0.plan" | grep -q ' a/small' # shard 0 writes into a/
	mkdir "$DST" && touch "$DST/a"                 # where a/ must be a directory
	put --plan bundle --shard 0 dst
	[ "$status" -eq 1 ]
	[ ! -e "$B/done/0" ]
	run -0 "$IOUPLAN" --pending "$B"
	[[ "$output" == *0* ]]
	rm "$DST/a"
	put --plan bundle --shard 0 dst
	[ "$status" -eq 0 ]
	[ -f "$B/done/0" ]
	cp "$B/done/0" "$T/marker"
	put --plan bundle --shard 0 dst
	[ "$status" -eq 0 ]
	grep -q "shard 0 is done already (bundle/done/0): nothing to do" "$T/put.err"
	cmp "$T/marker" "$B/done/0"
}

@test "shards one after another, then the finish, make a copy rsync finds nothing to change in" {
	make_tree
	plan_bundle 3
	run_all_shards 3
	# Before the finish, chunked files are only under their staging names.
	[ ! -e "$DST/big" ]
	[ "$(find "$DST" -name '.iou-chunk-*' | wc -l)" -ge 2 ]
	put --plan bundle --finish dst
	[ "$status" -eq 0 ] || { cat "$T/put.err" >&2; false; }
	[ "$(find "$DST" -name '.iou-*' | wc -l)" = 0 ]
	rsync_oracle "$SRC" "$DST" "$T/rsync"
	[ "$(stat -c %i "$DST/a/h1")" = "$(stat -c %i "$DST/d/e/h3")" ]
	[ "$(stat -c %i "$DST/c/biglinked2")" = "$(stat -c %i "$DST/d/e/f/biglinked")" ]
	# The finish may run again: it changes nothing and leaves nothing behind.
	put --plan bundle --finish dst
	[ "$status" -eq 0 ]
	[ "$(find "$DST" -name '.iou-*' | wc -l)" = 0 ]
	[ "$(stat -c %h "$DST/d/e/f/biglinked")" = 2 ]
	rsync_oracle "$SRC" "$DST" "$T/rsync2"
}

@test "a staging file left by an unfinished copy is overwritten whole, holes of a sparse file included" {
	make_tree
	plan_bundle 2
	run_all_shards 2
	# As if an older copy had stopped before its finish: every staging file full of other bytes.
	staging=$(find "$DST" -name '.iou-chunk-*')
	[ "$(echo "$staging" | wc -l)" = 3 ]
	for f in $staging; do
		size=$(stat -c %s "$f")
		head -c "$size" /dev/zero | tr '\0' '\377' >"$f"
	done
	rm "$B"/done/*
	run_all_shards 2
	put --plan bundle --finish dst
	[ "$status" -eq 0 ] || { cat "$T/put.err" >&2; false; }
	rsync_oracle "$SRC" "$DST" "$T/rsync"
	cmp "$SRC/sparse" "$DST/sparse"
}

# --- many machines ----------------------------------------------------------------

# An ssh stand-in for GNU parallel: "fakessh HOST -- COMMAND..." runs COMMAND
# as ssh would (its words joined, given to a shell; SHELL set as sshd sets it)
# in new mount and UTS namespaces whose host name is HOST. Each job's command
# goes through "flaky", which runs on the stand-in host: the first run of shard 1
# (FAIL_ONCE is the flag) sees DST mounted read-only there, a real failure of
# a real shard, not a faked exit status, and one that only that attempt meets.
# flaky decides from its own arguments, because what parallel hands to ssh is
# an encoded script whose text depends on paths and its version.
write_fakessh() {
	cat >"$T/fakessh" <<'EOF'
#!/bin/bash
while [ "${1#-}" != "$1" ]; do shift; done
host=$1
shift
[ "$1" = -- ] && shift
# sshd gives the session the user's login shell in SHELL, and parallel's
# remote wrapper runs the job with it: unset, the job silently never runs.
SHELL=$(getent passwd "$(id -u)" | cut -d: -f7)
export SHELL=${SHELL:-/bin/sh}
exec unshare --mount --uts bash -c 'hostname "$1" || exit 255; exec bash -c "$2"' \
	fakessh "$host" "$*"
EOF
	cat >"$T/flaky" <<'EOF'
#!/bin/bash
if [[ " $* " == *" --shard 1 "* ]] && mkdir "$FAIL_ONCE" 2>/dev/null; then
	mount --bind "$SHARED_DST" "$SHARED_DST" &&
		mount -o remount,bind,ro "$SHARED_DST" || exit 255
	echo "$(hostname): $SHARED_DST read-only for: $*" >>"$FAIL_ONCE.log"
fi
exec "$@"
EOF
	chmod +x "$T/fakessh" "$T/flaky"
	printf '1/fakehost1\n1/fakehost2\n' >"$T/hosts"
}

# ro_bind_refuses_writes: whether a directory bound read-only onto itself in
# a new mount namespace refuses a write, as the failing shard needs.
ro_bind_refuses_writes() {
	mkdir "$T/ro-probe"
	unshare --mount bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		! touch "$1/file" 2>/dev/null' probe "$T/ro-probe" 2>/dev/null
	local ok=$?
	rm -rf "$T/ro-probe"
	return $ok
}

# shards_in_parallel: GNU parallel runs every shard over the two stand-in
# hosts, logging to $T/joblog; extra arguments go to parallel. Sets $status.
shards_in_parallel() {
	status=0
	seq 0 3 | PARALLEL_HOME=$T/.parallel FAIL_ONCE=$T/failed-once SHARED_DST=$DST \
		parallel --will-cite --ssh "$T/fakessh" --sshloginfile "$T/hosts" \
		--joblog "$T/joblog" "$@" \
		"cd '$T' && ./flaky '$IOUPUT' --plan bundle --shard {} dst" 2>"$T/parallel.err" || status=$?
}

@test "many machines: GNU parallel over two ssh hosts, a failed shard resumed, finish, rsync agrees" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed (Debian package parallel)"
	unshare --mount --uts true 2>/dev/null || skip "unshare --mount --uts is not allowed here"
	ro_bind_refuses_writes || skip "a read-only bind mount in a new mount namespace still takes writes here"
	make_tree
	write_fakessh
	plan_bundle 4
	[ "$status" -eq 0 ]
	mkdir "$DST"
	shards_in_parallel
	# parallel's exit status counts failed jobs: the one that met a read-only DST.
	[ "$status" -eq 1 ] || { cat "$T/parallel.err" "$T/joblog" "$T/failed-once.log" >&2; false; }
	[ -d "$T/failed-once" ]
	grep -q "Read-only file system" "$T/parallel.err"
	run -0 "$IOUPLAN" --pending "$B"
	[ "${#lines[@]}" -eq 1 ]
	failed=${lines[0]}
	[ "$failed" = 1 ]
	[ ! -e "$B/done/$failed" ]
	put --plan bundle --finish dst
	[ "$status" -eq 2 ]
	grep -q "pending (no done marker): $failed\$" "$T/put.err"
	shards_in_parallel --resume-failed
	[ "$status" -eq 0 ] || { cat "$T/parallel.err" >&2; false; }
	# Only the failed job ran again: 4 jobs logged, then 1.
	[ "$(grep -c -v '^Seq' "$T/joblog")" = 5 ]
	run -0 "$IOUPLAN" --pending "$B"
	[ "$output" = "" ]
	# Both hosts took jobs (the first two start at once, one on each).
	[ "$(awk -F'\t' 'NR > 1 { print $2 }' "$T/joblog" | sort -u | wc -l)" = 2 ]
	# Each shard's marker names the host its successful job ran on.
	awk -F'\t' 'NR > 1 && $7 == 0 { sub(/.*--shard /, "", $9); sub(/ .*/, "", $9); print $9, $2 }' \
		"$T/joblog" | sort >"$T/shard-hosts"
	[ "$(wc -l <"$T/shard-hosts")" = 4 ]
	while read -r shard host; do
		case $host in fakehost1 | fakehost2) ;; *) false ;; esac
		grep -qx "host $host" "$B/done/$shard"
	done <"$T/shard-hosts"
	put --plan bundle --finish dst
	[ "$status" -eq 0 ] || { cat "$T/put.err" >&2; false; }
	rsync_oracle "$SRC" "$DST" "$T/rsync"
	[ "$(find "$DST" -name '.iou-*' | wc -l)" = 0 ]
}
