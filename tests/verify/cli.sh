#!/bin/bash
# cli.sh COCOBROKER TESTDATA: `cocobroker verify` keeps its contract on every
# vector: exit 0 + claims JSON when accepted, 1 + "code: detail" on stderr
# when rejected, 2 on usage and I/O errors. First on the Debian evidence that
# is always there ($COCOBOOT_DEBIAN_EVIDENCE, tests/verify/debian-evidence.sh),
# then on the larger set in TESTDATA, which is skipped (one group, counted
# once) with the reason when it is absent.
set -u
cb=$1 td=${COCOBOOT_TESTDATA:-$2}
deb=${COCOBOOT_DEBIAN_EVIDENCE:?set by make check-verify (tests/verify/debian-evidence.sh)}
. "$(dirname "$0")/../lib/testdata.sh"
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME WANT_RC STDERR_PATTERN ARGS...
expect() {
	local name=$1 want=$2 pat=$3
	shift 3
	"$cb" verify "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, want $want: $(head -c 300 "$tmp/err")"
		fail=$((fail + 1)); return
	fi
	if [ -n "$pat" ] && ! grep -qE "$pat" "$tmp/err"; then
		echo "FAIL $name: stderr does not match /$pat/: $(head -c 300 "$tmp/err")"
		fail=$((fail + 1)); return
	fi
	if [ "$want" -eq 0 ] && ! /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null; then
		echo "FAIL $name: stdout is not one JSON object"
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

# field NAME KEY VALUE: the last accepted run printed KEY = VALUE
field() {
	local got
	got=$(/usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$tmp/out" "$2")
	if [ "$got" = "$3" ]; then pass=$((pass + 1)); else echo "FAIL $1: $2 = $got, want $3"; fail=$((fail + 1)); fi
}

# ---- the Debian evidence (times as its Go tests pin them; docs/testing.md) ----
ds=$deb/snp dt=$deb/tdx
meas=b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01
expect "debian snp" 0 '' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z
field "debian snp" measurement "$meas"
field "debian snp" product Milan
expect "debian snp, VCEK expired" 1 '^chain-invalid: ' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2029-09-25T00:00:00Z
expect "debian snp, no VCEK" 1 '^chain-invalid: ' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/milan-chain.pem" --at 2022-09-24T01:00:00Z
echo "{\"snp\":{\"measurements\":[\"$meas\"],\"allow_debug\":true}}" >"$tmp/deb-snp.json"
expect "debian snp, policy pins its measurement" 0 '' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z --policy "$tmp/deb-snp.json"
echo "{\"snp\":{\"measurements\":[\"$meas\"]}}" >"$tmp/deb-snp-nodebug.json"
expect "debian snp, debug guest refused" 1 '^debug-policy: ' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z --policy "$tmp/deb-snp-nodebug.json"
drd=0102030405$(printf '0%.0s' $(seq 118))
expect "debian snp, report data equal" 0 '' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z --report-data "$drd"
expect "debian snp, report data differs" 1 '^report-data-mismatch: ' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z --report-data "${drd%0}1"
echo '{"tdx":{"allow_any_measurement":true,"allow_no_collateral":true}}' >"$tmp/deb-nocoll.json"
expect "debian tdx without collateral or a policy opting in" 1 '^collateral-invalid: ' --provider tdx_guest --outblob "$dt/quote.bin" --at 2023-07-01T01:00:00Z
expect "debian tdx" 0 '' --provider tdx_guest --outblob "$dt/quote.bin" --at 2023-07-01T01:00:00Z --policy "$tmp/deb-nocoll.json"
field "debian tdx" mrtd 6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb
field "debian tdx" fmspc 50806f000000
# the CCEL event log (--event-log): a log that is not this quote's, one with SEV-SNP
# evidence, a policy of event pins without a log, a log file that is not there
"$(dirname "$0")/../broker/make-ccel.py" "$tmp" >"$tmp/ccel-values"
expect "debian tdx, another launch's event log" 1 '^event-log-mismatch: .*RTMR0' --provider tdx_guest --outblob "$dt/quote.bin" \
	--at 2023-07-01T01:00:00Z --policy "$tmp/deb-nocoll.json" --event-log "$tmp/good.bin"
expect "debian snp with an event log" 1 '^malformed: an event log comes with TDX evidence only' --provider sev_guest \
	--outblob "$ds/attestation.bin" --cert "$ds/vcek.der" --at 2022-09-24T01:00:00Z --event-log "$tmp/good.bin"
ev() { awk -v n="$1" '$1 == n { print "[\"" $2 "\"]" }' "$tmp/ccel-values"; }
echo "{\"tdx\":{\"allow_no_collateral\":true,\"mrtd\":[\"6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb\"],
 \"kernel\":$(ev kernel),\"initrd\":$(ev initrd),\"cmdline\":$(ev cmdline)}}" >"$tmp/deb-events.json"
expect "debian tdx, event pins and no log" 1 '^event-log-missing: ' --provider tdx_guest --outblob "$dt/quote.bin" \
	--at 2023-07-01T01:00:00Z --policy "$tmp/deb-events.json"
expect "debian tdx, event log file missing" 2 'cannot read event log' --provider tdx_guest --outblob "$dt/quote.bin" \
	--event-log "$tmp/no-such-log"
expect "debian tdx, PCK expired" 1 '^chain-invalid: ' --provider tdx_guest --outblob "$dt/quote.bin" --at 2053-07-01T01:00:00Z
expect "debian tdx collateral: no TCB level" 1 '^tcb-too-old: .*not supported' --provider tdx_guest --outblob "$dt/quote.bin" --collateral "$dt/collateral" --at 2023-07-01T01:00:00Z
expect "debian tdx collateral stale" 1 '^collateral-invalid: ' --provider tdx_guest --outblob "$dt/quote.bin" --collateral "$dt/collateral" --at 2023-07-20T00:00:00Z
expect "debian TDREPORT is no quote" 1 '^(malformed|unsupported): ' --provider tdx_guest --outblob "$dt/td-report.bin"
expect "debian snp report as TDX" 1 '^(malformed|unsupported): ' --provider tdx_guest --outblob "$ds/attestation.bin"
expect "debian: bad time" 2 'RFC 3339' --provider sev_guest --outblob "$ds/attestation.bin" --at yesterday
expect "debian: missing cert" 2 'cannot read' --provider sev_guest --outblob "$ds/attestation.bin" --cert "$tmp/none"

# ---- the larger set: skipped, counted once, when it is absent ----
case $(testdata_state "$td") in
present) ;;
absent)
	echo "SKIP cli.sh checks on the shared vectors (one group, counted once): $(testdata_why "$td")"
	echo "$pass passed, $fail failed, 1 skipped"
	[ "$fail" -eq 0 ]; exit ;;
*)
	echo "FAIL cli.sh checks on the shared vectors: $(testdata_why "$td")"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1 ;;
esac

# every SNP vector, from vectors.json: file names and a time inside the VCEK's validity
while IFS=' ' read -r name report cert at meas; do
	case $name in
	neg-*) expect "snp $name" 1 '^chain-invalid: ' --provider sev_guest --outblob "$td/snp/$report" --cert "$td/snp/$cert" --at "$at" ;;
	*)
		expect "snp $name" 0 '' --provider sev_guest --outblob "$td/snp/$report" --cert "$td/snp/$cert" --at "$at"
		field "snp $name" measurement "$meas"
		;;
	esac
done < <(/usr/bin/python3 - "$td/vectors.json" <<'PY'
import json, sys, datetime
d = json.load(open(sys.argv[1]))
for name, v in d["snp"].items():
    nb = datetime.datetime.fromisoformat(v["signer_cert"]["not_before"]) + datetime.timedelta(days=1)
    print(name, v["files"]["report"], v["files"]["vcek"], nb.strftime("%Y-%m-%dT%H:%M:%SZ"), v["fields"]["measurement"])
PY
)

# every TDX quote, without collateral, a day after its PCK chain's latest
# not-before: genuine (the claims are printed), but refused without a policy
# that opts in to evidence without collateral
while IFS=' ' read -r name quote at mrtd; do
	expect "tdx $name" 1 '^collateral-invalid: .*allow_no_collateral' --provider tdx_guest --outblob "$td/tdx/$quote" --at "$at"
	field "tdx $name" mrtd "$mrtd"
	field "tdx $name" collateral_checked false
done < <(/usr/bin/python3 - "$td/vectors.json" <<'PY'
import json, sys, datetime
d = json.load(open(sys.argv[1]))
for name, v in d["tdx"].items():
    nb = max(datetime.datetime.fromisoformat(w[0]) for w in v["fields"]["pck_validity"]) + datetime.timedelta(days=1)
    print(name, v["files"]["quote"], nb.strftime("%Y-%m-%dT%H:%M:%SZ"), v["fields"]["td_report"]["mrtd"])
PY
)

s="$td/snp" t="$td/tdx"
# collateral and TCB status
expect "tdx collateral 2023" 0 '' --provider tdx_guest --outblob "$t/quote-v4-2-debug.bin" --collateral "$t/collateral" --at 2023-06-19T00:00:00Z
field "tdx collateral 2023" tcb_status UpToDate
expect "tdx collateral 2026" 0 '' --provider tdx_guest --outblob "$t/quote-v4-2-debug.bin" --collateral "$t/collateral" --at 2026-03-20T00:00:00Z
field "tdx collateral 2026" tcb_status OutOfDate
field "tdx collateral 2026" collateral_checked true
expect "tdx no TCB level" 1 '^tcb-too-old: ' --provider tdx_guest --outblob "$t/quote-v5-2.bin" --collateral "$t/collateral" --at 2026-02-19T00:00:00Z
# without collateral, the policy decides (allow_no_collateral)
t4="$t/quote-v4-4.bin" t4at=2025-06-01T00:00:00Z
echo '{"tdx":{"allow_any_measurement":true,"allow_no_collateral":true}}' >"$tmp/nocoll.json"
echo '{"tdx":{"allow_any_measurement":true}}' >"$tmp/needcoll.json"
expect "tdx no collateral, policy opts in" 0 '' --provider tdx_guest --outblob "$t4" --at "$t4at" --policy "$tmp/nocoll.json"
field "tdx no collateral, policy opts in" collateral_checked false
expect "tdx no collateral, policy does not opt in" 1 '^collateral-invalid: ' --provider tdx_guest --outblob "$t4" --at "$t4at" --policy "$tmp/needcoll.json"
# serve warns at start when it would verify TDX without collateral (the
# certificate is missing, so it stops right after the warning)
for coll in "" ",\"collateral_dir\":\"$t/collateral\""; do
	echo "{\"listen\":\"127.0.0.1:9\",\"cert\":\"$tmp/none.pem\",\"key\":\"$tmp/none.key\",\"database\":\"$tmp/db\",\"master_key\":\"$tmp/mk\"$coll}" >"$tmp/serve.json"
	timeout 20 "$cb" serve --config "$tmp/serve.json" >/dev/null 2>"$tmp/err"
	if [ -z "$coll" ] && grep -q '"event":"tdx-without-collateral"' "$tmp/err"; then pass=$((pass + 1))
	elif [ -n "$coll" ] && ! grep -q 'tdx-without-collateral' "$tmp/err" && grep -q '"event":"startup"' "$tmp/err"; then pass=$((pass + 1))
	else echo "FAIL serve warning (collateral_dir $([ -n "$coll" ] && echo set || echo unset)): $(head -c 300 "$tmp/err")"; fail=$((fail + 1)); fi
	rm -f "$tmp"/db* "$tmp/mk"
done
# policies
echo '{"tdx":{"allow_any_measurement":true,"allow_debug":true,"tcb_statuses":["UpToDate"]}}' >"$tmp/uptodate.json"
expect "tdx status policy" 1 '^tcb-too-old: ' --provider tdx_guest --outblob "$t/quote-v4-2-debug.bin" --collateral "$t/collateral" --at 2026-03-20T00:00:00Z --policy "$tmp/uptodate.json"
echo '{"snp":{"allow_any_measurement":true}}' >"$tmp/snp.json"
expect "snp debug policy" 1 '^debug-policy: ' --provider sev_guest --outblob "$s/milan-report-1.bin" --cert "$s/milan-vcek-1.der" --at 2023-01-01T00:00:00Z --policy "$tmp/snp.json"
expect "snp policy ok" 0 '' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --at 2023-06-01T00:00:00Z --policy "$tmp/snp.json"
field "snp policy ok" current_version 1.52.4
field "snp policy ok" committed_version 1.52.4
field "snp policy ok" platform_info 0x1
field "snp policy ok" crl_checked false
field "snp policy ok" launch_tcb '{"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}'
echo '{"snp":{"allow_any_measurement":true},"nope":1}' >"$tmp/bad.json"
expect "bad policy is a usage error" 2 'unknown' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --policy "$tmp/bad.json"
echo '{"snp":{}}' >"$tmp/open.json"
expect "policy pinning nothing is a usage error" 2 'pins nothing' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --policy "$tmp/open.json"
echo '{"snp":{"allow_any_measurement":true}} {"snp":{"allow_debug":true,"allow_any_measurement":true}}' >"$tmp/two.json"
expect "policy with trailing data is a usage error" 2 'data after' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --policy "$tmp/two.json"
# report data
rd=ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e20000000000000000000000000000000000000000000000000000000000000000
expect "report data equal" 0 '' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --at 2023-06-01T00:00:00Z --report-data "$rd"
expect "report data differs" 1 '^report-data-mismatch: ' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/milan-vcek-2.der" --at 2023-06-01T00:00:00Z --report-data "${rd%0}1"
# chain files in any order, several --cert
expect "chain then VCEK" 0 '' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$s/kds-cert_chain-milan.pem" --cert "$s/milan-vcek-2.der" --at 2023-06-01T00:00:00Z
# expired at a pinned time
expect "expired VLEK" 1 '^chain-invalid: ' --provider sev_guest --outblob "$s/milan-vlek-report-1.bin" --cert "$s/milan-vlek-1.der" --at 2026-01-01T00:00:00Z
# wrong provider for the blob
expect "SNP report as TDX" 1 '^(malformed|unsupported): ' --provider tdx_guest --outblob "$s/milan-report-2.bin"
# usage and I/O errors
expect "no arguments" 2 ''
expect "bad provider" 2 'provider' --provider sgx --outblob "$s/milan-report-2.bin"
expect "missing outblob" 2 'cannot read' --provider sev_guest --outblob "$tmp/none"
expect "missing cert" 2 'cannot read' --provider sev_guest --outblob "$s/milan-report-2.bin" --cert "$tmp/none"
expect "bad time" 2 'RFC 3339' --provider sev_guest --outblob "$s/milan-report-2.bin" --at yesterday
expect "bad report data" 2 'hex' --provider sev_guest --outblob "$s/milan-report-2.bin" --report-data 00
expect "stray argument" 2 'unexpected' --provider sev_guest --outblob "$s/milan-report-2.bin" extra
"$cb" verify --help >/dev/null 2>&1 && pass=$((pass + 1)) || { echo "FAIL --help"; fail=$((fail + 1)); }

if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
