#!/bin/sh
# debian-evidence.sh: the real SEV-SNP and TDX evidence that Debian ships in
# Google's go-sev-guest and go-tdx-guest packages (mk/pins: go-sev-guest,
# go-tdx-guest, fetched by pool path and checked by sha256), unpacked once
# into $COCOBOOT_CACHE/debian-evidence/<versions>/ under stable names; prints
# that directory. Nothing of it is committed; docs/testing.md says which file
# is real hardware evidence and which is not.
#   snp/attestation.bin        go-sev-guest verify/testdata/attestation.bin (Milan report, v2)
#   snp/vcek.der               go-sev-guest verify/testdata/vcek.testcer (its VCEK)
#   snp/milan-chain.pem        go-sev-guest verify/testdata/milan.testcer (KDS cert_chain: ASK, ARK)
#   snp/milan-vlek-chain.pem   go-sev-guest verify/testdata/milanvlek.testcer (ASVK, ARK)
#   tdx/quote.bin              go-tdx-guest testing/testdata/tdx_prod_quote_SPR_E4.dat (v4 quote)
#   tdx/td-report.bin          go-tdx-guest testing/testdata/report.dat (TDREPORT, not signed)
#   tdx/collateral/            what the verifier reads with --collateral:
#     tcbinfo-50806f000000.json  testing/testdata/sample_tcbInfo_response
#     qeidentity-tdqe.json       testing/testdata/sample_qeIdentity_response
#     pckcrl-platform.der        testing/testdata/pckcrl
#     rootcrl.der                testing/testdata/rootcrl.der
#     tcb-signing-chain.pem      testing/test_cases.go tcbInfoIssuerChain, URL-decoded
#                                (the PCS response header the TCB info came with)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${COCOBOOT_CACHE:-$HOME/.cache/cocoboot}
sev_deb=$("$top/mk/fetch.sh" go-sev-guest)
tdx_deb=$("$top/mk/fetch.sh" go-tdx-guest)
# the package versions name the directory, so a new pin unpacks afresh
ver() { basename "$1" _all.deb | sed 's/^golang-github-google-//; s/-dev_/-/'; }
dir=$cache/debian-evidence/$(ver "$sev_deb")_$(ver "$tdx_deb")
[ -f "$dir/.ok" ] && { echo "$dir"; exit 0; }

mkdir -p "$cache/debian-evidence"
exec 9>"$cache/debian-evidence/.lock"
flock 9
[ -f "$dir/.ok" ] && { echo "$dir"; exit 0; }
tmp=$(mktemp -d "$cache/debian-evidence/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$sev_deb" "$tmp/sev"
dpkg-deb -x "$tdx_deb" "$tmp/tdx"
sev=$tmp/sev/usr/share/gocode/src/github.com/google/go-sev-guest
tdx=$tmp/tdx/usr/share/gocode/src/github.com/google/go-tdx-guest
out=$tmp/out
mkdir -p "$out/snp" "$out/tdx/collateral"
cp "$sev/verify/testdata/attestation.bin" "$out/snp/attestation.bin"
cp "$sev/verify/testdata/vcek.testcer" "$out/snp/vcek.der"
cp "$sev/verify/testdata/milan.testcer" "$out/snp/milan-chain.pem"
cp "$sev/verify/testdata/milanvlek.testcer" "$out/snp/milan-vlek-chain.pem"
td=$tdx/testing/testdata
cp "$td/tdx_prod_quote_SPR_E4.dat" "$out/tdx/quote.bin"
cp "$td/report.dat" "$out/tdx/td-report.bin"
cp "$td/sample_tcbInfo_response" "$out/tdx/collateral/tcbinfo-50806f000000.json"
cp "$td/sample_qeIdentity_response" "$out/tdx/collateral/qeidentity-tdqe.json"
cp "$td/pckcrl" "$out/tdx/collateral/pckcrl-platform.der"
cp "$td/rootcrl.der" "$out/tdx/collateral/rootcrl.der"
/usr/bin/python3 - "$tdx/testing/test_cases.go" "$out/tdx/collateral/tcb-signing-chain.pem" <<'PY'
import re, sys, urllib.parse
src = open(sys.argv[1]).read()
m = re.search(r'var tcbInfoIssuerChain = \[\]string\{\s*"([^"]+)"', src)
if not m:
    sys.exit("debian-evidence: no tcbInfoIssuerChain in " + sys.argv[1])
pem = urllib.parse.unquote(m.group(1))
if pem.count("-----BEGIN CERTIFICATE-----") != 2:
    sys.exit("debian-evidence: tcbInfoIssuerChain is not a two-certificate PEM chain")
open(sys.argv[2], "w").write(pem)
PY
rm -rf "$dir"
mv "$out" "$dir"
touch "$dir/.ok"
echo "$dir"
