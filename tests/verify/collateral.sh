#!/bin/bash
# collateral.sh COCOBROKER KEYS_DIR: TDX collateral checks on a quote and
# collateral made under the TEST root (tdx-test-collateral.py): TCB status
# matching, module identities, revocation, signatures over raw JSON, expiry.
set -u
cb=$1 keys=$2
here=$(dirname "$0")
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# scenario  expected exit  expected stdout/stderr pattern
while read -r scenario want pattern; do
	rm -rf "$tmp/s"
	if ! /usr/bin/python3 "$here/tdx-test-collateral.py" "$keys" "$tmp/s" "$scenario" 2>"$tmp/gen"; then
		echo "FAIL $scenario: cannot generate: $(tail -n 2 "$tmp/gen")"
		fail=$((fail + 1)); continue
	fi
	"$cb" verify --provider tdx_guest --outblob "$tmp/s/quote.bin" --collateral "$tmp/s/coll" \
		--test-tdx-root "$keys/tdx/root.pem" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE "$pattern" "$tmp/out" "$tmp/err"; then
		pass=$((pass + 1))
	else
		echo "FAIL $scenario: exit $rc (want $want), out: $(head -c 200 "$tmp/out") err: $(grep -v WARNING "$tmp/err" | head -c 200)"
		fail=$((fail + 1))
	fi
	# without the collateral the same quote is genuine (claims printed) but
	# refused: nothing opted in to evidence without collateral
	if [ "$scenario" = good ]; then
		"$cb" verify --provider tdx_guest --outblob "$tmp/s/quote.bin" --test-tdx-root "$keys/tdx/root.pem" >"$tmp/out" 2>"$tmp/err"
		if [ $? -eq 1 ] && grep -q '"test_root":true' "$tmp/out" && grep -q '"collateral_checked":false' "$tmp/out" &&
			grep -q '^collateral-invalid: ' "$tmp/err"; then pass=$((pass + 1)); else echo "FAIL good without collateral"; fail=$((fail + 1)); fi
	fi
	# the host-run QE is refused without collateral too (pinned identity)
	if [ "$scenario" = qe-host ]; then
		"$cb" verify --provider tdx_guest --outblob "$tmp/s/quote.bin" --test-tdx-root "$keys/tdx/root.pem" >/dev/null 2>"$tmp/err"
		if [ $? -eq 1 ] && grep -q "^tcb-mismatch: the quoting enclave is not Intel's TD QE: DEBUG attribute set; MRSIGNER 5e5e5e5e5e5e5e5e... is not Intel's; ISVPRODID 0x1234" "$tmp/err"
		then pass=$((pass + 1)); else echo "FAIL qe-host without collateral: $(head -c 200 "$tmp/err")"; fail=$((fail + 1)); fi
	fi
done <<'EOF_CASES'
good 0 tcb_status":"UpToDate"
outofdate 0 tcb_status":"OutOfDate"
nolevel 1 ^tcb-too-old: .*not supported
revoked-status 1 ^revoked: TCB status is Revoked
module 0 tcb_status":"UpToDate"
module-outofdate 0 tcb_status":"OutOfDate"
pck-revoked 1 ^revoked: the PCK certificate
ca-revoked 1 ^revoked: the PCK CA
tcbinfo-tampered 1 ^collateral-invalid: no correctly signed TCB info
tcbinfo-expired 1 ^collateral-invalid: no TCB info
crl-wrong-signer 1 ^collateral-invalid: no PCK CRL
qe-mismatch 1 ^tcb-mismatch: the quoting enclave
wrong-fmspc 1 ^collateral-invalid: no TCB info for FMSPC 00c0ffee0000
no-qeidentity 1 ^collateral-invalid: no TD QE identity
qe-host 1 ^tcb-mismatch: the quoting enclave is not Intel's TD QE: DEBUG
EOF_CASES

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
