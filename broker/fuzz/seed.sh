#!/bin/bash
# seed.sh TARGET DIR TESTDATA: write the seed corpus of one fuzz target.
set -eu
target=$1 dir=$2 td=$3
mkdir -p "$dir"
py=/usr/bin/python3
case $target in
snp-report) cp "$td"/snp/*report*.bin "$dir"/ ;;
tdx-quote) cp "$td"/tdx/quote-*.bin "$dir"/ ;;
snp-crl)
	# real CRLs (Intel's: no AMD CRL is in the test data), DER and PEM
	cp "$td"/tdx/collateral/*crl*.der "$dir"/
	for f in "$td"/tdx/collateral/rootcrl-*.der; do openssl crl -inform DER -in "$f" -out "$dir/$(basename "$f" .der).pem"; done
	;;
tdx-collateral)
	# selector byte: 0 TCB info, 1 QE identity; then the file as Intel serves it
	for f in "$td"/tdx/collateral/tcbinfo-*.json; do { printf '\0'; cat "$f"; } >"$dir/$(basename "$f")"; done
	for f in "$td"/tdx/collateral/qeidentity-*.json; do { printf '\1'; cat "$f"; } >"$dir/$(basename "$f")"; done
	;;
snp-certtable | verify)
	$py - "$td" "$dir" "$target" <<'PY'
import sys, struct, subprocess, glob, os
td, out, target = sys.argv[1:4]
def der(pem):
    return subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], capture_output=True, check=True).stdout
guids = {"vcek": "63da758de6644564adc5f4b93be8accd", "ask": "4ab7b379bbac4fe4a02f05aef327c782",
         "ark": "c0b406a4a803495297433fb6014cd0ae"}
def table(certs):
    off = 24 * (len(certs) + 1)
    head, body = b"", b""
    for g, d in certs:
        head += bytes.fromhex(guids[g]) + struct.pack("<II", off + len(body), len(d))
        body += d
    return head + bytes(24) + body
for n, (rep, vcek, prod) in enumerate([("milan-report-2.bin", "milan-vcek-2.der", "milan"),
                                        ("genoa-report-3.bin", "genoa-vcek-3.der", "genoa"),
                                        ("turin-report-1.bin", "turin-vcek-1.pem", "turin")]):
    v = open(f"{td}/snp/{vcek}", "rb").read()
    if vcek.endswith(".pem"):
        v = der(f"{td}/snp/{vcek}")
    t = table([("vcek", v), ("ask", der(f"{td}/snp/ask-{prod}.pem")), ("ark", der(f"{td}/snp/ark-{prod}.pem"))])
    if target == "snp-certtable":
        open(f"{out}/table-{n}", "wb").write(t)
    else:
        open(f"{out}/snp-{n}", "wb").write(b"\0" + open(f"{td}/snp/{rep}", "rb").read() + t)
if target == "verify":
    for q in glob.glob(f"{td}/tdx/quote-*.bin"):
        open(f"{out}/tdx-{os.path.basename(q)}", "wb").write(b"\1" + open(q, "rb").read())
PY
	;;
x509-ext)
	cp "$td"/snp/*vcek*.der "$td"/snp/*vlek*.der "$td"/snp/*vcek*.pem "$dir"/ 2>/dev/null || true
	$py - "$td" "$dir" <<'PY'
import sys, struct
td, out = sys.argv[1:3]
for name in ["quote-v4-4.bin", "quote-v5-1.bin"]:
    q = open(f"{td}/tdx/{name}", "rb").read()
    i = q.find(b"-----BEGIN CERTIFICATE-----")
    j = q.rfind(b"-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    open(f"{out}/pck-{name}.pem", "wb").write(q[i:j] + b"\n")
PY
	;;
policy)
	echo '{"snp":{"allow_debug":false,"measurements":["a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"],"min_reported_tcb":{"bootloader":3,"snp":8,"microcode":115,"fmc":1},"vmpls":[0],"products":["Milan","test"]}}' >"$dir/snp.json"
	echo '{"tdx":{"mrtd":["7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876"],"rtmr0":"5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff4ba0678c6aef3bdae8cbc614cec24619","xfam":"e702060000000000","min_tee_tcb_svn":"0b010400000000000000000000000000","tcb_statuses":["UpToDate"]}}' >"$dir/tdx.json"
	;;
*) echo "seed.sh: unknown target $target" >&2; exit 2 ;;
esac
