#!/bin/bash
# enrol.sh IMAGE UUID BROKER-CONFIG POLICY: encrypt the root partition of the
# mkosi disk IMAGE offline into LUKS2 with UUID, using a fresh volume key that
# `cocobroker volume add` enrols under POLICY and hands over on a pipe.
# No device-mapper needed: the partition is copied out, its ext4 shrunk to
# leave room for the header, encrypted in place (cryptsetup reencrypt
# --encrypt on a plain file) and copied back. The keyslot passphrase is
# random and discarded: only the broker can unlock the volume.
set -euo pipefail
img=${1:?usage: enrol.sh IMAGE UUID BROKER-CONFIG POLICY}
uuid=${2:?} cfg=${3:?} policy=${4:?}
top=$(cd "$(dirname "$0")/.." && pwd)
broker=${COCOBROKER:-$top/build/cocobroker}
[ -x "$broker" ] || { echo "enrol: no cocobroker at $broker" >&2; exit 1; }
# The root partition: GPT type root-x86-64 (discoverable partitions spec).
read -r start sectors < <(partx -g -o START,SECTORS,TYPE "$img" |
	awk 'tolower($3) == "4f68bce3-e8cd-4db1-96e7-fbcaf984b709" { print $1, $2; exit }')
[ -n "${start:-}" ] || { echo "enrol: no root partition in $img" >&2; exit 1; }
work=$(mktemp -d "$(dirname "$img")/enrol.XXXXXX")
trap 'rm -rf "$work"' EXIT
part=$work/root.part
dd if="$img" of="$part" bs=1M iflag=skip_bytes,count_bytes skip=$(( start * 512 )) count=$(( sectors * 512 )) conv=sparse status=none
[ "$(blkid -o value -s TYPE "$part")" = ext4 ] || { echo "enrol: the root partition is not plain ext4 (already enrolled?)" >&2; exit 1; }
# Leave 32 MiB for the LUKS2 header (cryptsetup's default data offset is 16 MiB).
reduce=32
e2fsck -fy "$part" >/dev/null 2>&1 || [ $? -le 1 ]
resize2fs "$part" "$(( sectors / 2 - reduce * 1024 ))K" >/dev/null 2>&1
pass=$work/pass
head -c 32 /dev/urandom >"$pass"
"$broker" volume add --uuid "$uuid" --policy "$policy" --config "$cfg" 2>"$work/broker.err" |
	cryptsetup reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --uuid "$uuid" \
		--volume-key-file /dev/stdin --key-size 512 --cipher aes-xts-plain64 --sector-size 4096 \
		--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --reduce-device-size "${reduce}M" \
		--key-file "$pass" "$part" >"$work/cryptsetup.out" 2>&1 || {
	cat "$work/broker.err" "$work/cryptsetup.out" >&2
	echo "enrol: encrypting the root partition failed" >&2
	exit 1
}
[ "$(cryptsetup luksUUID "$part")" = "$uuid" ] || { echo "enrol: UUID mismatch after encryption" >&2; exit 1; }
# the broker releases the key only once the header shows the partition holds it
"$broker" volume confirm --uuid "$uuid" --device "$part" --config "$cfg" 2>>"$work/broker.err" || {
	cat "$work/broker.err" >&2
	echo "enrol: volume confirm failed" >&2
	exit 1
}
# Not sparse: zero runs in the header must overwrite the old plain data.
dd if="$part" of="$img" bs=1M oflag=seek_bytes seek=$(( start * 512 )) conv=notrunc status=none
echo "enrol: root partition of $(basename "$img") is LUKS2 $uuid, volume key held by the broker" >&2
