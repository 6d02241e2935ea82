#!/bin/bash
# run.sh [CASE...]: end-to-end tests — a QEMU guest whose initramfs runs
# cocoboot attests to a cocobroker on the host's loopback and unlocks its
# LUKS2 root, or fails closed with its own reason and the configured action.
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
e2e_tally

e2e_need || { fail=1; exit; }
mkdir -p "$W/logs" && rm -f "$W"/logs/*.log "$W/broker.log"
rm -rf "$W/store"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
e2e_broker_config rogue "$PORT" rogue-
e2e_policy
UUID=$(cat /proc/sys/kernel/random/uuid)
e2e_root_image "$UUID" "$W/root.img" || { bad "encrypted root image"; exit; }
e2e_initramfs "$W/initramfs-sim.cpio.gz" "$W/pki/ca.pem" sim || { bad "initramfs"; exit; }
URL="rd.cocoboot.url=https://10.0.2.2:$PORT"
FAILMARK=(--fail-on 'Kernel panic' --fail-on 'E2E-ROOT-OK')

# The console must show REASON as the one error line, and the action taken.
expect_failure() { # NAME REASON-SUBSTRING ACTION APPEND [DISK]
	local name=$1 reason=$2 action=$3 append=$4 disk=${5:-$W/root.img}
	if e2e_boot "$name" "$disk" "$URL $append" 120 --expect "cocoboot: error $reason" \
		--expect "onfail: $action" "${FAILMARK[@]}" >"$W/logs/$name.out" 2>&1; then
		ok "$name: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/$name.log")"
	else
		bad "$name"; cat "$W/logs/$name.out"
	fi
}
expect_success() { # NAME APPEND [boot.sh markers...]
	local name=$1 append=$2
	shift 2
	if e2e_boot "$name" "$W/root.img" "$URL $append" 120 --expect 'E2E-ROOT-OK' "$@" \
		--fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/$name.out" 2>&1; then
		ok "$name ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/$name.out"))"
	else
		bad "$name"; cat "$W/logs/$name.out"
	fi
}
want() { [ $# -eq 0 ] || [[ " ${CASES[*]} " == *" $1 "* ]]; }
keyhash_of() { # UUID ENROL-LOG: the commitment printed after "volume UUID added"
	awk -v u="volume $1 added" 'index($0, u) { f = 1 }
		f && match($0, /rd\.cocoboot\.keyhash=[0-9a-f:]+/) { print substr($0, RSTART, RLENGTH); exit }' "$2"
}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(success measurement debug cipher-null untrusted two-urls late-broker unreachable unresolvable broker-name crypttab-generator crypttab crypttab-refused import swapped-disk unknown-volume foreign-same-uuid halt shell tls12-server ebusy relay-honest replay other-key plain unlock tdx tdx-debug tdx-ccel tdx-ccel-tampered tdx-ccel-bad keyhash keyhash-thief activate-table digest-refused activate-cryptsetup)

e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }

# A bare word the kernel passes to init as an argument, and a misspelt key.
want success && expect_success success "rd.cocoboot.timeout=60 splash rd.cocoboot.frob=1" \
	--expect 'warning: unknown parameter rd.cocoboot.frob ignored'
want measurement && expect_failure measurement "broker-refused: measurement-mismatch" poweroff \
	"rd.cocoboot.timeout=60 e2e.sim=measurement=$(printf 'ee%.0s' $(seq 48))"
want debug && expect_failure debug "broker-refused: debug" reboot \
	"rd.cocoboot.timeout=60 rd.cocoboot.onfail=reboot e2e.sim=debug=1"
if want cipher-null; then
	# The host swaps the header for one with cipher_null (valid checksums):
	# refused locally, before any connection to the broker.
	cp --sparse=always "$W/root.img" "$W/root-cipher-null.img"
	"$TOP/init/tests/luks2-rewrite.py" "$W/root-cipher-null.img" \
		--sub '"encryption":"aes-xts-plain64","sector_size"' '"encryption":"cipher_null-ecb","sector_size"'
	expect_failure cipher-null "luks2-forbidden: cipher_null" poweroff "rd.cocoboot.timeout=60" \
		"$W/root-cipher-null.img"
	if grep -q 'attempt 1' "$W/logs/cipher-null.log"; then bad "cipher-null: a broker was contacted"; else ok "cipher-null: no broker contact"; fi
	rm -f "$W/root-cipher-null.img"
fi
if want untrusted; then
	e2e_stop_broker
	e2e_start_broker "$W/rogue.json" || bad "rogue broker start"
	expect_failure untrusted "broker-untrusted: gave up after" poweroff "rd.cocoboot.timeout=8"
	grep -q "10.0.2.2:$PORT: not issued by the pinned CA" "$W/logs/untrusted.log" && ok "untrusted: reason names the CA" ||
		bad "untrusted: reason does not name the pinned CA"
	e2e_stop_broker
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi
if want two-urls; then
	# The first broker is down: the second URL is used.
	dead=$(free_port)
	if e2e_boot two-urls "$W/root.img" "rd.cocoboot.url=https://10.0.2.2:$dead $URL rd.cocoboot.timeout=60" 120 \
		--expect E2E-ROOT-OK --expect "attempt 1: https://10.0.2.2:$dead" \
		--expect "attempt 2: https://10.0.2.2:$PORT" --fail-on 'cocoboot: error' --fail-on 'Kernel panic' \
		>"$W/logs/two-urls.out" 2>&1; then
		ok "two-urls: first URL down, second used"
	else
		bad "two-urls"; cat "$W/logs/two-urls.out"
	fi
fi
if want late-broker; then
	# Broker down at boot, up within the timeout: backoff gets there.
	e2e_stop_broker
	# Start it once the guest has failed twice, however slow this machine is;
	# exec: the background job's PID is the broker's, so it can be stopped.
	rm -f "$W/logs/late-broker.log"
	( for _ in $(seq 1200); do grep -q 'attempt 2 failed' "$W/logs/late-broker.log" 2>/dev/null && break; sleep 0.1; done
	  exec "$BROKER" serve --config "$W/broker.json" 2>>"$W/broker.log" ) &
	BPID=$!
	expect_success late-broker "rd.cocoboot.timeout=90"
	grep -q 'attempt 3' "$W/logs/late-broker.log" && ok "late-broker: retried" || bad "late-broker: no retry seen"
	e2e_stop_broker
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi
if want unreachable; then
	e2e_stop_broker
	expect_failure unreachable "broker-unreachable: gave up after" poweroff "rd.cocoboot.timeout=6"
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi
if want unresolvable; then
	# A broker name the initramfs cannot resolve (no DNS, not in its
	# /etc/hosts): a build mistake, refused before any attempt, even next to a
	# URL that would work.
	if e2e_boot unresolvable "$W/root.img" "$URL rd.cocoboot.url=https://broker.example:$PORT rd.cocoboot.timeout=120" 60 \
		--expect 'cocoboot: error cmdline: broker host broker.example is neither an IP address nor in' \
		--expect 'onfail: poweroff' --fail-on 'attempt 1:' "${FAILMARK[@]}" >"$W/logs/unresolvable.out" 2>&1; then
		ok "unresolvable: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/unresolvable.log")"
	else
		bad "unresolvable"; cat "$W/logs/unresolvable.out"
	fi
fi
if want broker-name; then
	# The broker by host name: the initramfs builder resolves it (here from a
	# hosts file of the test's own, COCOBOOT_HOSTS_FILE: the machine's
	# resolution is not touched) into the initramfs's /etc/hosts, and the
	# guest reaches https://broker.test:PORT through it (the certificate
	# names broker.test). A name the builder cannot resolve fails the build.
	printf '# e2e: the broker as the guest sees it\n10.0.2.2 broker.test\n' >"$W/hosts"
	if COCOBOOT_HOSTS_FILE=$W/hosts COCOBOOT_URL=https://broker.test:$PORT \
		e2e_initramfs "$W/initramfs-name.cpio.gz" "$W/pki/ca.pem" sim 2>"$W/logs/broker-name-build.out" &&
		[ "$(cat "$W/initramfs-name.cpio.gz.hosts")" = "10.0.2.2 broker.test" ]; then
		ok "broker-name: the build wrote '10.0.2.2 broker.test' into the initramfs's /etc/hosts"
	else
		bad "broker-name: build"; cat "$W/logs/broker-name-build.out"
	fi
	if E2E_INITRD=$W/initramfs-name.cpio.gz e2e_boot broker-name "$W/root.img" \
		"rd.cocoboot.url=https://broker.test:$PORT rd.cocoboot.timeout=60" 120 --expect E2E-ROOT-OK \
		--expect "attempt 1: https://broker.test:$PORT" --fail-on 'cocoboot: error' --fail-on 'Kernel panic' \
		>"$W/logs/broker-name.out" 2>&1; then
		ok "broker-name: the guest reached https://broker.test:$PORT by name ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/broker-name.out"))"
	else
		bad "broker-name: boot"; cat "$W/logs/broker-name.out"
	fi
	if COCOBOOT_HOSTS_FILE=$W/hosts COCOBOOT_URL=https://nowhere.test:$PORT \
		e2e_initramfs "$W/initramfs-noname.cpio.gz" "$W/pki/ca.pem" 2>"$W/logs/broker-noname.out"; then
		bad "broker-name: an unresolvable name built an initramfs"
	elif grep -q 'broker host nowhere.test (from https://nowhere.test:[0-9]*) does not resolve at build time' "$W/logs/broker-noname.out"; then
		ok "broker-name: unresolvable name -> the build fails: $(grep -m1 -o 'broker host nowhere.test[^:]*:[^:]*' "$W/logs/broker-noname.out")"
	else
		bad "broker-name: the failed build does not say why"; cat "$W/logs/broker-noname.out"
	fi
	rm -f "$W/initramfs-name.cpio.gz" "$W/initramfs-noname.cpio.gz"
fi
if want crypttab-generator; then
	# The generator on the host (no QEMU): which crypttab lines become
	# systemd-cryptsetup@NAME.service -> cocoboot-unlock@NAME.service wants.
	g=$W/generator && rm -rf "$g" && mkdir -p "$g"
	printf '%s\n' '# comment' '' 'plain UUID=1 none luks' 'data UUID=2 none x-cocoboot,_netdev,headless' \
		'local UUID=3 none x-cocoboot' 'by-label LABEL=x none _netdev,x-cocoboot' >"$g/crypttab"
	ln -s "$TOP/crypttab/cocoboot-crypttab" "$g/cocoboot-crypttab-generator"
	COCOBOOT_CRYPTTAB=$g/crypttab "$g/cocoboot-crypttab-generator" "$g/out" "$g/early" "$g/late" 2>"$g/stderr"
	links=$(cd "$g/out" && find . -type l | sort | tr '\n' ' ')
	[ "$links" = "./systemd-cryptsetup@data.service.wants/cocoboot-unlock@data.service " ] &&
		ok "crypttab-generator: x-cocoboot,_netdev entries only: $links" || bad "crypttab-generator: links '$links'"
	grep -q "entry 'local' has x-cocoboot but not _netdev" "$g/stderr" &&
		ok "crypttab-generator: x-cocoboot without _netdev reported, not wired" || { bad "crypttab-generator: no _netdev message"; cat "$g/stderr"; }
	grep -q "entry 'by-label': device 'LABEL=x' not supported" "$g/stderr" &&
		ok "crypttab-generator: a LABEL= device reported, not wired" || { bad "crypttab-generator: no LABEL= message"; cat "$g/stderr"; }
	COCOBOOT_CRYPTTAB=$g/crypttab "$TOP/crypttab/cocoboot-crypttab" open by-label 2>"$g/open.err"
	[ $? -eq 2 ] && grep -q "by-label: device 'LABEL=x' not supported" "$g/open.err" &&
		ok "crypttab-generator: open of a LABEL= entry: exit 2, $(cat "$g/open.err")" || { bad "crypttab-generator: LABEL= entry"; cat "$g/open.err"; }
	COCOBOOT_CRYPTTAB=$g/crypttab "$TOP/crypttab/cocoboot-crypttab" open plain 2>"$g/open.err"
	[ $? -eq 2 ] && grep -q "no entry 'plain' with x-cocoboot" "$g/open.err" &&
		ok "crypttab-generator: an entry without x-cocoboot is not cocoboot's" || { bad "crypttab-generator: plain entry"; cat "$g/open.err"; }
fi
if want crypttab || want crypttab-refused; then
	# A root and a data volume, each enrolled with its own UUID (and policy).
	# The root's /etc/crypttab lists the data volume with x-cocoboot,_netdev;
	# the root's init (crypttab-root-init.sh) opens it as
	# cocoboot-unlock@data.service would: cocoboot-crypttab open data.
	CT_UUID=$(cat /proc/sys/kernel/random/uuid) DATA_UUID=$(cat /proc/sys/kernel/random/uuid)
	x=$W/crypttab-tree
	rm -rf "$x" && mkdir -p "$x"/{bin,sbin,mnt,usr/sbin,usr/lib/cocoboot,etc/cocoboot}
	cp /bin/busybox "$x/bin/busybox"
	for a in sh mount umount cat ls tr awk grep sed basename poweroff sync; do ln -s busybox "$x/bin/$a"; done
	cp "$here/crypttab-root-init.sh" "$x/sbin/init"
	cp "$COCOBOOT" "$x/usr/sbin/cocoboot"
	cp "$TOP/crypttab/cocoboot-crypttab" "$x/usr/lib/cocoboot/"
	cp "$W/pki/ca.pem" "$x/etc/cocoboot/ca.pem"
	printf '# <name> <device> <key> <options>\ndata UUID=%s none x-cocoboot,_netdev,headless\n' "$DATA_UUID" >"$x/etc/crypttab"
	sed 's/"measurements": \["[0-9a-f]*"\]/"measurements": ["'"$(printf 'ee%.0s' $(seq 48))"'"]/' "$W/policy.json" >"$W/refuse-policy.json"
	if ! grep -q eeee "$W/refuse-policy.json" || ! e2e_root_image "$CT_UUID" "$W/ct-root.img" "$W/policy.json" "$x" ||
		! e2e_root_image "$DATA_UUID" "$W/data.img" "$W/policy.json"; then
		bad "crypttab: images (see $W/enrol.log)"
	else
		# The root's key commitment on the command line too: it is the root's
		# alone, the data volume (another key) must still open.
		CT_APPEND="$URL rd.cocoboot.volume=UUID=$CT_UUID rd.cocoboot.timeout=60 $(keyhash_of "$CT_UUID" "$W/enrol.log")"
		[[ $CT_APPEND == *rd.cocoboot.keyhash=*:* ]] || bad "crypttab: no key commitment printed for the root $CT_UUID"
		if want crypttab; then
			if e2e_boot crypttab "$W/ct-root.img" "$CT_APPEND" 150 --disk "$W/data.img" \
				--expect "E2E-CRYPTTAB data marker: unlocked root $DATA_UUID" --expect "E2E-CRYPTTAB root marker: unlocked root $CT_UUID" \
				--fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/crypttab.out" 2>&1; then
				log=$W/logs/crypttab.txt
				tr -d '\r' <"$W/logs/crypttab.log" >"$log"
				ok "crypttab: root and data volume unlocked (root at $(grep -m1 -o 'E2E-CRYPTTAB \[[0-9.]*\] root' "$log" | tr -d '[]' | awk '{ print $2 }') s, data attest from $(
					grep -m1 -o '\[[0-9.]*\] data: attesting' "$log" | tr -d '[]' | awk '{ print $1 }') s to $(
					grep -m1 -o '\[[0-9.]*\] data: unlocked' "$log" | tr -d '[]' | awk '{ print $1 }') s guest time; $(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/crypttab.out"))"
				grep -q "E2E-CRYPTTAB mapped: cocoboot-root data $" "$log" && ok "crypttab: mapped: cocoboot-root data" ||
					bad "crypttab: mapped $(grep -m1 -o 'E2E-CRYPTTAB mapped: .*' "$log")"
			else
				bad "crypttab"; cat "$W/logs/crypttab.out"
			fi
		fi
		if want crypttab-refused; then
			# The data volume's own policy refuses this guest (another
			# measurement): the root still boots, the data volume stays locked.
			"$BROKER" volume set-policy --uuid "$DATA_UUID" --policy "$W/refuse-policy.json" --config "$W/broker.json" \
				>>"$W/enrol.log" 2>&1 || bad "crypttab-refused: set-policy"
			if e2e_boot crypttab-refused "$W/ct-root.img" "$CT_APPEND" 150 --disk "$W/data.img" \
				--expect '] open data exit=' --expect "E2E-CRYPTTAB root marker: unlocked root $CT_UUID" \
				--fail-on 'Kernel panic' >"$W/logs/crypttab-refused.out" 2>&1; then
				log=$W/logs/crypttab-refused.txt
				tr -d '\r' <"$W/logs/crypttab-refused.log" >"$log"
				grep -q 'cocoboot: error broker-refused: measurement-mismatch' "$log" &&
					grep -q 'E2E-CRYPTTAB \[[0-9.]*\] open data exit=[1-9]' "$log" && grep -q 'data: not unlocked (cocoboot unlock exited' "$log" &&
					grep -q 'E2E-CRYPTTAB mapped: cocoboot-root $' "$log" && ! grep -q 'data marker' "$log" &&
					ok "crypttab-refused: root booted, data volume locked: $(grep -m1 -o 'cocoboot: error .*' "$log")" ||
					{ bad "crypttab-refused"; grep 'E2E-CRYPTTAB\|cocoboot' "$log" | tail -n 12; }
			else
				bad "crypttab-refused"; cat "$W/logs/crypttab-refused.out"
			fi
		fi
	fi
	rm -rf "$x" "$W/ct-root.img" "$W/data.img"
fi
if want tdx; then
	expect_success tdx "rd.cocoboot.timeout=60 e2e.format=tdx_guest"
	grep -q 'report: provider tdx_guest' "$W/logs/tdx.log" && ok "tdx: evidence was a TDX quote" || bad "tdx: not a TDX quote"
	# no CCEL table under TCG: the request goes without an event log (the policy pins RTMRs)
	grep -q 'event log: 0 bytes (no CCEL table: none sent)' "$W/logs/tdx.log" && ok "tdx: no CCEL table, no event log sent" ||
		bad "tdx: the guest did not say it sent no event log"
fi
want tdx-debug && expect_failure tdx-debug "broker-refused: debug" poweroff \
	"rd.cocoboot.timeout=60 e2e.format=tdx_guest e2e.sim=debug=1"
# TDX with a CCEL event log (docs/measure.md, "TDX: why the event log"): QEMU
# gets a CCEL ACPI table (-acpitable) whose log area is a reserved 64 KiB
# (memmap=) holding a hand-built log (tests/broker/make-ccel.py, loaded with
# -device loader); the simulated provider reports RTMRs = the log's replay.
# The guest kernel publishes the area, cocoboot sends the events, the broker
# replays them under a policy that pins the log's kernel/initrd/cmdline.
if want tdx-ccel || want tdx-ccel-tampered || want tdx-ccel-bad; then
	mkdir -p "$W/ccel"
	"$TOP/tests/broker/make-ccel.py" "$W/ccel" >"$W/ccel/values"
	python3 - "$W/ccel" <<'PY'
import hashlib, struct, sys
d = sys.argv[1]
log = open(d + "/good.bin", "rb").read()
rtmr = [bytes(48)] * 4
off = 32 + struct.unpack_from("<I", log, 28)[0]  # after the Spec ID event (SHA-384 only)
while off + 8 <= len(log) and log[off:off + 8] != b"\xff" * 8:
    mr, typ = struct.unpack_from("<II", log, off)
    dig = log[off + 14:off + 62]
    size = struct.unpack_from("<I", log, off + 62)[0]
    if typ != 3 and mr != 0:  # EV_NO_ACTION and MRTD events are not extended
        rtmr[mr - 1] = hashlib.sha384(rtmr[mr - 1] + dig).digest()
    off += 66 + size
open(d + "/rtmr", "w").write(b"".join(rtmr).hex())
# the log areas as OVMF leaves them: the events, then 0xff up to LAML
for name in ("good", "tampered"):
    ev = open(d + "/" + name + ".bin", "rb").read().rstrip(b"\xff")
    open(d + "/area-" + name + ".bin", "wb").write(ev + b"\xff" * (0x10000 - len(ev)))
# the CCEL table after its ACPI header: CC type 2 (TDX), subtype 0, LAML 64 KiB, LASA 0x5000000
open(d + "/ccel.dat", "wb").write(struct.pack("<BBHQQ", 2, 0, 0, 0x10000, 0x5000000))
PY
	ev() { awk -v n="$1" '$1 == n { print "[\"" $2 "\"]" }' "$W/ccel/values"; }
	sed "s/\"rtmr1\": \[[^]]*\], \"rtmr2\": \[[^]]*\]/\"kernel\": $(ev kernel), \"initrd\": $(ev initrd), \"cmdline\": $(ev cmdline)/" \
		"$W/policy.json" >"$W/policy-ccel.json"
	"$BROKER" volume set-policy --uuid "$UUID" --policy "$W/policy-ccel.json" --config "$W/broker.json" 2>"$W/logs/ccel-policy.log" ||
		{ bad "tdx-ccel: set-policy"; cat "$W/logs/ccel-policy.log"; }
	ccel_args() { # LOG
		echo --qemu-arg -acpitable --qemu-arg "sig=CCEL,rev=1,oem_id=COCOBT,oem_table_id=CCELTEST,data=$W/ccel/ccel.dat" \
			--qemu-arg -device --qemu-arg "loader,file=$1,addr=0x5000000,force-raw=on"
	}
	CCEL_APPEND="rd.cocoboot.timeout=60 e2e.format=tdx_guest e2e.sim=rtmr=$(cat "$W/ccel/rtmr") memmap=64K\$0x5000000"
	if want tdx-ccel; then
		# shellcheck disable=SC2046 # word splitting of the argument list is intended
		expect_success tdx-ccel "$CCEL_APPEND" $(ccel_args "$W/ccel/area-good.bin")
		grep -q 'event log: [1-9][0-9]* bytes' "$W/logs/tdx-ccel.log" && ok "tdx-ccel: $(grep -m1 -o 'event log: [0-9]* bytes' "$W/logs/tdx-ccel.log") sent" ||
			bad "tdx-ccel: no event log sent"
	fi
	if want tdx-ccel-tampered; then
		if e2e_boot tdx-ccel-tampered "$W/root.img" "$URL $CCEL_APPEND" 120 --expect "cocoboot: error broker-refused: event-log-mismatch" \
			--expect "onfail: poweroff" "${FAILMARK[@]}" $(ccel_args "$W/ccel/area-tampered.bin") >"$W/logs/tdx-ccel-tampered.out" 2>&1; then
			ok "tdx-ccel-tampered: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/tdx-ccel-tampered.log")"
		else
			bad "tdx-ccel-tampered"; cat "$W/logs/tdx-ccel-tampered.out"
		fi
	fi
	if want tdx-ccel-bad; then
		# an area that holds no log: the guest names it and does not retry (the log will not change)
		head -c 65536 /dev/zero | tr '\0' 'B' >"$W/ccel/area-bad.bin"
		if e2e_boot tdx-ccel-bad "$W/root.img" "$URL $CCEL_APPEND" 120 --expect "cocoboot: error report: CCEL event log" \
			--expect "onfail: poweroff" "${FAILMARK[@]}" $(ccel_args "$W/ccel/area-bad.bin") >"$W/logs/tdx-ccel-bad.out" 2>&1 &&
			! grep -q 'attempt 2' "$W/logs/tdx-ccel-bad.log"; then
			ok "tdx-ccel-bad: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/tdx-ccel-bad.log"), no second attempt"
		else
			bad "tdx-ccel-bad"; cat "$W/logs/tdx-ccel-bad.out"
		fi
	fi
	"$BROKER" volume set-policy --uuid "$UUID" --policy "$W/policy.json" --config "$W/broker.json" 2>>"$W/logs/ccel-policy.log" ||
		bad "tdx-ccel: policy restored"
fi
if want import; then
	# A user's existing disk (cocobroker(8) volume import): an unencrypted root
	# encrypted in place with a passphrase, cryptsetup's defaults (argon2id
	# keyslot), its volume key read back with that passphrase and imported
	# against the disk's header; then a guest unlocks it through the broker.
	IMP_UUID=$(cat /proc/sys/kernel/random/uuid)
	e2e_plain_root "$IMP_UUID" "$W/import.img"
	printf 'the user passphrase' >"$W/import.pass"
	if cryptsetup reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --uuid "$IMP_UUID" \
		--reduce-device-size 16M --key-file "$W/import.pass" "$W/import.img" >"$W/logs/import-format.log" 2>&1 &&
		cryptsetup luksDump --dump-volume-key --volume-key-file "$W/import.key" --key-file "$W/import.pass" \
			--batch-mode "$W/import.img" >/dev/null 2>>"$W/logs/import-format.log" &&
		"$BROKER" volume import --uuid "$IMP_UUID" --policy "$W/policy.json" --device "$W/import.img" \
			--config "$W/broker.json" <"$W/import.key" 2>"$W/logs/import.log"; then
		ok "import: $(grep -o 'volume [0-9a-f-]* is active.*holds its key' "$W/logs/import.log")"
		# serve reads the store per request: the imported volume is there for the guest
		if e2e_boot import "$W/import.img" "$URL rd.cocoboot.timeout=60" 120 --expect 'E2E-ROOT-OK' \
			--expect "unlocked root $IMP_UUID" --fail-on 'cocoboot: error' --fail-on 'Kernel panic' \
			>"$W/logs/import.out" 2>&1; then
			ok "import: the guest unlocked the imported disk ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/import.out"))"
		else bad "import: guest"; cat "$W/logs/import.out"; fi
	else
		bad "import: formatting or importing failed"; cat "$W/logs/import-format.log" "$W/logs/import.log"
	fi
	rm -f "$W/import.key" "$W/import.pass"
fi
if want swapped-disk || want unknown-volume || want halt || want shell; then
	# The host swaps in another, well-formed LUKS2 disk (allowlisted header).
	rm -f "$W/other.img" && truncate -s 24M "$W/other.img"
	head -c 32 /dev/urandom >"$W/other.pass"
	cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--cipher aes-xts-plain64 --key-size 512 --key-file "$W/other.pass" "$W/other.img" >/dev/null
	rm -f "$W/other.pass"
fi
# With the volume pinned by UUID on the command line: refused locally.
want swapped-disk && expect_failure swapped-disk "volume-not-found: no LUKS2 device with UUID $UUID" poweroff \
	"rd.cocoboot.timeout=5 rd.cocoboot.volume=UUID=$UUID" "$W/other.img"
# Without it: the broker has no key for that UUID.
want unknown-volume && expect_failure unknown-volume "broker-refused: unknown-volume" poweroff \
	"rd.cocoboot.timeout=30" "$W/other.img"
if want halt; then
	# halt stops the CPU without ending QEMU: the boot is ended once the
	# console shows the halt (a fixed short limit failed on a loaded machine
	# before cocoboot even started), and it must be a halt, not a power-off.
	e2e_boot halt "$W/other.img" "$URL rd.cocoboot.timeout=3 rd.cocoboot.onfail=halt rd.cocoboot.volume=UUID=$UUID" 120 \
		--stop-on 'reboot: System halted' >"$W/logs/halt.out" 2>&1
	if grep -q 'onfail: halt' "$W/logs/halt.log" && grep -q 'reboot: System halted' "$W/logs/halt.log" &&
		! grep -q 'Power down' "$W/logs/halt.log"; then
		ok "halt: rd.cocoboot.onfail=halt halts"
	else
		bad "halt"; tail -n 5 "$W/logs/halt.log"
	fi
fi
if want shell; then
	# shell only when asked: a shell on the console (QEMU's input is empty, so
	# it would wait there forever: the boot ends at the prompt).
	# The sim flavour has no shell: this one adds busybox.
	e2e_initramfs "$W/initramfs-sim-shell.cpio.gz" "$W/pki/ca.pem" sim busybox || bad "sim+busybox initramfs"
	E2E_INITRD=$W/initramfs-sim-shell.cpio.gz e2e_boot shell "$W/other.img" "$URL rd.cocoboot.timeout=3 rd.cocoboot.onfail=shell rd.cocoboot.volume=UUID=$UUID" 120 \
		--stop-on '/ # ' >"$W/logs/shell.out" 2>&1
	if grep -q 'cocoboot: error volume-not-found' "$W/logs/shell.log" &&
		grep -q 'onfail=shell: starting /bin/sh' "$W/logs/shell.log" && grep -q '/ # ' "$W/logs/shell.log"; then
		ok "shell: rd.cocoboot.onfail=shell gives a console shell"
	else
		bad "shell"; tail -n 5 "$W/logs/shell.log"
	fi
fi
if want foreign-same-uuid || want digest-refused; then
	# Without a volume pin, a host disk that copies the enrolled UUID into its
	# own LUKS2 header gets the real key released to the (genuine) guest; the
	# key is not that volume's, so cocoboot's digest check refuses it and the
	# host's root never mounts.
	rm -f "$W/foreign.img" && truncate -s 24M "$W/foreign.img"
	head -c 32 /dev/urandom >"$W/foreign.pass"
	cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--cipher aes-xts-plain64 --key-size 512 --uuid "$UUID" --key-file "$W/foreign.pass" "$W/foreign.img" >/dev/null
	rm -f "$W/foreign.pass"
	before=$(grep -c '"decision":"release"' "$W/broker.log")
	want foreign-same-uuid && expect_failure foreign-same-uuid "key-digest-mismatch: the released key does not match the LUKS2 digest of $UUID" \
		poweroff "rd.cocoboot.timeout=30" "$W/foreign.img"
	if want foreign-same-uuid; then
		[ "$(grep -c '"decision":"release"' "$W/broker.log")" -gt "$before" ] &&
			ok "foreign-same-uuid: the broker released the key, the foreign volume still did not open" ||
			bad "foreign-same-uuid: no release logged (the case did not reach the digest check)"
	fi
	if want digest-refused; then
		# The same refusal through `cocoboot unlock`, where the guest can look:
		# nothing may be mapped afterwards.
		e2e_initramfs "$W/initramfs-table.cpio.gz" "$W/pki/ca.pem" table cryptsetup dmsetup || bad "table initramfs"
		if E2E_INITRD=$W/initramfs-table.cpio.gz e2e_boot digest-refused "$W/foreign.img" "$URL rd.cocoboot.timeout=30" 60 \
			--expect 'cocoboot: error key-digest-mismatch' --expect 'E2E-TABLE cocoboot exit=28' \
			--expect 'E2E-TABLE mapped: No ' "${FAILMARK[@]}" >"$W/logs/digest-refused.out" 2>&1; then
			ok "digest-refused: key-digest-mismatch (exit 28), nothing mapped ($(grep -m1 -o 'E2E-TABLE mapped: .*' "$W/logs/digest-refused.log" | tr -d '\r'))"
		else
			bad "digest-refused"; cat "$W/logs/digest-refused.out"
		fi
	fi
	rm -f "$W/foreign.img"
fi
if want tls12-server; then
	# A server that speaks only TLS 1.2, with the broker's genuine certificate
	# and key: the guest offers TLS 1.3 alone and never gets a session.
	TPORT=$(free_port)
	openssl s_server -tls1_2 -accept "127.0.0.1:$TPORT" -cert "$W/pki/server.pem" -key "$W/pki/server.key" \
		-www </dev/null >"$W/logs/tls12-server.txt" 2>&1 &
	spid=$!
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$TPORT") 2>/dev/null && break; sleep 0.1; done
	if e2e_boot tls12-server "$W/root.img" "rd.cocoboot.url=https://10.0.2.2:$TPORT rd.cocoboot.timeout=8" 120 \
		--expect "cocoboot: error broker-unreachable: gave up after" --expect 'onfail: poweroff' \
		--expect "attempt 1 failed (broker-unreachable: TLS 1.3 handshake with 10.0.2.2:$TPORT failed" \
		"${FAILMARK[@]}" >"$W/logs/tls12-server.out" 2>&1; then
		ok "tls12-server: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/tls12-server.log" | tr -d '\r')"
	else
		bad "tls12-server"; cat "$W/logs/tls12-server.out"
	fi
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	grep -q 'unsupported protocol' "$W/logs/tls12-server.txt" &&
		ok "tls12-server: the TLS 1.2 server refused the ClientHello: unsupported protocol" ||
		{ bad "tls12-server: the server logged no protocol failure"; cat "$W/logs/tls12-server.txt"; }
fi
if want ebusy; then
	expect_success ebusy "rd.cocoboot.timeout=60 e2e.sim=fail_first=3,fail_errno=EBUSY"
	grep -q 'report: provider sev_guest, .* [4-9] attempt(s)' "$W/logs/ebusy.log" && ok "ebusy: -EBUSY was retried" ||
		bad "ebusy: no retry of the report seen"
fi
# guest_report INBLOB PREFIX: a real guest runs `cocoboot report` for INBLOB;
# its evidence lands in PREFIX.outblob and PREFIX.auxblob.
guest_report() {
	local inblob=$1 prefix=$2 name sizes out_len aux_len got
	name=report-$(basename "$prefix")
	local rd=$W/initramfs-report.cpio.gz
	# Reused within a run; rebuilt when its inputs changed since an earlier run.
	[ -s "$rd" ] && [ "$rd" -nt "$here/report-init.sh" ] && [ "$rd" -nt "$COCOBOOT" ] && [ "$rd" -nt "$TSM_SIM_KO" ] ||
		"$TOP/tests/qemu/mkinitramfs.sh" -o "$W/initramfs-report.cpio.gz" \
		--busybox --init "$here/report-init.sh" --file "$COCOBOOT:/sbin/cocoboot:0755" \
		--file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644" --file "$KEYS/snp/tsm-sim.material:/etc/tsm/snp.material:0644"
	rm -f "$W/out.disk" "$W/aux.disk" && truncate -s 64K "$W/out.disk" "$W/aux.disk"
	E2E_INITRD=$W/initramfs-report.cpio.gz e2e_boot "$name" "$W/root.img" "e2e.inblob=$inblob" 60 \
		--disk "$W/out.disk" --disk "$W/aux.disk" --expect E2E-REPORT >"$W/logs/$name.out" 2>&1 ||
		{ cat "$W/logs/$name.out"; return 1; }
	sizes=$(grep -m1 -o 'outblob=[0-9]* auxblob=[0-9]*' "$W/logs/$name.log")
	out_len=${sizes#outblob=}; out_len=${out_len%% *}; aux_len=${sizes##*auxblob=}
	head -c "$out_len" "$W/out.disk" >"$prefix.outblob"
	head -c "$aux_len" "$W/aux.disk" >"$prefix.auxblob"
	got=$(od -An -tx1 -j $((0x50)) -N 64 "$prefix.outblob" | tr -d ' \n')
	[ "$got" = "$inblob" ] || { echo "report_data $got != inblob $inblob"; return 1; }
	grep -q 'E2E-PRIVLEVEL vmpl=2' "$W/logs/$name.log" || { echo "report --privlevel 2 did not reach VMPL"; return 1; }
}

# relay MODE EXPECTED: a hostile host client gets a genuine guest to sign the
# report data it chooses and posts the evidence (see relay-client.c).
relay() {
	local mode=$1 want=$2 prefix pid answer
	prefix=$W/relay-$mode
	rm -f "$prefix".*
	"$BUILD/e2e/relay-client" --connect "127.0.0.1:$PORT" --ca "$W/pki/ca.pem" --volume "$UUID" --mode "$mode" \
		--inblob-out "$prefix.inblob" --evidence "$prefix" >"$prefix.answer" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -s "$prefix.inblob" ] && break; sleep 0.1; done
	if [ ! -s "$prefix.inblob" ] || ! guest_report "$(cat "$prefix.inblob")" "$prefix"; then
		kill $pid 2>/dev/null; wait $pid 2>/dev/null
		bad "$mode: no evidence from the guest"; return
	fi
	touch "$prefix.ready"
	wait $pid
	answer=$(cat "$prefix.answer")
	[[ $answer == *"$want"* ]] && ok "$mode: guest evidence relayed, broker answers '$answer'" ||
		bad "$mode: broker answered '$answer', expected '$want'"
}
# Control first: the relay machinery itself works (a guest that signs what
# the host asks is an oracle: that is why cocoboot never does).
want relay-honest && relay honest "status=200 key_bytes=64"
want replay && relay replay "status=403 error=binding-mismatch"
want other-key && relay other-key "status=403 error=binding-mismatch"
if want plain; then
	# The production layout (`make initramfs`): cocoboot itself is /init. With
	# no provider in this kernel (no tsm_sim loaded) it must fail closed, at
	# the first attempt: no later attempt can have a provider either.
	e2e_initramfs "$W/initramfs-plain.cpio.gz" "$W/pki/ca.pem" || bad "plain initramfs"
	if E2E_INITRD=$W/initramfs-plain.cpio.gz e2e_boot plain "$W/root.img" "$URL rd.cocoboot.timeout=4 splash" 60 \
		--expect 'start (PID 1)' --expect 'cocoboot: error report: configfs-tsm' --expect 'no attestation provider registered' \
		--expect 'onfail: poweroff' --fail-on 'attempt 2:' "${FAILMARK[@]}" >"$W/logs/plain.out" 2>&1; then
		ok "plain: cocoboot as /init, no provider: $(grep -m1 -o 'cocoboot: error .*' "$W/logs/plain.log")"
	else
		bad "plain"; cat "$W/logs/plain.out"
	fi
fi
if want unlock; then
	# `cocoboot unlock` inside another framework's initramfs (settings from
	# the kernel command line, mapper name from the option).
	e2e_initramfs "$W/initramfs-unlock.cpio.gz" "$W/pki/ca.pem" unlock || bad "unlock initramfs"
	if E2E_INITRD=$W/initramfs-unlock.cpio.gz e2e_boot unlock "$W/root.img" "$URL rd.cocoboot.timeout=60" 60 \
		--expect 'E2E-UNLOCK exit=0' --expect "E2E-UNLOCK mounted: unlocked root $UUID" \
		--fail-on 'cocoboot: error' "${FAILMARK[@]}" >"$W/logs/unlock.out" 2>&1; then
		ok "unlock: cocoboot unlock opened /dev/mapper/framework-root for the framework to mount"
	else
		bad "unlock"; cat "$W/logs/unlock.out"
	fi
fi
if want activate-table; then
	# cocoboot's own dm-crypt table against cryptsetup's for the same volume
	# and key, in one guest (tests/e2e/table-init.sh): equal tables (SHA-256 of
	# `dmsetup table --showkeys`) and dm UUIDs; the name taken and the device
	# busy refused with dm-activate (exit 29), leaving only the first mapping.
	e2e_initramfs "$W/initramfs-table.cpio.gz" "$W/pki/ca.pem" table cryptsetup dmsetup || bad "table initramfs"
	if E2E_INITRD=$W/initramfs-table.cpio.gz e2e_boot activate-table "$W/root.img" "$URL rd.cocoboot.timeout=60" 90 \
		--expect 'E2E-TABLE table ' --fail-on 'Kernel panic' >"$W/logs/activate-table.out" 2>&1; then
		log=$W/logs/activate-table.txt
		tr -d '\r' <"$W/logs/activate-table.log" >"$log"
		grep -q 'E2E-TABLE cocoboot exit=0' "$log" && grep -q 'E2E-TABLE cryptsetup exit=0' "$log" &&
			ok "activate-table: cocoboot opened, closed, cryptsetup opened the same volume with the same key" ||
			bad "activate-table: an open failed: $(grep -o 'E2E-TABLE [a-z]* exit=[0-9]*' "$log" | tr '\n' ' ')"
		grep -q 'E2E-TABLE table same' "$log" &&
			ok "activate-table: the tables (key included) are equal: $(grep -m1 -o 'E2E-TABLE without key: .*' "$log" | tr -d '\r' | sed 's/E2E-TABLE without key: //')" ||
			bad "activate-table: the tables differ: $(grep -m1 -o 'E2E-TABLE without key: .*' "$log")"
		grep -q 'E2E-TABLE uuid same: CRYPT-LUKS2-' "$log" &&
			ok "activate-table: $(grep -m1 -o 'uuid same: .*' "$log" | tr -d '\r')" ||
			bad "activate-table: dm UUIDs: $(grep -m1 -o 'E2E-TABLE uuid .*' "$log")"
		grep -q 'E2E-TABLE name-taken exit=29' "$log" && grep -q 'error dm-activate: creating /dev/mapper/cmp-root: the name' "$log" &&
			ok "activate-table: name taken: dm-activate (exit 29)" || bad "activate-table: name taken not refused as dm-activate"
		grep -q 'E2E-TABLE device-busy exit=29' "$log" && grep -q 'error dm-activate: /dev/[a-z0-9]* is busy' "$log" &&
			ok "activate-table: device busy: dm-activate (exit 29)" || bad "activate-table: device busy not refused as dm-activate"
		grep -q 'E2E-TABLE mapped: cmp-root $' "$log" && ok "activate-table: after the refusals only cmp-root is mapped" ||
			bad "activate-table: mapped after the refusals: $(grep -m1 -o 'E2E-TABLE mapped: .*' "$log")"
	else
		bad "activate-table"; cat "$W/logs/activate-table.out"
	fi
fi
if want activate-cryptsetup; then
	# The earlier path, kept: cryptsetup open on a pipe, checked with cryptsetup status.
	e2e_initramfs "$W/initramfs-sim-cryptsetup.cpio.gz" "$W/pki/ca.pem" sim cryptsetup || bad "sim+cryptsetup initramfs"
	if E2E_INITRD=$W/initramfs-sim-cryptsetup.cpio.gz e2e_boot activate-cryptsetup "$W/root.img" \
		"$URL rd.cocoboot.timeout=60 rd.cocoboot.activate=cryptsetup" 120 --expect 'E2E-ROOT-OK' \
		--fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/activate-cryptsetup.out" 2>&1 &&
		grep -q 'opened as /dev/mapper/cocoboot-root$' <(tr -d '\r' <"$W/logs/activate-cryptsetup.log") &&
		! grep -q 'key matches the LUKS2 digest' "$W/logs/activate-cryptsetup.log"; then
		ok "activate-cryptsetup: rd.cocoboot.activate=cryptsetup opened the root through cryptsetup"
	else
		bad "activate-cryptsetup"; cat "$W/logs/activate-cryptsetup.out"
	fi
fi
# Key commitment (T17): the rd.cocoboot.keyhash= that `cocobroker volume add`
# printed (stderr) when it enrolled this run's root.
if want keyhash || want keyhash-thief; then
	KEYHASH=$(keyhash_of "$UUID" "$W/enrol.log")
	[[ $KEYHASH =~ ^rd\.cocoboot\.keyhash=[0-9a-f]{64}:[0-9a-f]{64}$ ]] && ok "keyhash: volume add printed $KEYHASH" ||
		bad "keyhash: volume add printed no commitment for $UUID"
fi
# The genuine key matches the commitment: the root unlocks.
want keyhash && [ -n "$KEYHASH" ] && expect_success keyhash "rd.cocoboot.timeout=60 $KEYHASH"
if want keyhash-thief && [ -n "$KEYHASH" ]; then
	# A thief holds the broker's TLS key and the disk: its own broker (the
	# genuine certificate and key, its own store) enrols the same UUID with a
	# key of its own and makes the disk the guest boots from.
	sed "s|$W/store/|$W/thief-store/|g" "$W/broker.json" >"$W/thief.json"
	rm -rf "$W/thief-store" "$W/thief.img" && mkdir -p "$W/thief-store" && truncate -s 24M "$W/thief.img"
	head -c 32 /dev/urandom >"$W/thief.pass"
	"$BROKER" volume add --uuid "$UUID" --policy "$W/policy.json" --config "$W/thief.json" 2>"$W/thief-enrol.log" |
		cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
			--cipher aes-xts-plain64 --key-size 512 --sector-size 4096 --uuid "$UUID" \
			--volume-key-file /dev/stdin --key-file "$W/thief.pass" "$W/thief.img" >>"$W/thief-enrol.log" 2>&1
	rm -f "$W/thief.pass"
	"$BROKER" volume confirm --uuid "$UUID" --device "$W/thief.img" --config "$W/thief.json" >>"$W/thief-enrol.log" 2>&1 ||
		bad "keyhash-thief: the thief's broker did not confirm its volume (see $W/thief-enrol.log)"
	e2e_stop_broker
	e2e_start_broker "$W/thief.json" || bad "thief broker start"
	# Control: without the commitment the guest opens the thief's volume (T17).
	expect_failure keyhash-thief-control "root-mount: " poweroff "rd.cocoboot.timeout=30" "$W/thief.img"
	grep -q "opened as /dev/mapper/" "$W/logs/keyhash-thief-control.log" &&
		ok "keyhash-thief-control: without a commitment the thief's key opened the thief's volume" ||
		bad "keyhash-thief-control: the thief's volume was not opened (the case shows nothing)"
	# With it: the released key is refused before cryptsetup runs, the action is taken.
	before=$(grep -c '"decision":"release"' "$W/broker.log")
	expect_failure keyhash-thief "key-commitment-mismatch: the key released for $UUID" poweroff \
		"rd.cocoboot.timeout=30 $KEYHASH" "$W/thief.img"
	[ "$(grep -c '"decision":"release"' "$W/broker.log")" -gt "$before" ] &&
		ok "keyhash-thief: the thief's broker released its key" || bad "keyhash-thief: no release logged"
	grep -q "opened as /dev/mapper/\|cryptsetup" "$W/logs/keyhash-thief.log" &&
		bad "keyhash-thief: the volume was opened (or cryptsetup ran)" ||
		ok "keyhash-thief: the thief's volume was never opened"
	e2e_stop_broker
	rm -rf "$W/thief-store" "$W/thief.img"
	e2e_start_broker "$W/broker.json" || bad "broker restart"
fi
