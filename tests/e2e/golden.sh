#!/bin/bash
# golden.sh: first boot from one golden image (docs/broker.md, "First boot
# from a golden image"). One unencrypted image, copied for each VM; the
# guests differ only in the HOST_DATA their host launches them with
# (e2e.sim=host_data=..., as a real host sets it in SNP_LAUNCH_FINISH). A
# fleet policy allows HOST_DATA aa*: two guests enrol, get two different keys,
# encrypt their disks at first boot and boot again to their unlocked roots; a
# guest with HOST_DATA bb.. is refused, and a second VM launched with an
# enrolled instance's HOST_DATA gets no key. Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
E2E_DIR=${E2E_DIR:-$(cd "$here/../.." && pwd)/build/e2e-golden}
# shellcheck source=lib.sh
. "$here/lib.sh"
e2e_tally

e2e_need || { fail=1; exit; }
command -v cryptsetup >/dev/null || { bad "cryptsetup is not installed on the host"; exit; }
rm -rf "$W" && mkdir -p "$W/logs" "$W/store"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
STORE=(--config "$W/broker.json")

# The fleet's policy: the simulated guest's measurement and TCB, any HOST_DATA
# (the instance's own is pinned in each volume it enrols).
# The TDX section as lib.sh's e2e_policy (zero RTMRs, no collateral), MRCONFIGID left to each volume.
zero48=$(printf '00%.0s' $(seq 48))
cat >"$W/fleet.json" <<JSON
{"snp": {"products": ["test"], "measurements": ["$SIM_MEASUREMENT"], "vmpls": [0],
         "min_reported_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}},
 "tdx": {"allow_test_root": true, "allow_no_collateral": true,
         "mrtd": ["$SIM_MEASUREMENT"], "rtmr1": ["$zero48"], "rtmr2": ["$zero48"]}}
JSON
hd() { printf "$1%.0s" $(seq 32); }   # 32 bytes of one repeated byte, as hex
HD_A=$(hd a1) HD_B=$(hd a2) HD_C=$(hd b1) MC_T=$(printf 'c1%.0s' $(seq 48))
"$BROKER" policy set web --policy "$W/fleet.json" --allow-instance 'host_data=a*' --allow-instance 'mrconfigid=c1*' \
	"${STORE[@]}" \
	2>"$W/logs/policy-set.log" && ok "policy set web (fleet: host_data=a*)" || { bad "policy set"; cat "$W/logs/policy-set.log"; exit; }

# The golden image: an unencrypted root with 16 MiB free at its end for the
# LUKS2 header the first boot writes; every VM gets a copy.
e2e_plain_root golden "$W/golden.img"
for vm in a b c d t; do cp --sparse=always "$W/golden.img" "$W/$vm.img"; done
# The sim flavour with cryptsetup: first boots encrypt in place with it.
e2e_initramfs "$W/initramfs.cpio.gz" "$W/pki/ca.pem" sim cryptsetup || { bad "initramfs"; exit; }
export E2E_INITRD=$W/initramfs.cpio.gz
e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }
URL="rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.timeout=120"
GOLDEN="rd.cocoboot.enrol=web rd.cocoboot.volume=/dev/vda"   # the image's command line, shared by every VM

boot_ok() { # NAME DISK SIM-KNOBS WHAT (a bare HEX is host_data=HEX)
	local t0=$SECONDS knobs=$3
	[[ $knobs == *=* ]] || knobs="host_data=$knobs"
	if e2e_boot "$1" "$2" "$URL $GOLDEN e2e.sim=$knobs" 240 --expect 'E2E-ROOT-OK' \
		--fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/$1.out" 2>&1; then
		ok "$1: $4 ($((SECONDS - t0)) s)"
	else
		bad "$1: $4"; tail -30 "$W/logs/$1.out"
	fi
}
boot_refused() { # NAME DISK HOST_DATA REASON
	if e2e_boot "$1" "$2" "$URL $GOLDEN e2e.sim=host_data=$3" 180 --expect "cocoboot: error broker-refused: $4" \
		--expect 'onfail: poweroff' --fail-on 'E2E-ROOT-OK' --fail-on 'Kernel panic' >"$W/logs/$1.out" 2>&1; then
		ok "$1: refused: $4"
	else
		bad "$1: not refused with $4"; tail -30 "$W/logs/$1.out"
	fi
}
uuid_of() { cryptsetup luksUUID "$1" 2>/dev/null; }

boot_ok first-a "$W/a.img" "$HD_A" "first boot enrolled and encrypted its disk, then unlocked it"
boot_ok first-b "$W/b.img" "$HD_B" "first boot of a second clone"
UA=$(uuid_of "$W/a.img") UB=$(uuid_of "$W/b.img")
[ -n "$UA" ] && [ -n "$UB" ] && [ "$UA" != "$UB" ] && ok "two LUKS2 volumes: $UA, $UB" ||
	bad "the clones' disks are not two LUKS2 volumes (a: '$UA', b: '$UB')"
grep -q "first boot: /dev/vda has no LUKS2 header" "$W/logs/first-a.log" && ok "first-a: took the first-boot path" ||
	bad "first-a: no first-boot line"

# The store: each volume refers to the fleet policy with its instance pinned,
# pending until the instance's next boot asks for its key.
volumes_are() { # STATE
	local pair u h
	"$BROKER" volume list "${STORE[@]}" >"$W/volumes.json" 2>/dev/null
	for pair in "$UA:$HD_A" "$UB:$HD_B"; do
		u=${pair%%:*} h=${pair#*:}
		if grep -q "\"uuid\":\"$u\".*\"state\":\"$1\",\"policy_name\":\"web host_data=$h\"" "$W/volumes.json"; then
			ok "volume $u: $1, policy web with host_data ${h:0:8}... pinned"
		else
			bad "volume $u not recorded as $1 under web with its HOST_DATA"; cat "$W/volumes.json"
		fi
	done
}
volumes_are pending

boot_ok again-a "$W/a.img" "$HD_A" "reboot unlocks like any volume"
boot_ok again-b "$W/b.img" "$HD_B" "reboot unlocks like any volume"
grep -q "first boot:" "$W/logs/again-a.log" && bad "again-a: took the first-boot path again" ||
	ok "again-a: a normal unlock (no first-boot line)"
volumes_are active

# Two different keys (checked once both are active: confirm then only checks):
# a's key (from the store) opens a's header, and not b's
# (a copy of b's disk given a's UUID: confirm then compares keys, not UUIDs).
cp --sparse=always "$W/b.img" "$W/b-as-a.img" && cryptsetup luksUUID --batch-mode --uuid "$UA" "$W/b-as-a.img"
if "$BROKER" volume confirm --uuid "$UA" --device "$W/a.img" "${STORE[@]}" 2>"$W/logs/confirm-a.log"; then
	ok "a's key from the store opens a's header"
else
	bad "a's key does not open a's header"; cat "$W/logs/confirm-a.log"
fi
if "$BROKER" volume confirm --uuid "$UA" --device "$W/b-as-a.img" "${STORE[@]}" 2>"$W/logs/confirm-ab.log"; then
	bad "a's key opens b's header: the clones share a key"
elif grep -q 'the key is not the volume key of this LUKS2 header' "$W/logs/confirm-ab.log"; then
	ok "a's key does not open b's header: two keys"
else
	bad "cross check inconclusive: $(cat "$W/logs/confirm-ab.log")"
fi
rm -f "$W/b-as-a.img"

# TDX: the instance is its MRCONFIGID
boot_ok first-t "$W/t.img" "mrconfigid=$MC_T e2e.format=tdx_guest" "TDX: first boot by MRCONFIGID"
boot_ok again-t "$W/t.img" "mrconfigid=$MC_T e2e.format=tdx_guest" "TDX: reboot"
UT=$(uuid_of "$W/t.img")
"$BROKER" volume list "${STORE[@]}" 2>/dev/null | grep -q "\"uuid\":\"$UT\".*\"state\":\"active\",\"policy_name\":\"web mrconfigid=$MC_T\"" &&
	ok "TDX volume $UT: active, MRCONFIGID pinned" || bad "TDX volume '$UT' not recorded under web with its MRCONFIGID"

boot_refused refused-c "$W/c.img" "$HD_C" instance-not-allowed
[ -z "$(uuid_of "$W/c.img")" ] && ok "refused-c: its disk was left as it was" || bad "refused-c: its disk was encrypted"
# The host launches another VM with a's HOST_DATA and a fresh copy of the image: no second key for that instance.
boot_refused replay-a "$W/d.img" "$HD_A" already-enrolled
[ -z "$(uuid_of "$W/d.img")" ] && ok "replay-a: its disk was left as it was" || bad "replay-a: its disk was encrypted"
# ...and a's own disk, booted by that VM, still unlocks only for HOST_DATA a (it is a's VM then: see threat model).
boot_refused swapped-b "$W/a.img" "$HD_B" identity-mismatch

if "$BROKER" audit verify "${STORE[@]}" >"$W/logs/audit.log" 2>&1; then
	ok "audit chain intact: $(grep -o 'intact: [0-9]* row(s)' "$W/logs/audit.log")"
else
	bad "audit verify"; cat "$W/logs/audit.log"
fi
audit_count() { sqlite3 "$W/store/keys.db" "SELECT count(*) FROM audit WHERE $1" 2>/dev/null; }
c1=$(audit_count "decision='release' AND reason='first-boot'")
c2=$(audit_count "decision='refuse' AND reason='instance-not-allowed'")
c3=$(audit_count "decision='refuse' AND reason='already-enrolled'")
c4=$(audit_count "decision='admin' AND reason='volume-confirm' AND client_key='serve:fleet-first-boot'")
[ "$c1/$c2/$c3/$c4" = "3/1/1/3" ] && ok "audit: 3 first-boot releases, 1 instance-not-allowed, 1 already-enrolled, 3 confirms" ||
	bad "audit rows first-boot/instance-not-allowed/already-enrolled/confirm: $c1/$c2/$c3/$c4, want 3/1/1/3"
