#!/bin/sh
# /init of the measured-direct-boot TEST initramfs (tests/e2e-measured): load
# the simulated provider with the launch measurement the harness computed with
# `cocobroker measure snp`, then become cocoboot.
# The measurement comes from a small virtio disk that starts with
# "cocoboot-sim-measurement=<96 hex>", not from the command line or the
# initramfs: both are measured, so a value in them would change the value it
# names. The disk is the harness playing the PSP, which on SEV-SNP hardware
# computes the digest outside the guest; nothing in the guest can choose it.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
m=
for d in /sys/block/vd*; do
	line=$(/bin/busybox head -c 121 "/dev/${d##*/}" 2>/dev/null)
	case $line in cocoboot-sim-measurement=*) m=${line#cocoboot-sim-measurement=} ;; esac
done
/bin/busybox umount /dev
/bin/busybox umount /sys
/bin/busybox umount /proc
[ ${#m} -eq 96 ] || echo "measured-init: no simulated PSP disk with a measurement; the provider reports its default"
echo "measured-init: insmod tsm_sim.ko format=sev_guest measurement=$m"
/bin/busybox insmod /lib/modules/tsm_sim.ko format=sev_guest material=/etc/tsm/snp.material ${m:+measurement=$m} \
	|| echo "measured-init: insmod failed"
exec /sbin/cocoboot boot
