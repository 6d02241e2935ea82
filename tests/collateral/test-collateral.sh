#!/bin/bash
# test-collateral.sh COCOBROKER DEBIAN_EVIDENCE TESTDATA WORKDIR:
# `cocobroker collateral fetch|status` and the refresher in `serve` against a
# loopback HTTPS server (replay-server.py) that answers with real recorded
# AMD KDS and Intel PCS answers (recorded.py says which).  No outside network.
set -u
BROKER=$(realpath "$1") EV=$(realpath "$2") TESTDATA=$3 W=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/testdata.sh"
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
skipped() { skip=$((skip + 1)); echo "skip $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
SRV= BPID=
finish() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit $?
}
trap finish EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- a CA for the loopback server, and another one nobody trusts
for ca in ca rogue; do
	openssl ecparam -name prime256v1 -genkey -noout -out "$W/$ca.key" 2>/dev/null
	openssl req -x509 -new -key "$W/$ca.key" -subj "/CN=cocoboot TEST $ca" -days 2 -out "$W/$ca.pem" 2>/dev/null
done
openssl ecparam -name prime256v1 -genkey -noout -out "$W/server.key" 2>/dev/null
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$W/ext.cnf"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem" 2>/dev/null

python3 "$here/recorded.py" "$W/rec" "$EV" "$TESTDATA" || { bad "recorded answers"; exit 1; }
. "$W/rec/chip.env"
cp "$W/rec/routes-debian.json" "$W/routes.json"

start_server() {
	rm -f "$W/port"
	python3 "$here/replay-server.py" "$W/routes.json" "$W/server.pem" "$W/server.key" "$W/port" "$W/requests.log" &
	SRV=$!
	for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	SPORT=$(cat "$W/port")
}
start_server

# the broker configuration: serve's keys are not used by `collateral`, but
# the file is the broker's own (config_load checks them as present)
mkdir -p "$W/snp" "$W/tdx"
write_config() { # $1: collateral_fetch members; $2: extra top-level members
	cat > "$W/broker.json" <<JSON
{
  "listen": "127.0.0.1:$(free_port)",
  "cert": "$W/server.pem", "key": "$W/server.key",
  "database": "$W/keys.db", "master_key": "$W/master.key",
  "snp_cert_dir": "$W/snp", "collateral_dir": "$W/tdx"${2:+, $2},
  "collateral_fetch": {
    "amd_kds_url": "https://127.0.0.1:$SPORT", "intel_pcs_url": "https://127.0.0.1:$SPORT",
    "intel_root_crl_url": "https://127.0.0.1:$SPORT/IntelSGXRootCA.der",
    "ca_file": "$W/ca.pem", "timeout_seconds": 5, "pck_crl_cas": ["platform"]${1:+, $1}
  }
}
JSON
}
CHIP="\"snp_chips\": [{\"product\": \"Milan\", \"chip_id\": \"$CHIP_ID\", \"reported_tcb\": \"$REPORTED_TCB\"}]"
write_config "$CHIP, \"snp_vlek\": true, \"tdx_fmspcs\": [\"50806f000000\"]"
fetch() { "$BROKER" collateral fetch --config "$W/broker.json" "$@" >"$W/out" 2>"$W/err"; }
dirsum() { (cd "$W" && find snp tdx -type f | sort | xargs sha256sum); }
D23=2023-07-01T01:00:00Z

# ---- a fetch of everything, verified at a time the recorded answers were current
t0=$(date +%s%N)
fetch --at $D23; rc=$?
t1=$(date +%s%N)
check "fetch: exit 1, only the unrecorded KDS CRLs failed ($(grep -c FAILED "$W/err") failures)" \
	test $rc -eq 1 -a "$(grep -c '^FAILED' "$W/err")" -eq 2
check "fetch: the missing KDS CRL is named precisely" \
	grep -q "^FAILED snp vcek crl Milan: GET https://127.0.0.1:$SPORT/vcek/v1/Milan/crl: HTTP 404$" "$W/err"
for f in snp/kds-vcek-cert_chain-Milan.pem snp/kds-vlek-cert_chain-Milan.pem \
	"snp/vcek-Milan-${CHIP_ID:0:16}-$REPORTED_TCB.der" tdx/tcbinfo-50806f000000-pcs.json tdx/qeidentity-tdqe-pcs.json \
	tdx/tcb-signing-chain-tcbinfo-50806f000000-pcs.pem tdx/tcb-signing-chain-qeidentity-pcs.pem tdx/pckcrl-platform-pcs.der tdx/rootcrl-pcs.der; do
	check "fetch: stored $f" test -s "$W/$f"
done
check "fetch: nothing temporary left" test -z "$(find "$W/snp" "$W/tdx" -name '.*' -type f)"
check "fetch: the stored answers are the recorded bytes" \
	cmp -s "$W/tdx/tcbinfo-50806f000000-pcs.json" "$EV/tdx/collateral/tcbinfo-50806f000000.json"
line=$(tail -n 1 "$W/out")
echo "     (fetch of 9 items against the loopback server: $line; wall $(( (t1 - t0) / 1000000 )) ms)"

# ---- serve's verifiers use what was stored
"$BROKER" verify --provider sev_guest --outblob "$EV/snp/attestation.bin" --snp-cert-dir "$W/snp" --at 2022-09-24T01:00:00Z \
	>"$W/v.out" 2>"$W/v.err"
check "verify: the SNP report verifies with the fetched VCEK (snp_cert_dir)" test $? -eq 0
mkdir -p "$W/empty"
"$BROKER" verify --provider sev_guest --outblob "$EV/snp/attestation.bin" --snp-cert-dir "$W/empty" --at 2022-09-24T01:00:00Z \
	>/dev/null 2>"$W/v.err"
check "verify: and not without it (chain-invalid)" grep -q '^chain-invalid: ' "$W/v.err"
"$BROKER" verify --provider tdx_guest --outblob "$EV/tdx/quote.bin" --collateral "$W/tdx" --at $D23 >"$W/v.out" 2>"$W/v.err"
check "verify: the TDX quote's collateral verifies and reaches TCB matching (as with the recorded dir: not supported)" \
	grep -q '^tcb-too-old: .*not supported' "$W/v.err"
"$BROKER" verify --provider tdx_guest --outblob "$EV/tdx/quote.bin" --collateral "$W/empty" --at $D23 >/dev/null 2>"$W/v.err"
check "verify: and without it collateral-invalid" grep -q '^collateral-invalid: ' "$W/v.err"

# ---- a second run: nothing rewritten, the VCEK not asked for again
before=$(dirsum); ls -l --time-style=full-iso "$W/tdx" > "$W/ls1"
n_vcek=$(grep -c "^/vcek/v1/Milan/$CHIP_ID" "$W/requests.log")
fetch --at $D23
check "refetch: every verified item unchanged" test "$(grep -c '^unchanged' "$W/out")" -eq 7
check "refetch: files untouched" test "$before" = "$(dirsum)"
check "refetch: the VCEK of a (chip, TCB) is not asked for again" \
	test "$(grep -c "^/vcek/v1/Milan/$CHIP_ID" "$W/requests.log")" -eq "$n_vcek"

# ---- the chip named by a host's report on the command line instead of the configuration
rm -f "$W/snp"/vcek-*.der
write_config "\"tdx_fmspcs\": [\"50806f000000\"]"
fetch --at $D23 --product Milan --snp-report "$EV/snp/attestation.bin"
check "--snp-report: the VCEK of the report's chip and TCB fetched" \
	test -s "$W/snp/vcek-Milan-${CHIP_ID:0:16}-$REPORTED_TCB.der" -a -n "$(grep '^stored    snp vcek' "$W/out")"
fetch --at $D23 --snp-report "$EV/snp/attestation.bin"
check "--snp-report without --product: a usage error that says so" \
	grep -q -- '--snp-report needs --product Milan|Genoa|Turin before it' "$W/err"
fetch --at $D23 --product Milan --snp-report "$EV/tdx/quote.bin"
check "--snp-report of a file that is no SNP report: refused with the parser's reason" \
	grep -q "cocobroker collateral: $EV/tdx/quote.bin: malformed: " "$W/err"
write_config "$CHIP, \"snp_vlek\": true, \"tdx_fmspcs\": [\"50806f000000\"]"

# ---- tampered answers: refused, nothing stored, the old file kept
tamper() { # route, python expression on bytes b, name
	python3 - "$W/routes.json" "$1" "$2" "$W/rec/$3" <<'PY'
import json, sys
routes_path, target, expr, out = sys.argv[1:5]
r = json.load(open(routes_path))
b = open(r[target]["file"], "rb").read()
open(out, "wb").write(eval(expr))
r[target]["file"] = out
json.dump(r, open(routes_path, "w"))
PY
}
tamper_header() { # route, header, python expression on str s
	python3 - "$W/routes.json" "$1" "$2" "$3" "$W/rec/hdr-$RANDOM" <<'PY'
import json, sys, urllib.parse
routes_path, target, name, expr, out = sys.argv[1:6]
r = json.load(open(routes_path))
s = urllib.parse.unquote(open(r[target]["headers"][name]).read())
open(out, "w").write(urllib.parse.quote(eval(expr), safe=""))
r[target]["headers"][name] = out
json.dump(r, open(routes_path, "w"))
PY
}
refused() { # name, FAILED pattern
	local before=$(dirsum)
	fetch --at $D23; local rc=$?
	check "$1: refused (exit 1, $(grep -c '^FAILED' "$W/err") failures)" test $rc -eq 1
	check "$1: the reason" grep -qE "$2" "$W/err"
	check "$1: nothing stored, the old files kept" test "$before" = "$(dirsum)"
	cp "$W/rec/routes-debian.json" "$W/routes.json"
}
TI=/tdx/certification/v4/tcb?fmspc=50806f000000
tamper "$TI" 'b.replace(b"\"tcbEvaluationDataNumber\":15", b"\"tcbEvaluationDataNumber\":16")' ti-tampered.json
refused "TCB info with a changed level" "^FAILED tdx tcb-info 50806f000000: refused .*: its signature does not verify with the TCB signing key$"
tamper "/tdx/certification/v4/qe/identity" 'b.replace(b"\"isvsvn\":", b"\"isvsvn\":1", 1)' qe-tampered.json
refused "QE identity with a changed SVN" "^FAILED tdx qe-identity: refused .*signature does not verify"
tamper_header "$TI" TCB-Info-Issuer-Chain 's.replace("MII", "MIJ", 1)'
refused "TCB info whose issuer chain is altered" "^FAILED tdx tcb-info 50806f000000: refused .*(does not hold PEM|no P-256 TCB signing certificate)"
tamper_header "$TI" TCB-Info-Issuer-Chain 'open("'"$W"'/rogue.pem").read()'
refused "TCB info signed under another root" "^FAILED tdx tcb-info 50806f000000: refused .*no P-256 TCB signing certificate in its issuer chain signed by the pinned Intel root"
tamper "/IntelSGXRootCA.der" 'b[:-8] + bytes(x ^ 1 for x in b[-8:])' rootcrl-tampered.der
refused "root CRL with a bad signature" "^FAILED tdx root-crl: refused .*: its signature does not verify with the pinned Intel root$"
tamper "/sgx/certification/v4/pckcrl?ca=platform&encoding=der" 'open("'"$EV"'/tdx/collateral/rootcrl.der","rb").read()' pck-swapped.der
refused "PCK CRL swapped for the root CRL" "^FAILED tdx pck-crl platform: refused .*: its signature does not verify with the PCK CA"
tamper "/vcek/v1/Milan/cert_chain" 'open("'"$EV"'/snp/milan-vlek-chain.pem","rb").read()' chain-vlek.pem
refused "VCEK chain answered with the VLEK chain" "^FAILED snp vcek cert_chain Milan: refused .*its ASK is not"
tamper "/vcek/v1/Milan/cert_chain" 'b.replace(b"MII", b"MIJ", 1)' chain-bad.pem
refused "VCEK chain that does not parse" "^FAILED snp vcek cert_chain Milan: refused .*not a PEM chain"
rm -f "$W/snp"/vcek-*.der
tamper "$VCEK_PATH" 'b[:-8] + bytes(x ^ 1 for x in b[-8:])' vcek-tampered.der
refused "VCEK with a bad signature" "^FAILED snp vcek vcek-Milan-.*: refused .*: not signed by the pinned ASK$"
check "VCEK with a bad signature: no VCEK stored" test -z "$(ls "$W/snp" | grep '^vcek-')"
fetch --at $D23 # the VCEK back

# ---- an older answer replayed over a newer stored one (shared testdata: two TCB infos of one FMSPC)
if [ -f "$W/rec/routes-newer.json" ]; then
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(json.load(open(sys.argv[2]))); json.dump(r,open(sys.argv[1],"w"))' \
		"$W/routes.json" "$W/rec/routes-newer.json"
	fetch --at 2026-03-20T00:00:00Z
	check "newer TCB info (2026-03-16) stored" grep -q '"issueDate":"2026-03-16' "$W/tdx/tcbinfo-50806f000000-pcs.json"
	cp "$W/rec/routes-debian.json" "$W/routes.json"
	refused "the 2023 TCB info replayed over the stored 2026 one" \
		"^FAILED tdx tcb-info 50806f000000: refused .*: issued before the stored tcbinfo-50806f000000-pcs.json"
	cp "$EV/tdx/collateral/tcbinfo-50806f000000.json" "$W/tdx/tcbinfo-50806f000000-pcs.json"
else
	skipped "rollback of TCB info: $(testdata_why "$TESTDATA")"
fi

# ---- transport failures: precise, nothing changed
before=$(dirsum)
write_config "$CHIP, \"ca_file\": \"$W/rogue.pem\", \"tdx_fmspcs\": [\"50806f000000\"]" 2>/dev/null
sed -i "s|\"ca_file\": \"$W/ca.pem\", ||" "$W/broker.json"
fetch --at $D23; rc=$?
check "server with a certificate of an untrusted CA: exit 1, every item asked for (6) failed, nothing changed" \
	test $rc -eq 1 -a "$(grep -c '^FAILED' "$W/err")" -eq 6 -a "$before" = "$(dirsum)"
check "server with a certificate of an untrusted CA: the TLS error named" grep -q 'SSL certificate problem' "$W/err"
write_config "$CHIP, \"tdx_fmspcs\": [\"50806f000000\"]"
kill "$SRV"; wait "$SRV" 2>/dev/null; SRV=
fetch --at $D23; rc=$?
check "server down: exit 1, nothing changed" test $rc -eq 1 -a "$before" = "$(dirsum)"
check "server down: each item (6; the VCEK is stored already) says the connection failed ($(head -n 1 "$W/err"))" \
	test "$(grep -c "^FAILED .*GET https://127.0.0.1:$SPORT/.*: Failed to connect to 127.0.0.1 port $SPORT" "$W/err")" -eq 6
start_server
write_config "$CHIP, \"tdx_fmspcs\": [\"50806f000000\"]"

# ---- expiry reported ahead (the recorded TCB info's nextUpdate is 2023-07-18T08:42:58Z)
"$BROKER" collateral status --config "$W/broker.json" --at $D23 >"$W/out" 2>"$W/err"
check "status 17 days ahead: ok" test $? -eq 0 -a -z "$(cat "$W/err")"
check "status lists the TCB info's nextUpdate" grep -q '^ok       tcb_info 50806f000000: nextUpdate 2023-07-18T08:42:58Z' "$W/out"
"$BROKER" collateral status --config "$W/broker.json" --at 2023-07-14T08:42:58Z >"$W/out" 2>"$W/err"
check "status 4 days ahead: exit 1, EXPIRING with the days left" \
	grep -q '^EXPIRING tcb_info 50806f000000: nextUpdate 2023-07-18T08:42:58Z (in 4.0 days)$' "$W/err"
"$BROKER" collateral status --config "$W/broker.json" --at 2023-08-01T00:00:00Z >"$W/out" 2>"$W/err"
check "status after nextUpdate: exit 1, EXPIRED" test $? -eq 1 -a -n "$(grep '^EXPIRED  tcb_info 50806f000000' "$W/err")"
fetch --at 2023-07-14T08:42:58Z
check "fetch warns about what it left expiring" grep -q '^EXPIRING tcb_info 50806f000000' "$W/err"

# ---- shared testdata: a quote whose collateral set comes complete (quote-v4-4, UpToDate)
if [ -f "$W/rec/routes-shared.json" ]; then
	cp "$W/rec/routes-shared.json" "$W/routes.json"
	mkdir -p "$W/tdx2"
	sed -e "s|\"$W/tdx\"|\"$W/tdx2\"|" -e 's/"50806f000000"/"b0c06f000000"/' "$W/broker.json" > "$W/broker2.json"
	"$BROKER" collateral fetch --config "$W/broker2.json" --at 2025-06-20T00:00:00Z >"$W/out" 2>"$W/err"
	check "shared: the 2025 TDX collateral fetched for b0c06f000000 ($(grep -c '^FAILED tdx' "$W/err") TDX failures)" \
		test "$(grep -c '^FAILED tdx' "$W/err")" -eq 0 -a "$(grep -c '^stored.*tdx' "$W/out")" -eq 4
	"$BROKER" verify --provider tdx_guest --outblob "$TESTDATA/tdx/quote-v4-4.bin" --collateral "$W/tdx2" \
		--at 2025-06-20T00:00:00Z >"$W/v.out" 2>"$W/v.err"
	check "shared: quote-v4-4 verifies UpToDate with the fetched collateral" grep -q '"tcb_status":"UpToDate"' "$W/v.out"
	cp "$W/rec/routes-debian.json" "$W/routes.json"
else
	skipped "shared TDX collateral fetch and verify: $(testdata_why "$TESTDATA")"
fi

# ---- configuration errors
write_config; sed -i 's|"amd_kds_url": "https://|"amd_kds_url": "http://|' "$W/broker.json"
fetch; check "config: a plain http:// URL refused" grep -q 'collateral_fetch: "amd_kds_url" must be an https:// URL' "$W/err"
write_config '"timeout_seconds": 9'
fetch; check "config: a key given twice refused" grep -q 'collateral_fetch: "timeout_seconds" given twice' "$W/err"
write_config "\"refresh\": 5"
fetch; check "config: an unknown key refused" grep -q 'collateral_fetch: unknown key or wrong type: "refresh"' "$W/err"

# ---- the refresher in serve: fetches at start (now), keeps old files, reports expiry
# The recorded TDX collateral is long expired now: refused, the fetched-before files
# kept, the expiry reported as an error and as a negative metric.
MPORT=$(free_port)
rm -f "$W/snp"/vcek-*.der
write_config "$CHIP, \"tdx_fmspcs\": [\"50806f000000\"], \"refresh_seconds\": 60" "\"metrics_listen\": \"127.0.0.1:$MPORT\""
before=$(cd "$W" && find tdx -type f | sort | xargs sha256sum)
"$BROKER" serve --config "$W/broker.json" 2>"$W/serve.log" &
BPID=$!
for _ in $(seq 100); do grep -q '"collateral-fetched"' "$W/serve.log" 2>/dev/null && break; sleep 0.1; done
check "serve: the refresher ran at start" grep -q '"event":"collateral-fetched"' "$W/serve.log"
check "serve: the VCEK fetched and stored" test -s "$W/snp/vcek-Milan-${CHIP_ID:0:16}-$REPORTED_TCB.der"
check "serve: the expired TCB info refused with the reason" \
	grep -Eq '"collateral-fetch-failed".*tdx tcb-info 50806f000000.*refused .*(not a TDX TCB info for this FMSPC current|valid) at the fetch time' "$W/serve.log"
check "serve: the TDX files kept" test "$before" = "$(cd "$W" && find tdx -type f | sort | xargs sha256sum)"
check "serve: expired collateral logged as an error" grep -q '"level":"error","event":"collateral-expired".*tcb_info 50806f000000' "$W/serve.log"
curl -s "http://127.0.0.1:$MPORT/metrics" > "$W/metrics.txt"
check "serve: cocobroker_collateral_expiry_seconds negative for the expired TCB info" \
	grep -Eq '^cocobroker_collateral_expiry_seconds\{kind="tcb_info",id="50806f000000"\} -[0-9]+$' "$W/metrics.txt"
check "serve: the metric for the root CRL too" grep -q '^cocobroker_collateral_expiry_seconds{kind="root_crl",id=""}' "$W/metrics.txt"
kill "$BPID"; wait "$BPID" 2>/dev/null; BPID=
check "serve: stops cleanly with the refresher" grep -q '"event":"stopped"' "$W/serve.log"

# ---- serve stops while a fetch hangs on a stalled server: the transfer is cancelled
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["/vcek/v1/Milan/cert_chain"]["delay"]=120; json.dump(r,open(sys.argv[1],"w"))' \
	"$W/routes.json"
write_config "$CHIP" "\"metrics_listen\": \"127.0.0.1:$MPORT\""
sed -i 's/"timeout_seconds": 5/"timeout_seconds": 120/' "$W/broker.json"
"$BROKER" serve --config "$W/broker.json" 2>"$W/serve2.log" &
BPID=$!
for _ in $(seq 100); do grep -q '/vcek/v1/Milan/cert_chain' "$W/requests.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
t0=$(date +%s)
kill "$BPID"; wait "$BPID" 2>/dev/null; BPID=
t1=$(date +%s)
check "serve: the refresher's request reached the stalled server" grep -q '"event":"listening"' "$W/serve2.log"
check "serve: SIGTERM during a fetch stalled for 120 s stops it ($((t1 - t0)) s, not the stall)" test $((t1 - t0)) -lt 60
check "serve: the cancelled item is reported as such" grep -q '"collateral-fetch-failed","item":"snp vcek cert_chain Milan".*: cancelled (the broker is stopping)' "$W/serve2.log"
cp "$W/rec/routes-debian.json" "$W/routes.json"
