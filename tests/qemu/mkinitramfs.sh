#!/bin/bash
# mkinitramfs.sh -o OUT.cpio.gz [options]: pack a gzip'ed newc initramfs from a
# list of files, without root, using the kernel's gen_init_cpio.
#   --busybox              add the static busybox as /bin/busybox and /bin/sh
#   --init SRC             the file to run as /init
#   --file SRC:DST[:MODE]  add a file (mode defaults to that of SRC)
#   --dir DST              add an empty directory
#   --list FILE            add raw gen_init_cpio lines (file/dir/nod/slink)
# The base always has /dev/console, /dev/null, /proc, /sys, /dev, /tmp, /run,
# /bin, /sbin, /etc, /mnt, /sysroot.
# Reproducible: the same inputs give the same bytes wherever the tree is. Every
# member has the mtime SOURCE_DATE_EPOCH (default: the time of the tree's git
# commit), members are sorted by path, owners are 0:0, gzip stores no name or
# time, and no host path is stored (only the DST paths).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out= busybox=0 init=
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--busybox) busybox=1; shift ;;
	--init) init=$2; shift 2 ;;
	--file) extra+=("file:$2"); shift 2 ;;
	--dir) extra+=("dir:$2"); shift 2 ;;
	--list) extra+=("list:$2"); shift 2 ;;
	-h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "mkinitramfs: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "mkinitramfs: -o OUT is required" >&2; exit 2; }

gen=${GEN_INIT_CPIO:-$top/build/tools/gen_init_cpio}
if [ ! -x "$gen" ]; then
	src=$top/build/kernel/src/usr/gen_init_cpio.c
	[ -f "$src" ] || { echo "mkinitramfs: $src missing: run 'make kernel' first" >&2; exit 1; }
	mkdir -p "$(dirname "$gen")"
	gcc -O2 -o "$gen" "$src"
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
declare -A dirs=()
add_dir() { # add_dir PATH: the directory and its parents, once each
	local d=$1
	[ "$d" = / ] || [ -z "$d" ] && return 0
	add_dir "$(dirname "$d")"
	[ -n "${dirs[$d]:-}" ] && return 0
	dirs[$d]=1
	echo "dir $d 0755 0 0" >>"$list"
}
for d in /dev /proc /sys /tmp /run /bin /sbin /etc /mnt /sysroot; do add_dir $d; done
echo "nod /dev/console 0600 0 0 c 5 1" >>"$list"
echo "nod /dev/null 0666 0 0 c 1 3" >>"$list"
if [ $busybox -eq 1 ]; then
	echo "file /bin/busybox $(command -v busybox) 0755 0 0" >>"$list"
	echo "slink /bin/sh busybox 0777 0 0" >>"$list"
fi
[ -n "$init" ] && echo "file /init $(realpath "$init") 0755 0 0" >>"$list"
for e in "${extra[@]+"${extra[@]}"}"; do
	kind=${e%%:*} arg=${e#*:}
	case $kind in
	file)
		IFS=: read -r src dst mode <<<"$arg"
		[ -f "$src" ] || { echo "mkinitramfs: no such file: $src" >&2; exit 1; }
		mode=${mode:-$(stat -c %a "$src")}
		add_dir "$(dirname "$dst")"
		echo "file $dst $(realpath "$src") $mode 0 0" >>"$list" ;;
	dir) add_dir "$arg" ;;
	list) cat "$arg" >>"$list" ;;
	esac
done
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 0)}
# Sorted by path (a parent sorts before its children), so the order of the
# arguments does not matter either.
LC_ALL=C sort -k2,2 -u -o "$list" "$list"
mkdir -p "$(dirname "$out")"
"$gen" -t "$epoch" "$list" | gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
