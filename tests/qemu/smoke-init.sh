#!/bin/sh
# /init of the smoke-test guest: is the configfs-tsm report interface there?
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t configfs configfs /sys/kernel/config
echo "SMOKE: uptime $(/bin/busybox cut -d' ' -f1 /proc/uptime) s at init"
if [ -d /sys/kernel/config/tsm/report ]; then
	echo "SMOKE: tsm report dir present"
else
	echo "SMOKE: tsm report dir MISSING"
fi
/bin/busybox poweroff -f
