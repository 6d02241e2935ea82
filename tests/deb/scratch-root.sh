#!/bin/sh
# scratch-root.sh DIR CMD...: run CMD as root chrooted in a throwaway Debian
# trixie system: an overlay whose lower layer is the tests' debootstrapped
# build root (mkosi/buildroot.sh, never written) and whose upper layer is
# DIR/upper (kept, so a later call sees what an earlier one installed; rm -rf
# DIR for a fresh system). Private mount namespace: nothing stays mounted.
# apt downloads go to $COCOBOOT_CACHE/deb-archives (seen as /cache/...).
# The tree is at /cocoboot inside (mkosi/inroot.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=${1:?usage: scratch-root.sh DIR CMD...}
shift
lower=$("$top/mkosi/buildroot.sh")
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
mkdir -p "$dir/upper" "$dir/work" "$dir/merged" "$cache/deb-archives/partial"
export lower dir top
exec unshare --mount --propagation private sh -euc '
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged"
	exec "$top/mkosi/inroot.sh" "$dir/merged" "$@"
' scratch-root "$@"
