#!/bin/sh
# inroot.sh ROOT CMD...: run CMD chrooted in the build ROOT inside a private
# mount namespace, so nothing mounted here is seen by (or left on) the host.
# ROOT is bind-mounted onto itself (mkosi's own sandbox needs a mount point),
# with /proc, /sys, /dev, a tmpfs /run and /tmp, and the source tree at
# /cocoboot (COCOBOOT_TOP, default: this checkout) so builds can write build/,
# and the download/build cache ($COCOBOOT_CACHE) at /cache.
set -eu
root=${1:?usage: inroot.sh ROOT CMD...}
shift
[ $# -gt 0 ] || { echo "inroot: no command" >&2; exit 2; }
top=${COCOBOOT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
export root top cache
exec unshare --mount --propagation private sh -euc '
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmpfs "$root/run"
	mount -t tmpfs tmpfs "$root/tmp"
	mkdir -p "$root/cocoboot"
	mount --bind "$top" "$root/cocoboot"
	mkdir -p "$root/cache"
	mount --bind "$cache" "$root/cache"
	[ -f /etc/resolv.conf ] && cp /etc/resolv.conf "$root/etc/resolv.conf" || true
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 "$@"
' inroot "$@"
