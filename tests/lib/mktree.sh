#!/bin/bash
# mktree.sh: build a hostile file tree for the iou tests and the demo.
# Run it with --help for what it makes. Bash, coreutils, perl; attr, acl and
# root for some parts, each skipped with a note on stderr when missing.
set -eu

usage() {
	cat <<'EOF'
usage: mktree.sh [--small] [--quiet] DIR

Create DIR (which must not exist or be empty) and fill it with a tree that
exercises every corner a walker or a copier can trip on:

  files/      regular files of 0, 1, 4095, 4096 and 65537 bytes; a 256 MiB
              sparse file with three small data extents; timestamps with
              nanoseconds, before 1970 and in 2100
  hard/       a 3-member hard-link group across three directories
              (hard/a, hard/x/b, hard/y/z/c), a hard-linked symlink pair
              and a hard-linked FIFO pair
  links/      relative, absolute, dangling and looping symlinks; targets
              holding a newline, exactly "-", '%' and a space, every byte
              1..255, and a 4000-byte target
  names/      names with newline, tab, space, backslash, '%', leading dash,
              invalid UTF-8, a 255-byte name, and "..." style names
  special/    a FIFO and a UNIX socket; a char and a block device (root)
  perm/       a 0000 file, a 0000 directory with a file inside, a 0555
              directory, setuid, setgid and sticky files and directories,
              foreign owners 12345:54321 (root)
  xattr/      user.* extended attributes with text and binary values on a
              file and a directory, and a POSIX ACL (when supported); as
              root, trusted.* ones on the file, a symlink and a FIFO
  big/        a directory of 3000 entries (30 with --small)
  deep/       20 nested directories of 250-byte names (a path longer than
              PATH_MAX) with files at the bottom and a hard link from the top
  -rf, --help top-level entries named like options

Options:
  --small   a quick version for demos: a 30-entry big/ directory
  --quiet   no notes about skipped parts
  -h, --help

Removing the tree: "rm -rf DIR" works as root; otherwise first
"chmod -R u+rwx DIR" (perm/ holds a 0000 directory).
EOF
}

small=0 quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--small) small=1 ;;
	--quiet) quiet=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "mktree.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
if [ $# -ne 1 ]; then
	usage >&2
	exit 2
fi

note() { [ "$quiet" = 1 ] || echo "mktree.sh: $*" >&2; }

mkdir -p -- "$1"
if [ -n "$(ls -A -- "$1")" ]; then
	echo "mktree.sh: $1: not empty" >&2
	exit 1
fi
cd -- "$1"
root=$(pwd -P)
is_root=0
[ "$(id -u)" = 0 ] && is_root=1

# Write N pseudo-random-ish but deterministic bytes to a file.
fill() { head -c "$2" /dev/zero | tr '\0' 'x' >"$1"; }

# --- files/ -----------------------------------------------------------------
mkdir files
: >files/size0
printf 'a' >files/size1
fill files/size4095 4095
fill files/size4096 4096
fill files/size65537 65537
# Sparse: 256 MiB apparent, three small extents, a hole at the end.
truncate -s 256M files/sparse
printf 'head' | dd of=files/sparse bs=1 seek=0 conv=notrunc status=none
printf 'middle' | dd of=files/sparse bs=1 seek=$((100 * 1024 * 1024)) conv=notrunc status=none
printf 'late' | dd of=files/sparse bs=1 seek=$((200 * 1024 * 1024 + 17)) conv=notrunc status=none
printf 'ns' >files/mtime-ns
printf 'old' >files/mtime-1960
printf 'neg' >files/mtime-before-epoch-frac
printf 'future' >files/mtime-2100
printf 'zero' >files/mtime-epoch

# --- hard/ ------------------------------------------------------------------
mkdir -p hard/x hard/y/z
printf 'shared by three names\n' >hard/a
ln hard/a hard/x/b
ln hard/a hard/y/z/c
ln -s a hard/symlink1
ln -P hard/symlink1 hard/y/symlink2
mkfifo hard/fifo1
ln hard/fifo1 hard/x/fifo2

# --- links/ -----------------------------------------------------------------
mkdir links
ln -s ../files/size1 links/relative
ln -s "$root/files/size1" links/absolute
ln -s does/not/exist links/dangling
ln -s ../files links/to-dir
ln -s loop-b links/loop-a
ln -s loop-a links/loop-b
ln -s . links/self
ln -s $'line1\nline2' links/newline-target
ln -s -- - links/dash-target
ln -s 'a %41 b%' links/percent-space-target
ln -s $'tab\there' links/tab-target
ln -s $'\xff\xfe-not-utf8' links/invalid-utf8-target
perl -e 'symlink(join("", map { chr } 1 .. 255), $ARGV[0]) or die "symlink: $!\n"' links/all-bytes-target
perl -e 'symlink("t/" x 2000, $ARGV[0]) or die "symlink: $!\n"' links/long-target

# --- names/ -----------------------------------------------------------------
mkdir names
: >names/$'new\nline'
: >names/$'trailing-newline\n'
: >names/$'tab\tname'
: >names/' leading space'
: >names/'trailing space '
: >names/' '
: >names/'back\slash'
: >names/'per%cent%2F'
: >names/-leading-dash
: >names/--
: >names/$'\xff\xfe invalid utf8 \xc3'
: >names/$'\x01\x02\x1f\x7f control'
: >names/'*?[glob]'
: >names/...
: >names/.hidden
: >names/'utf8 ✓ ünïcödé'
long=$(printf '%0255d' 0 | tr 0 L)
: >"names/$long"
mkdir names/$'dir\nwith newline'
: >names/$'dir\nwith newline'/$'inner\nfile'

# --- special/ ---------------------------------------------------------------
mkdir special
mkfifo special/fifo
(cd special && perl -MIO::Socket::UNIX -e '
	IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => "socket", Listen => 1)
		or die "socket: $!\n"')
if [ "$is_root" = 1 ]; then
	mknod special/char c 1 3
	mknod special/block b 7 0
	mknod special/char-big c 511 1048575
else
	note "not root: no device nodes"
fi

# --- perm/ ------------------------------------------------------------------
mkdir -p perm/d0000 perm/d0555 perm/sticky perm/setgid-dir
printf 'hidden\n' >perm/d0000/inside
: >perm/d0555/inside
printf 'x' >perm/f0000
printf 'x' >perm/setuid
printf 'x' >perm/setgid
printf 'x' >perm/setuid-setgid-sticky
printf 'x' >perm/f0777
printf 'x' >perm/foreign
if [ "$is_root" = 1 ]; then
	chown 12345:54321 perm/foreign
	chown -h 12345:54321 links/relative
else
	note "not root: no foreign owners"
fi
chmod 0000 perm/f0000
chmod 4755 perm/setuid
chmod 2755 perm/setgid
chmod 7777 perm/setuid-setgid-sticky
chmod 0777 perm/f0777
chmod 1777 perm/sticky
chmod 2775 perm/setgid-dir
chmod 0555 perm/d0555

# --- xattr/ -----------------------------------------------------------------
mkdir -p xattr/dir
printf 'data\n' >xattr/file
: >xattr/acl
if command -v setfattr >/dev/null &&
	setfattr -n user.text -v 'hello world' xattr/file 2>/dev/null; then
	setfattr -n user.binary -v 0x00ff0a0d25 xattr/file
	setfattr -n user.empty xattr/file
	setfattr -n user.on-dir -v dir xattr/dir
else
	note "no setfattr or no user xattrs here: xattr/ has none"
fi
# trusted.* needs root; symlinks and FIFOs can carry only such attributes.
ln -s file xattr/link
mkfifo xattr/fifo
if command -v setfattr >/dev/null && [ "$(id -u)" = 0 ] &&
	setfattr -n trusted.secret -v 0x00ff xattr/file 2>/dev/null; then
	setfattr -h -n trusted.on-link -v 'link value' xattr/link
	setfattr -n trusted.on-fifo -v fifo xattr/fifo
else
	note "not root or no trusted xattrs here: xattr/ has no trusted.*"
fi
if command -v setfacl >/dev/null && setfacl -m u:12345:r,g:54321:rw xattr/acl 2>/dev/null; then
	setfacl -d -m u:12345:rx xattr/dir
else
	note "no setfacl or no ACLs here: xattr/acl has none"
fi

# --- big/ -------------------------------------------------------------------
mkdir big
n=3000
[ "$small" = 1 ] && n=30
(cd big && seq -f 'entry-%05g' 1 "$n" | xargs touch)

# --- deep/ ------------------------------------------------------------------
# Each path component is 250 bytes; 20 of them make a path of over 5000
# bytes, past PATH_MAX, so every step goes through cd (relative syscalls).
mkdir deep
printf 'top\n' >deep/top-link
(
	cd deep
	pad=$(printf "%0242d" 0 | tr 0 d)
	for i in $(seq -w 1 20); do
		name="level$i-$pad"
		mkdir "$name"
		cd "$name"
		[ $((10#$i % 5)) = 0 ] && : >"file-at-$i"
	done
	printf 'bottom\n' >bottom-file
	ln -s ../../.. bottom-symlink
	mkfifo bottom-fifo
	# A hard link from the top of deep/ to the bottom: "../" x 20 is only
	# 60 bytes, so the link syscall sees short paths.
	ln "$(printf '../%.0s' $(seq 1 20))top-link" bottom-link
)

# --- option-like top-level names ---------------------------------------------
mkdir -- -rf
: >-rf/x
: >--help

# --- timestamps, last: creating entries changes a directory's mtime ----------
touch -d '2020-01-01 00:00:00.123456789 UTC' files/mtime-ns
touch -d '1960-06-15 12:00:00 UTC' files/mtime-1960
touch -d '1969-12-31 23:59:59.5 UTC' files/mtime-before-epoch-frac
touch -d '2100-01-01 00:00:00 UTC' files/mtime-2100
touch -d '1970-01-01 00:00:00 UTC' files/mtime-epoch
touch -h -d '2001-02-03 04:05:06.000000001 UTC' links/relative
touch -d '2010-10-10 10:10:10.999999999 UTC' names
touch -d '1950-01-01 00:00:00.75 UTC' perm/d0555
# The 0000 directory goes last: after it nobody but root can enter it.
chmod 0000 perm/d0000
exit 0
