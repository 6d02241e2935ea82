#!/bin/sh
# buildroot.sh: create (once) the debootstrapped Debian trixie build root in
# which dracut and mkosi run, and print its path. The root lives in
# $COCOBOOT_CACHE/trixie-root/<hash of this script and the package list>, so an
# edit to either builds a fresh one; the host system is never changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
pkgs=$(sed -e 's/#.*//' "$here/buildroot-packages.txt" | tr -s ' \n' ' ')
key=$(cat "$here/buildroot.sh" "$here/buildroot-packages.txt" | sha256sum | cut -c1-16)
root=$cache/trixie-root/$key
[ "$(id -u)" -eq 0 ] || { echo "buildroot: must run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "buildroot: debootstrap missing (make deps)" >&2; exit 1; }

mkdir -p "$cache/trixie-root"
exec 9>"$cache/trixie-root/.lock"
flock 9
if [ -f "$root/.cocoboot-ready" ]; then echo "$root"; exit 0; fi

mirror=${COCOBOOT_MIRROR:-}
if [ -z "$mirror" ]; then
	# The same mirror mk/fetch.sh uses (the system's apt configuration).
	mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		sed -e 's/#.*//' | grep -oE 'https?://[^ ]+/debian/?' | grep -v -- '-security' | head -n 1 || true)
fi
[ -n "$mirror" ] || { echo "buildroot: no Debian mirror in the apt configuration; set COCOBOOT_MIRROR" >&2; exit 1; }
mirror=${mirror%/}

rm -rf "$root.tmp"
echo "buildroot: debootstrap trixie from $mirror into $root" >&2
t0=$(date +%s)
debootstrap --variant=minbase trixie "$root.tmp" "$mirror" >"$cache/trixie-root/debootstrap.log" 2>&1 || {
	tail -n 20 "$cache/trixie-root/debootstrap.log" >&2
	echo "buildroot: debootstrap failed (log: $cache/trixie-root/debootstrap.log)" >&2; exit 1; }
# Only the suites this mirror serves: mkosi copies these sources into images.
cat >"$root.tmp/etc/apt/sources.list" <<EOS
deb $mirror trixie main
deb $mirror trixie-updates main
deb ${mirror%/debian}/debian-security trixie-security main
EOS
# Package installation inside the new root, in a private mount namespace.
"$here/inroot.sh" "$root.tmp" sh -c "
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null &&
	apt-get install -y -q --no-install-recommends $pkgs >/var/log/cocoboot-install.log 2>&1 ||
	{ tail -n 30 /var/log/cocoboot-install.log; exit 1; }
	apt-get clean" >&2
touch "$root.tmp/.cocoboot-ready"
mv "$root.tmp" "$root"
echo "buildroot: ready in $(( $(date +%s) - t0 )) s" >&2
echo "$root"
