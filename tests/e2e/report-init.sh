#!/bin/sh
# /init of the e2e "replay" guest: run `cocoboot report` with the report data
# given as e2e.inblob=HEX on the kernel command line and hand the evidence to
# the host on raw virtio disks (outblob on vdb, auxblob on vdc).
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
inblob=
for arg in $($bb cat /proc/cmdline); do
	case $arg in e2e.inblob=*) inblob=${arg#e2e.inblob=} ;; esac
done
$bb insmod /lib/modules/tsm_sim.ko format=sev_guest material=/etc/tsm/snp.material
if /sbin/cocoboot report --inblob "$inblob" --out /tmp/outblob --aux /tmp/auxblob; then
	$bb dd if=/tmp/outblob of=/dev/vdb bs=4096 conv=sync 2>/dev/null
	$bb dd if=/tmp/auxblob of=/dev/vdc bs=4096 conv=sync 2>/dev/null
	$bb sync
	# An operator's --privlevel must reach the provider: SNP puts it in VMPL (0x30).
	if /sbin/cocoboot report --inblob "$inblob" --out /tmp/pl --privlevel 2 >/dev/null; then
		echo "E2E-PRIVLEVEL vmpl=$($bb od -An -tu4 -j 48 -N 4 /tmp/pl | $bb tr -d ' ')"
	fi
	echo "E2E-REPORT outblob=$($bb stat -c %s /tmp/outblob) auxblob=$($bb stat -c %s /tmp/auxblob)"
fi
$bb poweroff -f
