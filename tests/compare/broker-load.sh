#!/bin/bash
# broker-load.sh CONCURRENCY REQUESTS: cocobroker's unlock path under load,
# through the broker engineer's boot-storm client (tests/broker). Prints
# "rps=.. p99_ms=.. errors=.." or one "PENDING: reason" line.
set -eu
echo "PENDING: the boot-storm client (tests/broker/bootstorm.c) has not landed"
exit 3
