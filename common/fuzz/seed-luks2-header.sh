#!/bin/bash
# seed-luks2-header.sh DIR: seeds for fuzz-luks2-header, the header areas
# (primary + secondary copy, 2 x hdr_size bytes) of real LUKS2 volumes made
# with cryptsetup on sparse image files. Nothing here is committed: the images
# are made at fuzz time and deleted, only the header areas stay in DIR.
set -euo pipefail
dir=$1
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'pw\n' >"$tmp/pass"
rewrite=$(dirname "$0")/../../init/tests/luks2-rewrite.py
seed() { # seed NAME HEADER-AREA-BYTES [cryptsetup options...]
	local name=$1 bytes=$2; shift 2
	truncate -s 32M "$tmp/x.img"
	cryptsetup luksFormat --type luks2 -q --batch-mode --key-file "$tmp/pass" --pbkdf pbkdf2 \
		--pbkdf-force-iterations 1000 "$@" "$tmp/x.img" >/dev/null
	head -c "$bytes" "$tmp/x.img" >"$dir/$name"
	rm -f "$tmp/x.img"
}
edited() { # edited NAME OLD NEW: the default header area with its JSON edited (checksums recomputed)
	cp "$dir/default" "$dir/$1"
	"$rewrite" "$dir/$1" --sub "$2" "$3"
}
seed default 32768                                   # accepted: aes-xts-plain64, 512-bit key
seed sector4k 32768 --sector-size 4096
seed label 32768 --label root-volume --subsystem cocoboot
seed meta32k 65536 --luks2-metadata-size 32k         # hdr_size 32 KiB
seed xts256 32768 --key-size 256                     # refused by the allowlist
seed primary-only 16384                              # secondary copy missing
truncate -s 4M "$tmp/x.img"
cryptsetup luksFormat --type luks1 -q --batch-mode --key-file "$tmp/pass" --pbkdf-force-iterations 1000 "$tmp/x.img" >/dev/null
head -c 4096 "$tmp/x.img" >"$dir/luks1"
# What cryptsetup's own validation refuses, and the host levers (issue 11).
edited allow-discards '"keyslots_size":"16744448"}' '"keyslots_size":"16744448","flags":["allow-discards"]}'
edited iv-tweak '"iv_tweak":"0"' '"iv_tweak":"8"'
edited area-in-header '"offset":"32768"' '"offset":"16384"'
edited keyslots-size '"keyslots_size":"16744448"' '"keyslots_size":"16748544"'
edited missing-ref '"keyslots":["0"]' '"keyslots":["0","3"]'
edited opening-space '{"keyslots"' ' {"keyslots"'
