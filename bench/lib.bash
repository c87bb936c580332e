# shellcheck shell=bash
# bench/lib.bash: the engine of the copy benchmarks. bench/copy runs every
# workload; bench/copy-small, copy-empty, copy-usrshare, copy-mib, copy-big
# and bench/resync run one each. They set PROG (and, for one workload,
# ONLY_WORKLOAD), source this file and call copy_bench_main "$@".
#
# What it measures
#   Wall-clock time to copy a warm-cache tree with full metadata (modes,
#   owners, times, hard links, symlinks, xattrs, ACLs) into a destination
#   that does not exist yet, one run at a time:
#
#     iouwalk SRC | iouplan --stream | iouput --stream DST
#                                            the pipeline, as iousync runs it
#                                            for a new DST (+ --iouput-opts)
#     cp -a SRC DST                          GNU cp
#     rsync -aHAX SRC/ DST/                  rsync (as root: --numeric-ids)
#     mkdir DST && tar -C SRC -cf - . | tar -C DST -xpf -
#                                            GNU tar, both sides with
#                                            --xattrs --acls (extract with
#                                            --xattrs-include='*'; as root:
#                                            --numeric-owner)
#     ptcopy SRC DST                         the plain-threads baseline
#                                            (bench/ptcopy.c, built into
#                                            build/bench/ptcopy): N threads,
#                                            one directory per task, plain
#                                            syscalls, the same metadata
#
#   As root, cp -a, ptcopy and iouput keep numeric owners and groups;
#   --numeric-ids and --numeric-owner make rsync and tar do the same, not map
#   them by name. The pipeline is given SRC by its absolute path, so it
#   resolves from any directory (iouput finds the source root as the walk
#   named it).
#
#   The workloads (--workload; default all, in this order):
#
#     small     100,000 files of 4 KiB (--files N), distinct content each,
#               in 100 directories: the per-file cost (create, write,
#               chmod/chown/utimens, xattr listing) dominates;
#     empty     100,000 empty files (--files N) in one flat directory: the
#               metadata path alone, and one huge directory (ptcopy takes
#               one directory per task, so it copies this with one thread);
#     usrshare  a copy of /usr/share (--share-dir PATH) made once into the
#               bench directory, so every command reads the same tree on the
#               same file system: a real mix of file sizes, directories and
#               symlinks;
#     mib       1,000 files of 1 MiB (--mib-files N), distinct content, in
#               one directory: medium files, data and per-file cost mixed;
#     big       one non-sparse file of 4 GiB (--big-size SIZE) of random
#               data: the data path only (copy_file_range, read/write, or a
#               reflink where the file system shares extents). fio runs in
#               the same rounds as a peer: one job reading the source
#               sequentially and one writing a new file of the same size on
#               the same file system, bs=1M, psync, buffered and without
#               fsync like the copies (--fio-direct: O_DIRECT, the device
#               itself): the sequential limit the copies are held to. Its
#               row is fio's own run time (its slower job's), not the wall
#               time: fio takes a few tenths of a second to start;
#     resync    a resync with nothing changed over the small tree (--files):
#               the destination is made once (iousync, checked), then
#               `iousync SRC DST` and `rsync -aHAX SRC/ DST/` are timed on
#               it; cp, tar and ptcopy have no sync mode and are left out.
#
#   Each source is built once (reused with --dir DIR --keep) and the cache
#   warmed by one untimed run of every command. That run of the pipeline is
#   checked against the source with `rsync -aHAXn --numeric-ids --delete
#   --itemize-changes`, so a broken copy is never timed without a warning;
#   a peer that fails is reported and its row marked "failed". Every run
#   writes into a fresh destination: removing the previous one and a
#   `sync -f` of the bench file system happen before the clock starts, so a
#   run does not pay for the write-back of the one before it; nothing syncs
#   inside the timed region, so the times are those of copying into the
#   page cache (plus any write-back throttling the kernel imposes on the way;
#   with a big file larger than the dirty limits, that is most of it). Each
#   round runs every command once, interleaved (the starting command rotates
#   from round to round), so drift in machine load hits all of them alike.
#   Times come from bash's EPOCHREALTIME around each run, so they include
#   starting the processes (a few milliseconds, about the same for all; fio
#   takes longer to start, a fraction of a second).
#
#   Peak RSS: the pipeline's warm-up run (for resync, an extra untimed run of
#   the stages iousync starts: iouwalk -X DST, iouwalk -X SRC | iouplan
#   --against | iouput) has each stage under GNU time; the report gives each
#   stage's peak and their sum (the stages run at the same time, so the sum
#   bounds the pipeline's peak from above) next to the issue's limit of
#   100 MiB + 1 MiB per 1000 entries.
#
#   With --perf, after the timed rounds, one more untimed run of each command
#   under `perf stat -e raw_syscalls:sys_enter,context-switches,task-clock`
#   (counting every process and thread of the command; `strace -c -f` when
#   perf cannot count syscalls) gives syscalls and context switches per
#   entry of the source.
#
# How to read it
#   median    the typical time of one copy, in milliseconds (in seconds when
#             the slowest median is 10 s or more);
#   min-max   the spread over the rounds; if it is wide next to the gaps
#             between commands, the machine is noisy: use more --rounds;
#   ratio     this command's median over the pipeline's median: >1 means
#             the iou pipeline is faster, <1 means it is slower;
#   MiB/s     bytes of regular-file data in the source over the median (not
#             shown for resync, which copies none).
#   On a file system that shares extents (btrfs, XFS with reflink), cp and
#   iouput may clone instead of copy: the big workload then measures that.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
IOU_BIN=${IOU_BIN:-$ROOT/build/bin}
PTCOPY=${PTCOPY:-$ROOT/build/bench/ptcopy}
ROUNDS=${BENCH_ROUNDS:-5}
FILES=100000
SMALL_DIRS=100
SMALL_SIZE=4096
MIB_FILES=1000
MIB_SIZE=1048576
SHARE=/usr/share
BIG_SIZE=4G
FIO_DIRECT=0
IOUPUT_OPTS=
ALL_WORKLOADS=(small empty usrshare mib big resync)
WORKLOADS=()
ONLY_WORKLOAD=${ONLY_WORKLOAD:-}
CHECK_PEERS=0
PERF=0
DIR=
KEEP=0
STAMP_NAME=.iou-bench-copy
export LC_ALL=C

# shows WORKLOAD...: does this script's help show options for one of them?
shows() { [[ -z $ONLY_WORKLOAD || " $* " == *" $ONLY_WORKLOAD "* ]]; }

usage() {
	if [[ $ONLY_WORKLOAD == resync ]]; then
		cat <<EOF
Usage: $PROG [OPTIONS]
Time a resync with nothing changed: iousync SRC DST against rsync -aHAX on a
destination copied once (and checked) from $FILES files of $SMALL_SIZE bytes.
This script runs the resync workload; bench/copy runs them all.

EOF
	else
		cat <<EOF
Usage: $PROG [OPTIONS]
Time iouwalk | iouplan --stream | iouput --stream against cp -a, rsync -aHAX, a tar pipe and
the plain-threads baseline ptcopy, copying a warm-cache tree with full
metadata into a fresh destination.
EOF
		if [[ -n $ONLY_WORKLOAD ]]; then
			echo "This script runs the $ONLY_WORKLOAD workload; bench/copy runs them all."
		else
			echo "The resync workload times iousync against rsync on an unchanged destination."
		fi
		echo
	fi
	[[ -z $ONLY_WORKLOAD ]] && cat <<EOF
  --workload NAME    ${ALL_WORKLOADS[*]}; repeat (or separate
                     with commas) for several (default: all, in that order)
EOF
	shows small empty resync && cat <<EOF
  --files N          files in the small, empty and resync trees (default
                     $FILES); small and resync: $SMALL_SIZE bytes each in $SMALL_DIRS
                     directories; empty: no data, one directory
EOF
	shows mib && cat <<EOF
  --mib-files N      files of 1 MiB in the mib tree (default $MIB_FILES)
EOF
	shows usrshare && cat <<EOF
  --share-dir PATH   the tree the usrshare workload copies once and then
                     times (default $SHARE)
EOF
	shows big && cat <<EOF
  --big-size SIZE    size of the big file (default $BIG_SIZE; suffixes K, M, G, T
                     are powers of 1024); needs about 3 x SIZE free space
  --fio-direct       big: run fio with O_DIRECT (the device's own limit)
                     instead of buffered like the copies
EOF
	cat <<EOF
  --rounds N         timed rounds per command (default $ROUNDS; env BENCH_ROUNDS)
EOF
	shows small empty usrshare mib big && cat <<EOF
  --iouput-opts STR  extra iouput options, split on blanks (e.g. "-j 1")
  --check-peers      also check each peer's warm-up copy with rsync -n (the
                     pipeline's copy is always checked)
EOF
	cat <<EOF
  --perf             also count syscalls and context switches per entry in
                     one more untimed run of each command (perf stat;
                     strace -c -f as fallback)
  --dir DIR          keep sources and destinations in DIR (created if
                     missing; must be empty or hold sources from an earlier
                     run) instead of a mktemp directory under \${TMPDIR:-/tmp};
                     sources already there with the same shape are reused,
                     so \`$PROG --dir DIR --keep\` re-runs cheaply
  --keep             leave the sources in place at the end (default: remove
                     them); the destination is always removed
  -h, --help         show this help

Environment: IOU_BIN=DIR times the iouwalk, iouplan, iouput and iousync in
DIR (default: build/bin; run \`make\` first); PTCOPY=PATH the baseline
(default: build/bench/ptcopy; \`make build/bench/ptcopy\`, or skipped).
Exit status: 0 done; 1 the pipeline failed or its copy differs from the
source in some workload (see the warnings), or a usage or set-up error.
EOF
}

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*"; }
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
add_workloads() {
	local w
	local -a ws
	[[ -z $ONLY_WORKLOAD ]] || die "--workload: this script runs $ONLY_WORKLOAD only (bench/copy runs any)"
	IFS=, read -ra ws <<<"$1"
	for w in "${ws[@]}"; do
		[[ " ${ALL_WORKLOADS[*]} " == *" $w "* ]] ||
			die "--workload: unknown workload '$w' (${ALL_WORKLOADS[*]})"
		WORKLOADS+=("$w")
	done
}

parse_args() {
	while (($#)); do
		case $1 in
		--workload) (($# >= 2)) || die "--workload needs a name"; add_workloads "$2"; shift 2 ;;
		--workload=*) add_workloads "${1#*=}"; shift ;;
		--files) (($# >= 2)) || die "--files needs a number"; FILES=$2; shift 2 ;;
		--files=*) FILES=${1#*=}; shift ;;
		--mib-files) (($# >= 2)) || die "--mib-files needs a number"; MIB_FILES=$2; shift 2 ;;
		--mib-files=*) MIB_FILES=${1#*=}; shift ;;
		--share-dir) (($# >= 2)) || die "--share-dir needs a directory"; SHARE=$2; shift 2 ;;
		--share-dir=*) SHARE=${1#*=}; shift ;;
		--big-size) (($# >= 2)) || die "--big-size needs a size"; BIG_SIZE=$2; shift 2 ;;
		--big-size=*) BIG_SIZE=${1#*=}; shift ;;
		--fio-direct) FIO_DIRECT=1; shift ;;
		--rounds) (($# >= 2)) || die "--rounds needs a number"; ROUNDS=$2; shift 2 ;;
		--rounds=*) ROUNDS=${1#*=}; shift ;;
		--iouput-opts) (($# >= 2)) || die "--iouput-opts needs a string"; IOUPUT_OPTS=$2; shift 2 ;;
		--iouput-opts=*) IOUPUT_OPTS=${1#*=}; shift ;;
		--check-peers) CHECK_PEERS=1; shift ;;
		--perf) PERF=1; shift ;;
		--dir) (($# >= 2)) || die "--dir needs a directory"; DIR=$2; shift 2 ;;
		--dir=*) DIR=${1#*=}; shift ;;
		--keep) KEEP=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; die "unknown argument: $1" ;;
		esac
	done
	is_count "$FILES" || die "--files: not a positive number: $FILES"
	is_count "$MIB_FILES" || die "--mib-files: not a positive number: $MIB_FILES"
	is_count "$ROUNDS" || die "--rounds: not a positive number: $ROUNDS"
	if [[ -n $ONLY_WORKLOAD ]]; then
		WORKLOADS=("$ONLY_WORKLOAD")
	elif ((!${#WORKLOADS[@]})); then
		WORKLOADS=("${ALL_WORKLOADS[@]}")
	fi
	if ! BIG_BYTES=$(numfmt --from=iec -- "${BIG_SIZE%[Bb]}" 2>/dev/null) || ! is_count "$BIG_BYTES"; then
		die "--big-size: not a size: $BIG_SIZE (examples: 4G, 512M, 1073741824)"
	fi
	((SMALL_DIRS > FILES)) && SMALL_DIRS=$FILES
	IS_ROOT=0
	[[ $(id -u) == 0 ]] && IS_ROOT=1
	return 0
}

# has_workload NAME: is NAME among the workloads to run?
has_workload() { [[ " ${WORKLOADS[*]} " == *" $1 "* ]]; }

# ---------------------------------------------------------------- tools

check_tools() {
	local t
	for t in iouwalk iouplan iouput iousync; do
		[[ -x $IOU_BIN/$t ]] || die "no $t at $IOU_BIN/$t: run \`make\` in $ROOT first (or set IOU_BIN)"
	done
	[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 or later (for EPOCHREALTIME)"
	command -v rsync >/dev/null || die "needs rsync, to check the pipeline's copy (and as a peer)"
	command -v perl >/dev/null || die "needs perl, to build the trees"
	if has_workload usrshare; then
		[[ -d $SHARE && -r $SHARE ]] || die "--share-dir $SHARE: not a readable directory"
		SHARE=$(cd -- "$SHARE" && pwd -P)
	fi
	HAVE_TIME=0
	[[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null && HAVE_TIME=1
	return 0
}

# ---------------------------------------------------------------- bench dir
#
# Layout: DIR/$STAMP_NAME says the directory is ours; DIR/src/NAME is the
# source of workload NAME and DIR/$STAMP_NAME.NAME says, once it is complete,
# its shape; DIR/dst is the destination of the current run (and resync's),
# DIR/dsts/N the destinations of a workload whose copies are kept.

setup_dir() {
	CREATED_DIR=0
	if [[ -z $DIR ]]; then
		DIR=$(mktemp -d "${TMPDIR:-/tmp}/${STAMP_NAME#.}.XXXXXX")
		CREATED_DIR=1
	elif [[ ! -e $DIR ]]; then
		mkdir -p -- "$DIR"
		CREATED_DIR=1
	fi
	[[ -d $DIR && ! -L $DIR ]] || die "--dir $DIR: not a directory"
	DIR=$(cd -- "$DIR" && pwd)
	MARK=$DIR/$STAMP_NAME
	DST=$DIR/dst
	ERR=$DIR/err
	RSS=$DIR/rss
	if [[ ! -f $MARK ]]; then
		[[ -z $(ls -A -- "$DIR") ]] ||
			die "--dir $DIR is not empty and holds nothing from $PROG; give an empty or new directory"
		printf 'iou-bench-copy\n' >"$MARK"
	fi
	mkdir -p -- "$DIR/src"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	rm_tree "$DST"
}

# rm_tree PATH: remove PATH even where a copy left directories unwritable.
rm_tree() {
	[[ -e $1 || -L $1 ]] || return 0
	rm -rf -- "$1" 2>/dev/null && return 0
	chmod -R u+rwx -- "$1" 2>/dev/null || true
	rm -rf -- "$1"
}

# Only ever delete what this script made: DIR/src, DIR/dst, its scratch
# files and stamps, and DIR itself when this run created it.
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[[ -f ${MARK:-} ]] || return 0
	rm_tree "$DST" || true
	rm_tree "$DIR/dst" || true
	rm_tree "$DIR/dsts" || true
	rm -f -- "$ERR" "$DIR"/verify.* "$RSS".* "$DIR"/perf.out "$DIR"/strace.out "$DIR"/fio.json "$DIR"/dst.walk
	if ((KEEP)); then
		note "kept sources: $DIR/src (reuse with --dir $DIR)"
		return 0
	fi
	rm_tree "$DIR/src" || true
	rm -f -- "$MARK" "$MARK".*
	((CREATED_DIR)) && rmdir -- "$DIR" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- sources

# count N ONE MANY: N and the word for it.
count() { if (($1 == 1)); then echo "$1 $2"; else echo "$1 $3"; fi; }

# human BYTES: BYTES in bytes, KiB, MiB, GiB or TiB.
human() {
	awk -v b="$1" 'BEGIN {
		split("bytes KiB MiB GiB TiB", u, " ")
		for (i = 1; b >= 1024 && i < 5; i++) b /= 1024
		printf(i == 1 ? "%d %s\n" : "%.1f %s\n", b, u[i]) }'
}

# need_space WORKLOAD BYTES WHAT: die unless the bench file system has BYTES
# available.
need_space() {
	local avail
	avail=$(df -B1 --output=avail -- "$DIR" | tail -n 1 | tr -d ' ')
	((avail >= $2)) || die "$1: needs about $(human "$2") free in $DIR ($3)," \
		"but only $(human "$avail") is available; free some space or use --dir on a bigger file system"
}

# ready NAME SHAPE: is the source of NAME complete and of this SHAPE?
ready() {
	[[ -f $MARK.$1 && -d $DIR/src/$1 && $(<"$MARK.$1") == "ready $2" ]]
}

# build_files SRC N DIRS SIZE: N files of SIZE bytes, distinct content each,
# spread over DIRS directories d000, d001, ... (DIRS 0: all in SRC itself).
build_files() {
	mkdir -- "$1"
	# One pool of random bytes; each file gets its number and a slice of
	# the pool at its own offset, so no two files have the same content.
	perl -e '
		use strict; use warnings;
		my ($root, $n, $nd, $size) = @ARGV;
		my $pool_size = $size > 0 ? 2 * $size + (1 << 20) : 0;
		my $pool = "";
		if ($pool_size) {
			open my $r, "<:raw", "/dev/urandom" or die "/dev/urandom: $!\n";
			read($r, $pool, $pool_size) == $pool_size or die "/dev/urandom: short read\n";
			close $r;
		}
		for my $d (0 .. $nd - 1) {
			my $p = sprintf "%s/d%03d", $root, $d;
			mkdir $p or die "mkdir $p: $!\n";
		}
		for my $i (0 .. $n - 1) {
			my $p = $nd ? sprintf("%s/d%03d/f%06d", $root, $i % $nd, $i)
				    : sprintf("%s/f%06d", $root, $i);
			open my $f, ">:raw", $p or die "$p: $!\n";
			if ($size > 0) {
				my $head = "iou-bench-copy file $i\n";
				my $off = ($i * 4099) % ($pool_size - $size);
				print $f $head, substr($pool, $off, $size - length $head) or die "$p: $!\n";
			}
			close $f or die "$p: $!\n";
		}' "$@"
}

# build_NAME SRC: make the source of workload NAME (prepare calls them).
# shellcheck disable=SC2317
build_small() { build_files "$1" "$FILES" "$SMALL_DIRS" "$SMALL_SIZE"; }
# shellcheck disable=SC2317
build_empty() { build_files "$1" "$FILES" 0 0; }
# shellcheck disable=SC2317
build_mib() { build_files "$1" "$MIB_FILES" 0 "$MIB_SIZE"; }

# shellcheck disable=SC2317
build_usrshare() {
	local src=$1 n
	if ! cp -a -- "$SHARE" "$src" 2>"$ERR"; then
		[[ -d $src ]] || die "usrshare: cp -a $SHARE failed: $(head -n 1 "$ERR")"
		n=$(wc -l <"$ERR")
		warn "usrshare: cp -a could not copy everything in $SHARE ($n errors; first:" \
			"$(head -n 1 "$ERR")); timing what was copied"
	fi
	# What this user could not read in SHARE it could not copy; make sure
	# what was copied is readable, or every command would fail on it.
	((IS_ROOT)) || chmod -R u+rX -- "$src" 2>/dev/null || true
}

# shellcheck disable=SC2317
build_big() {
	local src=$1 f=$1/data.bin blocks bsize
	mkdir -- "$src"
	head -c "$BIG_BYTES" /dev/urandom >"$f"
	read -r blocks bsize < <(stat -c '%b %B' -- "$f")
	((blocks * bsize >= BIG_BYTES)) ||
		die "big: $f is sparse ($((blocks * bsize)) bytes allocated of $BIG_BYTES)"
}

# prepare WORKLOAD: build or reuse the source the workload reads (resync
# reads small's); sets SRC and SHAPE_TEXT.
prepare() {
	local wl=$1 name=$1 shape t0 bytes
	[[ $wl == resync ]] && name=small
	SRC=$DIR/src/$name
	case $name in
	small)
		shape="v1 files=$FILES dirs=$SMALL_DIRS size=$SMALL_SIZE"
		SHAPE_TEXT="$FILES files of $SMALL_SIZE bytes in $SMALL_DIRS directories"
		bytes=$((FILES * (SMALL_SIZE + 256) + SMALL_DIRS * 4096))
		;;
	empty)
		shape="v1 files=$FILES"
		SHAPE_TEXT="$FILES empty files in one directory"
		bytes=$((FILES * 256 + 4096))
		;;
	mib)
		shape="v1 files=$MIB_FILES size=$MIB_SIZE"
		SHAPE_TEXT="$MIB_FILES files of 1 MiB in one directory"
		bytes=$((MIB_FILES * (MIB_SIZE + 4096)))
		;;
	usrshare)
		shape="v1 share=$SHARE"
		SHAPE_TEXT="a copy of $SHARE"
		if ready "$name" "$shape"; then
			bytes=$(du -s -B1 -- "$SRC" | cut -f1)
		else
			bytes=$(du -s -B1 -- "$SHARE" 2>/dev/null | cut -f1) || true
			bytes=${bytes:-0}
		fi
		;;
	big)
		shape="v1 bytes=$BIG_BYTES"
		SHAPE_TEXT="one file of $(human "$BIG_BYTES")"
		bytes=$BIG_BYTES
		;;
	esac
	[[ $wl == resync ]] && SHAPE_TEXT="no-change resync of $SHAPE_TEXT"
	if ready "$name" "$shape"; then
		need_space "$wl" "$((2 * bytes))" "one destination plus slack"
		note "$wl: reusing $SRC ($SHAPE_TEXT)"
		return 0
	fi
	rm_tree "$SRC"
	need_space "$wl" "$((3 * bytes))" "the source, one destination and slack"
	note "$wl: building $SRC ($SHAPE_TEXT) ..."
	printf 'building\n' >"$MARK.$name"
	t0=$SECONDS
	"build_$name" "$SRC"
	sync -f -- "$SRC" 2>/dev/null || true
	printf 'ready %s\n' "$shape" >"$MARK.$name"
	note "$wl: built in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------- commands
#
# LABEL[i] is what the table shows; CMD[i] is evaluated with $SRC and $DST
# set, stdout on /dev/null and stderr in $ERR; CHECKABLE[i] says whether
# what it leaves in $DST is a copy rsync can check. Command 0, the pipeline
# (iousync for resync), is the reference for the ratios. RSS_CMD is the
# pipeline with GNU time around each stage, writing $RSS.STAGE.

# shellcheck disable=SC2016 # $SRC and $DST expand when the command runs
set_commands() {
	local wl=$1 q_opts='' qbin qrss nid='' nown='' fio_direct='' fio_label
	local -a put_opts
	read -ra put_opts <<<"$IOUPUT_OPTS"
	((${#put_opts[@]})) && q_opts=$(printf ' %q' "${put_opts[@]}")
	qbin=$(printf '%q' "$IOU_BIN")
	qrss=$(printf '%q' "$RSS")
	((IS_ROOT)) && nid=' --numeric-ids' nown=' --numeric-owner'
	LABEL=() CMD=() CHECKABLE=() CNOTES=()
	FIO_INDEX=-1
	if [[ $wl == resync ]]; then
		add "iousync SRC DST" "$qbin/iousync \"\$SRC\" \"\$DST\""
		add "rsync -aHAX$nid" "rsync -aHAX$nid \"\$SRC/\" \"\$DST/\""
		RSS_CMD="/usr/bin/time -f %M -o $qrss.dstwalk $qbin/iouwalk -X \"\$DST\" >$qrss.walkfile &&
			/usr/bin/time -f %M -o $qrss.walk $qbin/iouwalk -X \"\$SRC\" |
			/usr/bin/time -f %M -o $qrss.plan $qbin/iouplan --against $qrss.walkfile |
			/usr/bin/time -f %M -o $qrss.put $qbin/iouput \"\$DST\""
		RSS_STAGES=(dstwalk walk plan put)
		RSS_NAMES=("iouwalk -X DST" "iouwalk -X SRC" "iouplan --against" "iouput")
		[[ -n $IOUPUT_OPTS ]] && CNOTES+=("--iouput-opts does not apply to iousync, ignored")
		return 0
	fi
	add "iouwalk | iouplan --stream | iouput --stream$q_opts" \
		"$qbin/iouwalk \"\$SRC\" | $qbin/iouplan --stream |
		$qbin/iouput --stream$q_opts \"\$DST\""
	RSS_CMD="/usr/bin/time -f %M -o $qrss.walk $qbin/iouwalk \"\$SRC\" |
		/usr/bin/time -f %M -o $qrss.plan $qbin/iouplan --stream |
		/usr/bin/time -f %M -o $qrss.put $qbin/iouput --stream$q_opts \"\$DST\""
	RSS_STAGES=(walk plan put)
	RSS_NAMES=(iouwalk "iouplan --stream" "iouput --stream")
	add "cp -a" 'cp -a -- "$SRC" "$DST"'
	add "rsync -aHAX$nid" "rsync -aHAX$nid \"\$SRC/\" \"\$DST/\""
	if tar --version 2>/dev/null | head -n 1 | grep -q 'GNU tar'; then
		add "tar -c | tar -xp (--xattrs --acls)" \
			"mkdir -- \"\$DST\" && tar -C \"\$SRC\" --xattrs --acls$nown -cf - . |
			tar -C \"\$DST\" --xattrs --xattrs-include='*' --acls$nown -xpf -"
	else
		CNOTES+=("tar: not GNU tar, skipped")
	fi
	if [[ -x $PTCOPY ]]; then
		add "ptcopy -j $(nproc) (plain threads)" "$(printf '%q' "$PTCOPY") -- \"\$SRC\" \"\$DST\""
	else
		CNOTES+=("ptcopy: no $PTCOPY (run \`make build/bench/ptcopy\`), skipped")
	fi
	if [[ $wl == big ]]; then
		if ! command -v fio >/dev/null; then
			CNOTES+=("fio: not installed, no sequential limit measured")
		elif [[ $DIR == *:* ]]; then
			CNOTES+=("fio: the bench directory's path has a ':', which fio splits file names on; skipped")
		else
			fio_label="fio read+write bs=1M"
			((FIO_DIRECT)) && fio_direct=' --direct=1' fio_label="fio read+write O_DIRECT"
			# Global options first, then one read and one write job
			# running at once, as a copy reads and writes.
			add "$fio_label (own time)" \
				"mkdir -- \"\$DST\" && fio --output=$(printf '%q' "$DIR/fio.json") --output-format=json \
				--bs=1M --ioengine=psync --invalidate=0$fio_direct \
				--name=read --filename=\"\$SRC/data.bin\" --rw=read --size=$BIG_BYTES \
				--name=write --filename=\"\$DST/data.bin\" --rw=write --size=$BIG_BYTES"
			CHECKABLE[${#CMD[@]} - 1]=0
			FIO_INDEX=$((${#CMD[@]} - 1))
		fi
	fi
}
add() { LABEL+=("$1"); CMD+=("$2"); CHECKABLE+=(1); }

# next_dst: point DST at a fresh destination for the next run (resync: the
# one destination it keeps) and sync the bench file system. With
# FRESH_NAMES, every run gets a new destination and none is removed until
# the workload ends: see settle().
SEQ=0
FRESH_NAMES=0
RESYNC=0
next_dst() {
	if ((RESYNC)); then
		DST=$DIR/dst
	elif ((FRESH_NAMES)); then
		SEQ=$((SEQ + 1))
		DST=$DIR/dsts/$SEQ
		mkdir -p -- "$DIR/dsts"
	else
		DST=$DIR/dst
		rm_tree "$DST"
	fi
	sync -f -- "$DIR" 2>/dev/null || true
}

# run I [COMMAND]: one run of command I (or of COMMAND in its place) into
# the next destination; sets ST (exit status) and US (wall time in
# microseconds). Preparing the destination is outside the timed region.
run() {
	local t0 t1 cmd=${2:-${CMD[$1]}}
	next_dst
	ST=0
	t0=$EPOCHREALTIME
	eval "$cmd" >/dev/null 2>"$ERR" || ST=$?
	t1=$EPOCHREALTIME
	US=$((${t1/[.,]/} - ${t0/[.,]/}))
	(($1 == FIO_INDEX && !ST)) && fio_time
	return 0
}

# fio_time: US = the run time fio measured itself (its slower job's), from
# its JSON report: fio takes a few tenths of a second to start, which would
# swamp a small --big-size and lower the limit it stands for.
fio_time() {
	local ms
	ms=$(awk -F: '/"job_runtime"/ { gsub(/[ ,]/, "", $2); if ($2 + 0 > m) m = $2 + 0 }
		END { print m + 0 }' "$DIR/fio.json" 2>/dev/null) || ms=0
	if ((ms > 0)); then
		US=$((ms * 1000))
	else
		ST=1
		echo "fio: no job_runtime in its JSON report" >"$ERR"
	fi
	rm -f -- "$DIR/fio.json"
}

# settle ENTRIES LAST: remove the workload's destinations (ENTRIES entries
# each) and let the file system forget them, unless this was the LAST
# workload. ext4 (ext2/ext3 on the same driver) without a journal skips
# inodes freed in the last dirty_expire_centisecs (+5 s) when it allocates
# new ones, and scans the inode table to find them: a copy made right after
# deleting 100,000 files spends most of its time there (perf: ext4_create ->
# recently_deleted), and the time swings by 3x from run to run. So runs
# within a workload never delete, and the deletion happens once, with a
# wait after it, between workloads (when 10,000 entries or more went).
settle() {
	local wait removed
	if ((RESYNC)); then
		removed=$1
		rm_tree "$DIR/dst"
	elif ((FRESH_NAMES)); then
		removed=$(($1 * SEQ))
		rm_tree "$DIR/dsts"
	else
		return 0
	fi
	sync -f -- "$DIR" 2>/dev/null || true
	((removed >= 10000 && !$2)) || return 0
	case $fstype in
	ext2/ext3 | ext4)
		wait=$(($(cat /proc/sys/vm/dirty_expire_centisecs 2>/dev/null || echo 3000) / 100 + 6))
		note "waiting ${wait} s for $fstype to stop skipping the inodes just freed ..."
		sleep "$wait"
		;;
	esac
}

# verify: does $DST hold a faithful copy of $SRC? Sets VERIFY (a one-line
# verdict) and returns 1 when rsync finds a difference or fails. The root
# "./" line is allowed (rsync lists it for its own reasons).
verify() {
	local out=$DIR/verify rs=0 nchg nerr
	rsync -aHAXn --numeric-ids --delete --itemize-changes "$SRC/" "$DST/" \
		>"$out.stdout" 2>"$out.stderr" || rs=$?
	grep -v -E '^[.>ch*][dfLDS][^ ]* \./$' "$out.stdout" >"$out.changes" || true
	nchg=$(wc -l <"$out.changes")
	nerr=$(wc -l <"$out.stderr")
	if ((rs == 0 && nchg == 0 && nerr == 0)); then
		VERIFY="copy matches the source"
		return 0
	fi
	VERIFY="rsync -aHAXn --numeric-ids --delete --itemize-changes finds $nchg differing lines"
	((nchg)) && VERIFY+=" (first: $(head -n 1 "$out.changes" | cut -c1-120))"
	((rs)) && VERIFY+="; rsync exit status $rs"
	((nerr)) && VERIFY+="; rsync errors: $(head -n 1 "$out.stderr" | cut -c1-160)"
	return 1
}

# ---------------------------------------------------------------- report

# stats "T1 T2 ...": prints "median min max" in microseconds.
stats() {
	local -a t
	read -ra t <<<"$1"
	printf '%s\n' "${t[@]}" | sort -n | awk '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%d %d %d\n", m, v[1], v[NR]
		}'
}

# median_of LABEL: the median in microseconds of the live command LABEL, or
# nothing.
median_of() {
	local i med
	for ((i = 0; i < N; i++)); do
		if [[ ${LABEL[i]} != "$1"* ]] || ((!OK[i])); then continue; fi
		read -r med _ _ <<<"$(stats "${TIMES[i]}")"
		echo "$med"
		return 0
	done
}

# target TEXT NUM DEN OP FACTOR: "target: TEXT", with the ratio of the
# medians of the commands NUM and DEN (labels, or their first words), met
# when the ratio is OP (<= or >=) FACTOR; nothing when either is missing.
target() {
	local a b
	a=$(median_of "$2") b=$(median_of "$3")
	[[ -n $a && -n $b ]] || return 0
	awk -v t="$1" -v a="$a" -v b="$b" -v op="$4" -v f="$5" 'BEGIN {
		r = b > 0 ? a / b : 0
		met = op == "<=" ? r <= f : r >= f
		printf "target:   %s: %.2f, %s\n", t, r, (met ? "met" : "not met") }'
}

# report_rss ENTRIES: the stages' peaks from the RSS run, next to the limit.
report_rss() {
	local s vals=()
	if [[ -z ${RSS_DONE:-} ]]; then
		echo "peak RSS: ${RSS_WHY:-not measured}"
		return 0
	fi
	for s in "${RSS_STAGES[@]}"; do vals+=("$(tail -n 1 "$RSS.$s")"); done
	awk -v names="$(printf '%s\t' "${RSS_NAMES[@]}")" -v vals="${vals[*]}" -v n="$1" 'BEGIN {
		k = split(names, nm, "\t"); split(vals, v, " ")
		for (i = 1; i < k; i++) { sum += v[i]; line = line sprintf("%s%s %.1f", i > 1 ? " + " : "", nm[i], v[i] / 1024) }
		lim = 100 * 1024 + n * 1024 / 1000
		printf "peak RSS: %s = %.1f MiB (sum of the stages'"'"' peaks, GNU time %%M)\n", line, sum / 1024
		printf "target:   peak RSS <= 100 MiB + 1 MiB per 1000 entries = %.1f MiB: %s\n", lim / 1024,
			(sum <= lim ? "met" : "not met") }'
}

# ---------------------------------------------------------------- --perf

# perf_setup: pick how to count (sets PERF_EVENTS, PERF_USE_STRACE, PERF_SRC).
perf_setup() {
	PERF_EVENTS='' PERF_USE_STRACE=0 PERF_SRC=
	if command -v perf >/dev/null && perf stat -e context-switches,task-clock -- true >/dev/null 2>&1; then
		PERF_EVENTS=context-switches,task-clock
		if perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
			PERF_EVENTS+=,raw_syscalls:sys_enter
			PERF_SRC="perf stat -e raw_syscalls:sys_enter"
		fi
	else
		NOTES+=("--perf: perf stat -e context-switches,task-clock does not work here (missing, or" \
			"kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo '?'))")
	fi
	if [[ $PERF_EVENTS != *raw_syscalls* ]]; then
		if command -v strace >/dev/null; then
			PERF_USE_STRACE=1 PERF_SRC="strace -c -f (separate run)"
		else
			PERF_SRC="unavailable (no perf syscall tracepoint, no strace)"
		fi
	fi
}

# perf_get OUT EVENT: the count of EVENT in perf's CSV OUT, or "-".
perf_get() {
	awk -F, -v e="$2" '$3 == e && $1 ~ /^[0-9.]+$/ { print $1; f = 1 } END { if (!f) print "-" }' "$1"
}

# counted TOOL ARGS... -- COMMAND: run COMMAND (a shell string, with SRC and
# DST in the environment) under TOOL into the next destination.
counted() {
	local -a tool=()
	while [[ $1 != -- ]]; do tool+=("$1"); shift; done
	next_dst
	SRC=$SRC DST=$DST "${tool[@]}" -- bash -c "$2" >/dev/null 2>"$ERR"
}

# per_entry COUNT DIGITS ENTRIES: COUNT / ENTRIES, or "-".
per_entry() { awk -v x="$1" -v d="$2" -v n="$3" 'BEGIN { if (x == "-") print "-"; else printf "%.*f\n", d, x / n }'; }

# perf_report ENTRIES: one untimed counted run of each live command.
perf_report() {
	local i sc cs tc out=$DIR/perf.out
	echo
	echo "== $wl: per-entry costs ($1 entries; one untimed run each; syscalls from $PERF_SRC)"
	printf '%-38s %14s %12s %12s %14s\n' command syscalls/entry ctxsw/entry ctxsw "task-clock ms"
	printf '%-38s %14s %12s %12s %14s\n' -------------------------------------- -------------- \
		------------ ------------ --------------
	for ((i = 0; i < N; i++)); do
		((OK[i])) || continue
		sc=- cs=- tc=-
		if [[ -n $PERF_EVENTS ]] && counted perf stat -x, -o "$out" -e "$PERF_EVENTS" -- "${CMD[i]}"; then
			cs=$(perf_get "$out" context-switches)
			tc=$(perf_get "$out" task-clock)
			[[ $PERF_EVENTS == *raw_syscalls* ]] && sc=$(perf_get "$out" raw_syscalls:sys_enter)
		fi
		if ((PERF_USE_STRACE)); then
			if counted strace -c -f -o "$out" -- "${CMD[i]}"; then
				sc=$(awk '$NF == "total" { print $4; f = 1 } END { if (!f) print "-" }' "$out")
			fi
		fi
		rm -f -- "$out"
		[[ $tc == - ]] || tc=$(awk -v x="$tc" 'BEGIN { printf "%.1f", x }')
		printf '%-38s %14s %12s %12s %14s\n' "${LABEL[i]}" "$(per_entry "$sc" 3 "$1")" \
			"$(per_entry "$cs" 4 "$1")" "$cs" "$tc"
	done
	echo "counts cover every process and thread of the command (perf stat follows children)."
}

# ---------------------------------------------------------------- machine

print_header() {
	local cpu mem
	fstype=$(stat -f -c %T -- "$DIR" 2>/dev/null || echo '?')
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
	echo "== iou copy benchmark"
	echo "machine:  $(nproc) CPUs${cpu:+, $cpu}; ${mem:+$mem RAM; }Linux $(uname -r)"
	echo "bench:    $DIR ($fstype)$( ((IS_ROOT)) && echo ', as root')"
	echo "iou:      $("$IOU_BIN/iouput" --version 2>/dev/null | head -n 1 || echo '?') ($IOU_BIN)"
	echo "peers:    $(cp --version | head -n 1); $(rsync --version | head -n 1 | tr -s ' ');" \
		"$(tar --version 2>/dev/null | head -n 1 || echo 'no tar');" \
		"$([[ -x $PTCOPY ]] && echo "ptcopy ($PTCOPY)" || echo 'no ptcopy')$(has_workload big &&
			echo "; $(fio --version 2>/dev/null || echo 'no fio')")"
	echo "rounds:   $ROUNDS, interleaved; wall time per run into a fresh destination, warm cache"
	echo "workload: ${WORKLOADS[*]}"
	case $fstype in
	btrfs | xfs) NOTES+=("$fstype may share extents: cp (--reflink=auto) and iouput (FICLONE) may clone instead of copying") ;;
	esac
	((HAVE_TIME)) || NOTES+=("no GNU time (/usr/bin/time): peak RSS not measured")
}

# ---------------------------------------------------------------- workloads

# warm_up: one untimed run of each command; the pipeline's (and with
# --check-peers every checkable) copy is checked. Sets OK[] and TIMES[].
warm_up() {
	local i msg
	note "$wl: warming up (one untimed run each) ..."
	OK=() TIMES=()
	for ((i = 0; i < N; i++)); do
		OK[i]=1 TIMES[i]=""
		if ((i == 0 && !RESYNC && HAVE_TIME)); then
			run 0 "$RSS_CMD"
			((ST)) || RSS_DONE=1
		else
			run "$i"
		fi
		if ((ST)); then
			OK[i]=0
			msg="${LABEL[i]}: failed in warm-up (exit status $ST): $(head -n 1 "$ERR" | cut -c1-200)"
			warn "$wl: $msg"
			WNOTES+=("$msg")
			((i == 0)) && break
			continue
		fi
		[[ -s $ERR ]] && WNOTES+=("${LABEL[i]}: wrote to stderr: $(head -n 1 "$ERR" | cut -c1-200)")
		if ((i == 0 || (CHECK_PEERS && CHECKABLE[i]) || RESYNC)); then
			if verify; then
				note "  ${LABEL[i]}: $VERIFY"
			else
				warn "$wl: ${LABEL[i]}: $VERIFY"
				WNOTES+=("${LABEL[i]}: $VERIFY")
				((i == 0)) && FAILED_ANY=1
			fi
		fi
	done
}

# make_resync_dst: the destination every resync run finds, copied once by
# iousync and checked; then the stages iousync runs, under GNU time.
make_resync_dst() {
	next_dst
	rm_tree "$DST"
	note "resync: making the destination once (iousync, untimed) ..."
	if ! "$IOU_BIN/iousync" "$SRC" "$DST" >/dev/null 2>"$ERR"; then
		die "resync: iousync could not make the destination: $(head -n 1 "$ERR")"
	fi
	if verify; then
		note "  iousync SRC DST (first copy): $VERIFY"
	else
		warn "resync: iousync SRC DST (first copy): $VERIFY"
		WNOTES+=("iousync SRC DST (first copy): $VERIFY")
		FAILED_ANY=1
	fi
	if ((HAVE_TIME)); then
		run 0 "$RSS_CMD"
		if ((ST)); then
			RSS_WHY="the stages failed (exit status $ST): $(head -n 1 "$ERR" | cut -c1-200)"
		else
			RSS_DONE=1
		fi
	fi
}

# time_rounds: ROUNDS interleaved rounds of every live command.
time_rounds() {
	local r k i live=0 msg
	for ((i = 0; i < N; i++)); do ((OK[i])) && live=$((live + 1)); done
	note "timing $ROUNDS rounds of $live commands ..."
	for ((r = 0; r < ROUNDS; r++)); do
		for ((k = 0; k < N; k++)); do
			i=$(((r + k) % N))
			((OK[i])) || continue
			run "$i"
			if ((ST)); then
				OK[i]=0
				msg="${LABEL[i]}: failed in round $((r + 1)) (exit status $ST): $(head -n 1 "$ERR" | cut -c1-200)"
				warn "$wl: $msg"
				WNOTES+=("$msg")
				((i == 0)) && FAILED_ANY=1
				continue
			fi
			TIMES[i]+=" $US"
		done
	done
}

# print_table: the medians, spreads, ratios and rates of the rounds.
print_table() {
	local i med lo hi div=1000 unit=ms dec=1 slowest=0 ref=0 noisy=0 rate=1
	((RESYNC)) && rate=0
	# The unit: seconds when the slowest median reaches 10 s.
	for ((i = 0; i < N; i++)); do
		((OK[i])) || continue
		read -r med _ _ <<<"$(stats "${TIMES[i]}")"
		((med > slowest)) && slowest=$med
	done
	((slowest >= 10000000)) && div=1000000 unit=s dec=2
	((OK[0])) && read -r ref _ _ <<<"$(stats "${TIMES[0]}")"
	echo
	printf '%-38s %10s %21s %8s %8s\n' command "median $unit" "min-max $unit" ratio MiB/s
	printf '%-38s %10s %21s %8s %8s\n' -------------------------------------- ---------- \
		--------------------- -------- --------
	for ((i = 0; i < N; i++)); do
		if ((!OK[i])); then
			printf '%-38s %10s %21s %8s %8s\n' "${LABEL[i]}" failed - - -
			continue
		fi
		read -r med lo hi <<<"$(stats "${TIMES[i]}")"
		((hi - lo > med / 4)) && noisy=1
		awk -v l="${LABEL[i]}" -v m="$med" -v lo="$lo" -v hi="$hi" -v ref="$ref" \
			-v div="$div" -v dec="$dec" -v b="$bytes" -v rate="$rate" 'BEGIN {
			f = "%." dec "f"
			printf "%-38s %10s %21s %8s %8s\n", l, sprintf(f, m / div),
				sprintf(f "-" f, lo / div, hi / div),
				(ref > 0 ? sprintf("%.2f", m / ref) : "-"),
				(rate && m > 0 ? sprintf("%.1f", b / 1048576 / (m / 1e6)) : "-") }'
	done
	echo
	echo "ratio = median / median of $( ((RESYNC)) && echo 'iousync' || echo 'the pipeline'): >1 means iou is faster."
	((noisy)) && echo "note: some spreads exceed 25% of the median: the machine is busy or noisy;" \
		"trust the medians less, or re-run with more --rounds on a quiet machine"
	return 0
}

# print_targets: the targets of issue 6 that this workload measures.
print_targets() {
	case $wl in
	big)
		target "within 10% of cp -a: pipeline / cp <= 1.10" iouwalk "cp -a" '<=' 1.10
		target "within 20% of the sequential limit: pipeline / fio <= 1.20" iouwalk fio '<=' 1.20
		;;
	resync)
		target "no-change resync 5x faster than rsync -aHAX: rsync / iousync >= 5" rsync iousync '>=' 5
		;;
	esac
	report_rss "$nent"
}

# one_workload WL LAST: build, warm up, time and report one workload.
one_workload() {
	local avail need copies
	wl=$1
	echo
	prepare "$wl"
	read -r nent nfile ndir bytes < <(find "$SRC" -printf '%y %s\n' | awk '
		{ n++ } $1 == "f" { f++; b += $2 } $1 == "d" { d++ }
		END { printf "%d %d %d %.0f\n", n, f, d, b }')
	WNOTES=()
	RSS_DONE='' RSS_WHY=
	((HAVE_TIME)) || RSS_WHY="no GNU time (/usr/bin/time)"
	set_commands "$wl"
	N=${#CMD[@]}
	if [[ $wl == big ]]; then
		memkb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
		((2 * BIG_BYTES > memkb * 1024)) &&
			WNOTES+=("source plus copy exceed RAM: the cache is not all warm, reads may hit the disk")
	fi
	[[ $wl == empty || $wl == mib ]] && [[ -x $PTCOPY ]] &&
		WNOTES+=("ptcopy takes one directory per task: this flat tree is copied by one of its threads")

	# Many-file workloads keep every copy until the end (see settle) when
	# the space allows: (rounds + 1 + perf) copies by each command, plus
	# slack. Resync keeps its one destination.
	FRESH_NAMES=0 RESYNC=0 SEQ=0
	if [[ $wl == resync ]]; then
		RESYNC=1
	elif [[ $wl != big ]]; then
		avail=$(df -P -k -- "$DIR" | awk 'NR == 2 { print $4 }')
		need=$(du -sk -- "$SRC" | awk '{ print $1 }')
		copies=$(((ROUNDS + 1 + PERF) * N))
		if ((avail > need * copies + need * 4)); then
			FRESH_NAMES=1
		else
			WNOTES+=("too little space to keep every copy: each run deletes the last one, so times vary more (see settle in the script)")
		fi
	fi

	((RESYNC)) && make_resync_dst
	warm_up

	echo
	echo "== $wl: $SHAPE_TEXT"
	echo "source:   $SRC: $(count "$nent" entry entries) ($(count "$nfile" file files), $(count "$ndir" directory directories)), $(human "$bytes") of file data"
	if ((!OK[0])); then
		FAILED_ANY=1
		echo "the pipeline failed, nothing timed: ${WNOTES[0]}"
		for n in "${WNOTES[@]:1}"; do echo "note: $n"; done
		settle "$nent" "$2"
		return 0
	fi

	time_rounds
	if ((RESYNC)); then
		# Nothing changed, so the resyncs must have left a faithful copy.
		verify || {
			warn "$wl: after the timed resyncs: $VERIFY"
			WNOTES+=("after the timed resyncs: $VERIFY")
			FAILED_ANY=1
		}
	fi
	print_table
	print_targets
	((PERF)) && perf_report "$nent"
	for n in "${WNOTES[@]+"${WNOTES[@]}"}" "${CNOTES[@]+"${CNOTES[@]}"}"; do echo "note: $n"; done
	((FRESH_NAMES)) || rm_tree "$DIR/dst"
	settle "$nent" "$2"
}

# copy_bench_main ARGS...: the whole benchmark.
copy_bench_main() {
	local k
	NOTES=()
	parse_args "$@"
	check_tools
	setup_dir
	((PERF)) && perf_setup
	print_header
	FAILED_ANY=0
	for ((k = 0; k < ${#WORKLOADS[@]}; k++)); do
		one_workload "${WORKLOADS[k]}" $((k == ${#WORKLOADS[@]} - 1))
	done
	if ((${#NOTES[@]})); then
		echo
		for n in "${NOTES[@]}"; do echo "note: $n"; done
	fi
	exit "$FAILED_ANY"
}
