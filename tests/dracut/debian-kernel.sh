#!/bin/sh
# debian-kernel.sh kmoddir|vmlinuz|kver: the pinned Debian trixie cloud kernel
# (mk/pins: linux-image-cloud and its headers) for the distro-kernel tests.
#   vmlinuz  print the path of its bzImage
#   kmoddir  prepare build/dracut/kmod/debian/lib/modules/<kver>: its modules
#            plus tsm_sim.ko built from kernel/tsm-sim against its headers
#            (inside the trixie build root: the headers need its gcc-14), and
#            print the path
# The image package is unpacked once into $COCOBOOT_CACHE/debian-kernel/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
image_deb=$("$top/mk/fetch.sh" linux-image-cloud)
# 6.12.117+deb13-cloud-amd64, from the package name
kver=$(basename "$image_deb" | sed -n 's/^linux-image-\(.*\)_[^_]*_amd64\.deb$/\1/p')
[ -n "$kver" ] || { echo "debian-kernel: cannot read the kernel version from $image_deb" >&2; exit 1; }
kdir=$cache/debian-kernel/$kver

unpack_image() {
	[ -f "$kdir/.ok" ] && return 0
	rm -rf "$kdir" && mkdir -p "$kdir"
	dpkg-deb -x "$image_deb" "$kdir"
	touch "$kdir/.ok"
}

case ${1:-} in
kver) echo "$kver" ;;
vmlinuz)
	unpack_image
	echo "$kdir/boot/vmlinuz-$kver"
	;;
kmoddir)
	# Concurrent tests share build/dracut: one preparation at a time.
	mkdir -p "$top/build/dracut"
	exec 9>"$top/build/dracut/.debian-kmod.lock"
	flock 9
	unpack_image
	root=$("$top/mkosi/buildroot.sh")
	# Headers and kbuild go to their packaged paths in the build root (their
	# symlinks are absolute); a marker keeps it to once per build root.
	if [ ! -f "$root/usr/src/.cocoboot-$kver" ]; then
		for n in linux-headers-cloud linux-headers-common linux-kbuild; do
			dpkg-deb -x "$("$top/mk/fetch.sh" "$n")" "$root"
		done
		touch "$root/usr/src/.cocoboot-$kver"
	fi
	sim=$top/build/dracut/tsm-sim-debian
	rm -rf "$sim" && mkdir -p "$sim"
	cp "$top"/kernel/tsm-sim/*.c "$top"/kernel/tsm-sim/*.h "$top"/kernel/tsm-sim/Kbuild "$sim/"
	"$top/mkosi/inroot.sh" "$root" make -s -C "/usr/src/linux-headers-$kver" \
		M="/cocoboot/build/dracut/tsm-sim-debian" CC=gcc-14 modules >&2
	base=$top/build/dracut/kmod/debian
	rm -rf "$base" && mkdir -p "$base/lib/modules"
	cp -a "$kdir/usr/lib/modules/$kver" "$base/lib/modules/"
	mkdir -p "$base/lib/modules/$kver/extra"
	cp "$sim/tsm_sim.ko" "$base/lib/modules/$kver/extra/"
	"$top/mkosi/inroot.sh" "$root" depmod -b "/cocoboot${base#"$top"}" "$kver"
	echo "$base/lib/modules/$kver"
	;;
*) echo "usage: debian-kernel.sh kmoddir|vmlinuz|kver" >&2; exit 2 ;;
esac
