#!/bin/bash
# test-cli.sh COCOBOOT: the command-line contract of build/cocoboot.
set -u
bin=$1
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect_rc() { # expect_rc RC DESCRIPTION -- ARGS...
	local want=$1 what=$2; shift 3
	"$bin" "$@" >/dev/null 2>&1; local rc=$?
	[ "$rc" -eq "$want" ] && ok || bad "$what: exit $rc, expected $want"
}

file "$bin" | grep -q 'statically linked' && ok || bad "not statically linked: $(file "$bin")"
"$bin" --help | grep -q '^usage: cocoboot' && ok || bad "--help prints no usage"
expect_rc 0 "--help" -- --help
for c in unlock report check-volume; do
	"$bin" $c --help | grep -q "^usage: cocoboot $c" && ok || bad "$c --help prints no usage"
	expect_rc 0 "$c --help" -- $c --help
done
"$bin" --version | grep -Eq '^cocoboot .* \(Mbed TLS 3\.6\.[0-9]+\)$' && ok || bad "--version: $("$bin" --version)"
expect_rc 2 "no arguments" --
expect_rc 2 "unknown command" -- frobnicate
"$bin" frobnicate 2>&1 | grep -q "unknown command 'frobnicate'" && ok || bad "unknown command message"
# Not yet configured (no rd.cocoboot.*, not PID 1): never a fake success.
for c in boot unlock report; do
	"$bin" "$c" >/dev/null 2>&1 </dev/null; rc=$?
	[ "$rc" -ne 0 ] && ok || bad "'$c' exited 0 without an environment to act on"
done
# Operator commands: precise usage errors, stable codes, nothing done.
expect_rc 2 "report without --out" -- report --inblob 00
expect_rc 2 "report with bad hex" -- report --inblob 0g --out /dev/null
expect_rc 2 "report with 65 bytes" -- report --inblob "$(printf '00%.0s' $(seq 65))" --out /dev/null
expect_rc 2 "report with unknown option" -- report --frob
expect_rc 2 "unlock with unknown option" -- unlock --no-cmdline --frob
expect_rc 2 "unlock with an http URL" -- unlock --no-cmdline --url http://10.0.2.2
"$bin" unlock --no-cmdline --url http://10.0.2.2 2>&1 | grep -q "must start with https://" && ok || bad "unlock: URL reason"
expect_rc 2 "unlock with a malformed --keyhash" -- unlock --no-cmdline --url https://127.0.0.1:1 --keyhash 00:11
"$bin" unlock --no-cmdline --url https://127.0.0.1:1 --keyhash 00:11 2>&1 | grep -q "keyhash: the salt must be 16 to 32 bytes" &&
	ok || bad "unlock: keyhash reason"
expect_rc 13 "unlock of a missing device" -- unlock --no-cmdline --url https://127.0.0.1:1 --volume /dev/cocoboot-none
"$bin" unlock --no-cmdline --url https://127.0.0.1:1 --volume /dev/cocoboot-none 2>&1 |
	grep -q '^cocoboot: error volume-not-found: cannot open /dev/cocoboot-none$' && ok || bad "unlock: error line"
"$bin" boot 2>&1 | grep -q "^cocoboot: error usage: 'boot' runs only as PID 1" && ok || bad "boot outside PID 1"
# --defaults FILE (dracut's baked-in rd.cocoboot.* line) under the options; --wait for the volume.
dflt=$(mktemp -d) vol=/dev/shm/cocoboot-cli.$$  # (a volume must be a /dev/ path)
printf 'rd.cocoboot.url=https://127.0.0.1:1\nrd.cocoboot.volume=%s rd.cocoboot.frob=1 rd.cocoboot.timeout=30\n' "$vol" >"$dflt/d.conf"
out=$("$bin" unlock --no-cmdline --defaults "$dflt/d.conf" --timeout 1 2>&1); rc=$?
[ $rc -eq 13 ] && grep -q "error volume-not-found: cannot open $vol\$" <<<"$out" &&
	grep -q "unknown parameter rd.cocoboot.frob ignored ($dflt/d.conf;" <<<"$out" && ok || bad "unlock --defaults: exit $rc: $out"
out=$("$bin" unlock --no-cmdline --defaults "$dflt/none.conf" 2>&1); rc=$?
[ $rc -eq 12 ] && grep -q "error setup: cannot read $dflt/none.conf: No such file" <<<"$out" && ok || bad "unlock --defaults missing: $rc: $out"
printf 'rd.cocoboot.timeout=soon\n' >"$dflt/bad.conf"
expect_rc 11 "unlock --defaults with a bad value" -- unlock --no-cmdline --defaults "$dflt/bad.conf" --url https://127.0.0.1:1
# the volume appears while cocoboot waits: it gets past "not found" to the header
(sleep 1; head -c 4096 /dev/zero >"$vol") &
out=$("$bin" unlock --no-cmdline --defaults "$dflt/d.conf" --wait 2>&1); rc=$?
wait
[ $rc -ne 0 ] && ! grep -q "volume-not-found" <<<"$out" && grep -q "error luks2" <<<"$out" && ok || bad "unlock --wait: exit $rc: $out"
rm -rf "$dflt" "$vol"
# check-volume: the boot's own header validation, exit 0 acceptable, 1 refused, 2 usage/I/O.
expect_rc 2 "check-volume without a file" -- check-volume
expect_rc 2 "check-volume of a missing file" -- check-volume /nonexistent/cocoboot.img
expect_rc 2 "check-volume of a directory" -- check-volume /
expect_rc 2 "check-volume with two files" -- check-volume /dev/null /dev/null
skipped=0
if command -v cryptsetup >/dev/null; then
	tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
	truncate -s 20M "$tmp/v.img"; printf pw >"$tmp/pw"
	cryptsetup luksFormat --type luks2 -q --batch-mode --key-file "$tmp/pw" --pbkdf pbkdf2 \
		--pbkdf-force-iterations 1000 --key-size 512 "$tmp/v.img" >/dev/null
	expect_rc 0 "check-volume of a cryptsetup volume" -- check-volume "$tmp/v.img"
	"$bin" check-volume "$tmp/v.img" | grep -q "^uuid: *$(cryptsetup luksUUID "$tmp/v.img")$" && ok ||
		bad "check-volume: UUID line: $("$bin" check-volume "$tmp/v.img")"
	cp "$tmp/v.img" "$tmp/discards.img"
	"$(dirname "$0")/../../init/tests/luks2-rewrite.py" "$tmp/discards.img" --sub '"keyslots_size":"16744448"}' \
		'"keyslots_size":"16744448","flags":["allow-discards"]}'
	expect_rc 1 "check-volume of a header with allow-discards" -- check-volume "$tmp/discards.img"
	"$bin" check-volume "$tmp/discards.img" | grep -q "refused: luks2-forbidden: persistent activation flag 'allow-discards'" &&
		ok || bad "check-volume: refusal reason"
	truncate -s 16M "$tmp/v.img"
	expect_rc 1 "check-volume of a device too small for its data segment" -- check-volume "$tmp/v.img"
else
	echo "SKIP: check-volume on real headers: cryptsetup is not installed"; skipped=1
fi
# check-ca: the boot's own CA loading; the guest verifies ECDSA P-256 with SHA-256 only.
expect_rc 2 "check-ca without a file" -- check-ca
"$bin" check-ca --help | grep -q "^usage: cocoboot check-ca" && ok || bad "check-ca --help prints no usage"
ca=$(mktemp -d)
openssl ecparam -name prime256v1 -genkey -noout -out "$ca/p256.key"
openssl req -new -x509 -key "$ca/p256.key" -subj /CN=ok -days 30 -out "$ca/p256.pem"
openssl req -new -x509 -key "$ca/p256.key" -sha384 -subj /CN=sha384 -days 30 -out "$ca/sha384.pem"
openssl ecparam -name secp384r1 -genkey -noout -out "$ca/p384.key"
openssl req -new -x509 -key "$ca/p384.key" -subj /CN=p384 -days 30 -out "$ca/p384.pem"
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$ca/rsa.key" -subj /CN=rsa -days 30 -out "$ca/rsa.pem" 2>/dev/null
cat "$ca/p256.pem" "$ca/rsa.pem" >"$ca/mixed.pem"
echo "not a certificate" >"$ca/junk.pem"
expect_rc 0 "check-ca of a P-256 CA" -- check-ca "$ca/p256.pem"
check_ca_refuses() { # FILE REGEX
	local out; out=$("$bin" check-ca "$1" 2>&1); local rc=$?
	[ $rc -eq 1 ] && [[ $out =~ $2 ]] && ok || bad "check-ca $(basename "$1"): exit $rc: $out"
}
check_ca_refuses "$ca/p384.pem" "certificate 1: its key is on a curve other than P-256"
check_ca_refuses "$ca/rsa.pem" "certificate 1: its (key is not an elliptic-curve key|signature algorithm is not ecdsa-with-SHA256)"
check_ca_refuses "$ca/sha384.pem" "certificate 1: its signature is not ecdsa-with-SHA256"
check_ca_refuses "$ca/mixed.pem" "certificate 2: "
check_ca_refuses "$ca/junk.pem" "holds no PEM certificate"
check_ca_refuses "$ca/none.pem" "No such file or directory"
rm -rf "$ca"
size=$(stat -c %s "$bin")
# The budget: 192 KiB with every feature (issue 17).
[ "$size" -le 196608 ] && ok || bad "binary is $size bytes, more than the budget of 196608 (make cocoboot-size)"
echo "cocoboot size: $size bytes"
if [ "$skipped" -gt 0 ]; then echo "$pass passed, $fail failed, $skipped skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
