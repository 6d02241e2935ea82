#!/bin/bash
# e2e.sh: `make e2e-mkosi`. Build the TEST variant of the mkosi image for a
# broker on the host's loopback, encrypt its root with a volume key enrolled
# at that broker (mkosi/enrol.sh), and boot it under QEMU (TCG) with OVMF
# from its own ESP (systemd-boot, dracut initramfs with cocoboot):
#   success  the root is unlocked, systemd runs from it and the TEST marker
#            service prints MKOSI-ROOT-OK
#   refused  the volume's policy is changed to another measurement: the
#            broker refuses, cocoboot says why and the guest powers off
#   measured SEV-SNP measured direct boot of the image's kernel, initramfs and
#            command line with the AmdSev OVMF (docs/measure.md): the policy
#            mkosi/policy.sh computes admits the digest the simulated provider
#            reports for that launch; with one word of the command line
#            changed the digest differs and the broker refuses
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export E2E_DIR=$top/build/mkosi/e2e
# One run at a time: concurrent runs would share the image and the broker port.
mkdir -p "$top/build/mkosi"
exec 8>"$top/build/mkosi/.e2e.lock"
flock 8
# shellcheck source=../tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally

OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
[ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ] || { bad "OVMF firmware ($OVMF_CODE; make deps installs ovmf)"; exit; }
e2e_need || { bad "prerequisites"; exit; }
mkdir -p "$W/logs" && rm -f "$W"/logs/* "$W/broker.log"
rm -rf "$W/store"
e2e_pki || { bad "test PKI"; exit; }
# The URL is part of the image's command line: a fixed port.
PORT=${MKOSI_E2E_PORT:-18443}
e2e_broker_config broker "$PORT"
e2e_policy
# The image as mkosi made it stays untouched; the enrolled copy is booted.
PLAIN=$W/image/cocoboot-guest.raw
IMG=$W/guest.raw

t0=$(date +%s)
if [ -n "${MKOSI_E2E_REUSE:-}" ] && [ -f "$PLAIN" ] && [ -s "$W/image/volume-uuid" ]; then
	# For working on the boot side: the UUID is part of the image's command line.
	UUID=$(cat "$W/image/volume-uuid")
	echo "note: MKOSI_E2E_REUSE: reusing $PLAIN (volume $UUID)"
elif UUID=$(cat /proc/sys/kernel/random/uuid) && "$here/build-image.sh" --test --out "$W/image" --ca "$W/pki/ca.pem" --url "https://10.0.2.2:$PORT" \
	--uuid "$UUID" >"$W/logs/build.out" 2>&1; then
	ok "mkosi image built in $(( $(date +%s) - t0 )) s ($(grep -o 'dracut initramfs.*' "$W/logs/build.out"))"
else
	bad "mkosi image"; tail -n 30 "$W/logs/build.out"; exit
fi
mkdir -p "$W/store"
cp --sparse=always "$PLAIN" "$IMG"
if "$here/enrol.sh" "$IMG" "$UUID" "$W/broker.json" "$W/policy.json" >"$W/logs/enrol.out" 2>&1; then
	ok "root partition encrypted, volume $UUID enrolled"
else
	bad "enrolment"; cat "$W/logs/enrol.out"; exit
fi
e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }

FIRMWARE_ARGS=()
boot() { # NAME MARKERS...: boot from the disk through OVMF and systemd-boot
	local name=$1 rc; shift
	cp "$OVMF_VARS" "$W/vars.fd"
	local log=$W/logs/$name.log start
	# The firmware: OVMF with its variable store, booting the disk, unless
	# FIRMWARE_ARGS says otherwise (the measured direct boot below).
	local fw=(-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE"
		-drive if=pflash,format=raw,unit=1,file="$W/vars.fd")
	[ ${#FIRMWARE_ARGS[@]} -gt 0 ] && fw=("${FIRMWARE_ARGS[@]}")
	start=$(date +%s)
	timeout -k 5 "${MKOSI_E2E_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 \
		-nodefaults -no-reboot -display none -serial stdio -monitor none "${fw[@]}" \
		-drive file="$IMG",format=raw,if=virtio \
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0 -device virtio-rng-pci \
		</dev/null >"$log" 2>&1
	rc=$?
	echo "wall $(( $(date +%s) - start )) s" >>"$log.wall"
	[ $rc -eq 124 ] && { echo "timed out"; return 1; }
	local m
	for m in "$@"; do
		case $m in
		!*) grep -qF -- "${m#!}" "$log" && { echo "console shows '${m#!}'"; return 1; } ;;
		*) grep -qF -- "$m" "$log" || { echo "missing '$m'"; return 1; } ;;
		esac
	done
	return 0
}
timeline() { # LOG: kernel start -> cocoboot's first line -> volume opened -> root marker (guest uptime)
	local log=$1
	printf 'wall %s; cocoboot at %s s, unlocked at %s s, root marker at %s s' \
		"$(cat "$log.wall" | awk '{ print $2 }')s" \
		"$(grep -m1 -o 'cocoboot: \[ *[0-9.]*\]' "$log" | tr -d '[]' | awk '{ print $2 }')" \
		"$(grep -m1 -o 'cocoboot: \[ *[0-9.]*\] .* opened as /dev/mapper/' "$log" | tr -d '[]' | awk '{ print $2 }')" \
		"$(grep -m1 -o 'MKOSI-ROOT-OK \[[0-9.]*\]' "$log" | tr -d '[]' | awk '{ print $2 }')"
}

if why=$(boot success MKOSI-ROOT-OK '!MKOSI-ROOT-WRONG' '!cocoboot: error' '!Kernel panic' '!emergency mode'); then
	ok "success: $(grep -m1 -o 'MKOSI-ROOT-OK.*' "$W/logs/success.log" | tr -d '\r'); $(timeline "$W/logs/success.log")"
else
	bad "success: $why"; grep -E 'cocoboot|Failed|error' "$W/logs/success.log" | tail -n 20
fi

# Same guest, another policy: the broker must refuse and the guest power off.
SIM_MEASUREMENT=$(printf 'ee%.0s' $(seq 48)) e2e_policy
cp "$W/policy.json" "$W/policy-other.json"
if "$BROKER" volume set-policy --uuid "$UUID" --policy "$W/policy-other.json" --config "$W/broker.json" \
	>"$W/logs/set-policy.out" 2>&1; then
	if why=$(boot refused 'cocoboot: error broker-refused: measurement-mismatch' 'onfail=poweroff' \
		'reboot: Power down' '!MKOSI-ROOT-OK' '!Kernel panic'); then
		ok "refused: $(grep -m1 -o 'cocoboot: error [^ ]* [^ ]*' "$W/logs/refused.log")"
	else
		bad "refused: $why"; grep -E 'cocoboot|Failed' "$W/logs/refused.log" | tail -n 20
	fi
else
	bad "set-policy"; cat "$W/logs/set-policy.out"
fi

# Measured direct boot of the same image (docs/measure.md, "The e2e test"):
# the firmware gets the image's kernel, initramfs and command line as fw_cfg
# files and QEMU's SEV hashes table where QEMU would write it; the simulated
# provider, standing in for the PSP, reports the digest `cocobroker measure
# snp` computed for that launch (fw_cfg opt/org.cocoboot/sim-measurement, read
# by mkosi/test/tsm-sim-load.sh); the volume's policy is the one
# mkosi/policy.sh computes, as `make image` does.
FIRMWARE=${AMDSEV_FD:-$top/build/edk2/OVMF.amdsev.fd}
KERNEL=$W/image/cocoboot-guest.vmlinuz INITRD=$W/image/cocoboot-guest.initrd
CMDLINE=$(cat "$W/image/kernel-cmdline")
CHANGED=${CMDLINE/systemd.firstboot=no/systemd.firstboot=0}
direct() { # NAME APPEND MEASUREMENT MARKERS...
	local name=$1 append=$2 m=$3 gpa
	shift 3
	printf '%s\0' "$append" >"$W/$name.cmdline"
	gpa=$("$top/tests/e2e-measured/sev-hashes.py" "$FIRMWARE" "$KERNEL" "$INITRD" "$W/$name.cmdline" \
		"$W/$name.hashes") || { echo "no hashes table"; return 1; }
	FIRMWARE_ARGS=(-bios "$FIRMWARE" -fw_cfg "name=etc/boot/kernel,file=$KERNEL"
		-fw_cfg "name=etc/boot/initrd,file=$INITRD" -fw_cfg "name=etc/boot/cmdline,file=$W/$name.cmdline"
		-device "loader,file=$W/$name.hashes,addr=$gpa,force-raw=on"
		-fw_cfg "name=opt/org.cocoboot/sim-measurement,string=$m")
	boot "$name" "$@"
	local rc=$?
	FIRMWARE_ARGS=()
	return $rc
}
if [ ! -f "$FIRMWARE" ]; then
	bad "measured: no AmdSev firmware at $FIRMWARE (make firmware)"
elif ! "$top/mkosi/policy.sh" --broker "$BROKER" --firmware "$FIRMWARE" --kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$W/image/kernel-cmdline" --vcpus 1 --vcpu-types EPYC-v4 --out "$W/measured" \
	--snp-extra '"products": ["test"], "vmpls": [0], "min_reported_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}' \
	>"$W/logs/measured-policy.out" 2>&1 ||
	! "$BROKER" volume set-policy --uuid "$UUID" --policy "$W/measured/policy.json" --config "$W/broker.json" \
	>>"$W/logs/measured-policy.out" 2>&1; then
	bad "measured: policy"; cat "$W/logs/measured-policy.out"
else
	M1=$(awk '$1 == "snp" && $2 == 1 && $3 == "EPYC-v4" { print $4 }' "$W/measured/launch-values.txt")
	M2=$("$BROKER" measure snp --firmware "$FIRMWARE" --kernel "$KERNEL" --initrd "$INITRD" --append "$CHANGED" \
		--vcpus 1 --vcpu-type EPYC-v4)
	if [ ${#M1} -eq 96 ] && [ ${#M2} -eq 96 ] && [ "$M1" != "$M2" ]; then
		ok "measured: policy.json pins $M1; one word changed: $M2"
	else
		bad "measured: digests '$M1' / '$M2'"
	fi
	if why=$(direct measured "$CMDLINE" "$M1" MKOSI-ROOT-OK "measurement=$M1" '!MKOSI-ROOT-WRONG' \
		'!cocoboot: error' '!Kernel panic' '!emergency mode'); then
		ok "measured: direct boot admitted, $(grep -m1 -o 'MKOSI-ROOT-OK.*' "$W/logs/measured.log" | tr -d '\r'); $(timeline "$W/logs/measured.log")"
	else
		bad "measured: $why"; grep -E 'cocoboot|tsm_sim|Failed|error' "$W/logs/measured.log" | tail -n 20
	fi
	if why=$(direct measured-changed "$CHANGED" "$M2" 'cocoboot: error broker-refused: measurement-mismatch' \
		'onfail=poweroff' 'reboot: Power down' '!MKOSI-ROOT-OK' '!Kernel panic'); then
		ok "measured-changed: $(grep -m1 -o 'cocoboot: error [^ ]* [^ ]*' "$W/logs/measured-changed.log")"
	else
		bad "measured-changed: $why"; grep -E 'cocoboot|tsm_sim|Failed' "$W/logs/measured-changed.log" | tail -n 20
	fi
fi
