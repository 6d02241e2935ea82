#!/bin/bash
# make-luks2-fixtures.sh DIR: real LUKS2 headers made with cryptsetup on image
# files (no device-mapper needed), plus hostile variants edited by
# luks2-rewrite.py with valid checksums. Each file name says what it is;
# test-luks2 knows what each must yield.
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
rw=$here/luks2-rewrite.py
mkdir -p "$dir"
cd "$dir"
rm -f ./*.img
printf 'fixture-passphrase' >pass
fmt() { # fmt FILE [cryptsetup options...]
	local f=$1; shift
	truncate -s 20M "$f"
	cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file pass "$@" "$f" >/dev/null
}
fmt good.img --cipher aes-xts-plain64 --key-size 512
fmt good-4k.img --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 --luks2-metadata-size 64k
# A known volume key (bytes 0..63), for the digest check (test-luks2-digest).
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(64)))' >digest.key
fmt digest.img --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 --volume-key-file digest.key
fmt digest-sha512.img --cipher aes-xts-plain64 --key-size 512 --hash sha512 --volume-key-file digest.key
fmt xts256.img --cipher aes-xts-plain64 --key-size 256
fmt cbc.img --cipher aes-cbc-essiv:sha256 --key-size 256
truncate -s 20M luks1.img
cryptsetup luksFormat --type luks1 --batch-mode --key-file pass --pbkdf-force-iterations 1000 luks1.img >/dev/null

# An existing filesystem encrypted offline: the path the e2e root image takes.
rm -f reenc.img
truncate -s 4M reenc.img
mkfs.ext4 -q -b 4096 reenc.img 2>/dev/null
truncate -s +16M reenc.img
cryptsetup reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --key-size 512 \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --reduce-device-size 16M --key-file pass reenc.img >/dev/null

variant() { # variant NEW-FILE rewrite-args...
	local f=$1; shift
	cp --sparse=always good.img "$f"
	"$rw" "$f" "$@"
}
seg='"segments":{"0":{"type":"crypt"'
# A hostile digest iteration count (over cocoboot's cap): test-luks2-digest.
cp --sparse=always digest.img digest-iterations.img
"$rw" digest-iterations.img --sub '"segments":["0"],"hash":"sha256","iterations":1000' \
	'"segments":["0"],"hash":"sha256","iterations":4294967295'
variant cipher-null-segment.img --sub '"iv_tweak":"0","encryption":"aes-xts-plain64"' '"iv_tweak":"0","encryption":"cipher_null-ecb"'
variant cipher-null-keyslot.img --sub '"type":"raw","offset":"32768","size":"258048","encryption":"aes-xts-plain64"' '"type":"raw","offset":"32768","size":"258048","encryption":"cipher_null-ecb"'
variant cipher-null-secondary.img --which secondary --sub '"iv_tweak":"0","encryption":"aes-xts-plain64"' '"iv_tweak":"0","encryption":"cipher_null-ecb"'
variant two-segments.img --sub '"segments":{"0":' '"segments":{"1":{"type":"crypt","offset":"20971520","size":"4096","iv_tweak":"0","encryption":"aes-xts-plain64","sector_size":4096},"0":'
variant integrity.img --sub '"sector_size":4096}' '"sector_size":512,"integrity":{"type":"hmac(sha256)","journal_encryption":"none","journal_integrity":"none"}}'
variant linear-segment.img --sub "$seg" '"segments":{"0":{"type":"linear"'
variant requirements.img --sub '"config":{' '"config":{"requirements":{"mandatory":["online-reencrypt-v2"]},'
variant duplicate-key.img --sub '"sector_size":4096}' '"sector_size":4096,"sector_size":4096}'
variant bad-checksum.img --keep-checksum --sub '"iv_tweak":"0"' '"iv_tweak":"1"'
variant seqid-differs.img --which secondary --seqid 99
variant offset-in-header.img --sub '"offset":"16777216"' '"offset":"4096"'
variant reencrypt-keyslot.img --sub '"0":{"type":"luks2","key_size":64' '"0":{"type":"reencrypt","key_size":64'
variant unknown-top.img --sub '"config":{' '"extra":{},"config":{'
# What cryptsetup's own validation refuses, and the host levers (issue 11).
variant allow-discards.img --sub '"keyslots_size":"16744448"}' '"keyslots_size":"16744448","flags":["allow-discards"]}'
variant iv-tweak.img --sub '"iv_tweak":"0"' '"iv_tweak":"8"'
variant area-in-header.img --sub '"offset":"32768"' '"offset":"16384"'
variant area-past-keyslots.img --sub '"keyslots_size":"16744448"' '"keyslots_size":"204800"'
variant area-over-data.img --sub '"keyslots_size":"16744448"' '"keyslots_size":"16748544"'
variant missing-keyslot-ref.img --sub '"keyslots":["0"]' '"keyslots":["0","3"]'
variant token-ref.img --sub '"tokens":{}' '"tokens":{"0":{"type":"luks2-keyring","keyslots":["5"]}}'
variant kdf-not-object.img --sub '"kdf":{"type":"pbkdf2","hash":"sha256","iterations":1000,' '"kdf":"pbkdf2","x":{"hash":"sha256","iterations":1000,'
variant opening-space.img --sub '{"keyslots"' ' {"keyslots"'
# The data segment must lie inside the device.
cp --sparse=always good.img small-device.img && truncate -s 16M small-device.img
cp --sparse=always good.img partial-sector.img && truncate -s $((20 * 1048576 + 512)) partial-sector.img
rm -f pass
