#!/bin/bash
# dracut-initrd.sh IMAGE OUT: the initramfs images
# of the dracut-to-dracut comparison (docs/performance.md), all made by the
# trixie build root's dracut (mkosi/buildroot.sh) for the pinned Debian cloud
# kernel, gzip, in the flavour COMPARE_DRACUT_FLAVOUR (systemd, the default,
# or shell), with the module set of tests/dracut/mkinitrd.sh:
#   base         network + crypt, no unlock tool (mkinitrd.sh --without-module)
#   cocoboot     base + 91cocoboot (mkinitrd.sh), with the CA in $CA, the
#                binary in $COCOBOOT and the TEST provider's material in
#                $MATERIAL, as tests/dracut/e2e.sh builds it
#   clevis-base  base again, by the dracut call below
#   sd-cryptsetup  clevis-base + dracut's systemd-cryptsetup (systemd flavour
#                only): what clevis answers in that flavour; clevis 20's module
#                does not depend on it (a generic dracut run includes it
#                anyway, the restricted module list here does not)
#   clevis-modules  clevis-base + clevis-dracut's 60clevis and 60clevis-pin-tang
#   clevis       clevis-modules (+ systemd-cryptsetup in the systemd flavour):
#                the image that boots
# mkinitrd.sh cannot add another package's modules, so the clevis pair comes
# from a dracut call of its own that repeats mkinitrd.sh's options; the
# clevis tool's cost is taken over clevis-base, and clevis-base against base
# shows whether the two calls drifted apart.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: dracut-initrd.sh base|cocoboot|clevis-base|sd-cryptsetup|clevis-modules|clevis OUT" >&2; exit 2; }
what=$1 out=$2 flavour=${COMPARE_DRACUT_FLAVOUR:-systemd}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
case $out in "$top"/*) ;; *) echo "dracut-initrd: $out must be under $top (dracut sees it as /cocoboot)" >&2; exit 2 ;; esac

case $what in
base)
	exec "$top/tests/dracut/mkinitrd.sh" --flavour "$flavour" --kernel debian --out "$out" --without-module ;;
cocoboot)
	exec "$top/tests/dracut/mkinitrd.sh" --flavour "$flavour" --kernel debian --out "$out" \
		--cocoboot "$COCOBOOT" --ca "$CA" --include "$MATERIAL" /etc/tsm/snp.material ;;
clevis-base|sd-cryptsetup|clevis-modules|clevis) ;;
*) echo "dracut-initrd: unknown image '$what'" >&2; exit 2 ;;
esac

root=$("$top/mkosi/buildroot.sh")
[ -d "$root/usr/lib/dracut/modules.d/60clevis" ] ||
	{ echo "dracut-initrd: no clevis-dracut in the build root $root (mkosi/buildroot-packages.txt)" >&2; exit 1; }
kmod=$("$top/tests/dracut/kmoddir.sh" debian)
kver=$(basename "$kmod")
# mkinitrd.sh's module set and drivers, without cocoboot
mods="base rootfs-block kernel-modules udev-rules fs-lib" omit=
case $flavour in
systemd) mods="$mods systemd systemd-initrd dracut-systemd systemd-networkd" ;;
shell) omit=systemd ;;
*) echo "dracut-initrd: COMPARE_DRACUT_FLAVOUR=systemd|shell" >&2; exit 2 ;;
esac
mods="$mods network crypt"
case $flavour-$what in systemd-sd-cryptsetup|systemd-clevis) mods="$mods systemd-cryptsetup" ;; esac
case $what in clevis-modules|clevis) mods="$mods clevis clevis-pin-tang" ;; esac
drivers="virtio_blk virtio_net virtio_pci virtio_rng ext4"
[ -e "$kmod/extra/tsm_sim.ko" ] && drivers="$drivers tsm_sim"
# one dracut run at a time in the shared build root, as mkinitrd.sh does
exec 9>"$root/.cocoboot-dracut.lock"
flock 9
t0=$(date +%s.%N)
"$top/mkosi/inroot.sh" "$root" dracut --force --quiet --no-hostonly --no-early-microcode \
	--kver "$kver" --kmoddir "/cocoboot${kmod#"$top"}" --conf /dev/null \
	--modules "$mods" ${omit:+--omit "$omit"} --add-drivers "$drivers" \
	--compress gzip "/cocoboot${out#"$top"}"
printf 'dracut-initrd: debian %s %s initramfs %s: %d bytes in %.1f s\n' "$flavour" "$what" \
	"$(basename "$out")" "$(stat -c %s "$out")" "$(echo "$(date +%s.%N) - $t0" | bc)"
