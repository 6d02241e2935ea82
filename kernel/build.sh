#!/bin/bash
# build.sh OUTDIR: build the cocoboot guest kernel from the pinned Debian
# linux-source-6.12 package and put bzImage into OUTDIR, with OUTDIR/src and
# OUTDIR/obj pointing at the source and object trees (for out-of-tree modules).
# Source and object trees live in the cache, keyed by the content of everything
# that goes into the build, so an unchanged configuration is never rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${1:?usage: build.sh OUTDIR}
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
fragments=("$here"/config/base.config "$here"/config/coco.config "$here"/config/sev-snp.config "$here"/config/tdx.config "$here"/config/test.config "$here"/config/lean.config)

deb=$("$top"/mk/fetch.sh linux-source)
deb_sha=$(awk '$1 == "linux-source" { print $3 }' "$top"/mk/pins)
src=$cache/src/linux-${deb_sha:0:16}
key=$(cat "${fragments[@]}" "$here"/required.txt "$here"/build.sh <(echo "$deb_sha") <(gcc --version | head -n 1) | sha256sum | cut -c1-16)
obj=$cache/kernel/$key
mkdir -p "$cache/src" "$cache/kernel"

exec 9>"$cache/kernel/.lock"
flock 9

if [ ! -f "$src/.extracted" ]; then
	echo "kernel: extracting $(basename "$deb")" >&2
	rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz | tar -xJ -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	touch "$src/.extracted"
fi

# The kernel embeds who built it, where and when (/proc/version, the bzImage
# header). Fixed here so the same pinned source, configuration and compiler
# give the same bytes on any machine: the time is the pinned package's own
# changelog date, the user and host a constant.
kbuild_time=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/linux-source-6.12/changelog.Debian.gz |
	zcat | sed -n 's/^ -- .*>  //p' | sed -n 1p)
[ -n "$kbuild_time" ] || { echo "kernel: no changelog date in $(basename "$deb")" >&2; exit 1; }
export KBUILD_BUILD_TIMESTAMP=$kbuild_time KBUILD_BUILD_USER=cocoboot KBUILD_BUILD_HOST=cocoboot KBUILD_BUILD_VERSION=1

if [ ! -f "$obj/.done" ]; then
	start=$(date +%s)
	echo "kernel: configuring in $obj" >&2
	mkdir -p "$obj"
	make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig >/dev/null
	(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${fragments[@]}" >/dev/null)
	make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >/dev/null
	"$here"/check-config.sh "$obj/.config" "$here"/required.txt
	echo "kernel: building (about 5 minutes on 2 cores; cached afterwards)" >&2
	if ! make -s -C "$src" O="$obj" ARCH=x86_64 -j"$(nproc)" >"$obj/build.log" 2>&1; then
		tail -n 40 "$obj/build.log" >&2
		exit 1
	fi
	echo "kernel: built in $(( $(date +%s) - start )) s" >&2
	touch "$obj/.done"
fi

mkdir -p "$out"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage.tmp" && mv "$out/bzImage.tmp" "$out/bzImage"
cp "$obj/.config" "$out/config"
ln -sfn "$src" "$out/src"
ln -sfn "$obj" "$out/obj"
