#!/bin/sh
# /init of the e2e TEST initramfs: load the simulated configfs-tsm provider
# (real guests have sev_guest/tdx_guest built in), with knobs taken from
# e2e.sim=KEY=VALUE,KEY=VALUE and e2e.format=tdx_guest (default sev_guest) on
# the kernel command line, then become cocoboot
# (exec keeps PID 1).
/bin/busybox mount -t proc proc /proc
knobs= format=sev_guest material=/etc/tsm/snp.material
for arg in $(/bin/busybox cat /proc/cmdline); do
	case $arg in
	e2e.sim=*) knobs=$(echo "${arg#e2e.sim=}" | /bin/busybox tr ',' ' ') ;;
	e2e.format=tdx_guest) format=tdx_guest material=/etc/tsm/tdx.material ;;
	esac
done
/bin/busybox umount /proc
echo "e2e-init: insmod tsm_sim.ko format=$format $knobs"
/bin/busybox insmod /lib/modules/tsm_sim.ko format=$format material=$material $knobs \
	|| echo "e2e-init: insmod failed"
exec /sbin/cocoboot boot
