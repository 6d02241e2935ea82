#!/bin/bash
# build-deb.sh OUTDIR: the Debian binary packages cocoboot and cocobroker from
# `make install PREFIX=/usr` into a staging root each, with plain dpkg-deb:
# no debian/ source tree, no debhelper (one generated control file per
# package; dpkg-shlibdeps for cocobroker's library dependencies).
# Prints the packages and their sizes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:?usage: build-deb.sh OUTDIR}
BUILD=${BUILD:-$top/build}
W=$BUILD/deb-stage
version=$("$here/version.sh")
arch=$(dpkg --print-architecture)
maint=${DEB_MAINTAINER:-cocoboot builders <cocoboot@example.org>}
date=$(git -C "$top" log -1 --format=%cD 2>/dev/null || date -R)
rm -rf "$W" && mkdir -p "$W" "$out"
rm -f "$out"/cocoboot_*.deb "$out"/cocobroker_*.deb

# stage PACKAGE: make install-PACKAGE into $W/PACKAGE, then what Debian wants
# on top: compressed man pages, copyright, changelog (changelog.gz: the
# version has no Debian revision, a native package), no debug symbols.
stage() {
	local p=$1 root=$W/$1
	make -C "$top" --no-print-directory -s "install-$p" DESTDIR="$root" PREFIX=/usr >/dev/null
	find "$root/usr/share/man" -type f -exec gzip -9n {} +
	install -D -m 0644 "$here/copyright" "$root/usr/share/doc/$p/copyright"
	printf '%s (%s) unstable; urgency=medium\n\n  * Built by make deb from git commit %s.\n\n -- %s  %s\n' \
		"$p" "$version" "$(git -C "$top" rev-parse --short HEAD)" "$maint" "$date" |
		gzip -9n >"$root/usr/share/doc/$p/changelog.gz"
	chmod 0644 "$root/usr/share/doc/$p/changelog.gz"
	if [ -e "$here/$p.lintian-overrides" ]; then
		install -D -m 0644 "$here/$p.lintian-overrides" "$root/usr/share/lintian/overrides/$p"
	fi
	mkdir -p "$root/DEBIAN"
}

# control PACKAGE DEPENDS DESCRIPTION...: DEBIAN/control and md5sums
control() {
	local p=$1 deps=$2 root=$W/$1
	shift 2
	{
		echo "Package: $p"
		echo "Version: $version"
		echo "Architecture: $arch"
		echo "Maintainer: $maint"
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
		[ -n "$deps" ] && echo "$deps"
		echo "Section: admin"
		echo "Priority: optional"
		printf '%s\n' "$@"
	} >"$root/DEBIAN/control"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
		>"$root/DEBIAN/md5sums"
}

# --- cocoboot: a static binary, nothing to depend on at run time; dracut or
# initramfs-tools (with cryptsetup and blkid on the build host) to use it.
stage cocoboot
control cocoboot "Suggests: dracut | initramfs-tools, cryptsetup-bin" \
	"Description: attested disk unlock for confidential VMs (initramfs part)" \
	" cocoboot runs in the initramfs of an AMD SEV-SNP or Intel TDX guest: it" \
	" obtains an attestation report through configfs-tsm, presents it to a" \
	" cocobroker over mutual TLS and opens the LUKS2 root volume with the key" \
	" the broker releases when the report satisfies the volume's policy." \
	" ." \
	" This package holds the static cocoboot binary, the dracut module and the" \
	" initramfs-tools hooks that put it into an initramfs, and its manual pages."

# --- cocobroker
stage cocobroker
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$W/cocobroker/usr/bin/cocobroker"
install -m 0755 "$here/cocobroker.postinst" "$W/cocobroker/DEBIAN/postinst"
install -m 0755 "$here/cocobroker.postrm" "$W/cocobroker/DEBIAN/postrm"
# dpkg-shlibdeps wants a source tree's debian/control: a minimal one
mkdir -p "$W/src/debian"
printf 'Source: cocoboot\n\nPackage: cocobroker\nArchitecture: any\n' >"$W/src/debian/control"
shlibs=$(cd "$W/src" && dpkg-shlibdeps -O "$W/cocobroker/usr/bin/cocobroker" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies for cocobroker" >&2; exit 1; }
control cocobroker "Depends: $shlibs, systemd" \
	"Description: key broker for cocoboot confidential VMs" \
	" cocobroker verifies the attestation reports of booting AMD SEV-SNP and" \
	" Intel TDX guests against each volume's policy and releases the LUKS2" \
	" volume key to those that satisfy it, over mutual TLS. It keeps the keys" \
	" in an SQLite store sealed with a master key, with an audit log." \
	" ." \
	" The systemd service is installed disabled: it needs a site certificate," \
	" key and configuration first (see cocobroker(8) and the example in" \
	" /usr/share/doc/cocobroker/examples)."

for p in cocoboot cocobroker; do
	f=$out/${p}_${version}_$arch.deb
	dpkg-deb --root-owner-group -Zxz --build "$W/$p" "$f" >/dev/null
	printf 'deb: %s: %d bytes (installed %s KiB)\n' "$(basename "$f")" "$(stat -c %s "$f")" \
		"$(sed -n 's/^Installed-Size: //p' "$W/$p/DEBIAN/control")"
done
