#!/bin/bash
# run.sh [CASE...]: fault injection (issue 7 part 3). Each case breaks one
# thing under a working cocoboot/cocobroker pair and asserts what must still
# hold. Built from the e2e rig (tests/e2e/lib.sh: PKI, policy, encrypted root,
# broker start/stop, guest initramfs) and the broker test clients
# (tests/broker/unlock_client.c, bootstorm.c). Cases:
#   storm-kill   broker kill -9 during a boot storm, restarted: SQLite
#                integrity_check ok, every retrying client unlocks, no key
#                seen by a client without an audit row
#   audit-full   audit storage full (tiny tmpfs): 503 store-unavailable, no
#                key, broker keeps serving, releases again once there is room;
#                then the same store read-only: serve refuses to start (exit 1)
#   audit-readonly
#                the store's ext4 (loop device) goes read-only under a running
#                broker (trigger_fs_error, errors=remount-ro): 503, no key
#   clock-past, clock-future, clock-revive
#                guest RTC far off (QEMU -rtc base=...), the cocoboot(8)
#                certificate time rule
#   short-outblob, garbage-outblob, short-outblob-tdx, garbage-outblob-tdx
#                provider returns a cut / nonsensical report (tsm_sim knobs):
#                precise cocoboot error + onfail, precise broker code
#   net-cut-after  the same after the handshake: inside the request, and
#                inside the answer that carries the key (audited, lost): retry
#   net-cut      a TCP relay cuts the first connections mid-handshake: the
#                guest retries and unlocks
# Prints "N passed, N failed" last.
# "test && ok || bad" throughout: ok() only echoes, it cannot fail.
# shellcheck disable=SC2015
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# The audit-full case mounts a tmpfs: do it in a private mount namespace, so
# the mount disappears with the suite even when it is killed.
if [ -z "${FAULTS_IN_NS:-}" ]; then
	FAULTS_IN_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
export E2E_DIR=${FAULTS_DIR:-$TOP/build/faults}
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"
CLIENT=$BUILD/tests/broker/unlock-client
STORM=$BUILD/tests/broker/bootstorm
pass=0 fail=0 skip=0
helpers=()   # background helpers of the running case (emptied once reaped: no stale PIDs are killed)
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
skipped() { skip=$((skip + 1)); echo "SKIP $*"; }
cleanup() {
	local p
	for p in "${helpers[@]+"${helpers[@]}"}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	e2e_stop_broker
	mountpoint -q "$W/full" 2>/dev/null && umount "$W/full"
	mountpoint -q "$W/ro" 2>/dev/null && umount "$W/ro"
	echo "suite time: $SECONDS s"
	echo "$pass passed, $fail failed, $skip skipped"
	[ $fail -eq 0 ]
}
# exit $?: a bare exit in an EXIT trap returns the status from before the trap.
trap 'cleanup; exit $?' EXIT

e2e_need || { bad "missing build artefacts"; exit; }
for f in "$CLIENT" "$STORM"; do [ -x "$f" ] || { bad "missing $f (make faults builds it)"; exit; }; done
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(storm-kill audit-full audit-readonly clock-past clock-future clock-revive short-outblob garbage-outblob short-outblob-tdx garbage-outblob-tdx net-cut net-cut-after)
want() { [[ " ${CASES[*]} " == *" $1 "* ]]; }

rm -rf "$W/store" "$W/logs" "$W/storm" "$W/broker.log"
mkdir -p "$W/logs"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
# The policy admits the tsm_sim guest (measurement 00..2f) and the host test
# clients' simulated reports (a5..a5), so one broker serves every case.
e2e_policy
A5=$(printf 'a5%.0s' $(seq 48))
sed -i "s/\"measurements\": \[\"/\"measurements\": [\"$A5\", \"/" "$W/policy.json"
UUID=$(cat /proc/sys/kernel/random/uuid)
e2e_root_image "$UUID" "$W/root.img" || { bad "encrypted root image"; exit; }
e2e_initramfs "$W/initramfs-sim.cpio.gz" "$W/pki/ca.pem" sim >/dev/null || { bad "initramfs"; exit; }
e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }
URL="rd.cocoboot.url=https://10.0.2.2:$PORT"

# releases NAME VOLUME: audit rows that released VOLUME's key
releases() { sqlite3 "$1" "select count(*) from audit where volume='$2' and decision='release'"; }

# guest_client N VOLUME PORT KEYFILE: a host "guest" that retries (0.3..0.7 s
# apart, as a booting guest would with backoff) until it is given a key or
# 120 s have passed; the outcome goes to $W/storm/gN.result.
guest_client() {
	local n=$1 vol=$2 port=$3 want_key=$4 i out end=$((SECONDS + 120))
	for ((i = 1; ; i++)); do
		echo "$i" >"$W/storm/g$n.trying"
		out=$("$CLIENT" --connect "127.0.0.1:$port" --ca "$W/pki/ca.pem" --volume "$vol" --sim-snp "$KEYS" \
			--key-out "$W/storm/g$n.key" --client-key-out "$W/storm/g$n.kid" 2>&1 | tr '\n' ' ')
		echo "attempt $i: $out" >>"$W/storm/g$n.log"
		if [[ $out == "status=200 key_bytes=64"* ]]; then
			cmp -s "$W/storm/g$n.key" "$want_key" && echo "ok $i" >"$W/storm/g$n.result" ||
				echo "wrong-key $i" >"$W/storm/g$n.result"
			cat "$W/storm/g$n.kid" >>"$W/storm/released.txt"
			return
		fi
		[ $SECONDS -ge $end ] && { echo "gave-up $i" >"$W/storm/g$n.result"; return; }
		sleep "0.$((RANDOM % 5 + 3))"
	done
}

# side_config OUT DATABASE PORT: the main broker's configuration for a second
# broker with its own store and ports (the master key is shared).
side_config() {
	python3 - "$W/broker.json" "$1" "$2" "$3" "$(free_port)" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.update(database=sys.argv[3], listen="127.0.0.1:" + sys.argv[4], metrics_listen="127.0.0.1:" + sys.argv[5])
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
}

if want storm-kill; then
	# A boot storm (bootstorm: 24 concurrent simulated guests, 400 requests)
	# plus 12 retrying guests started right before the broker is killed with
	# SIGKILL while requests are being verified and audited.
	mkdir -p "$W/storm"
	SVOL=$(cat /proc/sys/kernel/random/uuid)
	"$BROKER" volume add --uuid "$SVOL" --policy "$W/policy.json" --config "$W/broker.json" \
		>"$W/storm/volume.key" 2>>"$W/enrol.log"
	"$BROKER" volume confirm --uuid "$SVOL" --key-file "$W/storm/volume.key" --config "$W/broker.json" 2>>"$W/enrol.log"
	before=$(grep -c "\"decision\":\"release\"" "$W/broker.log")
	# SIGPIPE ignored: bootstorm writes to sockets without MSG_NOSIGNAL, and
	# the dying broker would otherwise kill the whole storm with it.
	(trap '' PIPE; exec timeout 150 "$STORM" --connect "127.0.0.1:$PORT" --ca "$W/pki/ca.pem" --keys "$KEYS" --volume "$SVOL" \
		--expect-key "$W/storm/volume.key" --clients 24 --requests 400 --released-to "$W/storm/released.txt" \
		--summary >"$W/storm/bootstorm.out" 2>&1) &
	storm=$!
	helpers+=("$storm")
	# Mid-storm: once 40 keys of this storm went out (the ceiling measurement
	# at the bootstorm's start takes a few seconds first).
	for _ in $(seq 600); do
		[ $(($(grep -c "\"decision\":\"release\"" "$W/broker.log") - before)) -ge 40 ] && break
		sleep 0.1
	done
	gpids=()
	for n in $(seq 12); do guest_client "$n" "$SVOL" "$PORT" "$W/storm/volume.key" & gpids+=($!); done
	helpers+=("${gpids[@]}")
	# Kill only once every guest has its first request under way: on a loaded
	# machine starting 12 clients can take longer than any fixed pause, and a
	# guest that first connects after the restart proves nothing.
	for _ in $(seq 300); do
		[ "$(find "$W/storm" -name 'g*.trying' | wc -l)" -ge 12 ] && break
		sleep 0.1
	done
	mid=$(($(grep -c "\"decision\":\"release\"" "$W/broker.log") - before))
	kill -9 "$BPID"; wait "$BPID" 2>/dev/null; BPID=
	inflight=$((12 - $(find "$W/storm" -name 'g*.result' | wc -l)))
	echo "     storm-kill: broker killed with SIGKILL after $mid releases of the storm, $inflight of 12 guests not yet served"
	# The store as the crash left it (WAL and all), before anyone opens it again.
	ic=$(sqlite3 "$W/store/keys.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] && ok "storm-kill: integrity_check right after kill -9 = ok" ||
		bad "storm-kill: integrity_check after kill -9: $ic"
	# The broker stays dead until every guest not yet served has had one
	# attempt fail against it (or 30 s), so each of them must retry.
	for _ in $(seq 300); do
		waiting=0
		for n in $(seq 12); do
			[ -e "$W/storm/g$n.result" ] || [ -s "$W/storm/g$n.log" ] || waiting=1
		done
		[ $waiting -eq 0 ] && break
		sleep 0.1
	done
	e2e_start_broker "$W/broker.json" || bad "storm-kill: broker restart"
	wait "${gpids[@]}"
	wait "$storm"; storm_rc=$?
	helpers=()
	good=0 retried=0
	for n in $(seq 12); do
		read -r res att <"$W/storm/g$n.result" 2>/dev/null || res=none att=0
		[ "$res" = ok ] && good=$((good + 1))
		[ "${att:-0}" -gt 1 ] && retried=$((retried + 1))
	done
	[ $good -eq 12 ] && ok "storm-kill: all 12 retrying guests unlocked with the enrolled key ($retried needed retries)" ||
		{ bad "storm-kill: only $good of 12 retrying guests unlocked"; grep -H . "$W"/storm/g*.result; }
	[ $retried -ge 1 ] && ok "storm-kill: guests in flight at the kill retried ($retried of 12, $inflight in flight)" ||
		bad "storm-kill: $retried guests retried, $inflight were not served at the kill"
	storm_ok=$(sed -nE 's/^bootstorm: released \(right key\) +([0-9]+)$/\1/p' "$W/storm/bootstorm.out")
	storm_wrong=$(sed -nE 's/^bootstorm: wrong releases +([0-9]+)$/\1/p' "$W/storm/bootstorm.out")
	if [ $storm_rc -ne 0 ] || [ -z "$storm_ok" ] || [ "$storm_wrong" != 0 ]; then
		bad "storm-kill: bootstorm exit $storm_rc, released '${storm_ok:-?}', wrong '${storm_wrong:-?}'"
		tail -n 15 "$W/storm/bootstorm.out"
		storm_ok=${storm_ok:-0}
	else
		ok "storm-kill: bootstorm: $storm_ok released with the right key, 0 wrong ($(grep -o 'errors .*' "$W/storm/bootstorm.out" | head -n 1))"
	fi
	# Every key a client holds has its own audit row: the client's key id
	# (what the broker audits) of each release it received must be in a
	# release row of the volume. Rows may exceed what clients saw: an answer
	# audited and then lost with the process is allowed.
	seen=$((storm_ok + good))
	rows=$(releases "$W/store/keys.db" "$SVOL")
	unaudited=$(python3 - "$W/store/keys.db" "$SVOL" "$W/storm/released.txt" <<'PY'
import sqlite3, sys
db, vol, ids = sys.argv[1:4]
rows = {r[0] for r in sqlite3.connect(db).execute(
    "SELECT client_key FROM audit WHERE volume = ? AND decision = 'release'", (vol,))}
got = [l.strip() for l in open(ids) if l.strip()]
print(len(got), sum(1 for i in got if i not in rows))
PY
)
	read -r nids nmissing <<<"$unaudited"
	[ "${nids:-0}" -eq "$seen" ] && [ "${nmissing:-1}" -eq 0 ] && [ "$rows" -ge "$seen" ] &&
		ok "storm-kill: each of the $seen keys clients received has its release audit row (by client key; $rows rows)" ||
		bad "storm-kill: $seen keys received, ${nids:-?} client ids recorded, ${nmissing:-?} without a release row ($rows rows)"
	e2e_stop_broker
	ic=$(sqlite3 "$W/store/keys.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] && ok "storm-kill: integrity_check after the restarted broker stopped = ok" ||
		bad "storm-kill: integrity_check at the end: $ic"
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi

if want audit-full; then
	# The audit lives on a 1 MiB tmpfs: fill it up while a second broker runs.
	# (As root a read-only file or directory is still writable, and a read-only
	# remount is refused while the broker holds the files open: a full file
	# system is the fault that can happen under a running broker.)
	mkdir -p "$W/full" && mount -t tmpfs -o size=1m,mode=0700 cocoboot-faults "$W/full"
	FPORT=$(free_port)
	side_config "$W/full.json" "$W/full/keys.db" "$FPORT"
	FVOL=$(cat /proc/sys/kernel/random/uuid)
	"$BROKER" volume add --uuid "$FVOL" --policy "$W/policy.json" --config "$W/full.json" \
		>"$W/full-volume.key" 2>>"$W/enrol.log"
	"$BROKER" volume confirm --uuid "$FVOL" --key-file "$W/full-volume.key" --config "$W/full.json" 2>>"$W/enrol.log"
	main=$BPID
	e2e_start_broker "$W/full.json" || bad "audit-full: broker start"
	fpid=$BPID BPID=$main
	helpers+=("$fpid")
	fclient() { "$CLIENT" --connect "127.0.0.1:$FPORT" --ca "$W/pki/ca.pem" --sim-snp "$KEYS" "$@" 2>&1; }
	out=$(fclient --volume "$FVOL")
	[[ $out == "status=200 key_bytes=64" ]] && ok "audit-full: release while there is room" ||
		bad "audit-full: baseline release: $out"
	dd if=/dev/zero of="$W/full/filler" bs=4k 2>/dev/null
	df -k "$W/full" | awk 'NR == 2 { print "     audit-full: tmpfs " $3 " KiB used, " $4 " KiB free" }'
	rm -f "$W/full.key"
	out=$(fclient --volume "$FVOL" --key-out "$W/full.key")
	[[ $out == "status=503 retry_after=1 error=store-unavailable" ]] && [ ! -s "$W/full.key" ] &&
		ok "audit-full: full audit storage -> $out, no key" || bad "audit-full: full storage answered '$out'"
	grep -q '"event":"audit-failed".*full' "$W/broker.log" && ok "audit-full: broker logs audit-failed (disk full)" ||
		bad "audit-full: no audit-failed event naming the full disk in the log"
	out=$(fclient --volume "$FVOL")
	[[ $out == "status=503 retry_after=1 error=store-unavailable" ]] && kill -0 "$fpid" 2>/dev/null &&
		ok "audit-full: still serving, still refusing to release ($out)" || bad "audit-full: second request: '$out'"
	out=$(fclient --volume "$FVOL" --sim-debug)
	[[ $out == "status=403 error=debug-policy" ]] && ok "audit-full: refusals still answered ($out)" ||
		bad "audit-full: refusal under a full disk: '$out'"
	rm -f "$W/full/filler"
	out=$(fclient --volume "$FVOL" --key-out "$W/full.key")
	[[ $out == "status=200 key_bytes=64" ]] && cmp -s "$W/full.key" "$W/full-volume.key" &&
		ok "audit-full: room again -> releases the enrolled key" || bad "audit-full: after freeing space: '$out'"
	kill "$fpid"; wait "$fpid" 2>/dev/null
	helpers=()
	rows=$(releases "$W/full/keys.db" "$FVOL")
	[ "$rows" = 2 ] && ok "audit-full: exactly 2 release rows for the 2 keys given out" ||
		bad "audit-full: $rows release rows, expected 2"
	ic=$(sqlite3 "$W/full/keys.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] && ok "audit-full: integrity_check = ok" || bad "audit-full: integrity_check: $ic"
	# Read-only audit storage: only injectable while nothing holds the files
	# open (a busy tmpfs refuses the remount; a read-only bind mount on top
	# does not affect descriptors already open). cocobroker(8): serve exits 1
	# "when it cannot start" -- so nothing listens and nothing is released.
	if mount -o remount,ro "$W/full"; then
		timeout 20 "$BROKER" serve --config "$W/full.json" 2>"$W/logs/readonly-broker.log"
		rc=$?
		[ $rc -eq 1 ] && grep -q "\"event\":\"startup\".*$W/full/keys.db" "$W/logs/readonly-broker.log" &&
			ok "audit-readonly: store on a read-only file system -> serve exits 1: $(grep -o '"detail":"[^"]*"' "$W/logs/readonly-broker.log" | tail -n 1)" ||
			{ bad "audit-readonly: serve exited $rc"; tail -n 3 "$W/logs/readonly-broker.log"; }
	else
		bad "audit-readonly: could not remount the store read-only"
	fi
	umount "$W/full"
fi

if want audit-readonly; then
	# The store on an ext4 file system (loop device, errors=remount-ro) that
	# turns read-only under the running broker: the kernel's own
	# trigger_fs_error makes ext4 take the path it takes on a real I/O error.
	# This is how storage goes read-only in the field (a remount by hand is
	# refused while the broker holds its files open for writing).
	# A machine without loop devices cannot host this case: said and counted
	# as skipped, not passed.
	mkdir -p "$W/ro"
	RDEV=
	if ! losetup -f >/dev/null 2>&1; then
		skipped "audit-readonly: this machine has no free loop device (losetup -f failed)"
	else
		rm -f "$W/ro.img" && truncate -s 32M "$W/ro.img" && mkfs.ext4 -q "$W/ro.img" &&
			mount -o loop,errors=remount-ro "$W/ro.img" "$W/ro" && chmod 0700 "$W/ro"
		RDEV=$(basename "$(findmnt -no SOURCE "$W/ro" 2>/dev/null)")
		[ -n "$RDEV" ] || bad "audit-readonly: mounting ext4 from a loop device failed"
	fi
	if [ -n "$RDEV" ] && [ ! -w "/sys/fs/ext4/$RDEV/trigger_fs_error" ]; then
		bad "audit-readonly: /sys/fs/ext4/$RDEV/trigger_fs_error missing"
	elif [ -n "$RDEV" ]; then
		RPORT=$(free_port)
		side_config "$W/ro.json" "$W/ro/keys.db" "$RPORT"
		RVOL=$(cat /proc/sys/kernel/random/uuid)
		"$BROKER" volume add --uuid "$RVOL" --policy "$W/policy.json" --config "$W/ro.json" \
			>"$W/ro-volume.key" 2>>"$W/enrol.log"
		"$BROKER" volume confirm --uuid "$RVOL" --key-file "$W/ro-volume.key" --config "$W/ro.json" 2>>"$W/enrol.log"
		main=$BPID
		e2e_start_broker "$W/ro.json" || bad "audit-readonly: broker start"
		rpid=$BPID BPID=$main
		helpers+=("$rpid")
		rclient() { "$CLIENT" --connect "127.0.0.1:$RPORT" --ca "$W/pki/ca.pem" --sim-snp "$KEYS" "$@" 2>&1; }
		out=$(rclient --volume "$RVOL")
		[[ $out == "status=200 key_bytes=64" ]] && ok "audit-readonly: release while the store is writable" ||
			bad "audit-readonly: baseline release: $out"
		echo "cocoboot fault injection: audit storage goes read-only" >"/sys/fs/ext4/$RDEV/trigger_fs_error"
		findmnt -no OPTIONS "$W/ro" | grep -q emergency_ro &&
			ok "audit-readonly: ext4 remounted itself read-only under the running broker" ||
			bad "audit-readonly: file system still writable: $(findmnt -no OPTIONS "$W/ro")"
		rm -f "$W/ro.key"
		out=$(rclient --volume "$RVOL" --key-out "$W/ro.key")
		[[ $out == "status=503 retry_after=1 error=store-unavailable" ]] && [ ! -s "$W/ro.key" ] &&
			ok "audit-readonly: read-only audit storage -> $out, no key" || bad "audit-readonly: answered '$out'"
		grep -q '"event":"audit-failed".*"volume":"'"$RVOL"'"' "$W/broker.log" &&
			ok "audit-readonly: broker logs audit-failed: $(grep -o '"event":"audit-failed".*' "$W/broker.log" | tail -n 1 | grep -o '"detail":"[^"]*"')" ||
			bad "audit-readonly: no audit-failed event for the volume in the log"
		out=$(rclient --volume "$RVOL" --sim-debug)
		[[ $out == "status=403 error=debug-policy" ]] && kill -0 "$rpid" 2>/dev/null &&
			ok "audit-readonly: still serving, refusals still answered ($out)" ||
			bad "audit-readonly: refusal on read-only storage: '$out'"
		kill "$rpid"; wait "$rpid" 2>/dev/null
		helpers=()
		# What an operator would recover: a copy of the database and its WAL
		# (SQLite cannot replay the WAL on a read-only file system).
		rm -rf "$W/ro-copy" && mkdir -p "$W/ro-copy" && cp "$W/ro"/keys.db* "$W/ro-copy/"
		rows=$(sqlite3 "$W/ro-copy/keys.db" "select count(*) from audit where volume='$RVOL' and decision='release'" 2>&1)
		[ "$rows" = 1 ] && ok "audit-readonly: 1 release row on disk for the 1 key given out" ||
			bad "audit-readonly: release rows on disk: '$rows', expected 1"
	fi
	mountpoint -q "$W/ro" && umount "$W/ro"
	rm -f "$W/ro.img"
fi

# boot_case NAME MARKERS... -- APPEND [boot.sh args...]: boot the TEST guest.
boot_case() {
	local name=$1 append marks=()
	shift
	while [ "$1" != -- ]; do marks+=("$1"); shift; done
	append=$2
	shift 2
	e2e_boot "$name" "$W/root.img" "$append" 120 "${marks[@]}" "$@" --fail-on 'Kernel panic' >"$W/logs/$name.out" 2>&1
}
failure_line() { grep -m1 -o 'cocoboot: error .*' "$W/logs/$1.log" | tr -d '\r'; }

# cocoboot(8), SECURITY: "not yet valid" is ignored; "expired" is judged
# against the later of the guest clock and the build time of the binary.
# The test PKI is valid from today for 30 days.
if want clock-past; then
	# Far past: every certificate is "not yet valid" there, which must not
	# block boot.
	if boot_case clock-past --expect 'setting system clock to 2001-01-01' --expect E2E-ROOT-OK \
		--fail-on 'cocoboot: error' -- "$URL rd.cocoboot.timeout=60 loglevel=7" --qemu-arg -rtc --qemu-arg base=2001-01-01T00:00:00; then
		ok "clock-past: guest clock 2001-01-01: not-yet-valid ignored, root unlocked"
	else
		bad "clock-past"; cat "$W/logs/clock-past.out"
	fi
fi
if want clock-future; then
	# Far future: the broker certificate has expired by the guest clock, and
	# one expired by the guest clock stays expired: fail closed, never unlock.
	if boot_case clock-future --expect 'setting system clock to 2060-01-01' \
		--expect 'cocoboot: error broker-untrusted: gave up after' --expect 'onfail: poweroff' \
		--fail-on E2E-ROOT-OK -- "$URL rd.cocoboot.timeout=6 loglevel=7" --qemu-arg -rtc --qemu-arg base=2060-01-01T00:00:00 &&
		failure_line clock-future | grep -q "10.0.2.2:$PORT: expired" &&
		! grep -q 'TLS 1.3 session with' "$W/logs/clock-future.log"; then
		ok "clock-future: guest clock 2060-01-01: $(failure_line clock-future)"
	else
		bad "clock-future"; cat "$W/logs/clock-future.out"
	fi
fi
if want clock-revive; then
	# The host sets the clock back into the lifetime of a broker certificate
	# that had expired before cocoboot was built: still expired.
	"$TOP/tests/faults/expired-cert.py" "$W/pki/ca.pem" "$W/pki/ca.key" "$W/pki/expired-server.pem" \
		"$W/pki/expired-server.key" 2019-06-01 2020-06-01 || bad "clock-revive: certificate"
	e2e_broker_config revive "$PORT" expired-
	e2e_stop_broker
	e2e_start_broker "$W/revive.json" || bad "clock-revive: broker start"
	if boot_case clock-revive --expect 'setting system clock to 2020-01-01' \
		--expect 'cocoboot: error broker-untrusted: gave up after' --expect 'onfail: poweroff' \
		--fail-on E2E-ROOT-OK -- "$URL rd.cocoboot.timeout=6 loglevel=7" --qemu-arg -rtc --qemu-arg base=2020-01-01T00:00:00 &&
		failure_line clock-revive | grep -q "10.0.2.2:$PORT: expired" &&
		! failure_line clock-revive | grep -q 'not issued by the pinned CA'; then
		ok "clock-revive: clock 2020-01-01, certificate valid 2019-06-01..2020-06-01: $(failure_line clock-revive)"
	else
		bad "clock-revive"; cat "$W/logs/clock-revive.out"
	fi
	e2e_stop_broker
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi

# broken_evidence NAME PROVIDER BYTES CODE ONFAIL APPEND DETAIL: the provider
# hands back broken evidence; cocoboot sends what it got (BYTES of it), the
# broker refuses it with CODE and a precise DETAIL (an extended regular
# expression), and 403 is final (cocoboot.cmdline(7)): onfail ONFAIL.
broken_evidence() {
	local name=$1 provider=$2 bytes=$3 code=$4 onfail=$5 append=$6 detail=$7 logged marker size
	# BYTES "full": a report of the provider's normal length, whatever it is in
	# this build (a TDX quote carries the PCK chain made by `make keys`, whose
	# DER signatures vary by a byte or two from one key generation to the next).
	marker="report: provider $provider, $bytes bytes of evidence"
	[ "$bytes" = full ] && marker="report: provider $provider, "
	if boot_case "$name" --expect "$marker" \
		--expect "cocoboot: error broker-refused: $code" --expect "onfail: $onfail" --fail-on E2E-ROOT-OK \
		-- "$URL rd.cocoboot.timeout=60 $append"; then
		ok "$name: $(failure_line "$name"), onfail $onfail taken"
	else
		bad "$name"; cat "$W/logs/$name.out"
	fi
	if [ "$bytes" = full ]; then
		size=$(grep -oE "report: provider $provider, [0-9]+ bytes" "$W/logs/$name.log" | grep -oE '[0-9]+ bytes' | cut -d' ' -f1)
		[ "${size:-0}" -ge 1000 ] && ok "$name: a full-length report ($size bytes), not a cut one" ||
			bad "$name: report length '$size'"
	fi
	logged=$(grep -oE "\"provider\":\"$provider\",.*\"decision\":\"refuse\",\"reason\":\"$code\",\"detail\":\"$detail\"" \
		"$W/broker.log" | tail -n 1 | sed 's/.*"detail":"\(.*\)"$/\1/')
	[ -n "$logged" ] && ok "$name: broker: $code, '$logged'" || bad "$name: broker log has no precise $code refusal"
}
want short-outblob && broken_evidence short-outblob sev_guest 100 malformed reboot \
	"rd.cocoboot.onfail=reboot e2e.sim=short_outblob=100" 'SNP report is 100 bytes, expected 1184'
want garbage-outblob && broken_evidence garbage-outblob sev_guest 1184 unsupported poweroff \
	"e2e.sim=garbage_outblob=1" 'SNP report version [0-9]+ not supported \(2\.\.5\)'
# The same in the TDX format (tsm_sim format=tdx_guest).
want short-outblob-tdx && broken_evidence short-outblob-tdx tdx_guest 100 malformed poweroff \
	"e2e.format=tdx_guest e2e.sim=short_outblob=100" 'TDX quote truncated in the TD report'
want garbage-outblob-tdx && broken_evidence garbage-outblob-tdx tdx_guest full unsupported poweroff \
	"e2e.format=tdx_guest e2e.sim=garbage_outblob=1" 'TDX quote version [0-9]+ \(4 or 5 supported\)'

# start_cutproxy CUTS: tests/faults/cutproxy.py in front of the broker on a
# free port ($PPORT), logging to cutproxy.log; stop_cutproxy ends it.
start_cutproxy() {
	PPORT=$(free_port)
	: >"$W/logs/cutproxy.log"
	"$TOP/tests/faults/cutproxy.py" "$PPORT" "$PORT" "$1" "$W/logs/cutproxy.log" &
	proxy=$!
	helpers+=("$proxy")
	for _ in $(seq 50); do grep -q listening "$W/logs/cutproxy.log" && break; sleep 0.1; done
}
stop_cutproxy() {
	kill "$proxy"; wait "$proxy" 2>/dev/null
	helpers=()
}

if want net-cut; then
	# Connection 1 is cut inside the ServerHello, connection 2 inside the
	# encrypted server flight (certificate); connection 3 goes through.
	start_cutproxy 60,400
	if boot_case net-cut --expect E2E-ROOT-OK --expect 'attempt 1 failed (broker-unreachable: TLS 1.3 handshake' \
		--expect 'attempt 2 failed (broker-unreachable: TLS 1.3 handshake' --expect 'attempt 3:' \
		--fail-on 'cocoboot: error' -- "rd.cocoboot.url=https://10.0.2.2:$PPORT rd.cocoboot.timeout=60" &&
		grep -q 'conn 1: cut after 60 bytes' "$W/logs/cutproxy.log" &&
		grep -q 'conn 2: cut after 400 bytes' "$W/logs/cutproxy.log"; then
		ok "net-cut: 2 handshakes cut (60 and 400 bytes into the broker's flight), unlocked on attempt 3"
	else
		bad "net-cut"; cat "$W/logs/net-cut.out" "$W/logs/cutproxy.log"
	fi
	stop_cutproxy
fi
if want net-cut-after; then
	# After the handshake: connection 1 is cut 3000 bytes into what the guest
	# sends (past its handshake flight, inside the request: the evidence and
	# certificates make the request several KiB), connection 2 20 bytes into
	# the broker's answer (the key was released and audited, the guest never
	# saw it); connection 3 goes through.
	start_cutproxy u3000,a3000
	rows0=$(sqlite3 "$W/store/keys.db" "select count(*) from audit where decision='release'")
	# Cut inside the request, the relay closes with the guest's bytes still
	# unread: the guest sees a reset or an end of stream, as it happens. Cut
	# inside the answer, it has read everything: a plain end of stream
	# without close_notify, the case that used to be a final error.
	if boot_case net-cut-after --expect E2E-ROOT-OK --expect 'attempt 1 failed (broker-unreachable: ' \
		--expect 'attempt 2 failed (broker-unreachable: connection to 10.0.2.2:'"$PPORT"' lost after ' --expect 'attempt 3:' \
		--fail-on 'cocoboot: error' -- "rd.cocoboot.url=https://10.0.2.2:$PPORT rd.cocoboot.timeout=60" &&
		grep -q 'conn 1: cut after 3000 bytes from the client' "$W/logs/cutproxy.log" &&
		grep -q "conn 2: cut 20 bytes into the broker's answer" "$W/logs/cutproxy.log"; then
		ok "net-cut-after: request cut 3000 bytes in, answer cut 20 bytes in: both retried, unlocked on attempt 3 ($(grep -o 'attempt 1 failed ([^;]*' "$W/logs/net-cut-after.log" | head -n 1 | tr -d '\r'))"
	else
		bad "net-cut-after"; cat "$W/logs/net-cut-after.out" "$W/logs/cutproxy.log"
	fi
	# The cut answer carried a released key: audited like any other, so the
	# boot cost two release rows (attempts 2 and 3), not one.
	rows1=$(sqlite3 "$W/store/keys.db" "select count(*) from audit where decision='release'")
	[ $((rows1 - rows0)) -eq 2 ] && ok "net-cut-after: 2 release rows: the lost answer's key was audited too" ||
		bad "net-cut-after: $((rows1 - rows0)) new release rows, expected 2"
	stop_cutproxy
fi
