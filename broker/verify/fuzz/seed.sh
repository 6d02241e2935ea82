#!/bin/bash
# seed.sh TARGET DIR TESTDATA [DEBIAN]: write the seed corpus of one fuzz target
# from the real evidence: the larger set in TESTDATA when it is there, and the
# Debian go-sev-guest/go-tdx-guest evidence (tests/verify/debian-evidence.sh;
# DEBIAN, default: fetched now), which is always there.
set -eu
target=$1 dir=$2 td=$3
deb=${4:-$("$(dirname "$0")/../../../tests/verify/debian-evidence.sh")}
vendor=$(cd "$(dirname "$0")/../../../keys/vendor" && pwd)
mkdir -p "$dir"
py=/usr/bin/python3
shared=1
if [ ! -r "$td/vectors.json" ]; then
	shared=0
	echo "seed.sh $target: no $td/vectors.json (the shared real-evidence set): seeds from the Debian evidence only" >&2
fi
case $target in
snp-report)
	cp "$deb/snp/attestation.bin" "$dir/debian-attestation.bin"
	[ $shared = 0 ] || cp "$td"/snp/*report*.bin "$dir"/ ;;
tdx-quote)
	cp "$deb/tdx/quote.bin" "$dir/debian-quote.bin"
	[ $shared = 0 ] || cp "$td"/tdx/quote-*.bin "$dir"/ ;;
snp-crl)
	# real CRLs (Intel's: no AMD CRL is in the test data), DER and PEM
	for f in "$deb"/tdx/collateral/*crl*.der; do
		cp "$f" "$dir/debian-$(basename "$f")"
		openssl crl -inform DER -in "$f" -out "$dir/debian-$(basename "$f" .der).pem"
	done
	if [ $shared = 1 ]; then
		cp "$td"/tdx/collateral/*crl*.der "$dir"/
		for f in "$td"/tdx/collateral/rootcrl-*.der; do openssl crl -inform DER -in "$f" -out "$dir/$(basename "$f" .der).pem"; done
	fi
	;;
tdx-collateral)
	# selector byte: 0 TCB info, 1 QE identity; then the file as Intel serves it
	{ printf '\0'; cat "$deb/tdx/collateral/tcbinfo-50806f000000.json"; } >"$dir/debian-tcbinfo.json"
	{ printf '\1'; cat "$deb/tdx/collateral/qeidentity-tdqe.json"; } >"$dir/debian-qeidentity.json"
	if [ $shared = 1 ]; then
		for f in "$td"/tdx/collateral/tcbinfo-*.json; do { printf '\0'; cat "$f"; } >"$dir/$(basename "$f")"; done
		for f in "$td"/tdx/collateral/qeidentity-*.json; do { printf '\1'; cat "$f"; } >"$dir/$(basename "$f")"; done
	fi
	;;
snp-certtable | verify)
	$py - "$td" "$dir" "$target" "$deb" "$vendor" "$shared" <<'PY'
import sys, struct, subprocess, glob, os
td, out, target, deb, vendor, shared = sys.argv[1:7]
def der(pem):
    return subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], capture_output=True, check=True).stdout
def cert(path):
    return der(path) if open(path, "rb").read(5) == b"-----" else open(path, "rb").read()
guids = {"vcek": "63da758de6644564adc5f4b93be8accd", "ask": "4ab7b379bbac4fe4a02f05aef327c782",
         "ark": "c0b406a4a803495297433fb6014cd0ae"}
def table(certs):
    off = 24 * (len(certs) + 1)
    head, body = b"", b""
    for g, d in certs:
        head += bytes.fromhex(guids[g]) + struct.pack("<II", off + len(body), len(d))
        body += d
    return head + bytes(24) + body
# (report, VCEK, ASK, ARK)
sets = [(f"{deb}/snp/attestation.bin", f"{deb}/snp/vcek.der", f"{vendor}/ask-milan.pem", f"{vendor}/ark-milan.pem")]
if shared == "1":
    for rep, vcek, prod in [("milan-report-2.bin", "milan-vcek-2.der", "milan"),
                            ("genoa-report-3.bin", "genoa-vcek-3.der", "genoa"),
                            ("turin-report-1.bin", "turin-vcek-1.pem", "turin")]:
        sets.append((f"{td}/snp/{rep}", f"{td}/snp/{vcek}", f"{td}/snp/ask-{prod}.pem", f"{td}/snp/ark-{prod}.pem"))
for n, (rep, vcek, ask, ark) in enumerate(sets):
    t = table([("vcek", cert(vcek)), ("ask", cert(ask)), ("ark", cert(ark))])
    if target == "snp-certtable":
        open(f"{out}/table-{n}", "wb").write(t)
    else:
        open(f"{out}/snp-{n}", "wb").write(b"\0" + open(rep, "rb").read() + t)
if target == "verify":
    quotes = [f"{deb}/tdx/quote.bin"] + (glob.glob(f"{td}/tdx/quote-*.bin") if shared == "1" else [])
    for i, q in enumerate(quotes):
        open(f"{out}/tdx-{i}-{os.path.basename(q)}", "wb").write(b"\1" + open(q, "rb").read())
PY
	;;
x509-ext)
	cp "$deb/snp/vcek.der" "$dir/debian-vcek.der"
	[ $shared = 0 ] || cp "$td"/snp/*vcek*.der "$td"/snp/*vlek*.der "$td"/snp/*vcek*.pem "$dir"/ 2>/dev/null || true
	quotes="$deb/tdx/quote.bin"
	[ $shared = 0 ] || quotes="$quotes $td/tdx/quote-v4-4.bin $td/tdx/quote-v5-1.bin"
	$py - "$dir" $quotes <<'PY'
import sys, os
out = sys.argv[1]
for n, path in enumerate(sys.argv[2:]):
    q = open(path, "rb").read()
    i = q.find(b"-----BEGIN CERTIFICATE-----")
    j = q.rfind(b"-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
    open(f"{out}/pck-{n}-{os.path.basename(path)}.pem", "wb").write(q[i:j] + b"\n")
PY
	;;
policy)
	echo '{"snp":{"allow_debug":false,"measurements":["a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"],"min_reported_tcb":{"bootloader":3,"snp":8,"microcode":115,"fmc":1},"vmpls":[0],"products":["Milan","test"]}}' >"$dir/snp.json"
	echo '{"snp":{"allow_any_measurement":true,"min_launch_tcb":{"bootloader":3,"tee":0,"snp":8,"microcode":115},"min_current_version":"1.52","min_committed_version":"1.52","min_current_build":4,"min_committed_build":4,"guest_policy":{"min_abi":"0.31","single_socket":false,"cxl_allow":false,"mem_aes_256_xts":false,"rapl_dis":false,"ciphertext_hiding":false,"page_swap_disable":false},"platform_info":{"smt_en":true,"tsme_en":false,"ecc_en":false,"rapl_dis":false,"ciphertext_hiding_en":false,"alias_check_complete":false,"iommu_write_safe":false,"tio_en":false},"require_crl":true}}' >"$dir/snp-full.json"
	echo '{"tdx":{"mrtd":["7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876"],"rtmr0":["5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff4ba0678c6aef3bdae8cbc614cec24619"],"rtmr1":["463acaace1b6e97c76e92e41fe312aa66f3fd4dad60ec7acf169859db0343e3d1e591646795cdc80fbc0ca5f7041d253"],"rtmr2":["6369b9c9a3b791ebcbdc5a0bb9536cfb57f50df2b393b33c8b29616d3568baa61f4b59dc6092e31ea8764bcbdfc69f20"],"xfam":"e702060000000000","min_tee_tcb_svn":"0b010400000000000000000000000000","tcb_statuses":["UpToDate"]}}' >"$dir/tdx.json"
	echo '{"tdx":{"allow_any_measurement":true,"allow_no_collateral":true,"td_attributes":{"sept_ve_disable":true,"migratable":false,"pks":false,"perfmon":false,"mask":"0000000000010000","value":"0000000000000000"},"xfam":{"mask":"e000000000000000","value":"e000000000000000"}}}' >"$dir/tdx-attributes.json"
	printf '%s %s' '{"snp":{"allow_any_measurement":true}}' '{"tdx":{}}' >"$dir/trailing.json"
	;;
ccel)
	# no real CCEL log is in either set: a direct boot as OVMF and the EFI stub log it
	# (the layout of broker/verify/tests/test-ccel.c), with and without the filler after it
	$py - "$dir" <<'PY'
import sys, struct, hashlib
out = sys.argv[1]
def ev(mr, t, d, data):
    return struct.pack("<III", mr, t, 1) + b"\x0c\x00" + d + struct.pack("<I", len(data)) + data
h = lambda b: hashlib.sha384(b).digest()
spec = b"Spec ID Event03\0" + struct.pack("<I", 0) + b"\x00\x02\x00\x02" + struct.pack("<I", 1) + b"\x0c\x000\x00" + b"\x00"
log = struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec
log += ev(1, 0x8000000a, h(b"hob"), b"TD HOB")
act = b"Calling EFI Application from Boot Option"
log += ev(2, 0x80000007, h(act), act) + ev(2, 4, h(bytes(4)), bytes(4))
log += ev(2, 0x80000003, h(b"kernel"), b"\x04\x04 path")
for tag, label, what in ((0x8f3b22ec, b"Linux initrd\0", b"initrd"), (0x8f3b22ed, b"LOADED_IMAGE::LoadOptions\0", b"cmdline")):
    log += ev(3, 6, h(what), struct.pack("<II", tag, len(label)) + label)
open(out + "/direct-boot.bin", "wb").write(log)
open(out + "/direct-boot-filler.bin", "wb").write(log + b"\xff" * 256)
PY
	;;
*) echo "seed.sh: unknown target $target" >&2; exit 2 ;;
esac
