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
#   corrupt   the host flipped the ciphertext of the root's ext4 superblock
#             after enrolment: the header is intact, so the broker releases
#             and the volume opens, but the root does not mount (shell
#             flavour: dracut's emergency_shell after the failed mount;
#             systemd: cocoboot refuses the device udev left
#             SYSTEMD_READY=0, which systemd would wait for for ever, and
#             closes it); the guest
#             must power off without a shell prompt ever reaching the console
#   second-luks (systemd flavour) a second LUKS2 disk listed with rd.luks.uuid=
#             and a key file: dracut unlocks it, cocoboot the root (no global
#             rd.luks=0 any more)
#   corrupt-shell (project kernel only) the same with
#             rd.cocoboot.onfail=shell: the operator asked for the shell and
#             gets it
# DRACUT_CASES picks cases (default: all of the above); E2E_DRACUT_TIMEOUT
# bounds each boot (default 240 s; more on a crowded machine).
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

# The host's move after enrolment: flip the ciphertext of the root's ext4
# superblock (plaintext bytes 1024..2047 of the data segment, inside its first
# 4096-byte sector). XTS confines the damage to the flipped 16-byte blocks:
# the LUKS2 header and the rest of the file system are untouched, the key
# still opens the volume, the file system no longer mounts (no backup
# superblock either: the file system has a single block group).
corrupt_superblock() { # IN OUT
	local off
	off=$(cryptsetup luksDump --dump-json-metadata "$1" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["segments"]["0"]["offset"])') || return 1
	cp "$1" "$2" && python3 - "$2" "$((off + 1024))" <<'PY'
import sys
path, at = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(at)
    b = f.read(1024)
    f.seek(at)
    f.write(bytes(x ^ 0xFF for x in b))
PY
	# exactly the superblock's 1024 bytes changed, the header still parses
	[ "$(cmp -l "$1" "$2" | wc -l)" -eq 1024 ] && [ "$(cmp -l "$1" "$2" | awk 'NR==1 { print $1 - 1 }')" -eq $((off + 1024)) ] &&
		cryptsetup luksDump "$2" >/dev/null 2>&1
}
if corrupt_superblock "$W/root.img" "$W/root-corrupt.img"; then
	ok "root image with the superblock ciphertext flipped (data segment +1024, 1024 bytes)"
else
	bad "corrupting the superblock ciphertext"
fi

# What a shell on the console looks like, in either flavour: dracut's shell
# (PS1 "NAME:/# "), dracut-emergency and sulogin under systemd, systemd's own
# emergency/rescue messages, bash's default prompt.
SHELL_MARKERS=('Dropping to debug shell' 'Entering emergency mode' 'You are in emergency mode'
	'You are in rescue mode' 'Give root password' 'Press Enter for maintenance' 'Cannot open access to console'
	'Emergency Shell'
	':/# ' 'sh-5.')
NO_SHELL=() SHELL_STOPS=()
for m in "${SHELL_MARKERS[@]}"; do
	NO_SHELL+=(--fail-on "$m" --stop-on "$m")
	SHELL_STOPS+=(--stop-on "$m")
done
# A prompt waiting on the console's last line (without a newline): "... # ".
prompt_at_end() { tail -c 300 "$1" | tr -d '\r' | tail -n 1 | grep -qE '[#$] ?$'; }
want() { [ -z "${DRACUT_CASES:-}" ] || [[ " $DRACUT_CASES " == *" $1 "* ]]; }

# A second LUKS2 disk for dracut's own crypt handling (case second-luks): a
# passphrase-formatted volume whose key file goes into the initramfs (TEST
# only), as a user's existing key-file setup would.
rm -f "$W/second.img" && truncate -s 24M "$W/second.img"
head -c 32 /dev/urandom >"$W/second.key"
cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--key-file "$W/second.key" "$W/second.img" >/dev/null 2>&1 || bad "second LUKS2 disk"
SECOND=$(cryptsetup luksUUID "$W/second.img")

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
	boot() { # CASE APPEND MARKERS... (disk=IMAGE for another root image)
		local c=$1 a=$2; shift 2
		"$top/tests/qemu/boot.sh" "${kargs[@]}" --initrd "$img" --log "$W/logs/$cfg-$c.log" \
			--timeout "${E2E_DRACUT_TIMEOUT:-240}" --mem 1024 --disk "${disk:-$W/root.img}" --net --append "$BASE $a ${E2E_DRACUT_APPEND:-}" "$@" \
			>"$W/logs/$cfg-$c.out" 2>&1
	}
	timeline() { # CASE: wall time and guest times of unlock and of the action (those that happened)
		{
			grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/$cfg-$1.out"
			grep -m1 -o 'cocoboot: \[ *[0-9.]*\] .* opened as /dev/mapper/' "$W/logs/$cfg-$1.log" | tr -d '[]' |
				awk '{ print "unlocked at " $2 " s" }'
			grep -m1 -o 'cocoboot-dracut: \[[0-9.]*\] \(emergency path\|root volume not unlocked\)' \
				"$W/logs/$cfg-$1.log" | tr -d '[]' | awk '{ print ($3 == "emergency" ? "emergency path" : "onfail") " at " $2 " s" }'
		} | paste -sd';' | sed 's/;/; /g'
	}
	want success &&
	if boot success "" --expect E2E-ROOT-OK --fail-on 'cocoboot: error' --fail-on 'Kernel panic'; then
		ok "$cfg: success ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/$cfg-success.out"); $(
			grep -m1 -o 'cocoboot: \[ *[0-9.]*\]' "$W/logs/$cfg-success.log" | tr -d '[]' |
			awk '{ print "unlock starts at " $2 " s" }'), root at $(
			grep -m1 -o 'e2e-root: \[[0-9.]*\]' "$W/logs/$cfg-success.log" | tr -d '[]' | awk '{ print $2 }') s)"
	else
		bad "$cfg: success"; cat "$W/logs/$cfg-success.out"
	fi
	want refused &&
	if boot refused "tsm_sim.measurement=$(printf 'ee%.0s' $(seq 48))" \
		--expect 'cocoboot: error broker-refused: measurement-mismatch' --expect 'onfail=poweroff' \
		--fail-on E2E-ROOT-OK --fail-on 'Kernel panic'; then
		ok "$cfg: refused ($(grep -m1 -o 'cocoboot: error .*' "$W/logs/$cfg-refused.log"))"
	else
		bad "$cfg: refused"; cat "$W/logs/$cfg-refused.out"
	fi

	# No global rd.luks=0: another LUKS device the command line lists
	# (rd.luks.uuid=, here with a key file) is still unlocked by dracut's
	# crypt/systemd-cryptsetup, next to cocoboot's root, which is not
	# handed to them. systemd flavour (systemd-cryptsetup's rd.luks.key=
	# UUID=FILE syntax); the console shows its unit.
	if want second-luks && [ "$flavour" = systemd ]; then
		# dracut's crypt unlocks through systemd-cryptsetup in this flavour,
		# which the minimal module set above leaves out: an image with it.
		if "$here/mkinitrd.sh" --flavour "$flavour" --kernel "$kernel" --out "$W/$cfg-cs.img" --cocoboot "$W/cocoboot" \
			--ca "$W/pki/ca.pem" --include "$KEYS/snp/tsm-sim.material" /etc/tsm/snp.material \
			--include "$W/second.key" /etc/cocoboot-test/second.key --add systemd-cryptsetup \
			>"$W/logs/$cfg-cs-mkinitrd.out" 2>&1; then :
		else bad "$cfg: dracut with systemd-cryptsetup"; tail -n 20 "$W/logs/$cfg-cs-mkinitrd.out"; fi
		if img=$W/$cfg-cs.img boot second-luks "rd.luks.uuid=$SECOND rd.luks.key=$SECOND=/etc/cocoboot-test/second.key" \
			--disk "$W/second.img" \
			--expect E2E-ROOT-OK --expect "opened as /dev/mapper/$NAME" --expect 'systemd-cryptsetup@luks' \
			--fail-on 'cocoboot: error' --fail-on 'Kernel panic' &&
			# systemd colours and shortens the unit's name on the console:
			# colours off, then its UUID's last group
			sed 's/\x1b\[[0-9;]*[mK]//g' "$W/logs/$cfg-second-luks.log" >"$W/logs/$cfg-second-luks.txt" &&
			grep -q "Finished systemd-cryptsetup@luks.*${SECOND##*-}" "$W/logs/$cfg-second-luks.txt" &&
			! grep -q "systemd-cryptsetup@luks.*${UUID##*-}" "$W/logs/$cfg-second-luks.txt"; then
			ok "$cfg: second LUKS device: unlocked by dracut's systemd-cryptsetup (luks-...${SECOND##*-}), root by cocoboot only ($(timeline second-luks))"
		else
			bad "$cfg: second LUKS device"; cat "$W/logs/$cfg-second-luks.out"
		fi
	fi
	# The corrupt root, by flavour: the shell initrd opens it and its mount
	# fails (an emergency path); under systemd, cocoboot refuses the device
	# udev marked SYSTEMD_READY=0 (sysroot.mount would wait for ever) and
	# closes it again, and its unit fails into the onfail action.
	if [ "$flavour" = systemd ]; then
		CORRUPT_SEEN=(--expect "cocoboot: error root-mount: no filesystem on /dev/mapper/$NAME (udev: SYSTEMD_READY=0)")
		CORRUPT_POWEROFF=(--expect 'onfail=poweroff' --fail-on "opened as /dev/mapper/$NAME")
	else
		CORRUPT_SEEN=(--expect "opened as /dev/mapper/$NAME")
		CORRUPT_POWEROFF=(--expect 'emergency path: ' --expect 'no shell in a cocoboot initrd: onfail=poweroff'
			--fail-on 'cocoboot: error')
	fi
	# A fresh copy for every boot: nothing the guest writes carries over.
	if want corrupt; then
		cp "$W/root-corrupt.img" "$W/disk-$cfg.img"
		if disk=$W/disk-$cfg.img boot corrupt "" "${NO_SHELL[@]}" \
			"${CORRUPT_SEEN[@]}" "${CORRUPT_POWEROFF[@]}" --expect 'reboot: Power down' \
			--fail-on E2E-ROOT-OK --fail-on 'Kernel panic' &&
			! prompt_at_end "$W/logs/$cfg-corrupt.log"; then
			ok "$cfg: corrupt superblock -> unlocked, $([ "$flavour" = systemd ] &&
				echo "refused and closed by cocoboot" || echo "mount fails"), powered off, no shell ($(timeline corrupt); $(
				grep -m1 -o 'emergency path: [^;]*\|cocoboot: error [^(]*' "$W/logs/$cfg-corrupt.log"))"
		else
			bad "$cfg: corrupt superblock"; cat "$W/logs/$cfg-corrupt.out"
			prompt_at_end "$W/logs/$cfg-corrupt.log" && echo "(a prompt waits on the console's last line)"
		fi
	fi
	# The operator's explicit choice still works (one kernel is enough: the
	# flavour decides how the shell is opened).
	if want corrupt-shell && [ "$kernel" = project ]; then
		cp "$W/root-corrupt.img" "$W/disk-$cfg.img"
		if disk=$W/disk-$cfg.img boot corrupt-shell "rd.cocoboot.onfail=shell" "${SHELL_STOPS[@]}" \
			"${CORRUPT_SEEN[@]}" --expect 'rd.cocoboot.onfail=shell: opening the emergency shell' \
			--fail-on E2E-ROOT-OK --fail-on 'reboot: Power down' --fail-on 'Kernel panic' &&
			shown=$(for m in "${SHELL_MARKERS[@]}"; do grep -F -m1 -o -- "$m" "$W/logs/$cfg-corrupt-shell.log"; done; true) &&
			[ -n "$shown" ]; then
			ok "$cfg: corrupt superblock, rd.cocoboot.onfail=shell -> a shell ($(echo "$shown" | head -n 1 | sed 's/ *$//'); $(
				grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/$cfg-corrupt-shell.out"))"
		else
			bad "$cfg: corrupt superblock, rd.cocoboot.onfail=shell"; cat "$W/logs/$cfg-corrupt-shell.out"
		fi
	fi
	rm -f "$W/disk-$cfg.img"
done
