#!/bin/sh
# mkinitrd.sh --flavour shell|systemd --kernel project|debian --out FILE
#             [--without-module] [--cocoboot BIN] [--ca PEM] [--cmdline CONF]
#             [--include SRC DST]... [--add MODULE]...
#             [--url URL]... [--hosts-file FILE]
# Build a dracut initramfs with the trixie build root's dracut (mkosi/buildroot.sh)
# for the project's kernel or Debian's cloud kernel, with the cocoboot module
# (or, --without-module, the same initramfs minus cocoboot, to measure its
# cost). The test provider tsm_sim is added when present for that kernel.
# --add puts another dracut module in (tests/compare: clevis's).
# --url names a broker URL whose host goes into the initramfs's /etc/hosts,
# resolved from --hosts-file (the module's cocoboot_url, cocoboot_hosts_file).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
flavour= kernel= out= with=1 bin=$top/build/cocoboot ca= cmdline= includes= adds= urls= hosts=
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--without-module) with=; shift ;;
	--cocoboot) bin=$2; shift 2 ;;
	--ca) ca=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--include) includes="$includes $2 $3"; shift 3 ;;
	--add) adds="$adds $2"; shift 2 ;;
	--url) urls="$urls $2"; shift 2 ;;
	--hosts-file) hosts=$2; shift 2 ;;
	*) echo "mkinitrd: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
case $flavour in shell|systemd) ;; *) echo "mkinitrd: --flavour shell|systemd" >&2; exit 2 ;; esac
[ -n "$out" ] || { echo "mkinitrd: --out FILE required" >&2; exit 2; }
mkdir -p "$(dirname "$out")"

root=$("$top/mkosi/buildroot.sh")
# The module tree of the chosen kernel, prepared by kmoddir.sh under build/.
kmod=$("$here/kmoddir.sh" "$kernel")
kver=$(basename "$kmod")

work=$top/build/dracut/conf
mkdir -p "$work" "$(dirname "$out")"
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
# dracut-side view of a path (mkosi/inroot.sh binds the tree and the cache)
in_root() {
	_p=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	case $_p in
	"$top"/*) echo "/cocoboot${_p#"$top"}" ;;
	"$cache"/*) echo "/cache${_p#"$cache"}" ;;
	*) echo "mkinitrd: $1 is outside $top and $cache" >&2; exit 2 ;;
	esac
}

# The module, installed the way `make install-dracut` does, into the build
# root; one dracut run at a time, as concurrent tests share that root.
exec 9>"$root/.cocoboot-dracut.lock"
flock 9
rm -rf "$root/usr/lib/dracut/modules.d/91cocoboot"
install -d "$root/usr/lib/dracut/modules.d/91cocoboot"
install -m 0755 "$top"/dracut-module/91cocoboot/*.sh "$root/usr/lib/dracut/modules.d/91cocoboot/"
for f in "$top"/dracut-module/91cocoboot/*.service "$top"/dracut-module/91cocoboot/*.conf; do
	if [ -e "$f" ]; then install -m 0644 "$f" "$root/usr/lib/dracut/modules.d/91cocoboot/"; fi
done

conf=$work/$flavour.conf
{
	echo "# written by tests/dracut/mkinitrd.sh"
	echo "cocoboot_binary=$(in_root "$bin")"
	[ -n "$ca" ] && echo "cocoboot_ca=$(in_root "$ca")"
	[ -n "$cmdline" ] && echo "cocoboot_cmdline=$(in_root "$cmdline")"
	[ -n "$urls" ] && echo "cocoboot_url=\"${urls# }\""
	[ -n "$hosts" ] && echo "cocoboot_hosts_file=$(in_root "$hosts")"
	true
} >"$conf"

# The smallest module set that mounts a root from a block device; network and
# crypt come in as dependencies of cocoboot (and are added by hand without it,
# so the comparison isolates the module itself).
mods="base rootfs-block kernel-modules udev-rules fs-lib"
omit=
if [ "$flavour" = systemd ]; then
	# dracut would otherwise fall back to network-legacy, which does not
	# drive network-online.target
	mods="$mods systemd systemd-initrd dracut-systemd systemd-networkd"
else
	omit=systemd
fi
if [ -n "$with" ]; then mods="$mods cocoboot"; else mods="$mods network crypt"; fi
mods="$mods$adds"
drivers="virtio_blk virtio_net virtio_pci virtio_rng ext4"
[ -e "$kmod/extra/tsm_sim.ko" ] && drivers="$drivers tsm_sim"

# --include files: dracut sees them under /cocoboot (no spaces in paths)
set --
set -- $includes
inc=
while [ $# -ge 2 ]; do
	inc="$inc --include $(in_root "$1") $2"
	shift 2
done

t0=$(date +%s.%N)
"$top/mkosi/inroot.sh" "$root" dracut --force --quiet --no-hostonly --no-early-microcode \
	--kver "$kver" --kmoddir "$(in_root "$kmod")" --conf "$(in_root "$conf")" \
	--modules "$mods" ${omit:+--omit "$omit"} --add-drivers "$drivers" \
	--compress gzip $inc "$(in_root "$out")"
t=$(echo "$(date +%s.%N) - $t0" | bc)
printf 'mkinitrd: %s %s%s%s initramfs %s: %d bytes in %.1f s\n' "$kernel" "$flavour" \
	"${with:+ +cocoboot}" "${adds:+ +$(echo $adds | tr ' ' '+')}" "$(basename "$out")" "$(stat -c %s "$out")" "$t"
