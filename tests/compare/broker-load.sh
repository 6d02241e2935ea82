#!/bin/bash
# broker-load.sh CONCURRENT REQUESTS WORKDIR: cocobroker's unlock path under
# load, through the broker engineer's boot-storm client (tests/broker/
# bench-bootstorm.sh: its own broker, TEST PKI and enrolled volume; every
# request a fresh TLS 1.3 handshake + simulated SNP evidence + /v1/unlock).
# Prints its whole output, whose "rps=.. p99_ms=.. errors=.." line
# results.sh reads, or one "PENDING: reason" line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}
storm=$build/tests/broker/bootstorm
for f in "$top/tests/broker/bench-bootstorm.sh" "$storm" "$build/cocobroker"; do
	[ -e "$f" ] || { echo "PENDING: $f missing (the broker's boot-storm client)"; exit 3; }
done
"$top/tests/broker/bench-bootstorm.sh" "$build/cocobroker" "$storm" "$build/keys" "$3" "$1" "$2"
