#!/bin/bash
# e2e.sh [CONFIG...]: the dracut path end to end. For each configuration
# KERNEL-FLAVOUR (default: project-shell project-systemd debian-shell
# debian-systemd)
# build a dracut initramfs with the cocoboot module, the TEST provider
# tsm_sim and the e2e test broker's CA, then boot it in QEMU against a
# cocobroker on the host's loopback (the rig of tests/e2e/lib.sh):
#   success   the LUKS2 root is unlocked and dracut switches to it
#   refused   the broker refuses (measurement not in policy): the console
#             shows cocoboot's reason and the rd.cocoboot.onfail action
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_DIR=$top/build/e2e-dracut
# One run at a time: concurrent runs (two engineers, make check and a manual
# run) would share the work directory and the root image.
mkdir -p "$top/build"
exec 8>"$top/build/.e2e-dracut.lock"
flock 8
# shellcheck source=../e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally

CONFIGS=("$@")
[ ${#CONFIGS[@]} -eq 0 ] && CONFIGS=(project-shell project-systemd debian-shell debian-systemd)

e2e_need || { bad "prerequisites"; exit; }
mkdir -p "$W/logs" && rm -f "$W"/logs/* "$W/broker.log"
rm -rf "$W/store"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
e2e_policy
UUID=$(cat /proc/sys/kernel/random/uuid)
e2e_root_image "$UUID" "$W/root.img" || { bad "encrypted root image (see $W/enrol.log)"; exit; }
e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }

NAME=cocoboot-root
# A snapshot of the binary: the initramfs must carry exactly these bytes,
# whatever rebuilds build/cocoboot meanwhile.
cp "$COCOBOOT" "$W/cocoboot"
# The provider is loaded by dracut itself (rd.driver.pre) with its
# parameters from the command line, as any module would be.
SIM="rd.driver.pre=tsm_sim tsm_sim.format=sev_guest tsm_sim.material=/etc/tsm/snp.material"
BASE="root=/dev/mapper/$NAME rootfstype=ext4 rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.volume=UUID=$UUID rd.cocoboot.name=$NAME rd.cocoboot.timeout=90 $SIM"

for cfg in "${CONFIGS[@]}"; do
	kernel=${cfg%-*} flavour=${cfg#*-}
	img=$W/$cfg.img
	if ! "$here/mkinitrd.sh" --flavour "$flavour" --kernel "$kernel" --out "$img" --cocoboot "$W/cocoboot" \
		--ca "$W/pki/ca.pem" --include "$KEYS/snp/tsm-sim.material" /etc/tsm/snp.material \
		>"$W/logs/$cfg-mkinitrd.out" 2>&1; then
		bad "$cfg: dracut"; tail -n 20 "$W/logs/$cfg-mkinitrd.out"; continue
	fi
	ok "$cfg: $(tail -n 1 "$W/logs/$cfg-mkinitrd.out")"
	# The module must carry the very binary that was built.
	rm -rf "$W/x" && mkdir "$W/x" && (cd "$W/x" && zcat "$img" | cpio -id --quiet usr/sbin/cocoboot 2>/dev/null)
	if cmp -s "$W/x/usr/sbin/cocoboot" "$W/cocoboot"; then ok "$cfg: initramfs carries $("$W/x/usr/sbin/cocoboot" --version)"
	else bad "$cfg: cocoboot in the initramfs differs from the built one"; fi

	kargs=()
	[ "$kernel" = debian ] && kargs=(--kernel "$("$here/debian-kernel.sh" vmlinuz)")
	boot() { # CASE APPEND MARKERS...
		local c=$1 a=$2; shift 2
		"$top/tests/qemu/boot.sh" "${kargs[@]}" --initrd "$img" --log "$W/logs/$cfg-$c.log" \
			--timeout 240 --mem 1024 --disk "$W/root.img" --net --append "$BASE $a ${E2E_DRACUT_APPEND:-}" "$@" \
			>"$W/logs/$cfg-$c.out" 2>&1
	}
	if boot success "" --expect E2E-ROOT-OK --fail-on 'cocoboot: error' --fail-on 'Kernel panic'; then
		ok "$cfg: success ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/$cfg-success.out"); $(
			grep -m1 -o 'cocoboot-dracut: \[[0-9.]*\] running' "$W/logs/$cfg-success.log" | tr -d '[]' |
			awk '{ print "unlock starts at " $2 " s" }'), root at $(
			grep -m1 -o 'e2e-root: \[[0-9.]*\]' "$W/logs/$cfg-success.log" | tr -d '[]' | awk '{ print $2 }') s)"
	else
		bad "$cfg: success"; cat "$W/logs/$cfg-success.out"
	fi
	if boot refused "tsm_sim.measurement=$(printf 'ee%.0s' $(seq 48))" \
		--expect 'cocoboot: error broker-refused: measurement-mismatch' --expect 'onfail=poweroff' \
		--fail-on E2E-ROOT-OK --fail-on 'Kernel panic'; then
		ok "$cfg: refused ($(grep -m1 -o 'cocoboot: error .*' "$W/logs/$cfg-refused.log"))"
	else
		bad "$cfg: refused"; cat "$W/logs/$cfg-refused.out"
	fi
done
