#!/bin/sh
# /init of the key-hygiene TEST initramfs: tests/e2e/sim-init.c (load the
# simulated provider, then become cocoboot as PID 1) plus a watcher that
# looks at cocoboot's memory from outside, in the kernel's own view
# (/proc/1/smaps), while it holds the volume key: every mlock'ed mapping of
# PID 1 (cocoboot has no mlockall, so these are its secret buffers) must also
# be MADV_DONTDUMP. Unit tests check this on the host; this checks the real
# static musl binary on the guest kernel.
set -u
/bin/busybox mount -t proc proc /proc
knobs='' format=sev_guest material=/etc/tsm/snp.material
for arg in $(/bin/busybox cat /proc/cmdline); do
	case $arg in
	e2e.sim=*) knobs=$(echo "${arg#e2e.sim=}" | /bin/busybox tr ',' ' ') ;;
	e2e.format=tdx_guest) format=tdx_guest material=/etc/tsm/tdx.material ;;
	esac
done
/bin/busybox umount /proc
echo "e2e-init: insmod tsm_sim.ko format=$format $knobs"
# shellcheck disable=SC2086  # knobs are separate module parameters
/bin/busybox insmod /lib/modules/tsm_sim.ko format=$format material=$material $knobs \
	|| echo "e2e-init: insmod failed"

# The watcher prints each finding once. A mapping caught between mlock and
# madvise (microseconds) is not a finding: only a locked mapping without
# "dd" in two samples in a row is. It ends when /proc goes away (cocoboot
# moves it into the new root at switch_root) or after about a minute.
(
	bb=/bin/busybox seen_proc=0 said_ok=0 said_bad=0 prev_bad=0
	for _ in $($bb seq 600); do
		if [ -r /proc/1/smaps ]; then
			seen_proc=1
			flags=$($bb grep '^VmFlags:' /proc/1/smaps 2>/dev/null)
			locked=$(echo "$flags" | $bb grep -c ' lo ')
			nodump=$(echo "$flags" | $bb grep ' lo ' | $bb grep -vc ' dd ')
			if [ "$locked" -gt 0 ] && [ "$nodump" -eq 0 ] && [ $said_ok -eq 0 ]; then
				echo "hygiene-watch: cocoboot key memory: $locked locked mapping(s), all MADV_DONTDUMP"
				said_ok=1
			fi
			if [ "$nodump" -gt 0 ]; then
				if [ $prev_bad -eq 1 ] && [ $said_bad -eq 0 ]; then
					echo "hygiene-watch: LOCKED MAPPING WITHOUT DONTDUMP in cocoboot:"
					echo "$flags" | $bb grep ' lo ' | $bb grep -v ' dd '
					said_bad=1
				fi
				prev_bad=1
			else
				prev_bad=0
			fi
		elif [ $seen_proc -eq 1 ]; then
			break
		fi
		$bb sleep 0.1
	done
) &
exec /sbin/cocoboot boot
