#!/bin/bash
# edk2-build.sh OUTDIR: build the AmdSev OVMF (OvmfPkg/AmdSev/AmdSevX64.dsc) from
# Debian trixie's pinned edk2 source (orig tarball + Debian's patches, mk/pins)
# and put OVMF.amdsev.fd into OVMF.
#
# Debian ships no AmdSev build. It is the firmware for SEV-SNP measured direct
# boot: it has the SEV hashes table (kernel-hashes=on) and verifies kernel,
# initrd and command line from QEMU's fw_cfg against it.
#
# Grub: AmdSevX64.dsc's PREBUILD step (OvmfPkg/AmdSev/Grub/grub.sh) builds a
# grub.efi with the SEV-secret LUKS unlock into the firmware volume, for booting
# an encrypted disk without a kernel on the command line. cocoboot boots by
# measured direct boot (-kernel/-initrd/-append) and unlocks the root from the
# initramfs, so grub is never run; like Fedora's edk2 package we put an empty
# grub.efi placeholder in place, newer than grub.cfg and grub.sh, which grub.sh
# takes as "already built" and keeps. The firmware then carries an empty Grub
# FFS file; without -kernel it has nothing to boot (it does not fall back to a disk).
#
# The result is cached in $COCOBOOT_CACHE/edk2/<key>, the key covering the pins,
# the build flags and recipe version below, the compiler, nasm and iasl versions
# (bump EDK2_RECIPE when the way of building changes);
# the source and build trees are deleted after the build (they are ~1 GB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: edk2-build.sh OUTDIR}
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}

# The build flags: RELEASE, GCC5 toolchain tag (gcc >= 5), firmware text on the
# serial console is not needed (the kernel's console is ttyS0).
EDK2_FLAGS=(-a X64 -t GCC5 -b RELEASE -p OvmfPkg/AmdSev/AmdSevX64.dsc)
EDK2_RECIPE="1: Debian patches from series, empty grub.efi placeholder"

orig=$("$here"/fetch.sh edk2-orig)
debian=$("$here"/fetch.sh edk2-debian)
pins=$(awk '$1 == "edk2-orig" || $1 == "edk2-debian" { print $3 }' "$here"/pins)
key=$(cat <(echo "$pins") <(echo "${EDK2_FLAGS[*]}" "$EDK2_RECIPE") <(gcc --version | head -n 1) \
	<(nasm -v) <(iasl -v 2>/dev/null | grep -i version) | sha256sum | cut -c1-16)
dir=$cache/edk2/$key
mkdir -p "$cache/edk2"

exec 9>"$cache/edk2/.lock"
flock 9

if [ ! -f "$dir/OVMF.amdsev.fd" ]; then
	start=$(date +%s)
	work=$cache/edk2/work-$key
	rm -rf "$work" && mkdir -p "$work"
	echo "edk2: extracting $(basename "$orig")" >&2
	tar -xJf "$orig" -C "$work" --strip-components=1
	tar -xJf "$debian" -C "$work"
	# Debian's patches in series order (security fixes; brotlicompress-disable
	# because Debian's orig tarball drops the BrotliCompress sources).
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		patch -s -d "$work" -p1 <"$work/debian/patches/$p"
	done <"$work/debian/patches/series"
	touch "$work/OvmfPkg/AmdSev/Grub/grub.efi"   # the placeholder, see above
	echo "edk2: building AmdSevX64 (about 10-20 minutes on 2 cores; cached afterwards)" >&2
	log=$cache/edk2/build-$key.log
	if ! (cd "$work" && unset EDK_TOOLS_PATH WORKSPACE &&
		make -s -C BaseTools -j"$(nproc)" &&
		set +u -- && . ./edksetup.sh &&
		build "${EDK2_FLAGS[@]}" -n "$(nproc)") >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		exit 1
	fi
	mkdir -p "$dir.tmp"
	cp "$work/Build/AmdSev/RELEASE_GCC5/FV/OVMF.fd" "$dir.tmp/OVMF.amdsev.fd"
	echo "$(( $(date +%s) - start ))" >"$dir.tmp/build-seconds"
	cp "$log" "$dir.tmp/build.log"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	rm -rf "$work" "$log"
	echo "edk2: built in $(cat "$dir/build-seconds") s" >&2
fi

mkdir -p "$out"
cp "$dir/OVMF.amdsev.fd" "$out/OVMF.amdsev.fd.tmp" && mv "$out/OVMF.amdsev.fd.tmp" "$out/OVMF.amdsev.fd"
