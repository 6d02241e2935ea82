#!/bin/sh
# /init of the e2e "unlock" guest: cocoboot as a command inside another
# initramfs framework (here a busybox script): `cocoboot unlock` attests and
# opens the volume, then the framework mounts it itself.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb insmod /lib/modules/tsm_sim.ko format=sev_guest material=/etc/tsm/snp.material
/sbin/cocoboot unlock --name framework-root
rc=$?
echo "E2E-UNLOCK exit=$rc"
if [ $rc -eq 0 ] && $bb mount -o ro -t ext4 /dev/mapper/framework-root /mnt; then
	echo "E2E-UNLOCK mounted: $($bb cat /mnt/etc/e2e-marker)"
fi
$bb poweroff -f
