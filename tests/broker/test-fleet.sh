#!/bin/bash
# Named policies and fleet first boots over the wire, with the test client
# (tests/broker/unlock_client.c, --enrol) against `cocobroker serve`: a fleet
# policy lists the instances (SEV-SNP HOST_DATA, TDX MRCONFIGID) that may
# enrol; each gets its own key, exactly once; the volume is pending until the
# instance's first unlock; a policy update is one edit for every volume that
# refers to it. The QEMU version of this is tests/e2e/golden.sh.
# usage: test-fleet.sh COCOBROKER UNLOCK_CLIENT KEYDIR WORKDIR
set -u
BROKER=$(realpath "$1") CLIENT=$(realpath "$2") KEYS=$(realpath "$3") W=$4
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() {
	[ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}
trap finish EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port) MPORT=$(free_port)
openssl ecparam -name prime256v1 -genkey -noout -out "$W/ca.key" 2>/dev/null
openssl req -x509 -new -key "$W/ca.key" -subj "/CN=cocoboot TEST broker CA" -days 2 -out "$W/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/server.key" 2>/dev/null
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$W/ext.cnf"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem" 2>/dev/null
cat >"$W/broker.json" <<JSON
{"listen": "127.0.0.1:$PORT", "metrics_listen": "127.0.0.1:$MPORT", "cert": "$W/server.pem", "key": "$W/server.key",
 "database": "$W/keys.db", "master_key": "$W/master.key",
 "test_snp_ark": "$KEYS/snp/ark.pem", "test_snp_ask": "$KEYS/snp/ask.pem", "test_tdx_root": "$KEYS/tdx/root.pem",
 "workers": 2, "handshake_timeout_ms": 2000, "idle_timeout_ms": 1500}
JSON
S=(--config "$W/broker.json")
ZERO48=$(printf '00%.0s' $(seq 48))
# The simulated guests (tests/broker/sim_*.c): SNP measurement a5.., TDX MRTD d7.., zero RTMRs, no collateral.
cat >"$W/fleet.json" <<JSON
{"snp": {"products": ["test"], "measurements": ["$(printf 'a5%.0s' $(seq 48))"], "vmpls": [0]},
 "tdx": {"allow_test_root": true, "allow_no_collateral": true, "mrtd": ["$(printf 'd7%.0s' $(seq 48))"],
         "rtmr1": ["$ZERO48"], "rtmr2": ["$ZERO48"]}}
JSON
sed 's/"vmpls": \[0\]/"vmpls": [0], "min_guest_svn": 9/' "$W/fleet.json" >"$W/fleet-strict.json"
hd() { printf "$(printf %02x "$1")%.0s" $(seq 32); }   # the SNP sim's HOST_DATA: 32 bytes of one value

# ---- named policies, admin side ----
"$BROKER" policy set web --policy "$W/fleet.json" --allow-instance 'host_data=0a*' --allow-instance 'host_data=0b*' \
	--allow-instance 'mrconfigid=*' "${S[@]}" 2>"$W/set.err"
check "policy set web with instance rules" test $? -eq 0
"$BROKER" policy set bad --policy "$W/fleet.json" --allow-instance 'host_data=xyz' "${S[@]}" 2>"$W/bad.err"
check "a bad instance rule: exit 2, says which" test $? -eq 2 -a -n "$(grep 'host_data=xyz' "$W/bad.err")"
"$BROKER" policy set plain --policy "$W/fleet.json" "${S[@]}" 2>/dev/null
check "policy list shows two, web with its rules" \
	test "$("$BROKER" policy list "${S[@]}" | grep -c '"name":"web".*"allow_instances":\["host_data=0a\*","host_data=0b\*","mrconfigid=\*"\]')" -eq 1
check "policy show prints the text" cmp -s <("$BROKER" policy show web "${S[@]}" 2>/dev/null) "$W/fleet.json"
"$BROKER" policy show nope "${S[@]}" >/dev/null 2>&1
check "policy show of a missing name fails" test $? -ne 0
"$BROKER" policy remove plain "${S[@]}" >/dev/null 2>&1
check "policy remove without --yes: exit 2" test $? -eq 2

start_broker() {
	"$BROKER" serve --config "$W/broker.json" 2>>"$W/broker.log" &
	BPID=$!
	for _ in $(seq 100); do
		grep -q '"event":"listening"' "$W/broker.log" 2>/dev/null && return 0
		kill -0 "$BPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
check "broker starts" start_broker
client() { "$CLIENT" --connect "127.0.0.1:$PORT" --ca "$W/ca.pem" "$@" 2>>"$W/client.err"; }
expect() { # NAME EXPECTED-REGEX CLIENT-ARGS...
	local name=$1 want=$2; shift 2
	local got; got=$(client "$@")
	if [[ $got =~ $want ]]; then ok "$name"; else bad "$name: expected /$want/, got '$got'"; fi
}
VA=0a0a0a0a-0000-4000-8000-000000000001 VA2=0a0a0a0a-0000-4000-8000-000000000002
VB=0b0b0b0b-0000-4000-8000-000000000001 VC=0c0c0c0c-0000-4000-8000-000000000001
VT=7d7d7d7d-0000-4000-8000-000000000001

# ---- first boots ----
expect "instance 0a enrols its volume" '^status=200 key_bytes=64$' --enrol web --volume "$VA" --sim-snp "$KEYS" \
	--sim-host-data 10 --key-out "$W/a.key"
expect "instance 0b enrols another volume" '^status=200 key_bytes=64$' --enrol web --volume "$VB" --sim-snp "$KEYS" \
	--sim-host-data 11 --key-out "$W/b.key"
check "two instances, two keys" test -s "$W/a.key" -a -s "$W/b.key" && ! cmp -s "$W/a.key" "$W/b.key" && ok "... different"
expect "a first boot cut short asks again: the same key" '^status=200 key_bytes=64$' --enrol web --volume "$VA" \
	--sim-snp "$KEYS" --sim-host-data 10 --key-out "$W/a-again.key"
check "... byte for byte" cmp -s "$W/a.key" "$W/a-again.key"
expect "the instance under another volume UUID: no second key" 'status=403 error=already-enrolled$' --enrol web \
	--volume "$VA2" --sim-snp "$KEYS" --sim-host-data 10
expect "another instance for a's volume: refused" 'status=403 error=already-enrolled$' --enrol web --volume "$VA" \
	--sim-snp "$KEYS" --sim-host-data 11
expect "HOST_DATA the fleet does not list: refused" 'status=403 error=instance-not-allowed$' --enrol web --volume "$VC" \
	--sim-snp "$KEYS" --sim-host-data 12
expect "a plain named policy enrols nobody" 'status=403 error=instance-not-allowed$' --enrol plain --volume "$VC" \
	--sim-snp "$KEYS" --sim-host-data 10
expect "an unknown fleet" 'status=403 error=instance-not-allowed$' --enrol nope --volume "$VC" --sim-snp "$KEYS" \
	--sim-host-data 10
expect "a listed instance that fails the fleet policy gets nothing" 'status=403 error=measurement-mismatch$' --enrol web \
	--volume "$VC" --sim-snp "$KEYS" --sim-host-data 11 --sim-other-measurement
check "a refused first boot stores nothing" test "$("$BROKER" volume list "${S[@]}" | grep -c "$VC")" -eq 0
expect "TDX: an instance by MRCONFIGID enrols" '^status=200 key_bytes=64$' --enrol web --volume "$VT" \
	--sim-tdx "$KEYS" --key-out "$W/t.key"
check "volume list: a's volume pending, under web with its HOST_DATA" \
	test "$("$BROKER" volume list "${S[@]}" | grep -c "\"uuid\":\"$VA\".*\"state\":\"pending\",\"policy_name\":\"web host_data=$(hd 10)\"")" -eq 1
check "volume list: the TDX one under its MRCONFIGID" \
	test "$("$BROKER" volume list "${S[@]}" | grep -c "\"uuid\":\"$VT\".*\"policy_name\":\"web mrconfigid=$ZERO48\"")" -eq 1

# ---- later boots: unlock like any volume whose policy pins that instance ----
expect "another instance cannot unlock a's volume" 'status=403 error=identity-mismatch$' --volume "$VA" \
	--sim-snp "$KEYS" --sim-host-data 11
check "... and that did not confirm it" \
	test "$("$BROKER" volume list "${S[@]}" | grep -c "\"uuid\":\"$VA\".*\"state\":\"pending\"")" -eq 1
expect "a's first unlock confirms it and releases its key" '^status=200 key_bytes=64$' --volume "$VA" --sim-snp "$KEYS" \
	--sim-host-data 10 --key-out "$W/a-unlock.key"
check "... the enrolled key" cmp -s "$W/a.key" "$W/a-unlock.key"
check "... and it is active" \
	test "$("$BROKER" volume list "${S[@]}" | grep -c "\"uuid\":\"$VA\".*\"state\":\"active\"")" -eq 1
expect "an active volume is not handed out by a first boot" 'status=403 error=already-enrolled$' --enrol web \
	--volume "$VA" --sim-snp "$KEYS" --sim-host-data 10
expect "TDX: its unlock" '^status=200 key_bytes=64$' --volume "$VT" --sim-tdx "$KEYS" --key-out "$W/t-unlock.key"
check "... the enrolled key" cmp -s "$W/t.key" "$W/t-unlock.key"

# ---- one edit for the fleet ----
"$BROKER" policy set web --policy "$W/fleet-strict.json" --allow-instance 'host_data=0a*' "${S[@]}" 2>/dev/null
expect "after policy set web (min_guest_svn 9), a's unlock follows the new policy" 'status=403 error=tcb-too-old$' \
	--volume "$VA" --sim-snp "$KEYS" --sim-host-data 10
expect "... and so does b's first boot (no longer listed)" 'status=403 error=instance-not-allowed$' --enrol web \
	--volume "$VB" --sim-snp "$KEYS" --sim-host-data 11
"$BROKER" policy set web --policy "$W/fleet.json" --allow-instance 'host_data=0a*' --allow-instance 'host_data=0b*' \
	--allow-instance 'mrconfigid=*' "${S[@]}" 2>/dev/null
expect "set back, a unlocks again" '^status=200' --volume "$VA" --sim-snp "$KEYS" --sim-host-data 10
"$BROKER" policy remove web --yes "${S[@]}" >/dev/null 2>"$W/remove.err"
check "policy remove is refused while volumes refer to it" test $? -ne 0 -a -n "$(grep '3 volume' "$W/remove.err")"

# ---- named policies for ordinary volumes ----
VN=5e5e5e5e-0000-4000-8000-000000000001
sed 's/"measurements"/"host_data": "'"$(hd 0)"'", "measurements"/' "$W/fleet.json" >"$W/plain-hd0.json"
"$BROKER" policy set plain --policy "$W/plain-hd0.json" "${S[@]}" 2>/dev/null
"$BROKER" volume add --uuid "$VN" --policy-name plain "${S[@]}" >"$W/n.key" 2>/dev/null &&
	"$BROKER" volume confirm --uuid "$VN" --key-file "$W/n.key" "${S[@]}" 2>/dev/null
check "volume add --policy-name plain" test $? -eq 0
"$BROKER" volume add --uuid 5e5e5e5e-0000-4000-8000-000000000002 --policy-name nope "${S[@]}" >"$W/nope.key" 2>/dev/null
check "volume add --policy-name of a missing policy: nothing stored, no key" test $? -ne 0 -a ! -s "$W/nope.key"
expect "a volume under a named policy unlocks" '^status=200' --volume "$VN" --sim-snp "$KEYS"
check "sqlite: the named policy edited behind the broker's back" \
	sqlite3 "$W/keys.db" "UPDATE policies SET policy = replace(policy, 'a5a5', 'a6a6') WHERE name = 'plain'"
expect "... refuses its volumes (store-tampered)" 'status=403 error=store-tampered$' --volume "$VN" --sim-snp "$KEYS"
"$BROKER" policy set plain --policy "$W/plain-hd0.json" "${S[@]}" 2>/dev/null
expect "set again by the operator, it unlocks" '^status=200' --volume "$VN" --sim-snp "$KEYS"
"$BROKER" volume set-policy --uuid "$VN" --policy "$W/plain-hd0.json" "${S[@]}" 2>/dev/null
"$BROKER" policy remove plain --yes "${S[@]}" >"$W/removed.out" 2>&1
check "once no volume refers to it, policy remove works and says so" grep -q 'removed named policy plain' "$W/removed.out"

# ---- audit ----
check "audit verify: the chain is intact" "$BROKER" audit verify "${S[@]}"
n=$(sqlite3 "$W/keys.db" "SELECT count(*) FROM audit WHERE decision='release' AND reason='first-boot'")
check "3 first-boot releases audited ($n), 1 again" test "$n" -eq 3 -a \
	"$(sqlite3 "$W/keys.db" "SELECT count(*) FROM audit WHERE reason='first-boot-again'")" -eq 1
n=$(sqlite3 "$W/keys.db" "SELECT count(*) FROM audit WHERE decision='admin' AND client_key='local-user:$(id -un)' AND reason IN ('policy-set','fleet-policy-set','policy-remove')")
check "the operator's 7 policy actions are audit rows naming the local user ($n)" test "$n" -eq 7
