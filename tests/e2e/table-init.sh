#!/bin/sh
# /init of the e2e "table" guest (cases activate-table and digest-refused):
# cocoboot's own dm-crypt activation next to the reference, cryptsetup, in one
# guest. cocoboot opens the volume; its table (key included) is hashed, the
# mapping closed, and cryptsetup opens the same volume with the same key: the
# two tables' SHA-256 and dm UUIDs must be equal. The key and the tables are
# never printed. Then the refusals that must leave nothing mapped: the name
# taken, the device busy. When cocoboot's unlock fails, it shows what is mapped.
bb=/bin/busybox
export DM_DISABLE_UDEV=1 PATH=/sbin:/bin
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mount -t tmpfs -o mode=0700 tmpfs /run
$bb insmod /lib/modules/tsm_sim.ko format=sev_guest material=/etc/tsm/snp.material
mapped() { echo "E2E-TABLE mapped: $(dmsetup ls 2>&1 | $bb awk '{ print $1 }' | $bb tr '\n' ' ')"; }
/sbin/cocoboot unlock --name cmp-root
rc=$?
echo "E2E-TABLE cocoboot exit=$rc"
if [ $rc -ne 0 ]; then
	mapped
	$bb poweroff -f
fi
# Refusals while cmp-root is live: another mapping of that name, another name on the busy device.
/sbin/cocoboot unlock --name cmp-root
echo "E2E-TABLE name-taken exit=$?"
/sbin/cocoboot unlock --name other-root
echo "E2E-TABLE device-busy exit=$?"
mapped
dev=$(dmsetup deps -o devname cmp-root | $bb sed 's/.*(\(.*\))/\1/')
t1=$(dmsetup table --showkeys cmp-root | $bb sha256sum | $bb cut -c1-64)
u1=$(dmsetup info -c --noheadings -o uuid cmp-root)
# The key as the kernel holds it, for cryptsetup (tmpfs, removed at once).
dmsetup table --showkeys cmp-root | $bb cut -d' ' -f5 | $bb xxd -r -p >/run/vk
dmsetup remove cmp-root || echo "E2E-TABLE remove failed"
cryptsetup open --type luks2 --disable-locks --disable-external-tokens --volume-key-file /run/vk "/dev/$dev" cmp-root
echo "E2E-TABLE cryptsetup exit=$?"
$bb rm -f /run/vk
t2=$(dmsetup table --showkeys cmp-root | $bb sha256sum | $bb cut -c1-64)
u2=$(dmsetup info -c --noheadings -o uuid cmp-root)
echo "E2E-TABLE without key: $(dmsetup table cmp-root)"
[ "$u1" = "$u2" ] && echo "E2E-TABLE uuid same: $u1" || echo "E2E-TABLE uuid differs: cocoboot $u1, cryptsetup $u2"
[ -n "$t1" ] && [ "$t1" = "$t2" ] && echo "E2E-TABLE table same" || echo "E2E-TABLE table differs"
$bb poweroff -f
