#!/bin/bash
# Boot storm: one broker, N guests (simulated, tests/broker/bootstorm.c) doing
# a full handshake + unlock at once; prints attestations/s, p50/p99, errors,
# wrong releases, the broker's peak RSS and the mbedTLS crypto ceiling
# measured in the same run. Numbers only, never pass/fail.
# usage: bench-bootstorm.sh COCOBROKER BOOTSTORM KEYDIR WORKDIR [CLIENTS [REQUESTS]]
set -eu
BROKER=$(realpath "$1") STORM=$(realpath "$2") KEYS=$(realpath "$3") W=$4 N=${5:-1000} R=${6:-${5:-1000}}
rm -rf "$W" && mkdir -p "$W" && W=$(realpath "$W")
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

openssl ecparam -name prime256v1 -genkey -noout -out "$W/ca.key" 2>/dev/null
openssl req -x509 -new -key "$W/ca.key" -subj "/CN=cocoboot TEST broker CA" -days 2 -out "$W/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/server.key" 2>/dev/null
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$W/ext.cnf"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem" 2>/dev/null
cat > "$W/broker.json" <<JSON
{ "listen": "127.0.0.1:$PORT", "metrics_listen": "127.0.0.1:$MPORT",
  "cert": "$W/server.pem", "key": "$W/server.key",
  "database": "$W/keys.db", "master_key": "$W/master.key",
  "test_snp_ark": "$KEYS/snp/ark.pem", "test_snp_ask": "$KEYS/snp/ask.pem",
  "workers": 2, "queue_depth": 256, "max_connections": 20000,
  "handshake_timeout_ms": 120000, "idle_timeout_ms": 120000 }
JSON
MEAS=$(printf 'a5%.0s' $(seq 48))
echo "{\"snp\": {\"products\": [\"test\"], \"measurements\": [\"$MEAS\"]}}" > "$W/policy.json"
VOL=0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b
"$BROKER" volume add --uuid "$VOL" --policy "$W/policy.json" --config "$W/broker.json" > "$W/vol.key" 2>/dev/null
"$BROKER" volume confirm --uuid "$VOL" --key-file "$W/vol.key" --config "$W/broker.json" 2>/dev/null

"$BROKER" serve --config "$W/broker.json" 2>"$W/broker.log" &
BPID=$!
trap 'kill $BPID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '"event":"listening"' "$W/broker.log" && break; sleep 0.1; done

echo "bootstorm: $N concurrent clients, $R requests, against cocobroker (2 workers, queue 256) on $(nproc) cores, clients on the same machine"
"$STORM" --connect "127.0.0.1:$PORT" --ca "$W/ca.pem" --keys "$KEYS" --volume "$VOL" \
	--expect-key "$W/vol.key" --clients "$N" --requests "$R" --broker-pid "$BPID" --summary
curl -s "http://127.0.0.1:$MPORT/metrics" > "$W/metrics.txt"
grep -E '^cocobroker_(releases_total|overload_total|handshake_failures_total|timeouts_total) ' "$W/metrics.txt" | sed 's/^/metrics: /'
# the broker's own share of the latency: complete request -> answer ready (queue + verify + store)
python3 - "$W/metrics.txt" <<'PY'
import re, sys
b = [(float(m.group(1)) if m.group(1) != "+Inf" else float("inf"), int(m.group(2)))
     for m in re.finditer(r'^cocobroker_unlock_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$', open(sys.argv[1]).read(), re.M)]
total = b[-1][1] if b else 0
for q in (0.5, 0.99):
    le = next((le for le, c in b if c >= q * total), None) if total else None
    print("metrics: broker-side unlock latency p%d <= %s s (histogram bucket)" % (q * 100, le))
PY
kill -TERM "$BPID"; wait "$BPID" || true
