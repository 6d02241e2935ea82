#!/bin/bash
# bench-compare.sh: cocoboot + cocobroker side by side with clevis + tang, on
# this machine, in one run (docs/performance.md has the method):
#   (a) unlock time in the same QEMU guest (same kernel, TCG, initramfs base,
#       LUKS2 image recipe); only the unlock command differs
#   (b) initramfs bytes each adds on top of the common base
#   (c) key server requests/s and p99 at the same concurrency
# Prints numbers, never pass/fail on timing. Exit non-zero only when the
# setup itself breaks. Knobs: COMPARE_ROUNDS (boots per side, default 5),
# COMPARE_LOADS (key server load points CONCURRENT:REQUESTS, default
# "100:1000 1000:1000": steady, and a thousand guests booting at once).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
OUT=$BUILD/compare
ROUNDS=${COMPARE_ROUNDS:-5}
LOADS=${COMPARE_LOADS:-100:1000 1000:1000}
export TOP BUILD
rm -rf "$OUT" && mkdir -p "$OUT/logs"
export LOAD_START; LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
# shellcheck source=tests/compare/tang.sh
. "$here/tang.sh"
# shellcheck source=tests/compare/results.sh
. "$here/results.sh"

for t in clevis jose curl socat cryptsetup mkfs.ext4 qemu-system-x86_64 python3; do
	command -v "$t" >/dev/null || { echo "compare: $t missing (make bench-compare installs tests/compare/packages.txt)" >&2; exit 1; }
done
[ -f "$BUILD/kernel/bzImage" ] || { echo "compare: no $BUILD/kernel/bzImage (make kernel)" >&2; exit 1; }

# The cocoboot side uses the e2e rig's pieces (PKI, broker config, policy
# matching the simulated guest); without them it is reported as not measured.
COCO=1 COCO_WHY=
for f in "$TOP/tests/e2e/lib.sh" "$BUILD/cocoboot" "$BUILD/cocobroker" \
	"$BUILD/kernel-modules/tsm_sim.ko" "$BUILD/keys/snp/tsm-sim.material"; do
	[ -e "$f" ] || { COCO=0; COCO_WHY="missing $f"; break; }
done
BPID=
if [ $COCO -eq 1 ]; then
	export E2E_DIR=$OUT/e2e
	# shellcheck source=tests/e2e/lib.sh
	. "$TOP/tests/e2e/lib.sh"
	set -eu
fi
cleanup() { set +e; tang_stop; [ $COCO -eq 1 ] && e2e_stop_broker; rm -f "$OUT"/*.vk "$OUT"/*.pass; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== setup: tang, cocobroker, LUKS2 images, initramfs images"
TPORT=$(port)
tang_start "$OUT/tang" "$TPORT"
# clevis: a fresh volume key, keyslot 0 for binding, then `clevis luks bind`
# exactly as an operator would (the guest reaches host loopback at 10.0.2.2).
head -c 64 /dev/urandom >"$OUT/clevis.vk"
head -c 32 /dev/urandom | base64 -w0 >"$OUT/clevis.pass"
"$here/mkvolume.sh" "$OUT/clevis.img" "$OUT/clevis.vk" "$(cat /proc/sys/kernel/random/uuid)" "$OUT/clevis.pass"
clevis luks bind -y -d "$OUT/clevis.img" -k "$OUT/clevis.pass" tang \
	"{\"url\":\"http://10.0.2.2:$TPORT\",\"adv\":\"$OUT/tang/adv.jws\"}"
printf 'METHOD=clevis\n' >"$OUT/clevis.env"

if [ $COCO -eq 1 ]; then
	BPORT=$(port)
	mkdir -p "$W/store"
	e2e_pki
	e2e_broker_config broker "$BPORT"
	e2e_policy
	UUID=$(cat /proc/sys/kernel/random/uuid)
	"$BUILD/cocobroker" volume add --uuid "$UUID" --policy "$W/policy.json" --config "$W/broker.json" \
		>"$OUT/cocoboot.vk" 2>"$OUT/logs/enrol.log"
	"$BUILD/cocobroker" volume confirm --uuid "$UUID" --key-file "$OUT/cocoboot.vk" --config "$W/broker.json" \
		2>>"$OUT/logs/enrol.log"
	head -c 32 /dev/urandom | base64 -w0 >"$OUT/cocoboot.pass"
	"$here/mkvolume.sh" "$OUT/cocoboot.img" "$OUT/cocoboot.vk" "$UUID" "$OUT/cocoboot.pass"
	printf 'METHOD=cocoboot\nURL=https://10.0.2.2:%s\n' "$BPORT" >"$OUT/cocoboot.env"
	e2e_start_broker "$W/broker.json"
	export COCOBOOT=$BUILD/cocoboot CA=$W/pki/ca.pem TSM_SIM_KO=$BUILD/kernel-modules/tsm_sim.ko \
		MATERIAL=$BUILD/keys/snp/tsm-sim.material
else
	printf 'METHOD=cocoboot\n' >"$OUT/cocoboot.env"
fi
rm -f "$OUT"/*.vk "$OUT"/*.pass   # the keys live in the images and the broker only

for v in base crypt clevis; do "$here/mkinitrd.sh" "$v" "$OUT/$v.cpio.gz" "$OUT/clevis.env"; done
if [ $COCO -eq 1 ]; then
	for v in cocoboot cocoboot-sim; do "$here/mkinitrd.sh" "$v" "$OUT/$v.cpio.gz" "$OUT/cocoboot.env"; done
fi

# (a) alternate the two so drift in the machine's load hits both alike.
echo "== (a) unlock in QEMU: $ROUNDS boot(s) each, alternating"
boot_one() { # METHOD ROUND -> appends "METHOD unlock_s wall_s" to $OUT/boots.txt
	local m=$1 r=$2 initrd=$OUT/$1.cpio.gz log=$OUT/logs/$1-$2.log b a wall
	[ "$m" = cocoboot ] && initrd=$OUT/cocoboot-sim.cpio.gz
	if "$TOP/tests/qemu/boot.sh" --initrd "$initrd" --log "$log" --timeout 180 --disk "$OUT/$m.img" \
		--net --append ip=dhcp --expect "COMPARE: ROOT-OK $m" --fail-on 'Kernel panic' \
		>"$OUT/logs/$m-$r.out" 2>&1; then
		# the serial console ends lines with CR LF
		b=$(tr -d '\r' <"$log" | awk '/^COMPARE: t_before/ { print $3 }')
		a=$(tr -d '\r' <"$log" | awk '/^COMPARE: t_after/ { print $3 }')
		wall=$(grep -o 'boot: [0-9.]* s wall' "$OUT/logs/$m-$r.out" | awk '{ print $2 }')
		u=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (a - b) / 1e9 }')
		b=$(awk -v b="$b" 'BEGIN { printf "%.3f", b / 1e9 }')
		echo "$m $u $wall $b" >>"$OUT/boots.txt"
		echo "  $m #$r: unlock $u s (guest clock), boot to power-off ${wall} s wall"
	else
		echo "  $m #$r: FAILED (see $OUT/logs/$m-$r.out)"
	fi
}
: >"$OUT/boots.txt"
for r in $(seq "$ROUNDS"); do
	boot_one clevis "$r"
	[ $COCO -eq 1 ] && boot_one cocoboot "$r"
done

# (c) key servers, one after the other, each alone on the loopback; the
# same load model and points for both (tang-storm.py mirrors bootstorm.c).
echo "== (c) key servers: (concurrent:requests) $LOADS"
KID=$(tang_rec_request "$OUT/tang")
for l in $LOADS; do
	c=${l%%:*} n=${l#*:}
	echo "  tang $c:$n"
	timeout 300 python3 "$here/tang-storm.py" 127.0.0.1 "$TPORT" "$KID" "$OUT/tang/rec.json" "$c" "$n" \
		>"$OUT/logs/tang-$c-$n.txt" 2>&1 || echo "  tang $c:$n failed (see $OUT/logs/tang-$c-$n.txt)"
done
tang_stop
[ $COCO -eq 1 ] && { e2e_stop_broker || true; }   # wait reports the SIGTERM
for l in $LOADS; do
	c=${l%%:*} n=${l#*:}
	echo "  cocobroker $c:$n"
	timeout 600 "$here/broker-load.sh" "$c" "$n" "$OUT/bootstorm-$c-$n" >"$OUT/logs/broker-$c-$n.txt" 2>&1 ||
		echo "  cocobroker $c:$n: no result (see $OUT/logs/broker-$c-$n.txt)"
done

results >"$OUT/results.md"
cat "$OUT/results.md"
