#!/bin/bash
# mkvolume.sh IMG VOLUME_KEY UUID PASSFILE [TREE]: a small LUKS2 image
# (AES-XTS; 512-byte sectors, reencrypt's default for an image file) around an ext4 filesystem holding /compare-marker
# and, when given, a copy of the directory TREE (a root to switch to).
# The host has no device-mapper, so the filesystem is built first and then
# encrypted offline (`cryptsetup reencrypt --encrypt`); the volume key is
# given, so cocobroker's enrolled key and the clevis binding unlock the very
# same image. Keyslot 0 gets the passphrase in PASSFILE (cheap PBKDF2: it is
# only used on the host, to bind clevis).
set -eu
[ $# -eq 4 ] || [ $# -eq 5 ] || { echo "usage: mkvolume.sh IMG VOLUME_KEY UUID PASSFILE [TREE]" >&2; exit 2; }
img=$1 vk=$2 uuid=$3 pass=$4 tree=${5:-}
[ "$(stat -c %s "$vk")" -eq 64 ] || { echo "mkvolume: $vk must hold a 64-byte volume key" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
[ -z "$tree" ] || cp -a "$tree/." "$tmp/root/"
echo "compare-root-ok" >"$tmp/root/compare-marker"
rm -f "$img"
# 8 MiB filesystem, then 32 MiB more for the LUKS2 header (reencrypt moves
# the data up by --reduce-device-size; the header itself takes 16 MiB).
mkfs.ext4 -q -F -b 4096 -L cmproot -d "$tmp/root" "$img" 8M >/dev/null
truncate -s 40M "$img"
cryptsetup reencrypt --batch-mode --encrypt --type luks2 --force-offline-reencrypt \
	--reduce-device-size 32M --cipher aes-xts-plain64 --key-size 512 \
	--volume-key-file "$vk" --uuid "$uuid" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$pass" "$img" >/dev/null
