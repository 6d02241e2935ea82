#!/bin/bash
# run.sh: `make e2e-measured`. SEV-SNP measured direct boot of the e2e guest
# (the project's kernel, an initramfs with cocoboot and the TEST provider)
# under QEMU TCG with the AmdSev OVMF built from Debian's edk2 source:
#   measure     `cocobroker measure snp` computes the launch digest of exactly
#               this launch (firmware, kernel, initrd, command line, 1 vCPU
#               EPYC-v4); mkosi/policy.sh makes the volume's policy from it
#   success     the firmware checks kernel, initrd and command line against the
#               SEV hashes table, the simulated provider reports the computed
#               digest, the broker admits it: the root is unlocked
#   changed     the same guest with one word of the command line changed: the
#               computed digest differs, the provider reports it, the broker
#               refuses with measurement-mismatch
#   stale-table the changed command line with the hashes table of the original:
#               the firmware refuses to start the kernel at all
# How TCG stands in for SEV-SNP is in docs/measure.md ("The e2e test").
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_DIR=$top/build/e2e-measured
# shellcheck source=../e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally

FIRMWARE=${AMDSEV_FD:-$BUILD/edk2/OVMF.amdsev.fd}
KERNEL=$BUILD/kernel/bzImage
VCPU_TYPE=EPYC-v4
[ -f "$FIRMWARE" ] || { bad "no AmdSev firmware at $FIRMWARE (make firmware)"; exit; }
e2e_need || { bad "prerequisites"; exit; }
mkdir -p "$W/logs" && rm -f "$W"/logs/* "$W/broker.log"
rm -rf "$W/store"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"

# The initramfs: cocoboot, cryptsetup, the pinned CA, the TEST provider.
INITRD=$W/initramfs.cpio.gz
# shellcheck disable=SC2207
"$top/tests/qemu/mkinitramfs.sh" -o "$INITRD" --file "$W/pki/ca.pem:/etc/cocoboot/ca.pem:0644" \
	$(e2e_cryptsetup_files) --busybox --init "$here/measured-init.sh" --file "$COCOBOOT:/sbin/cocoboot:0755" \
	--file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644" \
	--file "$KEYS/snp/tsm-sim.material:/etc/tsm/snp.material:0644" || { bad "initramfs"; exit; }

CMDLINE="console=ttyS0 panic=-1 oops=panic loglevel=6 ip=dhcp rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.timeout=60"
CHANGED=${CMDLINE/loglevel=6/loglevel=7}

measure() { # APPEND: the launch digest of this guest with that command line
	"$BROKER" measure snp --firmware "$FIRMWARE" --kernel "$KERNEL" --initrd "$INITRD" --append "$1" \
		--vcpus 1 --vcpu-type "$VCPU_TYPE"
}
t0=$(date +%s%N)
M1=$(measure "$CMDLINE") && M2=$(measure "$CHANGED") || { bad "cocobroker measure snp"; exit; }
ms=$(( ($(date +%s%N) - t0) / 2000000 ))
if [ ${#M1} -eq 96 ] && [ "$M1" != "$M2" ]; then
	ok "measure: $M1 (${ms} ms each); one word changed: $M2"
else
	bad "measure: '$M1' / '$M2' (want two different 96-digit digests)"
fi
# The same launch, this image's own artefacts, through an independent
# implementation (virtee/sev-snp-measure) when installed.
# shellcheck source=tests/lib/sev-snp-measure.sh
. "$top/tests/lib/sev-snp-measure.sh"
ssm_find || bad "$ssm_why"
if [ ${#ssm[@]} -eq 0 ]; then
	skip "this launch through sev-snp-measure: $ssm_why"
else
	for c in "$CMDLINE" "$CHANGED"; do
		T=$("${ssm[@]}" --mode snp --ovmf "$FIRMWARE" --kernel "$KERNEL" --initrd "$INITRD" --append "$c" \
			--vcpus 1 --vcpu-type "$VCPU_TYPE" 2>&1)
		want=$M1 && [ "$c" = "$CHANGED" ] && want=$M2
		what="this launch" && [ "$c" = "$CHANGED" ] && what="the changed launch"
		if [ "$T" = "$want" ]; then ok "sev-snp-measure agrees on $what: $T"
		else bad "sev-snp-measure on $what: '$T', cocobroker measure: '$want'"; fi
	done
fi

# The policy as `make image` makes it (mkosi/policy.sh), for this launch only,
# plus what the TEST provider needs: product "test", its TCB.
printf '%s\n' "$CMDLINE" >"$W/cmdline"
if "$top/mkosi/policy.sh" --broker "$BROKER" --firmware "$FIRMWARE" --kernel "$KERNEL" --initrd "$INITRD" \
	--cmdline "$W/cmdline" --vcpus 1 --vcpu-types "$VCPU_TYPE" --out "$W/policy" \
	--snp-extra '"products": ["test"], "vmpls": [0], "min_reported_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}' \
	>"$W/logs/policy.out" 2>&1 && grep -q "\"$M1\"" "$W/policy/policy.json"; then
	ok "policy.json pins the computed digest (firmware sha256 $(awk '$1 == "firmware-sha256" { print $2 }' "$W/policy/launch-values.txt"))"
else
	bad "policy"; cat "$W/logs/policy.out"; exit
fi
cp "$W/policy/policy.json" "$W/policy.json"
UUID=$(cat /proc/sys/kernel/random/uuid)
e2e_root_image "$UUID" "$W/root.img" || { bad "encrypted root image"; exit; }
e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }

# boot NAME APPEND TABLE-APPEND MEASUREMENT TIMEOUT [boot.sh markers...]:
# the firmware gets kernel, initrd and command line as fw_cfg files (see
# docs/measure.md for why not -kernel under TCG), the SEV hashes table for
# TABLE-APPEND where QEMU would put it, and the simulated PSP's disk says
# MEASUREMENT.
boot() {
	local name=$1 append=$2 table_append=$3 m=$4 timeout=$5 gpa
	shift 5
	printf '%s\0' "$append" >"$W/$name.cmdline"
	printf '%s\0' "$table_append" >"$W/$name.table-cmdline"
	gpa=$("$here/sev-hashes.py" "$FIRMWARE" "$KERNEL" "$INITRD" "$W/$name.table-cmdline" "$W/$name.hashes") ||
		return 1
	printf 'cocoboot-sim-measurement=%s\n' "$m" >"$W/$name.psp"
	truncate -s 4096 "$W/$name.psp"
	"$top/tests/qemu/boot.sh" --log "$W/logs/$name.log" --timeout "$timeout" --no-kernel \
		--disk "$W/root.img" --disk-ro "$W/$name.psp" --net --mem 512 \
		--qemu-arg -bios --qemu-arg "$FIRMWARE" \
		--qemu-arg -fw_cfg --qemu-arg "name=etc/boot/kernel,file=$KERNEL" \
		--qemu-arg -fw_cfg --qemu-arg "name=etc/boot/initrd,file=$INITRD" \
		--qemu-arg -fw_cfg --qemu-arg "name=etc/boot/cmdline,file=$W/$name.cmdline" \
		--qemu-arg -device --qemu-arg "loader,file=$W/$name.hashes,addr=$gpa,force-raw=on" "$@"
}

if boot success "$CMDLINE" "$CMDLINE" "$M1" 180 --expect 'E2E-ROOT-OK' --expect "measurement=$M1" \
	--fail-on 'cocoboot: error' --fail-on 'Kernel panic' >"$W/logs/success.out" 2>&1; then
	ok "success: root unlocked ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/success.out"))"
else
	bad "success"; cat "$W/logs/success.out"
fi
if boot changed "$CHANGED" "$CHANGED" "$M2" 180 --expect 'cocoboot: error broker-refused: measurement-mismatch' \
	--expect 'onfail: poweroff' --expect "measurement=$M2" --fail-on 'E2E-ROOT-OK' --fail-on 'Kernel panic' \
	>"$W/logs/changed.out" 2>&1; then
	ok "changed: $(grep -m1 -o 'cocoboot: error [^ ]* [^ ]*' "$W/logs/changed.log")"
else
	bad "changed"; cat "$W/logs/changed.out"
fi
# The firmware's own check: it must not start a kernel whose command line the
# table does not name (it stops in a dead loop; the boot runs into the timeout).
boot stale-table "$CHANGED" "$CMDLINE" "$M2" 60 --fail-on 'Linux version' >"$W/logs/stale-table.out" 2>&1
if grep -q 'timed out' "$W/logs/stale-table.out" && ! grep -q 'Linux version' "$W/logs/stale-table.log"; then
	ok "stale-table: the firmware did not start the kernel"
else
	bad "stale-table"; cat "$W/logs/stale-table.out"
fi
