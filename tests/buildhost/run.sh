#!/bin/bash
# run.sh: the build host stays safe (issue 16 item 6, docs/building.md).
#   - mk/packages.txt (every build) names none of the comparison's packages
#     (tests/compare/packages.txt: tang, clevis, ...)
#   - every systemd unit those packages ship, where installed, is masked or
#     disabled (mk/deps.sh does that when it installs them), and nothing
#     listens on port 80 or on any non-loopback address that tangd could own
#   - `make initramfs` (and `make image`) refuses a TEST CA (one from a test PKI, by path or by
#     subject) with a message naming COCOBOOT_TEST_BUILD=1, builds nothing,
#     and builds with it or with a real CA
# Prints "N passed, N failed[, N skipped]".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
W=$top/build/buildhost
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
skip() { skip=$((skip + 1)); echo "skip $*"; }
trap 'echo "$pass passed, $fail failed, $skip skipped"; [ $fail -eq 0 ]; exit $?' EXIT
rm -rf "$W" && mkdir -p "$W"

pkgs() { sed -e 's/#.*//' "$1" | tr -s ' \t' '\n' | sed -e '/^$/d' | sort -u; }

# 1. The split
both=$(comm -12 <(pkgs "$top/mk/packages.txt") <(pkgs "$top/tests/compare/packages.txt"))
[ -z "$both" ] && ok "mk/packages.txt holds none of the comparison's packages" ||
	bad "mk/packages.txt also lists:" $both
grep -q 'tests/compare/packages.txt' "$top/tests/compare/compare.mk" &&
	! grep -rq 'tests/compare/packages.txt' "$top/Makefile" "$top/mk"/*.mk &&
	ok "only tests/compare/compare.mk installs tests/compare/packages.txt" ||
	bad "tests/compare/packages.txt is installed from elsewhere than compare.mk"

# 2. No unit of a comparison package enabled
n=0
for p in $(pkgs "$top/tests/compare/packages.txt"); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || continue
	for u in $(dpkg -L "$p" | grep -E '^(/usr)?/lib/systemd/system/[^/@]+\.(socket|service|timer|path)$' | sed -e 's|.*/||'); do
		n=$((n + 1))
		st=$(systemctl --root=/ is-enabled "$u" 2>/dev/null)
		case $st in masked|disabled) ok "$p: $u is $st" ;; *) bad "$p: $u is $st (mk/deps.sh masks it on install)" ;; esac
	done
done
[ $n -gt 0 ] || skip "no unit of a comparison package installed (make bench-compare installs them)"
if command -v ss >/dev/null; then
	l=$(ss -lntuH | awk '$5 ~ /:80$/ || $5 ~ /:http$/')
	[ -z "$l" ] && ok "nothing listens on port 80" || bad "port 80 listened on: $l"
else skip "no ss (iproute2): listeners not checked"; fi

# 3. The TEST CA
mkca() { # FILE CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/CN=$2" -days 1 -out "$1" 2>/dev/null
}
mkca "$W/test-ca.pem" "cocoboot TEST broker CA"
mkca "$W/real-ca.pem" "Example Corp broker CA"
out=$top/build/initramfs.cpio.gz
rm -f "$out"
mk() { make -C "$top" --no-print-directory initramfs "$@"; }
if mk COCOBOOT_CA="$W/test-ca.pem" >"$W/test.out" 2>&1; then
	bad "make initramfs pinned a TEST CA without COCOBOOT_TEST_BUILD=1"
elif grep -q 'refusing to pin the TEST CA' "$W/test.out" && grep -q 'COCOBOOT_TEST_BUILD=1' "$W/test.out" &&
	[ ! -e "$out" ]; then
	ok "make initramfs refuses a TEST CA and says how to ask for a test build; nothing built"
else bad "make initramfs with a TEST CA failed without the message, or left $out"; cat "$W/test.out"; fi
if mk >"$W/default.out" 2>&1; then
	bad "make initramfs (default CA: the e2e test PKI) built without COCOBOOT_TEST_BUILD=1"
elif grep -q 'refusing to pin the TEST CA' "$W/default.out"; then
	ok "make initramfs with the default CA (the e2e test PKI) refuses"
else bad "make initramfs with the default CA failed otherwise"; cat "$W/default.out"; fi
if mk COCOBOOT_CA="$W/test-ca.pem" COCOBOOT_TEST_BUILD=1 >"$W/testbuild.out" 2>&1 && [ -s "$out" ] &&
	grep -q 'TEST build' "$W/testbuild.out"; then
	ok "COCOBOOT_TEST_BUILD=1 make initramfs builds with the TEST CA and says so"
else bad "COCOBOOT_TEST_BUILD=1 make initramfs"; cat "$W/testbuild.out"; fi
# The same file again with a real CA: rebuilt (the CA choice changed), not
# left pinning the test CA because the real CA file is older.
touch -d '2000-01-01' "$W/real-ca.pem"
if mk COCOBOOT_CA="$W/real-ca.pem" >"$W/real.out" 2>&1 && [ -s "$out" ] &&
	zcat "$out" | cpio -i --quiet --to-stdout etc/cocoboot/ca.pem 2>/dev/null | cmp -s - "$W/real-ca.pem"; then
	ok "make initramfs with a real CA rebuilds and pins it ($(stat -c %s "$out") bytes)"
else bad "make initramfs with a real CA"; cat "$W/real.out"; fi
# make image: the same refusal before mkosi runs (its prerequisites are the
# binary and the image's inputs, all cheap when built)
if make -C "$top" --no-print-directory image COCOBOOT_CA="$W/test-ca.pem" >"$W/image.out" 2>&1; then
	bad "make image pinned a TEST CA without COCOBOOT_TEST_BUILD=1"
elif grep -q 'refusing to pin the TEST CA' "$W/image.out" && grep -q 'make image COCOBOOT_TEST_BUILD=1' "$W/image.out" &&
	! grep -q 'MKOSI' "$W/image.out"; then
	ok "make image refuses a TEST CA before mkosi runs"
else bad "make image with a TEST CA"; tail -5 "$W/image.out"; fi
if mk COCOBOOT_CA="$W/absent.pem" >"$W/absent.out" 2>&1; then bad "make initramfs with no CA file built"
else ok "make initramfs with a missing CA file fails"; fi
rm -f "$out"
