#!/bin/bash
# End-to-end tests of `cocobroker serve` with the test client (tests/broker/
# unlock_client.c) and curl: release, every refusal the simulated evidence can
# provoke, replay and key substitution, HTTP and TLS abuse, store behaviour
# across restarts, master key checks, reload and graceful shutdown, and the
# store's integrity: sealed policies and the HMAC-chained audit, edited behind
# the broker's back with the sqlite3 CLI.
# usage: test-broker.sh COCOBROKER UNLOCK_CLIENT KEYDIR WORKDIR
set -u
BROKER=$(realpath "$1") CLIENT=$(realpath "$2") KEYS=$(realpath "$3") W=$4
# real evidence: the larger set beside the clone (optional, skipped with the
# reason when absent) and the Debian one that is always there
TESTDATA=${COCOBOOT_TESTDATA:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/testdata}
. "$(dirname "$0")/../lib/testdata.sh"
DEBIAN_EVIDENCE=$("$(dirname "$0")/../verify/debian-evidence.sh") || { echo "cannot fetch the Debian evidence"; echo "0 passed, 1 failed"; exit 1; }
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() {
	[ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
	echo "$pass passed, $fail failed, $skip skipped"
	# A bare exit in an EXIT trap would return the status from before the trap.
	[ "$fail" -eq 0 ]
	exit $?
}
trap finish EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port) MPORT=$(free_port)

# ---- the broker's PKI (the CA is what the guest pins) ----
openssl ecparam -name prime256v1 -genkey -noout -out "$W/ca.key" 2>/dev/null
openssl req -x509 -new -key "$W/ca.key" -subj "/CN=cocoboot TEST broker CA" -days 2 -out "$W/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/server.key" 2>/dev/null
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$W/ext.cnf"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem" 2>/dev/null

write_config() { # extra JSON members in $1
	cat > "$W/broker.json" <<JSON
{
  "listen": "127.0.0.1:$PORT",
  "metrics_listen": "127.0.0.1:$MPORT",
  "cert": "$W/server.pem",
  "key": "$W/server.key",
  "database": "$W/keys.db",
  "master_key": "$W/master.key",
  "test_snp_ark": "$KEYS/snp/ark.pem",
  "test_snp_ask": "$KEYS/snp/ask.pem",
  "test_tdx_root": "$KEYS/tdx/root.pem",
  "workers": 2,
  "handshake_timeout_ms": 2000,
  "idle_timeout_ms": 1500${1:+,
  $1}
}
JSON
}
write_config

MEAS=$(printf 'a5%.0s' $(seq 48))
cat > "$W/policy.json" <<JSON
{"snp": {"products": ["test"], "measurements": ["$MEAS"], "vmpls": [0],
         "host_data": "$(printf '00%.0s' $(seq 32))",
         "min_reported_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}}}
JSON
sed 's/"microcode": 115/"microcode": 200/' "$W/policy.json" > "$W/policy-newtcb.json"
# The simulated quote's RTMRs are zero and it comes without collateral.
ZERO48=$(printf '00%.0s' $(seq 48))
echo "{\"tdx\": {\"allow_test_root\": true, \"allow_no_collateral\": true, \"mrtd\": [\"$(printf 'd7%.0s' $(seq 48))\"],
         \"rtmr1\": [\"$ZERO48\"], \"rtmr2\": [\"$ZERO48\"]}}" > "$W/policy-tdx.json"
sed 's/"allow_no_collateral": true, //' "$W/policy-tdx.json" > "$W/policy-tdx-collateral.json"
sed 's/"products"/"allow_debug": true, "products"/' "$W/policy.json" > "$W/policy-debug.json"

VOL=0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b
VOL_OLD=11111111-2222-4333-8444-555555555555
VOL_TDX=22222222-3333-4444-8555-666666666666
UNKNOWN=99999999-9999-4999-8999-999999999999

# ---- enrolment ----
(umask 022 && exec "$BROKER" volume add --uuid "$VOL" --policy "$W/policy.json" --config "$W/broker.json") > "$W/vol.key" 2>"$W/add.err"
check "volume add prints a 64-byte key" test "$(stat -c %s "$W/vol.key")" -eq 64
check "master key created 0600" test "$(stat -c %a "$W/master.key")" = 600
check "key store created 0600 under umask 022" test "$(stat -c %a "$W/keys.db")" = 600
"$BROKER" volume add --uuid "$VOL_OLD" --policy "$W/policy-newtcb.json" --config "$W/broker.json" > "$W/old.key" 2>/dev/null
"$BROKER" volume add --uuid "$VOL_TDX" --policy "$W/policy-tdx.json" --config "$W/broker.json" > "$W/tdx.key" 2>/dev/null
check "volume add leaves the volume pending" \
	test "$("$BROKER" volume list --config "$W/broker.json" | grep -c "\"uuid\":\"$VOL\".*\"state\":\"pending\"")" -eq 1
# (no disks here: the key files prove the keys are held)
for v in "$VOL:vol" "$VOL_OLD:old" "$VOL_TDX:tdx"; do
	"$BROKER" volume confirm --uuid "${v%%:*}" --key-file "$W/${v#*:}.key" --config "$W/broker.json" 2>>"$W/confirm.err" ||
		bad "volume confirm ${v%%:*}"
done
check "volume confirm makes it active" \
	test "$("$BROKER" volume list --config "$W/broker.json" | grep -c '"state":"active"')" -eq 3
"$BROKER" volume add --uuid "$VOL" --policy "$W/policy.json" --config "$W/broker.json" > "$W/dup.key" 2>/dev/null
check "volume add refuses a duplicate" test $? -ne 0 -a ! -s "$W/dup.key"
echo '{"snp": {"measurment": []}}' > "$W/typo.json"
"$BROKER" volume add --uuid 33333333-3333-4333-8333-333333333333 --policy "$W/typo.json" --config "$W/broker.json" >/dev/null 2>&1
check "volume add refuses a policy with an unknown field" test $? -ne 0
echo '{"snp": {"products": ["test"], "vmpls": [0]}}' > "$W/open.json"
"$BROKER" volume add --uuid 33333333-3333-4333-8333-333333333333 --policy "$W/open.json" --config "$W/broker.json" >"$W/open.key" 2>"$W/open.err"
check "volume add refuses a policy that pins nothing" test $? -ne 0 -a ! -s "$W/open.key"
check "... and says how to opt in" grep -q 'allow_any_measurement' "$W/open.err"
check "volume add lists each field the policy leaves open" grep -qx "cocobroker volume: $W/policy.json: open: snp.family_id: any value accepted" "$W/add.err"
check "... one line per field (not the pinned ones)" test "$(grep -c ': open: ' "$W/add.err")" -gt 10 -a "$(grep -c 'open: snp.measurements\|open: snp.host_data' "$W/add.err")" -eq 0
check "volume list shows three volumes" test "$("$BROKER" volume list --config "$W/broker.json" | grep -c '"uuid"')" -eq 3
check "the stored key is wrapped (raw key not in the database)" \
	python3 -c "import sys; sys.exit(open('$W/vol.key','rb').read() in open('$W/keys.db','rb').read())"
# a volume added but never confirmed (its format failed, or nobody checked)
PENDING=44444444-4444-4444-8444-444444444444
"$BROKER" volume add --uuid "$PENDING" --policy "$W/policy.json" --config "$W/broker.json" > "$W/pending.key" 2>/dev/null
head -c 64 /dev/urandom > "$W/other.key"
"$BROKER" volume confirm --uuid "$PENDING" --key-file "$W/other.key" --config "$W/broker.json" 2>"$W/confirm-bad.err"
check "volume confirm with another key fails and says so" \
	test $? -ne 0 -a -n "$(grep 'does not hold the volume key' "$W/confirm-bad.err")"
check "the admin actions are audit rows naming the local user" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where decision='admin' and client_key='local-user:$(id -un)' and reason in ('volume-add','volume-confirm')")" -eq 7

start_broker() {
	"$BROKER" serve --config "$W/broker.json" 2>>"$W/broker.log" &
	BPID=$!
	for _ in $(seq 100); do
		grep -q '"event":"listening"' "$W/broker.log" 2>/dev/null && \
			[ "$(grep -c '"event":"listening"' "$W/broker.log")" -ge "$1" ] && return 0
		kill -0 "$BPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop_broker() { kill -TERM "$BPID"; wait "$BPID"; local rc=$?; BPID=; return $rc; }

check "broker starts" start_broker 1
check "broker warns loudly about TEST roots" grep -q 'THIS BROKER TRUSTS TEST ROOTS' "$W/broker.log"

client() { "$CLIENT" --connect "127.0.0.1:$PORT" --ca "$W/ca.pem" "$@" 2>>"$W/client.err"; }
expect() { # NAME EXPECTED-REGEX CLIENT-ARGS...
	local name=$1 want=$2; shift 2
	local got; got=$(client "$@")
	if [[ $got =~ $want ]]; then ok "$name"; else bad "$name: expected /$want/, got '$got'"; fi
}

# ---- release ----
expect "release on good simulated evidence" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS" --key-out "$W/released.key"
check "released key equals the enrolled key" cmp -s "$W/vol.key" "$W/released.key"
expect "uppercase UUID finds the volume" '^status=200' --volume "${VOL^^}" --sim-snp "$KEYS"

# Every copy of the released key in the broker is in secret memory, wiped right
# after use: once the answer is handed to TLS, while the guest still holds the
# connection open, neither the key nor its base64 is anywhere in the broker's
# memory (read through /proc/PID/mem: needs ptrace rights over an undumpable
# process, i.e. root; skipped with the reason otherwise).
client --volume "$VOL" --sim-snp "$KEYS" --hold-after-answer 3 >"$W/hold.out" &
HPID=$!
for _ in $(seq 100); do grep -q status= "$W/hold.out" 2>/dev/null && break; sleep 0.02; done
found=$(python3 - "$BPID" "$W/vol.key" <<'PY'
import base64, re, sys
pid, key = sys.argv[1], open(sys.argv[2], "rb").read()
needles = [key, base64.b64encode(key)]
try:
    mem = open(f"/proc/{pid}/mem", "rb", 0)
except OSError as e:
    print(f"unreadable: {e.strerror}"); sys.exit(0)
hits = 0
for line in open(f"/proc/{pid}/maps"):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (r)", line)
    if not m or "[vvar]" in line or "[vsyscall]" in line:
        continue
    lo, hi = int(m.group(1), 16), int(m.group(2), 16)
    if hi - lo > 1 << 30:
        continue   # sanitizer shadow and reserved regions (NORESERVE, terabytes), not the heap
    tail = b""   # the last bytes of the previous chunk: a copy may straddle two
    for at in range(lo, hi, 1 << 24):
        try:
            mem.seek(at); chunk = tail + mem.read(min(1 << 24, hi - at))
        except OSError:
            break
        hits += sum(chunk.count(n) for n in needles)
        tail = chunk[-127:]
        hits -= sum(tail.count(n) for n in needles)   # counted again with the next chunk
    hits += sum(tail.count(n) for n in needles)
print(hits)
PY
)
wait "$HPID"
case $found in
unreadable*) skip=$((skip + 1)); echo "SKIP key not left in broker memory after the answer: /proc/$BPID/mem $found (needs root)" ;;
*) check "answer sent, connection still open: the key (raw or base64) is nowhere in the broker's memory (found $found)" \
	test "$found" = 0 -a -n "$(grep '^status=200 key_bytes=64$' "$W/hold.out")" ;;
esac

expect "pending volume (never confirmed) -> volume-pending, even on good evidence" 'status=403 error=volume-pending$' \
	--volume "$PENDING" --sim-snp "$KEYS"
check "the pending refusal is audited" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where volume='$PENDING' and decision='refuse' and reason='volume-pending'")" -eq 1

# ---- refusals, one per reason the simulated evidence can provoke ----
expect "debug guest -> debug-policy" 'status=403 error=debug-policy$' --volume "$VOL" --sim-snp "$KEYS" --sim-debug
expect "other measurement -> measurement-mismatch" 'status=403 error=measurement-mismatch$' --volume "$VOL" --sim-snp "$KEYS" --sim-other-measurement
expect "bad signature -> signature-invalid" 'status=403 error=signature-invalid$' --volume "$VOL" --sim-snp "$KEYS" --sim-bad-signature
expect "reported TCB != VCEK -> tcb-mismatch" 'status=403 error=tcb-mismatch$' --volume "$VOL" --sim-snp "$KEYS" --sim-ucode-delta 1
expect "VMPL 1 -> guest-policy" 'status=403 error=guest-policy$' --volume "$VOL" --sim-snp "$KEYS" --sim-vmpl 1
expect "other host_data -> identity-mismatch" 'status=403 error=identity-mismatch$' --volume "$VOL" --sim-snp "$KEYS" --sim-host-data 1
expect "TCB below the minimum -> tcb-too-old" 'status=403 error=tcb-too-old$' --volume "$VOL_OLD" --sim-snp "$KEYS"
expect "SNP evidence, TDX-only policy -> product-mismatch" 'status=403 error=product-mismatch$' --volume "$VOL_TDX" --sim-snp "$KEYS"
expect "TDX: release on a good simulated quote" '^status=200 key_bytes=64$' --volume "$VOL_TDX" --sim-tdx "$KEYS" --key-out "$W/tdx-released.key"
check "TDX: released key equals the enrolled key" cmp -s "$W/tdx.key" "$W/tdx-released.key"
expect "TDX: debug TD -> debug-policy" 'status=403 error=debug-policy$' --volume "$VOL_TDX" --sim-tdx "$KEYS" --sim-debug
expect "TDX evidence, SNP-only policy -> product-mismatch" 'status=403 error=product-mismatch$' --volume "$VOL" --sim-tdx "$KEYS"
# TDX through the CCEL event log: the policy pins the log's kernel, initrd and
# cmdline events; the simulated quote's RTMRs are the replay of a log from
# make-ccel.py (docs/measure.md, "TDX: why the event log")
VOL_TDXLOG=44444444-5555-4666-8777-888888888888
mkdir -p "$W/ccel" && "$(dirname "$0")/make-ccel.py" "$W/ccel" > "$W/ccel/values"
ev() { awk -v n="$1" '$1 == n { print "[\"" $2 "\"]" }' "$W/ccel/values"; }
echo "{\"tdx\": {\"allow_test_root\": true, \"allow_no_collateral\": true, \"mrtd\": [\"$(printf 'd7%.0s' $(seq 48))\"],
         \"kernel\": $(ev kernel), \"initrd\": $(ev initrd), \"cmdline\": $(ev cmdline)}}" > "$W/policy-tdx-log.json"
"$BROKER" volume add --uuid "$VOL_TDXLOG" --policy "$W/policy-tdx-log.json" --config "$W/broker.json" > "$W/tdxlog.key" 2>/dev/null &&
	"$BROKER" volume confirm --uuid "$VOL_TDXLOG" --key-file "$W/tdxlog.key" --config "$W/broker.json" 2>/dev/null ||
	bad "volume add/confirm of the event-log policy"
expect "TDX event log: the replay gives the quote's RTMRs, kernel/initrd/cmdline pinned -> released" '^status=200 key_bytes=64$' \
	--volume "$VOL_TDXLOG" --sim-tdx "$KEYS" --event-log "$W/ccel/good.bin"
expect "TDX event log: one digest changed -> event-log-mismatch" 'status=403 error=event-log-mismatch$' \
	--volume "$VOL_TDXLOG" --sim-tdx "$KEYS" --rtmr-log "$W/ccel/good.bin" --event-log "$W/ccel/tampered.bin"
expect "TDX event log: consistent, another kernel -> measurement-mismatch" 'status=403 error=measurement-mismatch$' \
	--volume "$VOL_TDXLOG" --sim-tdx "$KEYS" --event-log "$W/ccel/other.bin"
expect "TDX event log: none sent, events pinned -> event-log-missing" 'status=403 error=event-log-missing$' \
	--volume "$VOL_TDXLOG" --sim-tdx "$KEYS" --rtmr-log "$W/ccel/good.bin"
check "TDX event log: the refusal is audited with its reason" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where volume='$VOL_TDXLOG' and reason='event-log-mismatch'")" -eq 1
# the TEST VCEK with all its AMD extensions, but issued by a key no root vouches for
python3 - "$KEYS/snp/vcek.pem" "$W/rogue-vcek.der" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")   # naive-datetime deprecation of older/newer python3-cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
vcek = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
rogue = ec.generate_private_key(ec.SECP384R1())
b = (x509.CertificateBuilder().subject_name(vcek.subject).issuer_name(vcek.issuer)
     .public_key(vcek.public_key()).serial_number(x509.random_serial_number())
     .not_valid_before(vcek.not_valid_before).not_valid_after(vcek.not_valid_after))
for e in vcek.extensions:
    b = b.add_extension(e.value, e.critical)
open(sys.argv[2], "wb").write(b.sign(rogue, hashes.SHA384()).public_bytes(serialization.Encoding.DER))
PY
expect "VCEK not issued by a trusted ASK -> chain-invalid" 'status=403 error=chain-invalid$' --volume "$VOL" --sim-snp "$KEYS" --sim-vcek-der "$W/rogue-vcek.der"
expect "unknown signature algorithm -> unsupported" 'status=403 error=unsupported$' --volume "$VOL" --sim-snp "$KEYS" --sim-sig-algo 2
head -c 1184 /dev/urandom > "$W/garbage.bin"
expect "garbage report -> 403 with a reason" 'status=403 error=(malformed|unsupported|signature-invalid)$' --volume "$VOL" --outblob "$W/garbage.bin"

# ---- binding ----
expect "evidence saved from session A" '^status=200' --volume "$VOL" --sim-snp "$KEYS" --save-evidence "$W/sessionA"
expect "replay of A's evidence on session B -> binding-mismatch" 'status=403 error=binding-mismatch$' \
	--volume "$VOL" --outblob "$W/sessionA.outblob" --auxblob "$W/sessionA.auxblob"
expect "evidence bound to another client key -> binding-mismatch" 'status=403 error=binding-mismatch$' \
	--volume "$VOL" --sim-snp "$KEYS" --bind-other-key
expect "real Milan report from Debian's go-sev-guest (bound elsewhere) is refused" \
	'status=403 error=(binding-mismatch|chain-invalid)$' --volume "$VOL" --outblob "$DEBIAN_EVIDENCE/snp/attestation.bin"
case $(testdata_state "$TESTDATA") in
present)
	expect "real Milan report (bound elsewhere) is refused" 'status=403 error=(binding-mismatch|chain-invalid)$' \
		--volume "$VOL" --outblob "$TESTDATA/snp/milan-report-5.bin" ;;
absent) skip=$((skip + 1)); echo "SKIP real Milan report milan-report-5 (1 check): $(testdata_why "$TESTDATA")" ;;
*) bad "real Milan report milan-report-5: $(testdata_why "$TESTDATA")" ;;
esac
expect "no client certificate -> no-client-certificate" 'status=403 error=no-client-certificate$' \
	--volume "$VOL" --sim-snp "$KEYS" --no-client-cert

# ---- HTTP abuse ----
expect "unknown volume -> 404" 'status=404 error=unknown-volume$' --volume "$UNKNOWN" --sim-snp "$KEYS"
echo '{"volume": "'"$VOL"'", "provider": ' > "$W/bad.json"
expect "malformed JSON -> 400" 'status=400 error=malformed-request$' --volume "$VOL" --raw-body "$W/bad.json"
echo '{"volume": "'"$VOL"'", "provider": "sev_guest", "outblob": "AAAA", "extra": "x"}' > "$W/extra.json"
expect "unknown member -> 400" 'status=400 error=malformed-request$' --volume "$VOL" --raw-body "$W/extra.json"
echo '{"volume": "'"$VOL"'", "provider": "sev_guest", "outblob": "%%%%"}' > "$W/b64.json"
expect "outblob not base64 -> 400" 'status=400 error=malformed-request$' --volume "$VOL" --raw-body "$W/b64.json"
expect "oversized body (70000 bytes) -> 413" 'status=413 error=too-large$' --volume "$VOL" --pad-body 70000
expect "1 MB body -> 413 arrives although the client is still sending" 'status=413 error=too-large$' --volume "$VOL" --pad-body 1000000

t0=$(date +%s.%N)
got=$(client --volume "$VOL" --sim-snp "$KEYS" --stall-after-head)
t1=$(date +%s.%N)
check "slow client is dropped after the idle timeout ($got)" \
	python3 -c "import sys; d=$t1-$t0; sys.exit(not ('broker closed' in '''$got''' and 1.0 < d < 6))"
t0=$(date +%s.%N)
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))   # connects, never says hello
s.settimeout(10)
try:
    while s.recv(4096): pass
except Exception: pass
PY
t1=$(date +%s.%N)
check "silent connection is dropped after the handshake timeout" \
	python3 -c "import sys; d=$t1-$t0; sys.exit(not (1.5 < d < 6))"
python3 - "$PORT" <<'PY'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(os.urandom(3000))
s.settimeout(5)
try:
    while s.recv(4096): pass
except Exception: pass
PY
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")   # plain HTTP on the TLS port
s.settimeout(5)
try:
    while s.recv(4096): pass
except Exception: pass
PY
check "TLS garbage is counted as a failed handshake" \
	bash -c "curl -s http://127.0.0.1:$MPORT/metrics | grep -q '^cocobroker_handshake_failures_total [1-9]'"
expect "broker still serves after abuse" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS"

# ---- interop with a standard TLS stack (curl / OpenSSL) ----
openssl ecparam -name prime256v1 -genkey -noout -out "$W/curl.key" 2>/dev/null
openssl req -x509 -new -key "$W/curl.key" -subj "/CN=curl client" -days 1 -out "$W/curl.pem" 2>/dev/null
python3 - "$W/sessionA.outblob" "$W/sessionA.auxblob" "$VOL" > "$W/curl-body.json" <<'PY'
import base64, json, sys
o = open(sys.argv[1], "rb").read(); a = open(sys.argv[2], "rb").read()
print(json.dumps({"volume": sys.argv[3], "provider": "sev_guest",
                  "outblob": base64.b64encode(o).decode(), "auxblob": base64.b64encode(a).decode()}))
PY
out=$(curl -s --tlsv1.3 --cacert "$W/ca.pem" --cert "$W/curl.pem" --key "$W/curl.key" \
	-H 'Content-Type: application/json' --data-binary @"$W/curl-body.json" -w ' %{http_code}' \
	"https://localhost:$PORT/v1/unlock")
check "curl --cert: evidence of another session -> 403 binding-mismatch ($out)" test "$out" = '{"error":"binding-mismatch"} 403'
out=$(curl -s --tlsv1.3 --cacert "$W/ca.pem" --data-binary @"$W/curl-body.json" -w ' %{http_code}' "https://localhost:$PORT/v1/unlock")
check "curl without a client certificate -> 403 ($out)" test "$out" = '{"error":"no-client-certificate"} 403'
out=$(curl -s --tlsv1.3 --cacert "$W/ca.pem" --cert "$W/curl.pem" --key "$W/curl.key" -w ' %{http_code}' "https://localhost:$PORT/v1/other")
check "curl: unknown path -> 404 ($out)" test "$out" = '{"error":"not-found"} 404'
out=$(curl -s --tlsv1.3 --cacert "$W/ca.pem" --cert "$W/curl.pem" --key "$W/curl.key" -w ' %{http_code}' "https://localhost:$PORT/v1/unlock")
check "curl: GET /v1/unlock -> 405 ($out)" test "$out" = '{"error":"method-not-allowed"} 405'
curl -s --tls-max 1.2 --cacert "$W/ca.pem" "https://localhost:$PORT/v1/unlock" >/dev/null 2>&1
check "TLS 1.2 is refused" test $? -ne 0

# the exporter (binding input) as OpenSSL derives it for the same session
SPORT=$(free_port)
sleep 5 | openssl s_server -accept "127.0.0.1:$SPORT" -tls1_3 -cert "$W/server.pem" -key "$W/server.key" \
	-keymatexport EXPORTER-cocoboot-v1 -keymatexportlen 32 -naccept 1 > "$W/s_server.out" 2>&1 &
SPID=$!
for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$SPORT " && break; sleep 0.1; done
ours=$("$CLIENT" --connect "127.0.0.1:$SPORT" --ca "$W/ca.pem" --volume "$VOL" --print-ekm 2>>"$W/client.err")
sleep 0.3
kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
theirs=$(sed -n 's/^ *Keying material: *//p' "$W/s_server.out" | head -n 1)
check "exporter value equals OpenSSL's for the same session (${ours#ekm=})" test -n "$theirs" -a "$ours" = "ekm=$theirs"
# the same against cocobroker itself (OpenSSL's SSL_export_keying_material; the test
# configuration logs the value it derived): the guest-side mbedTLS client and the broker
ours=$("$CLIENT" --connect "127.0.0.1:$PORT" --ca "$W/ca.pem" --volume "$VOL" --print-ekm 2>>"$W/client.err")
for _ in $(seq 30); do grep -q "\"ekm\":\"${ours#ekm=}\"" "$W/broker.log" && break; sleep 0.1; done
check "exporter: cocobroker derives the mbedTLS client's value for the same session (${ours#ekm=})" \
	test -n "${ours#ekm=}" -a -n "$(grep "\"event\":\"test-session-exporter\".*\"ekm\":\"${ours#ekm=}\"" "$W/broker.log")"

# ---- metrics, logs, audit ----
curl -s "http://127.0.0.1:$MPORT/metrics" > "$W/metrics.txt"
check "metrics: releases counted" grep -q '^cocobroker_releases_total [1-9]' "$W/metrics.txt"
check "metrics: refusals by reason" grep -q '^cocobroker_refusals_total{reason="binding-mismatch"} [1-9]' "$W/metrics.txt"
check "metrics: latency histogram" grep -q '^cocobroker_unlock_duration_seconds_bucket{le="+Inf"} [1-9]' "$W/metrics.txt"
check "metrics: in-flight gauge" grep -q '^cocobroker_inflight 0$' "$W/metrics.txt"
check "metrics: the build (version, TLS library)" grep -Eq '^cocobroker_build_info\{version="[^"]+",tls="OpenSSL_3\.[0-9]+\.[0-9]+"\} 1$' "$W/metrics.txt"
check "metrics: the store answers" grep -q '^cocobroker_store_up 1$' "$W/metrics.txt"
out=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$MPORT/healthz")
check "health: GET /healthz -> 200 {\"status\":\"ok\"} ($out)" test "$out" = '{"status":"ok"}
 200'
# The dashboard (docs/grafana/cocobroker.json) shows only what the broker exports.
missing=$(python3 - "$(dirname "$0")/../../docs/grafana/cocobroker.json" "$W/metrics.txt" <<'EOF'
import json, re, sys
dash = json.load(open(sys.argv[1]))
exported = {l.split('{')[0].split(' ')[0] for l in open(sys.argv[2]) if l and not l.startswith('#')}
names = {n for p in dash["panels"] for t in p["targets"] for n in re.findall(r"cocobroker_[a-z_]+", t["expr"])}
print(" ".join(sorted(n for n in names if n not in exported)) or "none", len(names))
EOF
)
check "dashboard: every metric it queries is exported (missing: $missing)" test "${missing% *}" = none
check "logs are JSON lines" python3 -c "
import json,sys
n=0
for l in open('$W/broker.log'):
    json.loads(l); n+=1
sys.exit(n == 0)"
check "log has decisions with reason codes" grep -q '"decision":"refuse","reason":"debug-policy"' "$W/broker.log"
check "no key material in the log" python3 -c "
import base64,sys
k=base64.b64encode(open('$W/vol.key','rb').read()).decode()
sys.exit(k in open('$W/broker.log').read())"
releases=$(grep -c '"decision":"release"' "$W/broker.log")
check "one audit row per release ($releases)" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where decision='release'")" -eq "$releases"
check "audit rows carry client key and measurement" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where decision='release' and length(client_key)=64 and measurement in ('$MEAS', '$(printf 'd7%.0s' $(seq 48))')")" -eq "$releases"
check "audit has a refusal row for binding-mismatch" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where reason='binding-mismatch'")" -ge 3
sqlite3 "$W/keys.db" "delete from audit" 2>/dev/null
check "audit is append-only" test "$(sqlite3 "$W/keys.db" "select count(*) from audit")" -gt 0

# no audit row, no key
sqlite3 "$W/keys.db" "CREATE TRIGGER test_block_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'test'); END;"
expect "audit write fails -> no key (503)" '^status=503 retry_after=1 error=store-unavailable$' --volume "$VOL" --sim-snp "$KEYS"
sqlite3 "$W/keys.db" "DROP TRIGGER test_block_audit"
expect "release again once the audit works" '^status=200' --volume "$VOL" --sim-snp "$KEYS"

# ---- store integrity: policies are sealed with their keys (issue 11 item 5) ----
# Someone who can write keys.db but has no master key relaxes a policy with SQL:
# the key no longer opens, the broker refuses with a stable reason and audits it.
sqlite3 "$W/keys.db" "UPDATE volumes SET policy = readfile('$W/policy-debug.json') WHERE uuid = '$VOL'"
expect "tamper: policy relaxed with SQL (debug allowed) -> debug guest refused: store-tampered" \
	'status=403 error=store-tampered$' --volume "$VOL" --sim-snp "$KEYS" --sim-debug
expect "tamper: ...and a good guest is refused too (the whole record is unopenable)" \
	'status=403 error=store-tampered$' --volume "$VOL" --sim-snp "$KEYS"
check "tamper: the log says why" grep -q "\"reason\":\"store-tampered\",\"detail\":\"the sealed record of volume $VOL does not open: its policy or wrapped key was changed outside cocobroker\"" "$W/broker.log"
check "tamper: volume list shows the volume as unsealed" \
	test "$("$BROKER" volume list --config "$W/broker.json" | grep -c "\"uuid\":\"$VOL\".*\"sealed\":false")" -eq 1
check "tamper: the refusal is audited" \
	test "$(sqlite3 "$W/keys.db" "select count(*) from audit where volume='$VOL' and decision='refuse' and reason='store-tampered'")" -eq 2
"$BROKER" volume set-policy --uuid "$VOL" --policy "$W/policy-debug.json" --config "$W/broker.json" 2>"$W/setpol.err"
check "tamper: set-policy over a broken seal is refused and says why" \
	grep -q "does not open: its policy or wrapped key was changed outside cocobroker" "$W/setpol.err"
# the operator's repair: the original policy text, byte for byte
sqlite3 "$W/keys.db" "UPDATE volumes SET policy = readfile('$W/policy.json') WHERE uuid = '$VOL'"
expect "tamper: original policy text restored -> release again" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS"
# a wrapped key copied with its policy onto another volume does not open there
sqlite3 "$W/keys.db" "UPDATE volumes SET (policy, wrapped_key) = (SELECT policy, wrapped_key FROM volumes WHERE uuid = '$VOL') WHERE uuid = '$VOL_TDX'"
expect "tamper: another volume's policy and key copied together -> store-tampered" \
	'status=403 error=store-tampered$' --volume "$VOL_TDX" --sim-snp "$KEYS"
# (the key copy made VOL_TDX unopenable: re-enrol it with its own policy)
"$BROKER" volume remove --uuid "$VOL_TDX" --config "$W/broker.json" 2>/dev/null
check "volume remove without --yes refuses (usage, 2)" test $? -eq 2
"$BROKER" volume remove --uuid "$VOL_TDX" --yes --config "$W/broker.json" > "$W/remove.out"
check "volume remove --yes says what it removed" grep -q "^removed volume $VOL_TDX (active, added 20" "$W/remove.out"
"$BROKER" volume add --uuid "$VOL_TDX" --policy "$W/policy-tdx.json" --config "$W/broker.json" > "$W/tdx.key" 2>/dev/null
"$BROKER" volume confirm --uuid "$VOL_TDX" --key-file "$W/tdx.key" --config "$W/broker.json" 2>/dev/null
# a stored policy that does not parse denies (fail closed): edited, so its seal breaks first
sqlite3 "$W/keys.db" "UPDATE volumes SET policy = '{\"snp\": ' WHERE uuid = '$VOL_TDX'"
expect "stored policy broken -> store-tampered" 'status=403 error=store-tampered$' --volume "$VOL_TDX" --sim-tdx "$KEYS"
sqlite3 "$W/keys.db" "UPDATE volumes SET policy = readfile('$W/policy-tdx.json') WHERE uuid = '$VOL_TDX'"
expect "TDX: re-enrolled volume releases its new key" '^status=200 key_bytes=64$' --volume "$VOL_TDX" --sim-tdx "$KEYS" --key-out "$W/tdx-released.key"
check "TDX: ...which is the key volume add printed" cmp -s "$W/tdx.key" "$W/tdx-released.key"
"$BROKER" audit verify --config "$W/broker.json" > "$W/verify-live.out"; rc=$?
check "audit verify while the broker serves: intact (rc=$rc: $(cat "$W/verify-live.out"))" \
	test "$rc" -eq 0 -a -n "$(grep '^intact: [1-9][0-9]* row(s)' "$W/verify-live.out")"
# TDX evidence without verified collateral needs the policy's opt-in
"$BROKER" volume set-policy --uuid "$VOL_TDX" --policy "$W/policy-tdx-collateral.json" --config "$W/broker.json" 2>"$W/set.err"
check "set-policy lists allow_no_collateral as open only when given" test "$(grep -c 'open: tdx.allow_no_collateral' "$W/set.err")" -eq 0
expect "TDX without collateral, no opt-in -> collateral-invalid" 'status=403 error=collateral-invalid$' --volume "$VOL_TDX" --sim-tdx "$KEYS"
"$BROKER" volume set-policy --uuid "$VOL_TDX" --policy "$W/policy-tdx.json" --config "$W/broker.json" 2>"$W/set.err"
check "set-policy lists allow_no_collateral as open when given" grep -q 'open: tdx.allow_no_collateral' "$W/set.err"

# ---- policy changes take effect at once ----
"$BROKER" volume set-policy --uuid "$VOL" --policy "$W/policy-debug.json" --config "$W/broker.json" 2>/dev/null
expect "set-policy allowing debug -> debug guest released" '^status=200' --volume "$VOL" --sim-snp "$KEYS" --sim-debug
"$BROKER" volume set-policy --uuid "$VOL" --policy "$W/policy.json" --config "$W/broker.json" 2>/dev/null

# ---- overload: 40 clients at once, 1 worker, no queue: every answer is 200 or 503+Retry-After ----
write_config '"queue_depth": 0, "handshake_timeout_ms": 30000, "idle_timeout_ms": 30000'
kill -HUP "$BPID"
for _ in $(seq 50); do grep -q '"event":"reloaded"' "$W/broker.log" && break; sleep 0.1; done
check "SIGHUP reloads the configuration" grep -q '"event":"reloaded"' "$W/broker.log"
pids=()
for i in $(seq 40); do client --volume "$VOL" --sim-snp "$KEYS" > "$W/burst.$i" & pids+=($!); done
wait "${pids[@]}"
n200=$(cat "$W"/burst.* | grep -c '^status=200 key_bytes=64$')
n503=$(cat "$W"/burst.* | grep -c '^status=503 retry_after=1 error=overloaded$')
check "burst: every answer is a release or 503 with Retry-After ($n200 released, $n503 shed)" test $((n200 + n503)) -eq 40
write_config
kill -HUP "$BPID"

# ---- every core: one serving process per CPU, admission in the kernel's backlog ----
reload_broker() { # write_config ARGS, SIGHUP, wait until the supervisor says reloaded
	local n; n=$(grep -c '"event":"reloaded"' "$W/broker.log")
	write_config "$@"
	kill -HUP "$BPID"
	for _ in $(seq 50); do [ "$(grep -c '"event":"reloaded"' "$W/broker.log")" -gt "$n" ] && return 0; sleep 0.1; done
	return 1
}
ncpu=$(getconf _NPROCESSORS_ONLN)
kids() { pgrep -P "$BPID" | wc -l; }
check "one serving process per online CPU by default ($ncpu)" \
	grep -q "\"event\":\"listening\".*\"processes\":\"$ncpu\"" "$W/broker.log"
check "  ...children of the broker ($(kids))" test "$(kids)" -eq "$ncpu"
check "max_handshakes 1 taken on SIGHUP" reload_broker '"max_handshakes": 1, "handshake_timeout_ms": 30000'
idle=()
for _ in $(seq $((ncpu + 3))); do exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"; idle+=("$fd"); done
sleep 0.5
conns=$(curl -s "http://127.0.0.1:$MPORT/metrics" | sed -n 's/^cocobroker_connections //p')
check "admission: $((ncpu + 3)) silent connections, $conns taken into a handshake (1 per process), the rest in the backlog" \
	test "$conns" = "$ncpu"
client --volume "$VOL" --sim-snp "$KEYS" > "$W/queued.out" &
QPID=$!
sleep 1
check "  ...a client behind them waits its turn" kill -0 "$QPID"
for fd in "${idle[@]}"; do exec {fd}>&-; done
wait "$QPID"
check "  ...and is served once they are gone" grep -q '^status=200 key_bytes=64$' "$W/queued.out"
check "max_handshakes back to the default" reload_broker
victim=$(pgrep -P "$BPID" | head -n 1)
kill -9 "$victim"
for _ in $(seq 50); do
	grep -q '"event":"process-exited".*signal 9' "$W/broker.log" && [ "$(kids)" -eq "$ncpu" ] && break
	sleep 0.1
done
check "a serving process killed with -9 is logged and replaced ($(kids) running)" \
	test "$(kids)" -eq "$ncpu" -a -n "$(grep '"event":"process-exited".*signal 9' "$W/broker.log")"
expect "  ...and the broker goes on releasing" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS"

# a broken configuration is refused on reload; the broker keeps serving with the old one
cp "$W/broker.json" "$W/broker.json.keep"
echo '{"listen": ' > "$W/broker.json"
kill -HUP "$BPID"
for _ in $(seq 50); do grep -q '"event":"reload-failed"' "$W/broker.log" && break; sleep 0.1; done
check "a broken configuration on SIGHUP is refused and logged" grep -q '"event":"reload-failed"' "$W/broker.log"
expect "  ...and the broker keeps serving" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS"
cp "$W/broker.json.keep" "$W/broker.json"

# certificate rotation: new files, SIGHUP, new connections get the new certificate
served_serial() { openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null 2>/dev/null | openssl x509 -noout -serial; }
old_serial=$(served_serial)
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server2.csr" 2>/dev/null
openssl x509 -req -in "$W/server2.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -set_serial 4242 -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem.new" 2>/dev/null && mv "$W/server.pem.new" "$W/server.pem"
n_reloads=$(grep -c '"event":"reloaded"' "$W/broker.log")
kill -HUP "$BPID"
for _ in $(seq 50); do [ "$(grep -c '"event":"reloaded"' "$W/broker.log")" -gt "$n_reloads" ] && break; sleep 0.1; done
new_serial=$(served_serial)
check "SIGHUP rotates the certificate ($old_serial -> $new_serial)" test "$new_serial" = "serial=1092" -a "$old_serial" != "$new_serial"
expect "  ...and clients pinning the CA still unlock" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS"

# ---- graceful stop: a request in flight (held at its audit write by a lock) still gets its key ----
(echo "BEGIN IMMEDIATE;"; sleep 4; echo "COMMIT;") | sqlite3 "$W/keys.db" &
LOCKER=$!
sleep 0.3
client --volume "$VOL" --sim-snp "$KEYS" > "$W/inflight.out" &
INFLIGHT=$!
inflight_now() { curl -s "http://127.0.0.1:$MPORT/metrics" | grep -q '^cocobroker_inflight 1$'; }
for _ in $(seq 30); do inflight_now && break; sleep 0.1; done
check "the request is in flight when SIGTERM arrives" inflight_now
check "SIGTERM stops the broker cleanly" stop_broker
wait "$INFLIGHT" "$LOCKER"
check "the in-flight request was finished: $(cat "$W/inflight.out")" grep -q '^status=200 key_bytes=64$' "$W/inflight.out"
check "stop is logged" grep -q '"event":"stopped"' "$W/broker.log"
check "no serving process died but the one killed above (sanitizer reports included)" \
	test "$(grep -c '"event":"process-exited"' "$W/broker.log")" -eq 1 -a -z "$(grep 'Sanitizer' "$W/broker.log")"
check "broker restarts" start_broker 2
expect "restart keeps keys: release after restart" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS" --key-out "$W/released2.key"
check "same key after restart" cmp -s "$W/vol.key" "$W/released2.key"
"$BROKER" volume remove --uuid "$VOL_OLD" --yes --database "$W/keys.db" --master-key "$W/master.key" >/dev/null
expect "removed volume -> 404" 'status=404 error=unknown-volume$' --volume "$VOL_OLD" --sim-snp "$KEYS"
# ---- backup while serve runs, restore into a fresh store, release from it ----
rm -f "$W/backup.db"
out=$("$BROKER" backup --out "$W/backup.db" --config "$W/broker.json" 2>&1); rc=$?
check "backup while serve runs: a checked copy ($out)" test "$rc" -eq 0 -a -n "$(echo "$out" | grep 'chain intact')"
stop_broker
"$BROKER" restore --from "$W/backup.db" --config "$W/broker.json" > "$W/restore.out" 2>&1
check "restore over an existing store: refused ($(cat "$W/restore.out"))" grep -q 'exists: restore only into a store that does not' "$W/restore.out"
mv "$W/keys.db" "$W/keys.db.before-restore"; rm -f "$W/keys.db-wal" "$W/keys.db-shm"
"$BROKER" restore --from "$W/backup.db" --config "$W/broker.json" > "$W/restore.out" 2>&1; rc=$?
check "restore into a fresh store ($(cat "$W/restore.out"))" test "$rc" -eq 0 -a -n "$(grep 'the restore audited' "$W/restore.out")"
check "...audited with the operator" test -n "$(sqlite3 "$W/keys.db" "select client_key from audit where reason = 'store-restore'" | grep '^local-user:')"
check "broker starts on the restored store" start_broker 3
expect "the restored store releases the same key" '^status=200 key_bytes=64$' --volume "$VOL" --sim-snp "$KEYS" --key-out "$W/released3.key"
check "...byte for byte" cmp -s "$W/vol.key" "$W/released3.key"
stop_broker

# ---- systemd: readiness notification and journal priorities ----
python3 - "$W/notify.sock" "$W/notify.txt" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.5)
end = time.time() + 30
with open(sys.argv[2], "w") as out:
    while time.time() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        out.write(msg.replace("\n", "|") + "\n"); out.flush()
        if msg.startswith("STOPPING=1"):
            break
EOF
NPID=$!
for _ in $(seq 50); do [ -S "$W/notify.sock" ] && break; sleep 0.1; done
: > "$W/journal.log"
NOTIFY_SOCKET=$W/notify.sock JOURNAL_STREAM=$(stat -c '%d:%i' "$W/journal.log") \
	"$BROKER" serve --config "$W/broker.json" 2>>"$W/journal.log" &
JPID=$!
for _ in $(seq 100); do grep -q '"event":"listening"' "$W/journal.log" && break; sleep 0.1; done
cp "$W/broker.json" "$W/broker.json.keep" && echo '{' > "$W/broker.json"
kill -HUP "$JPID"; sleep 0.5
cp "$W/broker.json.keep" "$W/broker.json"
kill -TERM "$JPID"; wait "$JPID"; wait "$NPID" 2>/dev/null
check "sd_notify: READY=1 once listening, RELOADING=1 and READY=1 around a (failed) reload, STOPPING=1 ($(tr '\n' ' ' < "$W/notify.txt"))" \
	test "$(cut -d'|' -f1 "$W/notify.txt" | tr '\n' ' ')" = "READY=1 RELOADING=1 READY=1 STOPPING=1 "
check "journal: info lines carry priority <6>" grep -q '^<6>{"time":.*"event":"listening"' "$W/journal.log"
check "journal: error lines carry priority <3>" grep -q '^<3>{"time":.*"event":"reload-failed"' "$W/journal.log"
check "no priority prefix when stderr is not the journal" test -z "$(grep -c '^<' "$W/broker.log" | grep -v '^0$')"

# ---- master key checks ----
cp "$W/master.key" "$W/master.key.good"
chmod 0644 "$W/master.key"
"$BROKER" serve --config "$W/broker.json" 2>"$W/perm.log"; rc=$?
check "master key readable by others -> refuses to start (rc=$rc)" test "$rc" -ne 0
check "  ...and says why" grep -q 'must not be accessible to group or others' "$W/perm.log"
head -c 32 /dev/urandom > "$W/master.key"; chmod 0600 "$W/master.key"
"$BROKER" serve --config "$W/broker.json" 2>"$W/wrong.log"; rc=$?
check "wrong master key -> refuses to start (rc=$rc)" test "$rc" -ne 0
check "  ...and says why" grep -q 'master key does not match this database' "$W/wrong.log"
"$BROKER" volume list --config "$W/broker.json" >/dev/null 2>&1
check "wrong master key -> volume commands refuse too" test $? -ne 0
cp "$W/master.key.good" "$W/master.key"; chmod 0600 "$W/master.key"
cp "$W/broker.json" "$W/broker.json.good"
sed -i "s|$W/server.key|$W/curl.key|" "$W/broker.json"
"$BROKER" serve --config "$W/broker.json" 2>"$W/pair.log"; rc=$?
check "a key that is not the certificate's -> refuses to start (rc=$rc)" \
	test "$rc" -ne 0 -a -n "$(grep 'does not belong to the certificate' "$W/pair.log")"
cp "$W/broker.json.good" "$W/broker.json"
# The guest verifies ECDSA P-256 only (init/mbedtls_config_guest.h): a broker
# certificate it could not verify is refused at start, not at every boot.
openssl req -new -x509 -newkey rsa:2048 -nodes -keyout "$W/rsa.key" -subj /CN=localhost -days 30 \
	-out "$W/rsa.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$W/p384.key"
openssl req -new -x509 -key "$W/p384.key" -subj /CN=localhost -days 30 -out "$W/p384.pem"
for kind in rsa p384; do
	sed "s|$W/server.key|$W/$kind.key|; s|$W/server.pem|$W/$kind.pem|" "$W/broker.json.good" >"$W/broker.json"
	"$BROKER" serve --config "$W/broker.json" 2>"$W/$kind.log"; rc=$?
	check "a $kind broker certificate the guest cannot verify -> refuses to start (rc=$rc)" \
		test "$rc" -ne 0 -a -n "$(grep 'the guest cannot verify this chain: certificate 1: ' "$W/$kind.log")"
done
cp "$W/broker.json.good" "$W/broker.json"

# ---- store integrity: the audit chain (issue 11 item 5) ----
# On copies of the store (the broker is stopped), edited with the sqlite3 CLI
# after dropping the append-only triggers.
"$BROKER" audit verify --config "$W/broker.json" > "$W/verify.out"; rc=$?
check "audit verify: intact store -> exit 0 ($(cat "$W/verify.out"))" test "$rc" -eq 0 -a -n "$(grep '^intact: ' "$W/verify.out")"
nrows=$(sqlite3 "$W/keys.db" "select count(*) from audit")
last=$(sqlite3 "$W/keys.db" "select max(id) from audit")
check "audit verify: counts every row ($nrows)" grep -q "^intact: $nrows row(s), last row $last, anchor $last:[0-9a-f]\{64\}$" "$W/verify.out"
anchor=$(sed -n 's/.*, anchor //p' "$W/verify.out")
tampered() { # NAME SQL EXPECTED-REGEX: copy the store, apply SQL, expect exit 1 and the message
	rm -rf "$W/t" && mkdir -p "$W/t" && cp "$W"/keys.db* "$W/t/"
	sqlite3 "$W/t/keys.db" "$2" 2>"$W/t/sql.err"
	"$BROKER" audit verify --database "$W/t/keys.db" --master-key "$W/master.key" > "$W/t/out" 2>&1; local rc=$?
	if [ "$rc" -eq 1 ] && grep -q "$3" "$W/t/out"; then ok "$1"; else bad "$1 (rc=$rc: $(cat "$W/t/out" "$W/t/sql.err"))"; fi
}
first_release=$(sqlite3 "$W/keys.db" "select min(id) from audit where decision='release'")
tampered "audit verify: a release rewritten as a refusal -> row $first_release" \
	"DROP TRIGGER audit_no_update; UPDATE audit SET decision='refuse', reason='debug-policy' WHERE id=$first_release" \
	"^broken: row $first_release: its MAC does not match its contents"
tampered "audit verify: audit emptied (DROP TRIGGER + DELETE FROM audit) -> truncation from row 1" \
	"DROP TRIGGER audit_no_delete; DELETE FROM audit" \
	"^broken: row 1: the sealed head records row $last as the last, the table ends at row 0: rows 1..$last are missing (truncated)"
tampered "audit verify: row 5 deleted -> reported at row 6" \
	"DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id=5" "^broken: row 6: does not follow row 4: row 5 is missing (deleted)"
tampered "audit verify: last 3 rows deleted -> truncation" \
	"DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id > $((last - 3))" \
	"^broken: row $((last - 2)): .*rows $((last - 2))..$last are missing (truncated)"
tampered "audit verify: sealed head deleted" "DELETE FROM meta WHERE name='audit_head'" "^broken: chain head: .*is missing"
tampered "audit verify: a forged row added" \
	"INSERT INTO audit (time, volume, client_key, provider, measurement, decision, reason, mac) VALUES ('t','$VOL','c','sev_guest','m','release','',zeroblob(32))" \
	"^broken: row $((last + 1)): .*after the sealed head"
# a forged head stops releases: no audit row can be chained, so no key
rm -rf "$W/t" && mkdir -p "$W/t" && cp "$W"/keys.db* "$W/t/"
sqlite3 "$W/keys.db" "UPDATE meta SET value = zeroblob(8) || substr(value, 9) WHERE name='audit_head'"
check "broker starts on a store whose audit head is forged" start_broker 4
expect "forged audit head -> no key (503 store-unavailable)" '^status=503 retry_after=1 error=store-unavailable$' --volume "$VOL" --sim-snp "$KEYS"
check "  ...and the log says why" grep -q '"event":"audit-failed".*audit_head) does not verify' "$W/broker.log"
stop_broker
rm -f "$W/keys.db-wal" "$W/keys.db-shm" && cp "$W"/t/keys.db* "$W/"
"$BROKER" audit verify --config "$W/broker.json" --anchor "$anchor" >/dev/null; rc=$?
check "audit verify: the restored copy is intact again, anchor included (rc=$rc)" test "$rc" -eq 0
# an anchor recorded earlier catches a rollback (a wrong MAC at its row, or its row gone);
# the rollback itself is in broker/store/tests/test-store.c
"$BROKER" audit verify --config "$W/broker.json" --anchor "$last:$(printf '00%.0s' $(seq 32))" > "$W/v.out"; rc=$?
check "audit verify --anchor: a wrong anchor MAC -> exit 1 (rc=$rc)" test "$rc" -eq 1 -a -n "$(grep "^broken: row $last: .*rolled back" "$W/v.out")"
"$BROKER" audit verify --config "$W/broker.json" --anchor "$((last + 5)):${anchor#*:}" > "$W/v.out"; rc=$?
check "audit verify --anchor: an anchor past the end (rollback) -> exit 1 (rc=$rc)" test "$rc" -eq 1 -a -n "$(grep "^broken: row $((last + 5)): the anchor's row is not in the table" "$W/v.out")"
"$BROKER" audit verify --config "$W/broker.json" --anchor "12:xyz" >/dev/null 2>&1; rc=$?
check "audit verify --anchor: malformed -> exit 2" test "$rc" -eq 2
# usage and I/O: exit 2
"$BROKER" audit verify --database "$W/none.db" --master-key "$W/master.key" >/dev/null 2>"$W/v.err"; rc=$?
check "audit verify: missing store -> exit 2 ($rc)" test "$rc" -eq 2 -a ! -e "$W/none.db"
head -c 32 /dev/urandom > "$W/other.key"; chmod 0600 "$W/other.key"
"$BROKER" audit verify --database "$W/keys.db" --master-key "$W/other.key" >/dev/null 2>"$W/v.err"; rc=$?
check "audit verify: wrong master key -> exit 2 ($rc)" test "$rc" -eq 2 -a -n "$(grep 'does not match' "$W/v.err")"
"$BROKER" audit verify --database "$W/keys.db" >/dev/null 2>&1; rc=$?
check "audit verify: --database without --master-key -> exit 2" test "$rc" -eq 2
"$BROKER" audit frobnicate >/dev/null 2>&1; rc=$?
check "audit: unknown action -> exit 2" test "$rc" -eq 2

# ---- configuration errors: precise message, exit 2, nothing started ----
bad_config() { # NAME EXPECTED-MESSAGE JSON
	echo "$3" > "$W/bad-config.json"
	"$BROKER" serve --config "$W/bad-config.json" 2>"$W/bad-config.log"; local rc=$?
	if [ "$rc" -eq 2 ] && grep -q "$2" "$W/bad-config.log"; then ok "$1"; else bad "$1 (rc=$rc: $(cat "$W/bad-config.log"))"; fi
}
base='"listen": "127.0.0.1:1", "cert": "c", "key": "k", "database": "d", "master_key": "m"'
bad_config "config: unknown key refused" 'unknown key \\"lisen\\"' "{$base, \"lisen\": \"x\"}"
bad_config "config: metrics on a non-loopback address refused" 'must be a loopback address' "{$base, \"metrics_listen\": \"0.0.0.0:9\"}"
bad_config "config: out-of-range number refused" '\\"workers\\" must be an integer' "{$base, \"workers\": 0}"
bad_config "config: missing required key refused" 'are required' '{"listen": "127.0.0.1:1"}'
bad_config "config: trailing data refused" 'not a JSON object' "{$base} x"
bad_config "config: bad listen address refused" 'expected ADDR:PORT' '{"listen": "localhost", "cert": "c", "key": "k", "database": "d", "master_key": "m"}'
bad_config "config: processes out of range refused" '\\"processes\\" must be an integer' "{$base, \"processes\": 0}"
bad_config "config: max_handshakes out of range refused" '\\"max_handshakes\\" must be an integer' "{$base, \"max_handshakes\": 0}"

# serving processes report sanitizer findings (leaks at exit included) only in the
# log: serve does not fail for them, so the logs are checked
check "no sanitizer report in any broker log" test -z "$(grep -l 'Sanitizer' "$W"/*.log 2>/dev/null)"
