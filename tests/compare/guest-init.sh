#!/bin/sh
# /init of both comparison initramfs images (tests/compare): the same busybox
# steps around one unlock command, so the only difference between the two
# boots is the unlock tool. /etc/compare/env sets METHOD (clevis|cocoboot)
# and, for cocoboot, URL. The guest clock is printed around the unlock
# ("COMPARE: t_before"/"t_after", CLOCK_MONOTONIC in ns) for bench-compare.sh
# to subtract.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t configfs configfs /sys/kernel/config
mkdir -p /run/cryptsetup /run/lock /var/tmp
. /etc/compare/env
# The kernel's own clock in ns, read with shell builtins only (no process
# started inside the measured span): /proc/uptime counts in 10 ms steps, too
# coarse for an unlock of 0.2 s. timer_list's third line is "now at N nsecs".
stamp() {
	{ read -r _; read -r _; read -r _ _ ns _; } </proc/timer_list
	echo "COMPARE: $1 $ns"
}

if [ "$METHOD" = cocoboot ]; then
	# Test scaffolding only (real SEV-SNP guests have sev_guest built in):
	# loaded before the clock starts so it is not billed to cocoboot.
	insmod /lib/modules/tsm_sim.ko format=sev_guest material=/etc/tsm/snp.material ||
		echo "COMPARE: insmod tsm_sim failed"
fi

stamp t_before
case $METHOD in
clevis)   clevis luks unlock -d /dev/vda -n cmproot ;;
cocoboot) cocoboot unlock --no-cmdline --url "$URL" --volume /dev/vda --name cmproot --timeout 60 ;;
esac
rc=$?
stamp t_after
echo "COMPARE: unlock rc=$rc"
if [ $rc -eq 0 ] && mount -o ro /dev/mapper/cmproot /mnt && [ -f /mnt/compare-marker ]; then
	echo "COMPARE: ROOT-OK $METHOD"
	umount /mnt
else
	echo "COMPARE: FAILED $METHOD"
fi
poweroff -f
