#!/bin/bash
# run.sh: key hygiene (issue 7 part 4). One volume is enrolled with a broker
# on the loopback; the test keeps its key (64 raw bytes from `cocobroker
# volume add`) and then, after a successful boot and after a refused one,
# scans everything the key must never reach for it: the guest console, the
# broker's log (stderr JSON lines) and the enrolment output, the SQLite audit
# table, a dump of the whole database and the database files themselves.
# It also checks where the key could leave memory: cocoboot's key mappings
# in the running guest (locked and MADV_DONTDUMP, watched from /proc/1/smaps
# by tests/hygiene/hygiene-init.sh), the secret-buffer unit test with its
# wipe hook, and whether the broker can write a core dump.
# Prints "ok   NAME" / "FAIL NAME" lines and "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
# Own work directory: the e2e suite may run at the same time under build/e2e.
export E2E_DIR=$TOP/build/hygiene
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"
SCAN=$here/keyscan.py
KEY=$W/volume.key
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
cleanup() {
	e2e_stop_broker
	# the key is test material, but it must not outlive the test
	rm -f "$KEY"
	rm -rf "$W/cores"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}
# exit $?: a bare exit in an EXIT trap would return the status of the main
# body's last command, not the verdict
trap 'cleanup; exit $?' EXIT

e2e_need || { bad "prerequisites (make check-hygiene builds them)"; exit; }
[ -x "$TOP/build/tests/init/test-secret" ] || { bad "missing build/tests/init/test-secret"; exit; }
rm -rf "$W/logs" "$W/scan" "$W/store" "$W/cores" "$W/broker.log" "$W/enrol.log"
mkdir -p "$W/logs" "$W/scan" "$W/store" "$W/cores/broker" "$W/cores/control"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
e2e_policy
UUID=$(cat /proc/sys/kernel/random/uuid)

# The encrypted root as in e2e_root_image, except that the volume key goes
# through a file the test keeps, so that it knows what to look for.
enrol() {
	local root=$W/rootfs img=$W/root.img pass
	rm -rf "$root" "$img" && mkdir -p "$root"/{sbin,proc,sys,dev,run,etc,tmp}
	cp "$BUILD/e2e/root-init" "$root/sbin/init"
	echo "unlocked root $UUID" >"$root/etc/e2e-marker"
	truncate -s 8M "$img"
	mkfs.ext4 -q -F -b 4096 -L hygiene-root -d "$root" "$img" >/dev/null || return 1
	resize2fs -M "$img" >/dev/null 2>&1
	truncate -s +16M "$img"
	(umask 077 && "$BROKER" volume add --uuid "$UUID" --policy "$W/policy.json" --config "$W/broker.json" \
		>"$KEY" 2>>"$W/enrol.log") || { echo "volume add failed (see $W/enrol.log)"; return 1; }
	[ "$(stat -c %s "$KEY")" -eq 64 ] || { echo "volume add printed $(stat -c %s "$KEY") bytes, not 64"; return 1; }
	"$BROKER" volume confirm --uuid "$UUID" --key-file "$KEY" --config "$W/broker.json" 2>>"$W/enrol.log" ||
		{ echo "volume confirm failed (see $W/enrol.log)"; return 1; }
	pass=$(mktemp "$W/pass.XXXXXX")
	head -c 32 /dev/urandom >"$pass"
	cryptsetup reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --uuid "$UUID" \
		--volume-key-file "$KEY" --key-size 512 --sector-size 4096 --pbkdf pbkdf2 \
		--pbkdf-force-iterations 1000 --reduce-device-size 16M --key-file "$pass" "$img" >>"$W/enrol.log" 2>&1
	local rc=$?
	rm -f "$pass"
	[ $rc -eq 0 ] || { echo "cryptsetup reencrypt failed (see $W/enrol.log)"; return 1; }
}
if out=$(enrol 2>&1); then
	ok "enrolled volume $UUID, key kept for the scans (64 bytes)"
else
	bad "enrolment: $out"; exit
fi

# shellcheck disable=SC2046  # e2e_cryptsetup_files prints options, one word each
"$TOP/tests/qemu/mkinitramfs.sh" -o "$W/initramfs.cpio.gz" --busybox --init "$here/hygiene-init.sh" \
	--file "$W/pki/ca.pem:/etc/cocoboot/ca.pem:0644" $(e2e_cryptsetup_files) \
	--file "$COCOBOOT:/sbin/cocoboot:0755" --file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644" \
	--file "$KEYS/snp/tsm-sim.material:/etc/tsm/snp.material:0644" \
	--file "$KEYS/tdx/tsm-sim.material:/etc/tsm/tdx.material:0644" || { bad "initramfs"; exit; }
export E2E_INITRD=$W/initramfs.cpio.gz

# The broker runs in a directory of its own with the soft core limit raised
# to what the hard limit allows: whether it can dump core then depends only
# on what the broker itself does (core_pattern here is checked below).
( cd "$W/cores/broker" && ulimit -S -c "$(ulimit -H -c)" &&
  exec "$BROKER" serve --config "$W/broker.json" 2>>"$W/broker.log" ) &
BPID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
kill -0 "$BPID" 2>/dev/null || { bad "broker start (see $W/broker.log)"; exit; }

URL="rd.cocoboot.url=https://10.0.2.2:$PORT"
WATCH_OK='hygiene-watch: cocoboot key memory:'
WATCH_BAD='LOCKED MAPPING WITHOUT DONTDUMP'

# db_dumps WHEN: the audit table and the whole database as text (blobs as
# X'..' hex), through Python's sqlite3 so no sqlite3 CLI is needed.
db_dumps() {
	python3 - "$W/store/keys.db" "$W/scan/audit-$1.txt" "$W/scan/db-dump-$1.sql" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for row in con.execute("SELECT * FROM audit ORDER BY id"):
        f.write("|".join(str(c) for c in row) + "\n")
with open(sys.argv[3], "w") as f:
    for line in con.iterdump():
        f.write(line + "\n")
PY
}

# scan_all WHEN CONSOLE...: every place the key must not be, after WHEN.
scan_all() {
	local when=$1 f hits
	shift
	db_dumps "$when" || { bad "$when: cannot read the database"; return; }
	# The broker's /metrics page, as a scraper would see it (counters only,
	# but it is served by the process that holds the keys).
	local maddr
	maddr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics_listen"])' "$W/broker.json")
	if curl -fsS --max-time 10 "http://$maddr/metrics" >"$W/scan/metrics-$when.txt" &&
		grep -q '^cocobroker_' "$W/scan/metrics-$when.txt"; then
		ok "$when: /metrics fetched ($(grep -c '^cocobroker_' "$W/scan/metrics-$when.txt") samples)"
	else
		bad "$when: no /metrics page from $maddr"
	fi
	local -a files=("$@" "$W/broker.log" "$W/enrol.log" "$W/scan/audit-$when.txt" "$W/scan/db-dump-$when.sql"
		"$W/scan/metrics-$when.txt")
	for f in "$W/store/keys.db" "$W/store/keys.db-wal" "$W/store/keys.db-shm"; do
		[ -e "$f" ] && files+=("$f")
	done
	for f in "${files[@]}"; do
		[ -e "$f" ] || { bad "$when: $f missing (nothing to scan)"; continue; }
		if hits=$(python3 "$SCAN" "$KEY" "$f"); then
			ok "$when: no key bytes in $(basename "$f") ($(stat -c %s "$f") bytes)"
		else
			bad "$when: KEY MATERIAL in $f:"; printf '     %s\n' "$hits"
		fi
	done
}

# --- a successful boot
if e2e_boot success "$W/root.img" "$URL rd.cocoboot.timeout=60" 120 --expect 'E2E-ROOT-OK' \
	--expect "$WATCH_OK" --fail-on "$WATCH_BAD" --fail-on 'cocoboot: error' --fail-on 'Kernel panic' \
	>"$W/logs/success.out" 2>&1; then
	ok "success: unlocked; $(grep -m1 -o "$WATCH_OK.*" "$W/logs/success.log" | sed 's/^hygiene-watch: //')"
else
	bad "success boot"; cat "$W/logs/success.out"
fi
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM audit WHERE decision=\"release\"").fetchone()[0])' "$W/store/keys.db")
if [ "$rows" = 1 ]; then
	ok "success: one release row in the audit table (the scan has something to look at)"
else
	bad "success: $rows release rows in the audit table, expected 1"
fi
scan_all after-success "$W/logs/success.log" "$W/logs/success.out"

# --- a refused boot: the broker refuses another measurement
if e2e_boot refused "$W/root.img" \
	"$URL rd.cocoboot.timeout=60 e2e.sim=measurement=$(printf 'ee%.0s' $(seq 48))" 120 \
	--expect 'cocoboot: error broker-refused: measurement-mismatch' --expect 'onfail: poweroff' \
	--expect "$WATCH_OK" --fail-on "$WATCH_BAD" --fail-on 'E2E-ROOT-OK' --fail-on 'Kernel panic' \
	>"$W/logs/refused.out" 2>&1; then
	ok "refused: measurement-mismatch, powered off; key memory locked and MADV_DONTDUMP"
else
	bad "refused boot"; cat "$W/logs/refused.out"
fi
rows=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM audit WHERE decision=\"refuse\" AND reason=\"measurement-mismatch\"").fetchone()[0])' "$W/store/keys.db")
if [ "$rows" = 1 ]; then
	ok "refused: one measurement-mismatch refusal row in the audit table"
else
	bad "refused: $rows measurement-mismatch refusal rows, expected 1"
fi
scan_all after-refusal "$W/logs/refused.log" "$W/logs/refused.out" "$W/logs/success.log"

# --- self-check: the scanner finds the key when it is there, in each form a
# log could carry it (planted into a copy of the real console log).
selfcheck() { # FORM PYTHON-EXPRESSION-OF-k
	local form=$1 expr=$2 copy=$W/scan/planted-$1.log
	{ head -n 20 "$W/logs/success.log"
	  printf 'cocoboot: debug: '; python3 -c "import base64,sys; k=open(sys.argv[1],'rb').read(); sys.stdout.buffer.write($expr)" "$KEY"
	  printf '\n'; tail -n +21 "$W/logs/success.log"; } >"$copy"
	if python3 "$SCAN" "$KEY" "$copy" >/dev/null; then
		bad "self-check: a $form key planted in a copy of the console log was NOT found"
	else
		ok "self-check: scanner finds a planted $form key"
	fi
	rm -f "$copy"
}
selfcheck hex-lower 'k.hex().encode()'
selfcheck hex-upper 'k.hex().upper().encode()'
selfcheck hex-half 'k[32:].hex().encode()'
selfcheck base64 'base64.b64encode(k)'
selfcheck base64-in-a-blob 'base64.b64encode(b"xy" + k + b"z")'
selfcheck raw 'k'

# --- core dumps
# Control: a process started the same way in the same kind of directory does
# leave a core, so "no core from the broker" below means something.
pattern=$(cat /proc/sys/kernel/core_pattern)
( cd "$W/cores/control" && ulimit -S -c "$(ulimit -H -c)" && exec sleep 30 ) &
cpid=$!
sleep 0.3
kill -SEGV "$cpid"; wait "$cpid" 2>/dev/null
if [ -n "$(find "$W/cores/control" -maxdepth 1 -name 'core*')" ]; then
	ok "core dumps observable here: a control process leaves a core (core_pattern '$pattern')"
	observable=1
else
	bad "core dumps not observable on this host (core_pattern '$pattern', hard limit $(ulimit -H -c)): cannot judge the broker"
	observable=0
fi
soft=$(awk '/^Max core file size/ { print $5 }' "/proc/$BPID/limits")
# Dumpable is not in /proc/PID/status; whether the broker turned it off shows
# in whether it dumps core on a fatal signal.
# The serving processes (children of serve, docs/broker.md) are the ones that
# held keys: each gets the signal first, then serve itself.
for k in $(pgrep -P "$BPID"); do kill -SEGV "$k"; done
sleep 0.5
kill -SEGV "$BPID"; wait "$BPID" 2>/dev/null; BPID=
core=$(find "$W/cores/broker" -maxdepth 1 -name 'core*' | head -n 1)
if [ $observable -eq 1 ]; then
	if [ -z "$core" ]; then
		ok "broker wrote no core dump on SIGSEGV (RLIMIT_CORE soft '$soft' as seen in /proc/PID/limits)"
	else
		bad "broker is dumpable: it wrote a $(stat -c %s "$core")-byte core on SIGSEGV; RLIMIT_CORE soft '$soft' (it neither calls prctl(PR_SET_DUMPABLE, 0) nor sets RLIMIT_CORE to 0; only broker/cocobroker.service's LimitCORE=0 protects it)"
	fi
fi
if [ -n "$core" ]; then
	if hits=$(python3 "$SCAN" "$KEY" "$core"); then
		ok "the broker's core dump (taken after both boots) holds no copy of the volume key"
	else
		bad "KEY MATERIAL in the broker's core dump:"; printf '     %s\n' "$hits"
	fi
	# The master key wraps every volume key: it lives in common/secret memory
	# (MADV_DONTDUMP), so even a dumpable broker must not write it out.
	if hits=$(python3 "$SCAN" "$W/store/master.key" "$core"); then
		ok "the broker's core dump holds no copy of the master key (MADV_DONTDUMP works)"
	else
		bad "MASTER KEY in the broker's core dump:"; printf '     %s\n' "$hits"
	fi
fi

# --- cocoboot's secret buffers, asserted through the test hook (wipe before unmap)
if out=$("$TOP/build/tests/init/test-secret" 2>&1); then
	ok "cocoboot secret buffers (init/tests/test-secret.c: locked, MADV_DONTDUMP, non-dumpable, wiped before unmap): $(tail -n 1 <<<"$out")"
else
	bad "init/tests/test-secret: $out"
fi
