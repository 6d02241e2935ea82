#!/bin/bash
# mkinitrd.sh VARIANT OUT ENVFILE: the comparison initramfs images, all built
# by tests/qemu/mkinitramfs.sh on the same base (static busybox + the shared
# /init, tests/compare/guest-init.sh), so their sizes can be subtracted.
#   base      the base alone
#   crypt     base + cryptsetup and its libraries (both methods need it)
#   clevis    base + what Debian's clevis-initramfs hook copies for a LUKS2
#             tang unlock (clevis scripts, jose, curl, luksmeta, mawk, bash,
#             cryptsetup, and every library ldd names); no TPM2 pin
#   cocoboot  base + cocoboot (static) + cryptsetup + the pinned CA
#   cocoboot-sim  cocoboot + the TEST provider module and its material
#             (what the measured boot needs here; real guests have it built in)
# cocoboot variants read COCOBOOT, CA, TSM_SIM_KO and MATERIAL from the
# environment. Also writes OUT.files: "bytes path" per added file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ $# -eq 3 ] || { echo "usage: mkinitrd.sh base|crypt|clevis|cocoboot|cocoboot-sim OUT ENVFILE" >&2; exit 2; }
variant=$1 out=$2 envfile=$3
args=()
declare -A seen=()
add() { # add SRC DST: one file, once
	[ -n "${seen[$2]:-}" ] && return 0
	[ -f "$1" ] || { echo "mkinitrd: missing $1" >&2; exit 1; }
	seen[$2]=1
	args+=(--file "$1:$2")
}
add_exec() { # add_exec SRC DST: an executable and the libraries ldd names
	local lib
	add "$1" "$2"
	# ldd fails on static binaries: nothing more to add then.
	for lib in $(ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		add "$(realpath "$lib")" "$lib"
	done
}
need() { command -v "$1" >/dev/null || { echo "mkinitrd: $1 not installed (make deps)" >&2; exit 1; }; }
add_cryptsetup() { need cryptsetup; add_exec "$(command -v cryptsetup)" /usr/sbin/cryptsetup; }

add "$envfile" /etc/compare/env
case $variant in
base) ;;
crypt) add_cryptsetup ;;
clevis)
	need clevis; need jose; need curl; need luksmeta; need mawk
	for f in clevis clevis-decrypt clevis-decrypt-tang clevis-decrypt-sss clevis-decrypt-null \
		clevis-luks-common-functions clevis-luks-list clevis-luks-unlock; do
		add "/usr/bin/$f" "/usr/bin/$f"
	done
	add_exec "$(command -v jose)" /usr/bin/jose
	add_exec "$(command -v curl)" /usr/bin/curl
	add_exec "$(command -v luksmeta)" /usr/bin/luksmeta
	add_exec "$(realpath "$(command -v mawk)")" /usr/bin/awk
	add_exec /bin/bash /bin/bash
	add_cryptsetup ;;
cocoboot|cocoboot-sim)
	add "${COCOBOOT:?}" /usr/sbin/cocoboot
	add "${CA:?}" /etc/cocoboot/ca.pem
	add_cryptsetup
	if [ "$variant" = cocoboot-sim ]; then
		add "${TSM_SIM_KO:?}" /lib/modules/tsm_sim.ko
		add "${MATERIAL:?}" /etc/tsm/snp.material
	fi ;;
*) echo "mkinitrd: unknown variant $variant" >&2; exit 2 ;;
esac
"$top/tests/qemu/mkinitramfs.sh" -o "$out" --busybox --init "$here/guest-init.sh" "${args[@]}"
# The added files and their sizes (the env file is common to all variants).
for ((i = 1; i < ${#args[@]}; i += 2)); do
	IFS=: read -r src dst _ <<<"${args[$i]}"
	[ "$dst" = /etc/compare/env ] || echo "$(stat -c %s "$src") $dst"
done >"$out.files"
