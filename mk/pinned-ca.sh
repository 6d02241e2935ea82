#!/bin/sh
# pinned-ca.sh CA: refuse to build an artefact for real use (`make initramfs`,
# `make image`) that pins the TEST CA. The test PKI's keys sit in build/e2e/pki,
# readable by anyone with the build tree: a guest pinning it trusts whoever has
# that tree. COCOBOOT_TEST_BUILD=1 says, by name, that a test build is meant.
set -eu
ca=$1
top=$(cd "$(dirname "$0")/.." && pwd)
test_ca=${COCOBOOT_TEST_CA:-$top/build/e2e/pki/ca.pem}
[ -s "$ca" ] || { echo "cocoboot: no broker CA at $ca (COCOBOOT_CA=/path/to/broker-ca.pem)" >&2; exit 1; }
is_test=
if [ -e "$test_ca" ]; then
	[ "$(realpath "$ca")" = "$(realpath "$test_ca")" ] && is_test=1
	cmp -s "$ca" "$test_ca" && is_test=1
fi
# Every test PKI names its CA so (tests/e2e/lib.sh e2e_pki: "cocoboot TEST
# broker CA"), also the copies other suites make under build/.
openssl x509 -in "$ca" -noout -subject 2>/dev/null | grep -q 'CN *= *cocoboot TEST' && is_test=1
[ -z "$is_test" ] && exit 0
if [ "${COCOBOOT_TEST_BUILD:-0}" = 1 ]; then
	echo "cocoboot: TEST build: pinning the test CA $ca (its key is in the build tree)" >&2
	exit 0
fi
echo "cocoboot: refusing to pin the TEST CA $ca: its private key is in the build tree." >&2
echo "  For a real build:  make ${COCOBOOT_TARGET:-initramfs} COCOBOOT_CA=/path/to/broker-ca.pem" >&2
echo "  For a test build:  make ${COCOBOOT_TARGET:-initramfs} COCOBOOT_TEST_BUILD=1" >&2
exit 1
