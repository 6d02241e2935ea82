#!/bin/bash
# make bench (docs/performance.md, "make bench"): three servers, one load
# generator, one run, the same core pinning:
#   cocobroker   the broker as built (whatever its TLS and threading are)
#   anchor       tests/bench/anchor.c: the same protocol work on OpenSSL 3, nothing more
#   tang         Debian's tang 11 as tangd.socket runs it (a tangd per connection)
# Each server on CPU $BENCH_SERVER_CPU, the generator (loadgen.c) on
# $BENCH_GEN_CPU. Per server: the CPU per attestation unloaded (sequential
# requests; for the broker and the anchor also split by the code path the
# request reaches), the capacity (closed loop, BENCH_CONCURRENCY at a time,
# BENCH_ROUNDS rounds with the three servers in turns, the median round),
# p50/p99 under Poisson arrivals at 50/70/90 % of that capacity, and 1,000
# clients at once. Prints numbers; never fails on a timing, but fails when a
# request fails or a server answers wrongly.
# usage: bench.sh COCOBROKER LOADGEN ANCHOR KEYDIR WORKDIR
set -euo pipefail
BROKER=$(realpath "$1") GEN=$(realpath "$2") ANCHOR=$(realpath "$3") KEYS=$(realpath "$4") W=$5
HERE=$(cd "$(dirname "$0")" && pwd)
CAL=${BENCH_CALIBRATION:-200}          # sequential requests per calibration line
CONC=${BENCH_CONCURRENCY:-32}          # closed-loop clients for the capacity
SECS=${BENCH_SECONDS:-4}               # length of each Poisson run; a capacity round is half of it
ROUNDS=${BENCH_ROUNDS:-3}              # capacity rounds (the servers in turns), the median counts
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
FAILED=''
declare -A PID=()
cleanup() {
	local p
	for p in "${PID[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	true
}
trap cleanup EXIT

# ---- the machine
echo "bench: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: servers pinned to CPU $SCPU, the generator to CPU $GCPU (taskset); $(nproc) cores in all, shared with other work: numbers are noisy, compare within one run"
echo "bench: cocobroker with ${BENCH_BROKER_PROCESSES:-1} serving process(es) (BENCH_BROKER_PROCESSES): the servers share one core, as the anchor's one process does"
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
  "max_connections": 20000, "handshake_timeout_ms": 120000, "idle_timeout_ms": 120000,
  "processes": ${BENCH_BROKER_PROCESSES:-1} }
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

# ---- the three servers, all started now on the same core: one is loaded at a
# time (the others wait idle), so their capacities can be measured in turns
"${NICE[@]}" taskset -c "$SCPU" "$BROKER" serve --config "$W/broker.json" 2>"$W/broker.log" &
PID[broker]=$!
"${NICE[@]}" taskset -c "$SCPU" "$ANCHOR" --listen "127.0.0.1:$APORT" --cert "$W/server.pem" --key "$W/server.key" \
	--vcek "$KEYS/snp/vcek.der" --volume "$VOL" --key-file "$W/vol.key" --audit "$W/anchor-audit.log" \
	2>"$W/anchor.log" &
PID[anchor]=$!
# tang as Debian's tangd.socket (Accept=yes) runs it: tests/compare/tang.sh
# shellcheck source=tests/compare/tang.sh
. "$HERE/../compare/tang.sh"
mkdir -p "$W/tang"
tang_start "$W/tang" "$TPORT"
PID[tang]=$TANG_PID
taskset -a -p -c "$SCPU" "$TANG_PID" >/dev/null   # socat; each forked tangd inherits the CPU
if [ -n "${BENCH_NICE:-}" ]; then renice -n "$BENCH_NICE" -p "$TANG_PID" >/dev/null; fi   # and the priority
KID=$(tang_rec_request "$W/tang")
for _ in $(seq 100); do grep -q '"event":"listening"' "$W/broker.log" && grep -q 'listening' "$W/anchor.log" && break; sleep 0.1; done
echo "bench: cocobroker: $("$BROKER" --version 2>/dev/null || echo '(no --version)'), pid ${PID[broker]}"
echo "bench: anchor: OpenSSL $(openssl version | cut -d' ' -f2), pid ${PID[anchor]}"
echo "bench: tang: $(dpkg-query -W -f='${Version}' tang 2>/dev/null), socat + a tangd per connection, pid ${PID[tang]}"

COCO_ARGS=(--kind cocoboot --ca "$W/ca.pem" --keys "$KEYS" --volume "$VOL" --expect-key "$W/vol.key")
# server_args SERVER: the generator's arguments for it, in SA
server_args() {
	case $1 in
	broker) SA=(--connect "127.0.0.1:$BPORT" "${COCO_ARGS[@]}") ;;
	anchor) SA=(--connect "127.0.0.1:$APORT" "${COCO_ARGS[@]}") ;;
	tang) SA=(--connect "127.0.0.1:$TPORT" --kind tang --tang-path "/rec/$KID" --tang-body "$W/tang/rec.json") ;;
	esac
}
# gen SERVER NAME ARGS...: one generator run on its core; its line goes to out/NAME
gen() {
	local s=$1 name=$2
	shift 2
	server_args "$s"
	if ! "${NICE[@]}" taskset -c "$GCPU" "$GEN" --server-pid "${PID[$s]}" --server-cpu "$SCPU" "${SA[@]}" "$@" \
		>"$W/out/$name" 2>"$W/out/$name.err"; then
		echo "bench: FAILED: $name: $(cat "$W/out/$name") $(head -c 300 "$W/out/$name.err")"
		FAILED="$FAILED $name"
	fi
}
# val NAME KEY: a field of a generator line
val() { local v; v=$(sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$W/out/$1"); echo "${v:-0}"; }
calc() { python3 -c "import math; print($1)"; }
SERVERS="broker anchor tang"

# ---- unloaded: one request at a time
for s in $SERVERS; do
	# warm-up: caches, page faults, the first fsyncs
	gen "$s" "$s-warmup" --concurrency 1 --requests 20
	# calibration lines of at least about a second each (the CPU clock ticks in 10 ms)
	cal=$(calc "max($CAL, min(5 * $CAL, int(20 / max(0.001, $(val "$s-warmup" wall_s)))))")
	kinds="good"
	[ "$s" != tang ] && kinds="handshake-only unknown-volume bad-signature good"
	for k in $kinds; do
		if [ "$s" = tang ]; then gen "$s" "$s-cal-$k" --concurrency 1 --requests "$cal"
		else gen "$s" "$s-cal-$k" --evidence "$k" --concurrency 1 --requests "$cal"; fi
	done
done

# ---- capacity: closed loop, the servers in turns (the other work on the machine
# changes by the second; turns expose the three to the same), the median round counts
for r in $(seq "$ROUNDS"); do
	for s in $SERVERS; do
		n=$(calc "max(200, min(20000, int($SECS / 2 * 1000 / max(0.05, $(val "$s-cal-good" server_cpu_ms_per_req)))))")
		gen "$s" "$s-capacity-$r" --concurrency "$CONC" --requests "$n"
	done
done
for s in $SERVERS; do
	m=$(for r in $(seq "$ROUNDS"); do echo "$(val "$s-capacity-$r" rate) $r"; done | sort -n | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
	cp "$W/out/$s-capacity-$m" "$W/out/$s-capacity"
done

# ---- Poisson arrivals at 50/70/90 % of that capacity, then the storm
for s in $SERVERS; do
	cap=$(val "$s-capacity" rate)
	for f in 50 70 90; do
		rate=$(calc "$cap * $f / 100")
		gen "$s" "$s-poisson-$f" --rate "$rate" --requests "$(calc "max(100, int($rate * $SECS))")"
	done
	gen "$s" "$s-storm" --concurrency "$STORM" --requests "$STORM"
done

echo "bench: cocobroker peak RSS: $(awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/${PID[broker]}/status") (main process)"
curl -s "http://127.0.0.1:$MPORT/metrics" >"$W/broker-metrics.txt" || true
for s in broker anchor; do kill "${PID[$s]}"; wait "${PID[$s]}" || true; done
tang_stop
PID=()
grep -h '^anchor: [0-9]' "$W/anchor.log" | sed 's/$/ (group commit: rows that wait together share one fsync)/' || true

# ---- the report
python3 "$HERE/report.py" "$W/out" "$BUSY_MAX" "$CONC"
if [ -n "$FAILED" ]; then
	echo "bench: FAILED runs (a request failed or a wrong answer):$FAILED (details in $W/out)"
	exit 1
fi
