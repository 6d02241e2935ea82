#!/bin/bash
# make bench (docs/performance.md, "make bench"): three servers, one load
# generator, one run, the same core pinning:
#   cocobroker   the broker as built (whatever its TLS and threading are)
#   anchor       tests/bench/anchor.c: the same protocol work on OpenSSL 3, nothing more
#   tang         Debian's tang 11 as tangd.socket runs it (a tangd per connection)
# Each server on CPU $BENCH_SERVER_CPU, the generator (loadgen.c) on
# $BENCH_GEN_CPU. Per server: the CPU per attestation unloaded (sequential
# requests; for the broker and the anchor also split by the code path the
# request reaches), the capacity (closed loop, BENCH_CONCURRENCY at a time),
# p50/p99 under Poisson arrivals at 50/70/90 % of that capacity, and 1,000
# clients at once. Prints numbers; never fails on a timing, but fails when a
# request fails or a server answers wrongly.
# usage: bench.sh COCOBROKER LOADGEN ANCHOR KEYDIR WORKDIR
set -euo pipefail
BROKER=$(realpath "$1") GEN=$(realpath "$2") ANCHOR=$(realpath "$3") KEYS=$(realpath "$4") W=$5
HERE=$(cd "$(dirname "$0")" && pwd)
CAL=${BENCH_CALIBRATION:-200}          # sequential requests per calibration line
CONC=${BENCH_CONCURRENCY:-32}          # closed-loop clients for the capacity
SECS=${BENCH_SECONDS:-4}               # length of the capacity and each Poisson run
STORM=${BENCH_STORM:-1000}
SCPU=${BENCH_SERVER_CPU:-1} GCPU=${BENCH_GEN_CPU:-0}
BUSY_MAX=0.80                          # a generator busier than this invalidates the run
# BENCH_NICE=N: run the servers and the generator at nice N (absolute; below 0 needs
# root). On a machine shared with other work, the server's core is contended and the
# scheduler shares it by thread: a server with more threads gets more of it. A
# priority above the other work's keeps that from deciding the rates.
NICE=()
if [ -n "${BENCH_NICE:-}" ]; then NICE=(nice -n "$((BENCH_NICE - $(nice)))"); fi

rm -rf "$W" && mkdir -p "$W/out" && W=$(realpath "$W")
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SERVER_PID='' FAILED=''
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	true
}
trap cleanup EXIT

# ---- the machine
echo "bench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: servers pinned to CPU $SCPU, the generator to CPU $GCPU (taskset); $(nproc) cores in all, shared with other work: numbers are noisy, compare within one run"
echo "bench: priority of servers and generator: nice ${BENCH_NICE:-$(nice)}${BENCH_NICE:+ (BENCH_NICE)}"

# ---- PKI, broker configuration and one enrolled volume (as bench-bootstorm did)
openssl ecparam -name prime256v1 -genkey -noout -out "$W/ca.key" 2>/dev/null
openssl req -x509 -new -key "$W/ca.key" -subj "/CN=cocoboot TEST bench CA" -days 2 -out "$W/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$W/server.key" 2>/dev/null
openssl req -new -key "$W/server.key" -subj "/CN=localhost" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$W/ext.cnf"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/ext.cnf" -out "$W/server.pem" 2>/dev/null
BPORT=$(port) MPORT=$(port) APORT=$(port) TPORT=$(port)
cat >"$W/broker.json" <<JSON
{ "listen": "127.0.0.1:$BPORT", "metrics_listen": "127.0.0.1:$MPORT",
  "cert": "$W/server.pem", "key": "$W/server.key",
  "database": "$W/keys.db", "master_key": "$W/master.key",
  "test_snp_ark": "$KEYS/snp/ark.pem", "test_snp_ask": "$KEYS/snp/ask.pem",
  "max_connections": 20000, "handshake_timeout_ms": 120000, "idle_timeout_ms": 120000 }
JSON
echo "{\"snp\": {\"products\": [\"test\"], \"measurements\": [\"$(printf 'a5%.0s' $(seq 48))\"]}}" >"$W/policy.json"
VOL=0f4c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b
"$BROKER" volume add --uuid "$VOL" --policy "$W/policy.json" --config "$W/broker.json" >"$W/vol.key" 2>"$W/volume.log"
"$BROKER" volume confirm --uuid "$VOL" --key-file "$W/vol.key" --config "$W/broker.json" 2>>"$W/volume.log"

# the disk under every audit row: sequential write + fsync of a row, for half a second
python3 - "$W/fsync-probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
n, t0 = 0, time.monotonic()
while time.monotonic() - t0 < 0.5:
    os.write(fd, b"x" * 150 + b"\n"); os.fsync(fd); n += 1
dt = (time.monotonic() - t0) / n
print("bench: disk: one audit-sized append + fsync takes %.2f ms here (%.0f/s one after another)" % (1e3 * dt, 1 / dt))
PY

COCO_ARGS=(--kind cocoboot --ca "$W/ca.pem" --keys "$KEYS" --volume "$VOL" --expect-key "$W/vol.key")

# gen NAME ARGS...: one generator run on its core; its line goes to out/NAME
gen() {
	local name=$1
	shift
	if ! "${NICE[@]}" taskset -c "$GCPU" "$GEN" --server-pid "$SERVER_PID" --server-cpu "$SCPU" "$@" >"$W/out/$name" 2>"$W/out/$name.err"; then
		echo "bench: FAILED: $name: $(cat "$W/out/$name") $(head -c 300 "$W/out/$name.err")"
		FAILED="$FAILED $name"
	fi
}
# val NAME KEY: a field of a generator line
val() { local v; v=$(sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$W/out/$1"); echo "${v:-0}"; }
calc() { python3 -c "import math; print($1)"; }

# measure SERVER ARGS...: every phase against the server now running
measure() {
	local s=$1 kinds k cap n f rate cal
	shift
	# warm-up: caches, page faults, the first fsyncs
	gen "$s-warmup" "$@" --concurrency 1 --requests 20
	# calibration lines of at least about a second each (the CPU clock ticks in 10 ms)
	cal=$(calc "max($CAL, min(5 * $CAL, int(20 / max(0.001, $(val "$s-warmup" wall_s)))))")
	kinds="good"
	[ "$s" != tang ] && kinds="handshake-only unknown-volume bad-signature good"
	for k in $kinds; do
		if [ "$s" = tang ]; then gen "$s-cal-$k" "$@" --concurrency 1 --requests "$cal"
		else gen "$s-cal-$k" "$@" --evidence "$k" --concurrency 1 --requests "$cal"; fi
	done
	# capacity: enough requests for about SECS seconds at the unloaded CPU cost
	n=$(calc "max(300, min(20000, int($SECS * 1000 / max(0.05, $(val "$s-cal-good" server_cpu_ms_per_req)))))")
	gen "$s-capacity" "$@" --concurrency "$CONC" --requests "$n"
	cap=$(val "$s-capacity" rate)
	for f in 50 70 90; do
		rate=$(calc "$cap * $f / 100")
		n=$(calc "max(100, int($rate * $SECS))")
		gen "$s-poisson-$f" "$@" --rate "$rate" --requests "$n"
	done
	gen "$s-storm" "$@" --concurrency "$STORM" --requests "$STORM"
}

# ---- cocobroker
"${NICE[@]}" taskset -c "$SCPU" "$BROKER" serve --config "$W/broker.json" 2>"$W/broker.log" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '"event":"listening"' "$W/broker.log" && break; sleep 0.1; done
echo "bench: cocobroker $("$BROKER" --version 2>/dev/null || echo '(no --version)') pid $SERVER_PID ..."
measure broker --connect "127.0.0.1:$BPORT" "${COCO_ARGS[@]}"
curl -s "http://127.0.0.1:$MPORT/metrics" >"$W/broker-metrics.txt" || true
echo "bench: cocobroker peak RSS after the storm: $(awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$SERVER_PID/status") (main process)"
kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=

# ---- the anchor
"${NICE[@]}" taskset -c "$SCPU" "$ANCHOR" --listen "127.0.0.1:$APORT" --cert "$W/server.pem" --key "$W/server.key" \
	--vcek "$KEYS/snp/vcek.der" --volume "$VOL" --key-file "$W/vol.key" --audit "$W/anchor-audit.log" \
	2>"$W/anchor.log" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q 'listening' "$W/anchor.log" && break; sleep 0.1; done
echo "bench: anchor (OpenSSL $(openssl version | cut -d' ' -f2)) pid $SERVER_PID ..."
measure anchor --connect "127.0.0.1:$APORT" "${COCO_ARGS[@]}"
kill "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
grep -h '^anchor: [0-9]' "$W/anchor.log" | sed 's/$/ (group commit: rows that wait together share one fsync)/' || true

# ---- tang, as Debian's tangd.socket (Accept=yes) runs it: tests/compare/tang.sh
# shellcheck source=tests/compare/tang.sh
. "$HERE/../compare/tang.sh"
mkdir -p "$W/tang"
tang_start "$W/tang" "$TPORT"
SERVER_PID=$TANG_PID
taskset -a -p -c "$SCPU" "$SERVER_PID" >/dev/null   # socat; each forked tangd inherits the CPU
if [ -n "${BENCH_NICE:-}" ]; then renice -n "$BENCH_NICE" -p "$SERVER_PID" >/dev/null; fi   # and the priority
KID=$(tang_rec_request "$W/tang")
echo "bench: tang $(dpkg-query -W -f='${Version}' tang 2>/dev/null) (socat + a tangd per connection) pid $SERVER_PID ..."
measure tang --connect "127.0.0.1:$TPORT" --kind tang --tang-path "/rec/$KID" --tang-body "$W/tang/rec.json"
tang_stop; SERVER_PID=

# ---- the report
python3 "$HERE/report.py" "$W/out" "$BUSY_MAX" "$CONC"
if [ -n "$FAILED" ]; then
	echo "bench: FAILED runs (a request failed or a wrong answer):$FAILED (details in $W/out)"
	exit 1
fi
