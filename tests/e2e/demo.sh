#!/bin/bash
# demo.sh (`make demo`): build everything, create a TEST broker PKI, enrol a
# volume whose policy matches the simulated guest, build its LUKS2 root image,
# start cocobroker on loopback, boot the guest under QEMU and print the
# timeline of the boot and its outcome. The image is the TEST "sim" flavour:
# cocoboot, the CA, the simulated provider and its static C /init.
# DEMO_ACTIVATE=cryptsetup boots the earlier way instead, for comparison:
# cryptsetup (and busybox) in the image, rd.cocoboot.activate=cryptsetup.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
echo "== building (kernel, cocoboot, cocobroker, test provider, test keys)"
make -s --no-print-directory e2e-deps 2>&1 | grep -v -E 'overriding recipe|ignoring old recipe' || true
export E2E_DIR=${E2E_DIR:-$PWD/build/demo}
# shellcheck source=lib.sh
. "$here/lib.sh"
trap 'e2e_stop_broker' EXIT
e2e_need || exit 1
rm -rf "$W/store" "$W/logs" && mkdir -p "$W/logs"

echo "== test broker PKI (CA pinned in the initramfs)"
e2e_pki || exit 1
PORT=$(free_port)
e2e_broker_config broker "$PORT"
e2e_policy
UUID=$(cat /proc/sys/kernel/random/uuid)
echo "== enrolling volume $UUID and encrypting the root image offline"
e2e_root_image "$UUID" "$W/root.img" || exit 1
echo "== initramfs"
extra=() activate=
if [ "${DEMO_ACTIVATE:-cocoboot}" = cryptsetup ]; then
	extra=(busybox cryptsetup) activate=rd.cocoboot.activate=cryptsetup
fi
e2e_initramfs "$W/initramfs-sim.cpio.gz" "$W/pki/ca.pem" sim "${extra[@]}" || exit 1
echo "== starting cocobroker on 127.0.0.1:$PORT (the guest sees 10.0.2.2:$PORT)"
e2e_start_broker "$W/broker.json" || exit 1
echo "== booting the guest (QEMU TCG)"
E2E_INITRD=$W/initramfs-sim.cpio.gz e2e_boot demo "$W/root.img" \
	"rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.timeout=60 $activate" 120 \
	--expect E2E-ROOT-OK --fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/demo.out" 2>&1
rc=$?
log=$W/logs/demo.log

stamp() { # stamp PATTERN: guest seconds of the first console line matching PATTERN
	local line
	line=$(grep -m1 -E -- "$1" "$log") || { echo "-"; return; }
	if [[ $line =~ ^\[\ *([0-9]+\.[0-9]+)\] ]]; then echo "${BASH_REMATCH[1]}"
	elif [[ $line =~ ^cocoboot:\ \[\ *([0-9]+\.[0-9]+)\] ]]; then echo "${BASH_REMATCH[1]}"
	elif [[ $line =~ ^e2e-root:\ \[([0-9.]+)\] ]]; then echo "${BASH_REMATCH[1]}"
	else echo "-"; fi
}
echo
echo "timeline (guest seconds since kernel start, QEMU TCG):"
row() { # row LABEL SECONDS|-
	if [ "$2" = - ]; then printf '  %-34s %8s\n' "$1" -; else printf '  %-34s %8.3f\n' "$1" "$2"; fi
}
rows() { while [ $# -ge 2 ]; do row "$1" "$2"; shift 2; done; }
rows \
	"kernel start" "$(stamp 'Linux version')" \
	"network up (ip=dhcp)" "$(stamp 'Sending DHCP requests')" \
	"test provider loaded (insmod)" "$(stamp 'TEST-ONLY provider')" \
	"cocoboot start (PID 1)" "$(stamp 'cocoboot: .*start \(PID 1\)')" \
	"LUKS2 header validated" "$(stamp 'LUKS2 header of')" \
	"TLS 1.3 session up" "$(stamp 'TLS 1.3 session')" \
	"attestation report" "$(stamp 'report: provider')" \
	"volume key received" "$(stamp 'volume key received')" \
	"key checked against the digest" "$(stamp 'key matches the LUKS2 digest')" \
	"volume open (${DEMO_ACTIVATE:-dm-crypt ioctls})" "$(stamp 'opened as /dev/mapper')" \
	"root mounted" "$(stamp 'mounted on /sysroot')" \
	"switch_root + exec init" "$(stamp 'switching root')" \
	"root's init running" "$(stamp '^e2e-root:')"
start=$(stamp 'cocoboot: .*start \(PID 1\)') end=$(stamp 'switching root')
k0=$(stamp 'Linux version') k1=$(stamp '^e2e-root:')
[ "$k0" != - ] && [ "$k1" != - ] && printf '  %-34s %8.3f s\n' "kernel start -> root's init" "$(echo "$k1 - $k0" | bc)"
[ "$start" != - ] && [ "$end" != - ] && printf '  %-34s %8.3f s\n' "cocoboot's share (start -> switch)" "$(echo "$end - $start" | bc)"
echo "sizes: cocoboot $(stat -c %s "$COCOBOOT") bytes, initramfs $(stat -c %s "$W/initramfs-sim.cpio.gz") bytes (gzip)"
grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/demo.out" | sed 's/^/QEMU /'
echo
if [ $rc -eq 0 ]; then
	grep -m1 '^e2e-root:' "$log"
	echo "OUTCOME: SUCCESS — the guest attested, received its volume key, unlocked the LUKS2 root and switched to it"
else
	cat "$W/logs/demo.out"
	echo "OUTCOME: FAILURE (console: $log)"
fi
exit $rc
