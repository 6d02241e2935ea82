#!/bin/sh
# /sbin/init of the e2e "crypttab" root (inside the LUKS2 root volume that
# cocoboot unlocked in the initramfs): the running system opens its data
# volume from /etc/crypttab the way cocoboot-unlock@data.service does
# (`cocoboot-crypttab open data`: cocoboot unlock with the data volume's UUID,
# its own policy at the broker), mounts it and shows its marker. The root
# boots whatever happens to the data volume. Busybox applets as symlinks.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# cocoboot moved /proc, /sys (with configfs) and /dev here; mount what is missing.
[ -e /proc/self/mounts ] || mount -t proc proc /proc
mounted() { grep -q " $1 " /proc/self/mounts; }
mounted /sys || mount -t sysfs sysfs /sys
mounted /dev || mount -t devtmpfs devtmpfs /dev
mounted /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
read -r up _ </proc/uptime
echo "E2E-CRYPTTAB [$up] root running, entries: $(/usr/lib/cocoboot/cocoboot-crypttab list | tr '\n' ' ')"
/usr/lib/cocoboot/cocoboot-crypttab open data
rc=$?
read -r up _ </proc/uptime
echo "E2E-CRYPTTAB [$up] open data exit=$rc"
if [ $rc -eq 0 ] && mount -o ro -t ext4 /dev/mapper/data /mnt; then
	echo "E2E-CRYPTTAB data marker: $(cat /mnt/etc/e2e-marker)"
	umount /mnt
fi
echo "E2E-CRYPTTAB mapped: $(ls /dev/mapper | grep -vx control | tr '\n' ' ')"
echo "E2E-CRYPTTAB root marker: $(cat /etc/e2e-marker)"
sync
poweroff -f
