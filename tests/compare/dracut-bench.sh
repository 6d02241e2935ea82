#!/bin/bash
# dracut-bench.sh: clevis-dracut + tang against cocoboot's dracut module +
# cocobroker, both in the same dracut (the trixie build root's) for the same
# kernel (the pinned Debian cloud kernel of `make e2e-dracut`), booted the
# same way (tests/qemu/boot.sh, TCG, the e2e-dracut settings).
# docs/performance.md has the method:
#   size   base dracut image (network + crypt), base + each tool
#   boot   COMPARE_ROUNDS boots per side (default 5), alternating; the
#          timeline comes from the kernel's own trace clock (see
#          dracut-root-init.sh and dracut-timeline.sh)
# The flavour is systemd (COMPARE_DRACUT_FLAVOUR=shell for the other):
# clevis-dracut 20's shell-flavour hook sources `set -eu` into dracut's /init
# and its unlocker is a /bin/sh script using bash syntax, so on Debian (dash)
# the shell initrd panics (latchset/clevis#456); cocoboot works in both.
# Prints numbers, never pass/fail; exits non-zero only when the setup breaks.
# Raw data and build/compare-dracut/results.md stay in build/compare-dracut;
# timeline-svg.py draws the median boots as docs/boot-timeline.svg.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
OUT=$BUILD/compare-dracut
ROUNDS=${COMPARE_ROUNDS:-5}
export COMPARE_DRACUT_FLAVOUR=${COMPARE_DRACUT_FLAVOUR:-systemd}
FLAVOUR=$COMPARE_DRACUT_FLAVOUR
export TOP BUILD
for t in clevis jose curl socat cryptsetup mkfs.ext4 qemu-system-x86_64 python3 busybox; do
	command -v "$t" >/dev/null || { echo "compare-dracut: $t missing (make bench-compare installs tests/compare/packages.txt)" >&2; exit 1; }
done
for f in "$BUILD/cocoboot" "$BUILD/cocobroker" "$BUILD/keys/snp/tsm-sim.material"; do
	[ -e "$f" ] || { echo "compare-dracut: missing $f (make bench-compare-dracut builds it)" >&2; exit 1; }
done
# One run at a time: the work directory, the images and the ports are shared.
mkdir -p "$BUILD"
exec 8>"$BUILD/.compare-dracut.lock"
flock 8
rm -rf "$OUT" && mkdir -p "$OUT/logs"
export LOAD_START; LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
# shellcheck source=tests/compare/tang.sh
. "$here/tang.sh"
export E2E_DIR=$OUT/e2e
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"
set -eu
# shellcheck source=tests/compare/dracut-results.sh
. "$here/dracut-results.sh"
cleanup() { set +e; tang_stop; e2e_stop_broker; rm -f "$OUT"/*.vk "$OUT"/*.pass; }
trap cleanup EXIT

echo "== setup: tang, cocobroker, the two LUKS2 roots"
# The root both sides switch to: static busybox and dracut-root-init.sh.
rootfs=$OUT/rootfs
mkdir -p "$rootfs"/{bin,sbin,etc,proc,sys,dev,run,tmp}
cp "$(command -v busybox)" "$rootfs/bin/busybox"
install -m 0755 "$here/dracut-root-init.sh" "$rootfs/sbin/init"
printf 'ID=cocoboot-compare\nNAME="cocoboot compare root"\n' >"$rootfs/etc/os-release"

# clevis: a fresh volume key, keyslot 0 for binding, `clevis luks bind` as an
# operator would (the guest reaches the host loopback at 10.0.2.2).
TPORT=$(free_port)
tang_start "$OUT/tang" "$TPORT"
CUUID=$(cat /proc/sys/kernel/random/uuid)
head -c 64 /dev/urandom >"$OUT/clevis.vk"
head -c 32 /dev/urandom | base64 -w0 >"$OUT/clevis.pass"
"$here/mkvolume.sh" "$OUT/clevis.luks" "$OUT/clevis.vk" "$CUUID" "$OUT/clevis.pass" "$rootfs"
clevis luks bind -y -d "$OUT/clevis.luks" -k "$OUT/clevis.pass" tang \
	"{\"url\":\"http://10.0.2.2:$TPORT\",\"adv\":\"$OUT/tang/adv.jws\"}"

# cocoboot: the e2e rig's PKI, broker and policy (tests/dracut/e2e.sh), the
# volume key from `cocobroker volume add`, the same volume recipe.
BPORT=$(free_port)
mkdir -p "$W/store"
e2e_pki
e2e_broker_config broker "$BPORT"
e2e_policy
KUUID=$(cat /proc/sys/kernel/random/uuid)
"$BROKER" volume add --uuid "$KUUID" --policy "$W/policy.json" --config "$W/broker.json" \
	>"$OUT/cocoboot.vk" 2>"$OUT/logs/enrol.log"
"$BROKER" volume confirm --uuid "$KUUID" --key-file "$OUT/cocoboot.vk" --config "$W/broker.json" 2>>"$OUT/logs/enrol.log"
head -c 32 /dev/urandom | base64 -w0 >"$OUT/cocoboot.pass"
"$here/mkvolume.sh" "$OUT/cocoboot.luks" "$OUT/cocoboot.vk" "$KUUID" "$OUT/cocoboot.pass" "$rootfs"
rm -f "$OUT"/*.vk "$OUT"/*.pass   # the keys live in the images, tang and the broker only
e2e_start_broker "$W/broker.json"

echo "== images: the build root's dracut, Debian cloud kernel, $FLAVOUR flavour"
# A snapshot of the binary, as tests/dracut/e2e.sh takes one.
cp "$COCOBOOT" "$W/cocoboot"
export COCOBOOT=$W/cocoboot CA=$W/pki/ca.pem MATERIAL=$KEYS/snp/tsm-sim.material
images="base cocoboot clevis"
[ "$FLAVOUR" = systemd ] && images="base cocoboot sd-cryptsetup clevis-modules clevis"
for v in $images; do
	"$here/dracut-initrd.sh" "$v" "$OUT/$v.cpio.gz" >"$OUT/logs/$v-initrd.out" 2>&1 ||
		{ cat "$OUT/logs/$v-initrd.out" >&2; echo "compare-dracut: building the $v image failed" >&2; exit 1; }
	echo "  $(tail -n 1 "$OUT/logs/$v-initrd.out")"
	zcat "$OUT/$v.cpio.gz" | cpio -it --quiet 2>/dev/null | sort >"$OUT/$v.list"
done
VMLINUZ=$("$TOP/tests/dracut/debian-kernel.sh" vmlinuz)

# The same command line for both but for the tool's own settings: the
# network (rd.neednet=1: cocoboot's module writes it itself, clevis's
# documentation asks for it), the TEST provider (its driver is in every image
# and dracut loads it in both boots; only the cocoboot image carries its
# material, so it fails at once in the clevis boot), and the trace of every
# exec/exit and kernel message that the timeline is read from. crypt: cocoboot's module turns crypt's own
# unlock off (rd.luks=0); clevis answers crypt's passphrase request in the
# systemd flavour (rd.luks.uuid, the usual clevis setup), and in the shell
# flavour unlocks by itself (rd.luks=0, or crypt's prompt races it).
SIM="rd.driver.pre=tsm_sim tsm_sim.format=sev_guest tsm_sim.material=/etc/tsm/snp.material"
TRACE="trace_event=sched:sched_process_exec,sched:sched_process_exit,printk:console"
COMMON="rootfstype=ext4 rd.neednet=1 $SIM $TRACE"
append_cocoboot="root=/dev/mapper/cmproot $COMMON rd.cocoboot.url=https://10.0.2.2:$BPORT rd.cocoboot.volume=UUID=$KUUID rd.cocoboot.name=cmproot rd.cocoboot.timeout=90"
entry_cocoboot=/usr/sbin/cocoboot
if [ "$FLAVOUR" = systemd ]; then
	append_clevis="root=/dev/mapper/luks-$CUUID $COMMON rd.luks.uuid=$CUUID"
	entry_clevis=/usr/libexec/clevis-luks-askpass
else
	append_clevis="root=/dev/mapper/luks-$CUUID $COMMON rd.luks=0"
	entry_clevis=/usr/libexec/clevis-luks-unlocker
fi

echo "== boots: $ROUNDS each, alternating"
: >"$OUT/boots.txt"
boot_one() { # TOOL ROUND -> a line of boots.txt (dracut-timeline.sh)
	local m=$1 r=$2 log=$OUT/logs/$1-$2.log entry append wall
	case $m in
	clevis) entry=$entry_clevis append=$append_clevis ;;
	cocoboot) entry=$entry_cocoboot append=$append_cocoboot ;;
	esac
	if "$TOP/tests/qemu/boot.sh" --kernel "$VMLINUZ" --initrd "$OUT/$m.cpio.gz" --log "$log" \
		--timeout 240 --mem 1024 --disk "$OUT/$m.luks" --net --append "$append" \
		--expect "CMPD-ROOT-OK compare-root-ok" --fail-on 'Kernel panic' --fail-on 'cocoboot: error' \
		>"$OUT/logs/$m-$r.out" 2>&1 &&
		wall=$(grep -o 'boot: [0-9.]* s wall' "$OUT/logs/$m-$r.out" | awk '{ print $2 }') &&
		"$here/dracut-timeline.sh" "$m" "$log" "$entry" "$wall" >>"$OUT/boots.txt"; then
		tail -n 1 "$OUT/boots.txt" | awk -v r="$r" '{ printf "  %s #%s: unlock %s s (network online %s, tool starts %s, root mounted %s), root init at %s s; %s s wall\n", $1, r, $2, $6, $5, $7, $8, $9 }'
	else
		echo "  $m #$r: FAILED (see $OUT/logs/$m-$r.out, $log)"
	fi
}
for r in $(seq "$ROUNDS"); do
	boot_one clevis "$r"
	boot_one cocoboot "$r"
done

dracut_results >"$OUT/results.md"
cat "$OUT/results.md"
# The picture of this run (docs/performance.md shows docs/boot-timeline.svg).
if python3 "$here/timeline-svg.py" "$OUT/boots.txt" "$OUT/boot-timeline.svg"; then
	cp "$OUT/boot-timeline.svg" "$TOP/docs/boot-timeline.svg"
	echo "timeline drawn: $OUT/boot-timeline.svg, copied to docs/boot-timeline.svg"
fi
