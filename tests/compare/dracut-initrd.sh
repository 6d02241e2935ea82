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
#   sd-cryptsetup  base + dracut's systemd-cryptsetup (systemd flavour
#                only): what clevis answers in that flavour; clevis 20's module
#                does not depend on it (a generic dracut run includes it
#                anyway, the restricted module list here does not)
#   clevis-modules  base + clevis-dracut's 60clevis and 60clevis-pin-tang
#   clevis       clevis-modules (+ systemd-cryptsetup in the systemd flavour):
#                the image that boots
# All of them are one mkinitrd.sh call each, so they share its options.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# -eq 2 ] || { echo "usage: dracut-initrd.sh base|cocoboot|sd-cryptsetup|clevis-modules|clevis OUT" >&2; exit 2; }
what=$1 out=$2 flavour=${COMPARE_DRACUT_FLAVOUR:-systemd}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
case $out in "$top"/*) ;; *) echo "dracut-initrd: $out must be under $top (dracut sees it as /cocoboot)" >&2; exit 2 ;; esac

mk() { exec "$top/tests/dracut/mkinitrd.sh" --flavour "$flavour" --kernel debian --out "$out" "$@"; }
sd=
[ "$flavour" = systemd ] && sd="--add systemd-cryptsetup"
case $what in
clevis*)
	root=$("$top/mkosi/buildroot.sh")
	[ -d "$root/usr/lib/dracut/modules.d/60clevis" ] ||
		{ echo "dracut-initrd: no clevis-dracut in the build root $root (mkosi/buildroot-packages.txt)" >&2; exit 1; } ;;
esac
# shellcheck disable=SC2086  # $sd is an option and its value, or nothing
case $what in
base) mk --without-module ;;
cocoboot) mk --cocoboot "$COCOBOOT" --ca "$CA" --include "$MATERIAL" /etc/tsm/snp.material ;;
sd-cryptsetup)
	[ -n "$sd" ] || { echo "dracut-initrd: sd-cryptsetup is for the systemd flavour" >&2; exit 2; }
	mk --without-module $sd ;;
clevis-modules) mk --without-module --add clevis --add clevis-pin-tang ;;
clevis) mk --without-module --add clevis --add clevis-pin-tang $sd ;;
*) echo "dracut-initrd: unknown image '$what'" >&2; exit 2 ;;
esac
